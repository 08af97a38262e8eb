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


def _kept_secret(variable: str, path: Path) -> str:
    """Return the secret in environment ``variable``, else the one kept in ``path``.

    The secret (32 random bytes, hex) is generated on first start and kept, so it survives
    restarts; the file is created with owner-only permissions.
    """
    if key := os.environ.get(variable):
        return key
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
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
        # Signs every session cookie.
        "SECRET_KEY": _kept_secret("SECRET_KEY", instance_path / "secret_key"),
        # The Ed25519 private key (its 32-byte seed, hex, or PEM) that signs the heads of the
        # transparency logs; publish its public half (GET /api/v1/log/key), keep it forever.
        "LOG_SIGNING_KEY": _kept_secret("LOG_SIGNING_KEY", instance_path / "log_signing_key"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Database connections each server process keeps open, and how many more it may
        # open for a burst (closed again as they come back): a room of delegates arriving
        # at once must not open and close a connection per socket. Processes × (both)
        # must stay under PostgreSQL's max_connections.
        "DATABASE_POOL_SIZE": int(os.environ.get("DATABASE_POOL_SIZE", "20")),
        "DATABASE_MAX_OVERFLOW": int(os.environ.get("DATABASE_MAX_OVERFLOW", "0")),
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
        "PRESENCE_RATE_LIMIT": os.environ.get("PRESENCE_RATE_LIMIT", "30/60"),
        # Every socket event, per connection and per member (all their connections).
        "SOCKET_RATE_LIMIT": os.environ.get("SOCKET_RATE_LIMIT", "60/10"),
        "SOCKET_MEMBER_RATE_LIMIT": os.environ.get("SOCKET_MEMBER_RATE_LIMIT", "120/10"),
        # Sign-in attempts per email address, and per client address.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10/300"),
        "LOGIN_CLIENT_RATE_LIMIT": os.environ.get("LOGIN_CLIENT_RATE_LIMIT", "60/300"),
        # A room hears of who is online (counts by group) at most once per this many seconds.
        "PRESENCE_INTERVAL": float(os.environ.get("PRESENCE_INTERVAL", "1.5")),
        # A join without ``after`` carries at most this many of the newest posts in its ack.
        "JOIN_POSTS_LIMIT": int(os.environ.get("JOIN_POSTS_LIMIT", "100")),
        # Live tallies of a motion are sent at most once per this many seconds.
        "VOTING_TALLY_INTERVAL": float(os.environ.get("VOTING_TALLY_INTERVAL", "0.25")),
        # The item page (and GET …/posts) shows a window of whole threads: at most this many
        # top-level threads, and no further thread once it holds this many posts (a post
        # longer than 2,000 characters counts once more per 2,000).
        "THREAD_WINDOW_THREADS": int(os.environ.get("THREAD_WINDOW_THREADS", "100")),
        "THREAD_WINDOW_POSTS": int(os.environ.get("THREAD_WINDOW_POSTS", "100")),
        # An item's opinion groups are recomputed at most once per this many seconds.
        "OPINIONS_INTERVAL": float(os.environ.get("OPINIONS_INTERVAL", "5")),
        # An announcement leaves the session banner this many seconds after it was made
        # (0: it stays until a moderator clears it or announces again).
        "ANNOUNCEMENT_TTL": int(os.environ.get("ANNOUNCEMENT_TTL", "3600")),
        # A round whose time ran out reads "Time is up" this many seconds, then leaves the
        # session panel (a moderator may still extend or stop it).
        "ROUND_FINISHED_TTL": int(os.environ.get("ROUND_FINISHED_TTL", "120")),
        # Outgoing e-mail (notification digests, password reset links): nothing is mailed
        # unless MAIL_SERVER is set.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or "25"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or None,
        # The site's address as its users reach it, for links in mail sent from the CLI.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or "http://127.0.0.1:5000",
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
