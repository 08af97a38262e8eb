"""Locale selection, language names, text direction and formatting helpers (DESIGN §8)."""

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..config import LANGUAGES, RTL_LANGUAGES


def select_locale() -> str:
    """The signed-in user's choice, else what the request asks for (:func:`requested_language`)."""
    if not has_request_context():
        # CLI commands and background work have no visitor: they speak the default language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return language_of(current_user)


def language_of(user) -> str:
    """The language ``user`` reads in now: their own choice, else what the request asks for
    (:func:`requested_language`). For a socket event, whose user Flask-Login does not
    know (a token's): the socket's user, given, speaks as a page's signed-in user would."""
    if user and user.is_authenticated and user.locale in LANGUAGES:
        return user.locale
    return requested_language()


def requested_language() -> str:
    """The language the request itself asks for: the visitor's choice kept in the session,
    else ``?lang=``, else Accept-Language, else English.

    Reads nothing from the database (a signed-in user's own choice is
    :func:`select_locale`'s), so a socket event handed to another's group can say it
    before it waits.
    """
    if (choice := session.get("locale")) in LANGUAGES:
        return choice
    if (lang := request.args.get("lang")) in LANGUAGES:
        return lang
    return accepted_language(request.accept_languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def accepted_language(accept_languages) -> str | None:
    """The UI language the browser prefers most, matching regional variants by language.

    Browsers send tags like ``fr-CA,en;q=0.5``: the reader asked for French first, so French
    it is (werkzeug's ``best_match`` would pick the exact "en" over the regional "fr-CA").
    """
    for tag, quality in accept_languages:
        primary = tag.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return None


def select_timezone() -> str:
    """Times are shown in UTC: delegates of a global forum share one clock."""
    return "UTC"


def current_language() -> str:
    """The two-letter code of the locale of this request."""
    return str(get_locale() or "en").split("_")[0]


def text_direction(language: str | None = None) -> str:
    """``rtl`` for right-to-left languages, else ``ltr``."""
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


def language_name(code: str, in_language: str | None = None) -> str:
    """The name of the language ``code`` in ``in_language`` (its own name by default)."""
    try:
        locale = Locale.parse(code.replace("-", "_"))
        return locale.get_display_name(in_language or code) or code
    except (ValueError, TypeError):
        return code


#: What the percentage of an undefined ratio (no ballots yet, nobody reacted) reads as.
NO_PERCENT = "—"


def percent(ratio: Fraction | Decimal | float | str | None) -> str:
    """A ratio as a percentage in the reader's locale, with at most one decimal: 17/24 is
    ``70.8%`` in English and ``70,8 %`` in French, 3/4 is ``75%``.

    Takes exact ratios (``Fraction``, or the API's ``"2/3"``) as well as floats; rounds in
    exact arithmetic, then writes the locale's own percent pattern. No ratio (None, or text
    that is none) is a dash. The one percentage of pages, records and views alike.
    """
    try:
        exact = Fraction(ratio) if ratio not in (None, "") else None
    except (TypeError, ValueError, ZeroDivisionError):
        exact = None
    if exact is None:
        return NO_PERCENT
    rounded = Decimal(round(exact * 1000)) / 1000
    return format_percent(rounded, locale=get_locale(), decimal_quantization=False)


def numbering_system() -> str:
    """The numbering system (``latn``, ``arab`` …) Babel writes this locale's numbers in."""
    locale = get_locale() or Locale("en")
    return getattr(locale, "default_numbering_system", None) or "latn"


#: Counts from 0 to this meet every CLDR plural category of the six languages.
_PLURAL_SAMPLES = 200


def plural_forms(translate: Callable[[int], str]) -> dict[str, str]:
    """A plural message for the page script: ``translate(n)`` (an ``ngettext`` call that puts
    ``"{count}"`` where the number goes) for one count of each CLDR plural category of the
    current locale — the categories ``Intl.PluralRules.select`` names. The script picks the
    form, so no live count reads "1 posts" or "1 согласны"."""
    locale = get_locale() or Locale("en")
    forms: dict[str, str] = {}
    for n in range(_PLURAL_SAMPLES + 1):
        forms.setdefault(locale.plural_form(n), translate(n))
    return forms


def ui_languages() -> list[tuple[str, str]]:
    """(code, native name) of every UI language, for the language switcher."""
    cached = g.get("_ui_languages")
    if cached is None:
        cached = g._ui_languages = [(code, language_name(code)) for code in LANGUAGES]
    return cached


def compile_catalogs(directory: str) -> None:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older, so a fresh clone
    serves every language without a separate build step."""
    for po_path in Path(directory).glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        # Atomic replace: concurrent server processes never read half a catalog.
        tmp_path.replace(mo_path)
