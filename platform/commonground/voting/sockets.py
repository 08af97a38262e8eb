"""Socket.IO side of voting (DESIGN §5).

client → server: ``ballot {motion, choice}`` — the same service as ``PUT
/api/v1/motions/<id>/ballot``; the ack carries ``{"ok": true, "ballot": OwnBallot}`` (the
voter's own ballot and receipt, to that socket only).

server → room ``item:<id>``: ``motion:open`` and ``motion:closed`` (queued by the services,
sent at commit) and ``tally`` (sent by :func:`announce_tally` after each ballot commit).
Every one of them carries aggregates only — the TALLY shape — never a voter next to a choice,
for open and secret motions alike.
"""

import logging
import threading

from flask import current_app

from .. import fields
from ..extensions import socketio
from ..realtime.acks import acked, event_data
from ..realtime.auth import require_socket_write, socket_user
from ..realtime.rooms import item_room
from . import services
from .schemas import own_ballot_json

logger = logging.getLogger(__name__)


#: (application, motion id) of the live tallies already due to be sent by this process.
_due: set[tuple[int, int]] = set()
_due_lock = threading.Lock()


def announce_tally(motion) -> None:
    """Have the motion's live tally sent to its item's room shortly; call after the commit.

    Casts are coalesced: at most one tally per motion per ``VOTING_TALLY_INTERVAL`` seconds
    (default 0.25) and process, computed *after* the casts that asked for it committed —
    so the last tally sent always includes every ballot, while a motion with 100,000
    ballots (about 0.1 s a tally, see BENCHMARKS.md) is not recomputed for every single
    cast. Clients keep the tally with the highest ``casts``, as several processes may send.
    """
    if motion.status != "open":
        return
    app = current_app._get_current_object()
    motion_id, item_id = motion.id, motion.item_id
    with _due_lock:
        if (id(app), motion_id) in _due:
            # A send is scheduled and has not read the database yet: it will see this cast.
            return
        _due.add((id(app), motion_id))
    # The Socket.IO server of this application (with REDIS_URL, it publishes to every process).
    server = socketio.server
    socketio.start_background_task(_send_tally, app, server, motion_id, item_id)


def _send_tally(app, server, motion_id: int, item_id: int) -> None:
    socketio.sleep(app.config["VOTING_TALLY_INTERVAL"])
    with _due_lock:
        # From here on, a newly committed cast schedules a send of its own.
        _due.discard((id(app), motion_id))
    try:
        with app.app_context():
            motion = services.get_motion(motion_id)
            if motion.status == "open":
                tally = services.live_tally(motion)
                server.emit("tally", tally, to=item_room(item_id), namespace="/")
    except Exception:
        logger.exception("could not send the tally of motion %s", motion_id)


@acked
def on_ballot(data=None):
    """``ballot {motion, choice}``: cast or change the socket user's ballot."""
    data = event_data(data)
    user = socket_user()
    require_socket_write()
    motion_id = fields.integer(data.get("motion"), "motion", minimum=1)
    motion = services.readable_motion(user, motion_id)

    def cast():
        ballot = services.cast_ballot(user, motion, data.get("choice"))
        return own_ballot_json(motion, services.voter_of(user, motion), ballot)

    answer = services.commit_with_retry(cast)
    announce_tally(motion)
    return {"ballot": answer}


def register_voting_events(server) -> None:
    """Register the voting handlers on the Socket.IO server."""
    server.on_event("ballot", on_ballot)
