"""Socket events of the live session (DESIGN §5), room ``deliberation:<slug>``.

client → server, every event acked (``realtime.acks``):
- ``session:join {deliberation}`` — ack ``{"ok", "state", "presence", "me"}``;
  ``session:leave {deliberation}``;
- ``floor:request {item}``, ``floor:withdraw {item}`` — members who may post in the item;
- moderators only: ``session:current {item}``, ``round:start {title, seconds}``,
  ``round:extend {seconds}``, ``round:stop {}``, ``floor:grant {member}``,
  ``floor:skip {member}``, ``floor:clear {}``, ``announce {text, language}``,
  ``announce:clear {}``.
  Anyone else is answered ``{"ok": false, "error": {"code": "forbidden", ...}}`` and
  nothing changes. These events name no deliberation: they act on the one the socket last
  joined (or on ``deliberation`` when given).

server → room: ``session:state`` (the whole state after any change), ``announcement``,
``floor:granted`` — queued by the services, sent at commit; ``session:presence`` (how many
follow the session, by group) shortly after someone joins or leaves, coalesced as the
items' ``presence`` (``realtime.presence``).

Thin, as the discussion's handlers: who the socket is and what they may do is re-read from
the database at every event; the services authorise, change, audit and queue the events.
"""

import logging

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_socketio import join_room, leave_room

from .. import fields
from ..accounts.socket_auth import require_socket_write, socket_user
from ..db import db
from ..deliberations.access import get_deliberation, get_item, require_reader_access
from ..deliberations.models import Deliberation
from ..errors import Invalid
from ..realtime import announcer
from ..realtime import state as realtime_state
from ..realtime.acks import acked, event_data
from ..realtime.rooms import deliberation_room
from ..transactions import read_from_now
from . import services
from .schemas import announcement_json

logger = logging.getLogger(__name__)

#: The socket's own session key holding the slug of the deliberation it last joined.
JOINED_KEY = "_live_deliberation"


def register_live_events(server) -> None:
    """Attach the live session's handlers to the Socket.IO server."""
    server.on_event("session:join", on_session_join)
    server.on_event("session:leave", on_session_leave)
    server.on_event("floor:request", on_floor_request)
    server.on_event("floor:withdraw", on_floor_withdraw)
    server.on_event("session:current", on_session_current)
    server.on_event("round:start", on_round_start)
    server.on_event("round:extend", on_round_extend)
    server.on_event("round:stop", on_round_stop)
    server.on_event("floor:grant", on_floor_grant)
    server.on_event("floor:skip", on_floor_skip)
    server.on_event("floor:clear", on_floor_clear)
    server.on_event("announce", on_announce)
    server.on_event("announce:clear", on_announce_clear)


# --- presence of the session's followers -----------------------------------------------------


def announce_session_presence(deliberation: Deliberation) -> None:
    """Have the session's presence counts sent to its room, coalesced (at most once per
    ``PRESENCE_INTERVAL`` seconds, and only when they changed)."""
    announcer.announce(
        realtime_state().session_presence,
        deliberation.id,
        "session:presence",
        deliberation_room(deliberation.slug),
        {"deliberation": deliberation.slug},
        current_app.config["PRESENCE_INTERVAL"],
    )


def leave_sessions(sid: str) -> None:
    """Forget a disconnected socket in every session it followed, and tell those rooms.

    Called by ``realtime.on_disconnect``; never raises (a disconnect cannot fail).
    """
    try:
        left = realtime_state().session_presence.drop(sid)
        for deliberation in (db.session.get(Deliberation, d) for d in left):
            if deliberation is not None:
                announce_session_presence(deliberation)
    except Exception:
        logger.warning("session presence unavailable at disconnect of %s", sid, exc_info=True)
    finally:
        db.session.rollback()


# --- joining ---------------------------------------------------------------------------------


@acked(read_only=True)
def on_session_join(data=None):
    """Follow a deliberation's live session; the ack carries the whole state."""
    data = event_data(data)
    user = socket_user()
    deliberation = get_deliberation(
        fields.text(data.get("deliberation"), "deliberation", max_length=64)
    )
    access = require_reader_access(user, deliberation)
    # Join before reading: a change committed from now on reaches us, one committed
    # before is in the state read below, in a new snapshot (a state carries its version,
    # so a client keeps the newer of the two).
    join_room(deliberation_room(deliberation.slug))
    read_from_now()
    session[JOINED_KEY] = deliberation.slug
    membership = access.membership
    counts = realtime_state().session_presence.join(
        deliberation.id,
        request.sid,
        {
            "user": user.id,
            "member": membership.id if membership else None,
            "name": user.name,
            "group": membership.group.key if membership and membership.group else None,
            "role": membership.role if membership else "admin",
        },
    )
    state = services.session_state(deliberation)
    announce_session_presence(deliberation)
    return {
        "state": state,
        "presence": {"deliberation": deliberation.slug, **counts},
        "me": {
            "user": user.id,
            "member": membership.id if membership else None,
            "group": membership.group.key if membership and membership.group else None,
            "moderator": access.moderator,
        },
    }


@acked(read_only=True)
def on_session_leave(data=None):
    """Stop following a deliberation's session."""
    data = event_data(data)
    deliberation = get_deliberation(
        fields.text(data.get("deliberation"), "deliberation", max_length=64)
    )
    leave_room(deliberation_room(deliberation.slug))
    if session.get(JOINED_KEY) == deliberation.slug:
        session.pop(JOINED_KEY, None)
    if realtime_state().session_presence.leave(deliberation.id, request.sid):
        announce_session_presence(deliberation)
    return {}


# --- members ---------------------------------------------------------------------------------


@acked
def on_floor_request(data=None):
    """``floor:request {item}``: ask to speak on the current item."""
    data = event_data(data)
    user = socket_user()
    require_socket_write()
    item = get_item(fields.integer(data.get("item"), "item", minimum=1))
    services.request_floor(user, item)
    return _state_left(item.deliberation)


@acked
def on_floor_withdraw(data=None):
    """``floor:withdraw {item}``: leave the queue (or yield the floor)."""
    data = event_data(data)
    user = socket_user()
    require_socket_write()
    item = get_item(fields.integer(data.get("item"), "item", minimum=1))
    services.withdraw_floor(user, item)
    return _state_left(item.deliberation)


# --- moderators ------------------------------------------------------------------------------


@acked
def on_session_current(data=None):
    """``session:current {item}``: the item the session is on (null: none)."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    services.set_current_item(user, deliberation, data.get("item"))
    return _state_left(deliberation)


@acked
def on_round_start(data=None):
    """``round:start {title, seconds}``."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    services.start_round(user, deliberation, title=data.get("title"), seconds=data.get("seconds"))
    return _state_left(deliberation)


@acked
def on_round_extend(data=None):
    """``round:extend {seconds}``."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    services.extend_round(user, deliberation, seconds=data.get("seconds"))
    return _state_left(deliberation)


@acked
def on_round_stop(data=None):
    """``round:stop {}``."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    services.stop_round(user, deliberation)
    return _state_left(deliberation)


@acked
def on_floor_grant(data=None):
    """``floor:grant {member}``."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    services.grant_floor(user, deliberation, data.get("member"))
    return _state_left(deliberation)


@acked
def on_floor_skip(data=None):
    """``floor:skip {member}``."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    services.skip_floor(user, deliberation, data.get("member"))
    return _state_left(deliberation)


@acked
def on_floor_clear(data=None):
    """``floor:clear {}``: pass over everyone waiting."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    cleared = services.clear_queue(user, deliberation)
    return {**_state_left(deliberation), "cleared": cleared}


@acked
def on_announce(data=None):
    """``announce {text, language}``; the ack carries the announcement."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    announcement = services.announce(
        user, deliberation, text=data.get("text"), language=data.get("language")
    )
    return {"announcement": announcement_json(announcement, user.name)}


@acked
def on_announce_clear(data=None):
    """``announce:clear {}``: take the banner down; the ack carries the state left."""
    data = event_data(data)
    user, deliberation = _moderator_event(data)
    services.clear_announcement(user, deliberation)
    return _state_left(deliberation)


# --- helpers ---------------------------------------------------------------------------------


def _moderator_event(data: dict):
    """The socket's user and the deliberation the event acts on: ``data.deliberation``, else
    the one the socket last joined. The services refuse non-moderators."""
    user = socket_user()
    require_socket_write()
    slug = data.get("deliberation") or session.get(JOINED_KEY)
    if not slug:
        raise Invalid(
            _l("Join a deliberation's session first."), field="deliberation", code="not_joined"
        )
    return user, get_deliberation(fields.text(slug, "deliberation", max_length=64))


def _state_left(deliberation: Deliberation) -> dict:
    """The ack's body: the state the event leaves, read in its transaction under the
    deliberation's lock — the state the room receives when it commits."""
    return {"state": services.session_state(deliberation)}
