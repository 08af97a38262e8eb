"""Settings, read from the environment with embedded defaults (DESIGN §9).

The embedded default needs nothing installed: SQLite in ``instance/``, a secret key
generated once and kept beside it, no message queue.
"""

import os
import secrets
from pathlib import Path

#: The repository root: ``platform/commonground/config.py`` → three levels up.
ROOT = Path(__file__).resolve().parents[2]

LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")
RTL_LANGUAGES = frozenset({"ar"})


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Return the SECRET_KEY from the environment or from ``instance/secret_key``.

    The key is generated on first start and kept, so sessions survive restarts.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # Created with owner-only permissions: the key signs every session cookie.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def settings_from_environment(instance_path: Path) -> dict:
    """Build the Flask configuration mapping from environment variables."""
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = (
        os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'commonground.db'}"
    )
    is_sqlite = database_url.startswith("sqlite")
    origins = os.environ.get("SOCKETIO_ALLOWED_ORIGINS", "")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": int(os.environ.get("PORT", "5000")),
        "AUTO_MIGRATE": _flag("AUTO_MIGRATE", is_sqlite),
        "DEMO": _flag("DEMO", False),
        # Same-origin only unless the operator names the origins allowed to open sockets.
        "SOCKETIO_ALLOWED_ORIGINS": [o.strip() for o in origins.split(",") if o.strip()],
        "SOCKETIO_MAX_PAYLOAD": int(os.environ.get("SOCKETIO_MAX_PAYLOAD", str(256 * 1024))),
        # Per-member rates, "COUNT/SECONDS" ("0/60" switches one off).
        "POST_RATE_LIMIT": os.environ.get("POST_RATE_LIMIT", "10/60"),
        "REACTION_RATE_LIMIT": os.environ.get("REACTION_RATE_LIMIT", "60/60"),
        "JOIN_RATE_LIMIT": os.environ.get("JOIN_RATE_LIMIT", "30/60"),
        "TYPING_RATE_LIMIT": os.environ.get("TYPING_RATE_LIMIT", "40/60"),
        # Sign-in attempts per email address, and per client address.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10/300"),
        "LOGIN_CLIENT_RATE_LIMIT": os.environ.get("LOGIN_CLIENT_RATE_LIMIT", "60/300"),
        # Live tallies of a motion are sent at most once per this many seconds.
        "VOTING_TALLY_INTERVAL": float(os.environ.get("VOTING_TALLY_INTERVAL", "0.25")),
        # An item's opinion groups are recomputed at most once per this many seconds.
        "OPINIONS_INTERVAL": float(os.environ.get("OPINIONS_INTERVAL", "5")),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        # How many proxies (load balancers) stand in front of the app: their X-Forwarded-*
        # headers are then trusted for the client's address, scheme and host.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024))),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": LANGUAGES,
        "WTF_CSRF_TIME_LIMIT": None,
        "JSON_SORT_KEYS": False,
    }
