"""Who a socket is: decided at connect, and re-read from the database at every event.

A socket connects with the browser's session cookie or ``auth={"token": API_TOKEN}``.
What is kept for the connection is only *how* it authenticated (the cookie's session, or
the token's row id); the user, their token and their memberships are loaded afresh for
every event, so a logout, a revoked token, a removal or a demotion takes effect at once.
"""

import logging

from flask import g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy.orm import joinedload

from ..db import db
from ..errors import Forbidden, Unauthorized
from ..realtime.budget import USER_KEY
from ..realtime.rooms import user_room
from .auth import user_for_token
from .models import ApiToken, User

logger = logging.getLogger(__name__)

#: Key of the socket's own session (Flask-SocketIO keeps one per connection).
TOKEN_SESSION_KEY = "_socket_token_id"


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
    # The token and its user in one statement: this runs for every event of the socket.
    api_token = db.session.get(ApiToken, token_id, options=[joinedload(ApiToken.user)])
    if api_token is None or api_token.revoked_at is not None:
        raise Unauthorized(_l("The API token is not valid or has been revoked."))
    return api_token


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
    if api_token is not None and api_token.scope != "write":
        raise Forbidden(_l("This API token may only read."))
