"""Account actions: one function per action, used by pages, API and CLI alike."""

from ..config import LANGUAGES
from ..fields import choice
from .models import User


def set_user_locale(user: User, language: str) -> None:
    """Remember the user's interface language."""
    user.locale = choice(language, "language", LANGUAGES)
