"""Socket.IO plumbing shared by every capability (DESIGN §5).

- ``origins``: which web origins may open a socket (same origin + an allow-list);
- ``acks``: the ``acked`` decorator giving every event its ``{"ok": ...}`` answer;
- ``ratelimit``: per-member limits for HTTP and sockets, in Redis when configured;
- ``presence``: who is online in an item, by group, in Redis when configured;
- ``emitting``: ``emit_after_commit``, so events follow the database, never precede it;
- ``rooms``: the room names.

Who a socket is (authentication at connect, re-read at every event) is the accounts
capability's ``socket_auth``; each capability registers its own events in its ``init_app``.

Payload size: Engine.IO refuses (closes the connection on) any message larger than
``SOCKETIO_MAX_PAYLOAD`` before a handler runs; ``create_app`` passes it on.
"""

import hashlib
import logging
from dataclasses import dataclass

import redis
from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface

from .. import events
from ..db import read_only_transactions
from ..extensions import socketio
from .emitting import call_after_commit
from .presence import Announcer, MemoryPresence, RedisPresence
from .ratelimit import MemoryWindows, RedisWindows
from .rooms import item_room
from .stores import EXTENSION_KEY, state

__all__ = [
    "announce_presence",
    "disconnect_user",
    "init_realtime",
    "join_presence",
    "presence_of",
    "state",
]

logger = logging.getLogger(__name__)


@dataclass
class RealtimeState:
    """Per-application stores: rate-limit windows and presence (memory or Redis)."""

    rate_windows: MemoryWindows | RedisWindows
    presence: MemoryPresence | RedisPresence
    #: Who follows each deliberation's live session, keyed by deliberation id (live/).
    session_presence: MemoryPresence | RedisPresence


def redis_prefix(app: Flask) -> str:
    """A key prefix per database, so deployments (and test runs) sharing one Redis server
    keep their presence and rate windows apart."""
    digest = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
    return f"cg:{digest}:"


def init_realtime(app: Flask) -> None:
    """Create the stores, handle disconnects and close the sockets of removed members.

    Called by ``create_app`` after ``socketio.init_app``: handlers go onto the Socket.IO
    server that ``init_app`` just created for this application.
    """
    if redis_url := app.config.get("REDIS_URL"):
        client = redis.Redis.from_url(redis_url, socket_timeout=5, decode_responses=True)
        prefix = redis_prefix(app)
        app.extensions[EXTENSION_KEY] = RealtimeState(
            RedisWindows(client, prefix),
            RedisPresence(client, prefix),
            RedisPresence(client, f"{prefix}session:"),
        )
    else:
        app.extensions[EXTENSION_KEY] = RealtimeState(
            MemoryWindows(), MemoryPresence(), MemoryPresence()
        )

    app.session_interface = SocketSessionInterface()
    socketio.on_event("disconnect", on_disconnect)
    events.member_removed.connect(close_sockets_of_removed_member)
    events.user_erased.connect(close_sockets_of_erased_user)

    @app.after_request
    def retry_after(response):
        # A 429 tells the client when to try again (set by ratelimit.check_rate).
        if response.status_code == 429 and (wait := g.get("retry_after")):
            response.headers["Retry-After"] = str(wait)
        return response


#: Where Flask-SocketIO keeps a socket's session in the connection's WSGI environ.
SOCKET_SESSION = "saved_session"


class SocketSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, not read again for each Socket.IO event: Flask-SocketIO
    gives every event of a socket the socket's own session (a copy of the cookie's, made
    at connect, kept in the connection's environ) in place of the one a request context
    opens — so opening it from the cookie, for each event, was work thrown away."""

    def open_session(self, app: Flask, request):
        socket_session = request.environ.get(SOCKET_SESSION)
        if socket_session is not None:
            return socket_session
        return super().open_session(app, request)


def on_disconnect(reason=None):
    """Forget the socket's presence and tell the items it was in (and every capability
    that keeps track of sockets: ``events.socket_disconnected``)."""
    sid = request.sid
    # The receivers only read (a live session's followers): no write lock on SQLite.
    with read_only_transactions():
        events.socket_disconnected.send(sid)
    try:
        left = state().presence.drop(sid)
    except Exception:
        logger.warning("presence store unavailable at disconnect of %s", sid, exc_info=True)
        return
    for item_id in left:
        announce_presence(item_id)
    logger.info("socket %s disconnected (%s)", sid, reason)


#: Sends the coalesced ``presence`` counts of items and live sessions (one per process).
announcer = Announcer(socketio)


def presence_of(item_id: int) -> dict:
    """The ``presence`` body of an item: ``{item, online, by_group}``."""
    return {"item": item_id, **state().presence.counts(item_id)}


def join_presence(item_id: int, sid: str, entry: dict) -> dict:
    """Count the socket in the item's presence; the item's ``presence`` body, for the
    socket's own ack (the room hears of it through :func:`announce_presence`)."""
    counts = state().presence.join(item_id, sid, entry)
    announce_presence(item_id)
    return {"item": item_id, **counts}


def announce_presence(item_id: int) -> None:
    """Have the item's presence counts sent to everyone viewing it, coalesced: at most once
    per ``PRESENCE_INTERVAL`` seconds, and only when they changed."""
    announcer.announce(
        state().presence,
        item_id,
        "presence",
        item_room(item_id),
        {"item": item_id},
        current_app.config["PRESENCE_INTERVAL"],
    )


def disconnect_user(user_id: int) -> int:
    """Close every socket of a user that is in an item or a live session, on every server
    process.

    For the services that remove a member or revoke access: the closed sockets must
    reconnect, and are judged afresh when they do. Returns how many are being closed: they
    close in a task of their own, since each close runs the disconnect handlers, which use
    the database session that the caller (often an after-commit hook) is still in.
    """
    sids = state().presence.sids_of_user(user_id) | state().session_presence.sids_of_user(user_id)
    if sids:
        app = current_app._get_current_object()

        def close() -> None:
            with app.app_context():
                for sid in sids:
                    socketio.server.disconnect(sid, namespace="/")

        socketio.start_background_task(close)
    return len(sids)


def close_sockets_of_erased_user(user, **kwargs) -> None:
    """Receiver of ``user_erased``: the erased account's open sockets close as soon as the
    erasure commits (they cannot reconnect: the session and tokens are gone)."""
    user_id = user.id
    call_after_commit(lambda: disconnect_user(user_id))


def close_sockets_of_removed_member(deliberation, *, user_id: int, **kwargs) -> None:
    """Receiver of ``member_removed``: the removed member's open sockets stop receiving the
    deliberation's broadcasts as soon as the removal commits."""
    call_after_commit(lambda: disconnect_user(user_id))
