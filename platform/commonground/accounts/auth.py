"""How a request proves who it is: the session cookie or a bearer API token."""

import hashlib
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..db import commit_keeping_loaded, db, utcnow
from ..extensions import login_manager
from .models import ApiToken, User

#: argon2id with the library's RFC 9106 "low memory" defaults.
password_hasher = PasswordHasher()

TOKEN_PREFIX = "cg_"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return password_hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's; rehashes when the parameters have changed."""
    if not user.password_hash:
        return False
    try:
        password_hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def new_secret_token() -> tuple[str, str]:
    """A fresh random token and its SHA-256 (the only part stored).

    The tokens carry 256 bits of entropy, so a fast hash suffices: there is nothing to
    brute-force, and lookups stay a single indexed query.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_nonce() -> str:
    return secrets.token_hex(16)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the user of a session cookie; a rotated nonce (after logout) loads nobody."""
    user_id, nonce = session_id_parts(session_id)
    if user_id is None:
        return None
    return session_user(db.session.get(User, user_id), nonce)


def session_id_parts(session_id: str | None) -> tuple[int | None, str]:
    """A cookie session's id (``User.get_id()``) as its user id and nonce; ``(None, "")``
    for a malformed one."""
    user_id, _, nonce = (session_id or "").partition(":")
    if not user_id.isdigit() or not nonce:
        return None, ""
    return int(user_id), nonce


def session_user(user: User | None, nonce: str) -> User | None:
    """``user`` if ``nonce`` is their current session nonce, else None (signed out)."""
    if user is None or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


@login_manager.request_loader
def load_user_from_token(req) -> User | None:
    """Authenticate ``Authorization: Bearer <token>``; records the token on ``g``."""
    token = bearer_token(req)
    if token is None:
        return None
    api_token = user_for_token(token)
    if api_token is None:
        return None
    g.api_token = api_token
    return api_token.user


def bearer_token(req) -> str | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def user_for_token(token: str) -> ApiToken | None:
    """The active API token matching ``token``, with its user (one query), or None."""
    api_token = db.session.scalar(_ACTIVE_TOKEN, {"digest": token_digest(token)})
    if api_token is None:
        return None
    now = utcnow()
    # Keep writes rare: remember use at most once a minute per token. The commit records
    # only that; the token and user just read stay loaded rather than read once more.
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        db.session.execute(_RECORD_USE, {"token_id": api_token.id, "now": now})
        set_committed_value(api_token, "last_used_at", now)
        commit_keeping_loaded()
    return api_token


# Built once (every socket connects with one).
_ACTIVE_TOKEN = (
    sa.select(ApiToken)
    .where(ApiToken.token_hash == sa.bindparam("digest"), ApiToken.revoked_at.is_(None))
    .options(joinedload(ApiToken.user))
)
# One column of one row: a plain UPDATE, without the unit of work's flush.
_tokens = ApiToken.__table__
_RECORD_USE = (
    sa.update(_tokens)
    .where(_tokens.c.id == sa.bindparam("token_id"))
    .values(last_used_at=sa.bindparam("now", type_=_tokens.c.last_used_at.type))
)


def init_app(app: Flask) -> None:
    """Configure Flask-Login for pages (API requests get a JSON 401 instead)."""
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Bearer tokens are read per request; they never create a session cookie.
    login_manager.session_protection = "basic"

    @app.before_request
    def _authenticate_bearer_first():
        # A request carrying a bearer token is judged by the token alone, even with a
        # session cookie present, so scripts and browsers never mix identities.
        if bearer_token(request) is not None:
            user = load_user_from_token(request)
            g.bearer_rejected = user is None
            g._login_user = user if user is not None else login_manager.anonymous_user()
