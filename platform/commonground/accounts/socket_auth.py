"""Who a socket is: decided at connect, and re-read from the database at every event.

A socket connects with the browser's session cookie or ``auth={"token": API_TOKEN}``.
What is kept for the connection is only *how* it authenticated (the cookie's session, or
the token's row id); the user, their token and their memberships are loaded afresh for
every event, so a logout, a revoked token, a removal or a demotion takes effect at once.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy.orm import joinedload

from ..db import OneOf, db
from ..errors import Forbidden, ServiceError, Unauthorized
from ..realtime.budget import USER_KEY
from ..realtime.rooms import user_room
from .auth import session_id_parts, session_user, user_for_token
from .models import ApiToken, User

logger = logging.getLogger(__name__)

#: Keys of the socket's own session (Flask-SocketIO keeps one per connection): the id of the
#: token it connected with, or the cookie session's id (``User.get_id()``, with its nonce).
TOKEN_SESSION_KEY = "_socket_token_id"
COOKIE_SESSION_KEY = "_socket_session_id"


def on_connect(auth=None):
    """Accept the socket only with a valid session cookie or ``auth.token``."""
    user = authenticate_connection(auth)
    session[USER_KEY] = user.id
    join_room(user_room(user.id))
    logger.info("socket %s connected for user %s", request.sid, user.id)


def authenticate_connection(auth) -> User:
    """The user a connecting socket speaks for; ``ConnectionRefusedError`` if none.

    A token given in ``auth`` is judged alone, even when a session cookie came along, as
    the HTTP API judges a bearer token: scripts and browsers never mix identities.
    """
    token = auth.get("token") if isinstance(auth, dict) else None
    session.pop(TOKEN_SESSION_KEY, None)
    session.pop(COOKIE_SESSION_KEY, None)
    if token is not None:
        api_token = user_for_token(token) if isinstance(token, str) else None
        if api_token is None:
            raise ConnectionRefusedError(
                _refusal("unauthorized", _l("The API token is not valid or has been revoked."))
            )
        session[TOKEN_SESSION_KEY] = api_token.id
        return api_token.user
    # Flask-Login read the session cookie (or an Authorization header) of the handshake.
    if current_user.is_authenticated:
        if api_token := g.get("api_token"):
            session[TOKEN_SESSION_KEY] = api_token.id
        else:
            session[COOKIE_SESSION_KEY] = current_user.get_id()
        return current_user._get_current_object()
    raise ConnectionRefusedError(_refusal("unauthorized", _l("You need to sign in to do this.")))


def _refusal(code: str, message) -> dict:
    # Sent to the client as the connect_error's data.
    return {"code": code, "message": str(message)}


def socket_token() -> ApiToken | None:
    """The API token this socket connected with, read fresh (None for a cookie session)."""
    token_id = session.get(TOKEN_SESSION_KEY)
    if token_id is None:
        return None
    # Read once per event — Flask-SocketIO makes a new request object for every event —
    # with its user in the same query: every event sees the token and user as they are now.
    event = request._get_current_object()
    if getattr(event, "socket_token_id", None) != token_id:
        event.socket_token = db.session.scalar(_TOKEN_WITH_USER, {"token_id": token_id})
        event.socket_token_id = token_id
    api_token = event.socket_token
    if (refusal := _token_refusal(api_token)) is not None:
        raise refusal
    return api_token


#: A token read with its user, in one statement (built once: it runs for every event).
_WITH_USER = (joinedload(ApiToken.user),)
_TOKEN_WITH_USER = (
    sa.select(ApiToken).where(ApiToken.id == sa.bindparam("token_id")).options(*_WITH_USER)
)


def _token_refusal(api_token: ApiToken | None, *, write: bool = False) -> ServiceError | None:
    if api_token is None or api_token.revoked_at is not None:
        return Unauthorized(_l("The API token is not valid or has been revoked."))
    if write and api_token.scope != "write":
        return Forbidden(_l("This API token may only read."))
    return None


def socket_user() -> User:
    """The user of the current socket event, loaded from the database now."""
    api_token = socket_token()
    if api_token is not None:
        return api_token.user
    # current_user is reloaded for every event: the cookie's session nonce is checked
    # against the database, so signing out elsewhere ends the socket's rights too.
    if not current_user.is_authenticated:
        raise Unauthorized()
    return current_user._get_current_object()


def require_socket_write() -> None:
    """Refuse changes from a socket opened with a read-only token (as the API does)."""
    api_token = socket_token()
    if api_token is not None and (refusal := _token_refusal(api_token, write=True)):
        raise refusal


# --- many sockets' users at once (group commit) ----------------------------------------------


@dataclass(frozen=True)
class SocketCredentials:
    """How a socket authenticated, read from its own session without the database: for a
    request carried out in a group with other sockets' (``realtime.grouping``)."""

    token_id: int | None
    session_id: str | None


def socket_credentials() -> SocketCredentials:
    """The current socket's credentials, to be checked later by :func:`socket_users`."""
    return SocketCredentials(session.get(TOKEN_SESSION_KEY), session.get(COOKIE_SESSION_KEY))


def socket_users(credentials: list[SocketCredentials], *, write: bool) -> list[User | ServiceError]:
    """The user each socket speaks for now, or why it may not act: the same rules as
    :func:`socket_user` (and :func:`require_socket_write` with ``write``) — a revoked or
    read-only token, a cookie session ended by signing out — in two queries for them all.
    """
    token_ids = {c.token_id for c in credentials if c.token_id is not None}
    tokens = (
        {
            token.id: token
            for token in db.session.scalars(_TOKENS_WITH_USERS, {"token_ids": list(token_ids)})
        }
        if token_ids
        else {}
    )
    sessions = {
        c.session_id: session_id_parts(c.session_id) for c in credentials if c.token_id is None
    }
    user_ids = {user_id for user_id, _ in sessions.values() if user_id is not None}
    users = (
        {user.id: user for user in db.session.scalars(_USERS, {"user_ids": list(user_ids)})}
        if user_ids
        else {}
    )
    answers: list[User | ServiceError] = []
    for c in credentials:
        if c.token_id is not None:
            api_token = tokens.get(c.token_id)
            refusal = _token_refusal(api_token, write=write)
            answers.append(refusal if refusal is not None else api_token.user)
            continue
        # As auth.load_user judges a session cookie: a rotated nonce (after logout) is nobody.
        user_id, nonce = sessions[c.session_id]
        answers.append(session_user(users.get(user_id), nonce) or Unauthorized())
    return answers


# Built once: they run for every group of socket events carried out together.
_TOKENS_WITH_USERS = sa.select(ApiToken).where(OneOf(ApiToken.id, "token_ids")).options(*_WITH_USER)
_USERS = sa.select(User).where(OneOf(User.id, "user_ids"))


def for_socket_users(
    requests: list[tuple], find: Callable[[], Any], act: Callable[[Any, list[tuple]], list]
) -> list:
    """The outcome of each of a group's ``(credentials, payload)`` requests, for a group of
    socket events carried out together (``realtime.grouping``).

    Each socket's user is read afresh (:func:`socket_users`); then the subject is found,
    ``find()`` — a socket that may not act at all hears that first, before a subject
    missing for everyone — and ``act(subject, [(user, payload), …])`` is run for those who
    may act, one outcome each, in order. The refused sockets keep their refusals in place.
    """
    users = socket_users([credentials for credentials, _ in requests], write=True)
    try:
        subject = find()
    except ServiceError as error:
        return [user if isinstance(user, ServiceError) else error for user in users]
    acting = [
        (user, payload)
        for user, (_, payload) in zip(users, requests, strict=True)
        if not isinstance(user, ServiceError)
    ]
    outcomes = iter(act(subject, acting))
    return [user if isinstance(user, ServiceError) else next(outcomes) for user in users]
