"""Socket.IO plumbing shared by every capability (DESIGN §5).

- ``auth``: who a socket is, decided at connect and re-read at every event;
- ``origins``: which web origins may open a socket (same origin + an allow-list);
- ``acks``: the ``acked`` decorator giving every event its ``{"ok": ...}`` answer;
- ``ratelimit``: per-member limits for HTTP and sockets, in Redis when configured;
- ``presence``: who is online in an item, by group, in Redis when configured;
- ``emitting``: ``emit_after_commit``, so events follow the database, never precede it;
- ``rooms``: the room names.

Payload size: Engine.IO refuses (closes the connection on) any message larger than
``SOCKETIO_MAX_PAYLOAD`` before a handler runs; ``create_app`` passes it on.
"""

import hashlib
import logging
from dataclasses import dataclass

from flask import Flask, current_app, g, request

from ..extensions import socketio
from .auth import authenticate_connection
from .presence import MemoryPresence, RedisPresence, summarise
from .ratelimit import MemoryWindows, RedisWindows
from .rooms import item_room, user_room

logger = logging.getLogger(__name__)

EXTENSION_KEY = "commonground.realtime"


@dataclass
class RealtimeState:
    """Per-application stores: rate-limit windows and presence (memory or Redis)."""

    rate_windows: MemoryWindows | RedisWindows
    presence: MemoryPresence | RedisPresence
    #: Who follows each deliberation's live session, keyed by deliberation id (live/).
    session_presence: MemoryPresence | RedisPresence


def state() -> RealtimeState:
    """The current application's realtime stores."""
    return current_app.extensions[EXTENSION_KEY]


def redis_prefix(app: Flask) -> str:
    """A key prefix per database, so deployments (and test runs) sharing one Redis server
    keep their presence and rate windows apart."""
    digest = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
    return f"cg:{digest}:"


def init_realtime(app: Flask) -> None:
    """Create the stores and register the socket handlers of every capability.

    Called by ``create_app`` after ``socketio.init_app``: handlers go onto the Socket.IO
    server that ``init_app`` just created for this application.
    """
    if redis_url := app.config.get("REDIS_URL"):
        import redis

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

    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)

    from ..consensus.sockets import register_consensus_events
    from ..discussion.sockets import register_discussion_events
    from ..live.sockets import register_live_events
    from ..voting.sockets import register_voting_events

    register_discussion_events(socketio)
    register_voting_events(socketio)
    register_consensus_events(socketio)
    register_live_events(socketio)

    @app.after_request
    def retry_after(response):
        # A 429 tells the client when to try again (set by ratelimit.check_rate).
        if response.status_code == 429 and (wait := g.get("retry_after")):
            response.headers["Retry-After"] = str(wait)
        return response


def on_connect(auth=None):
    """Accept the socket only with a valid session cookie or ``auth.token``."""
    user = authenticate_connection(auth)
    from flask_socketio import join_room

    join_room(user_room(user.id))
    logger.info("socket %s connected for user %s", request.sid, user.id)


def on_disconnect(reason=None):
    """Forget the socket's presence and tell the items (and live sessions) it was in."""
    sid = request.sid
    from ..live.sockets import leave_sessions

    leave_sessions(sid)
    try:
        left = state().presence.drop(sid)
    except Exception:
        logger.warning("presence store unavailable at disconnect of %s", sid, exc_info=True)
        return
    for item_id in left:
        broadcast_presence(item_id)
    logger.info("socket %s disconnected (%s)", sid, reason)


def presence_of(item_id: int) -> dict:
    """The ``presence`` body of an item: ``{item, online, by_group, members}``."""
    return {"item": item_id, **summarise(state().presence.entries(item_id))}


def broadcast_presence(item_id: int) -> None:
    """Send the item's presence to everyone viewing it."""
    socketio.emit("presence", presence_of(item_id), to=item_room(item_id))


def disconnect_user(user_id: int) -> int:
    """Close every socket of a user that is in an item or a live session, on every server
    process.

    For the services that remove a member or revoke access: the closed sockets must
    reconnect, and are judged afresh when they do. Returns how many were closed.
    """
    sids = state().presence.sids_of_user(user_id) | state().session_presence.sids_of_user(user_id)
    for sid in sids:
        socketio.server.disconnect(sid, namespace="/")
    return len(sids)
