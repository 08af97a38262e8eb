"""The live tally of an open motion, sent to its item's room after ballots commit.

``cast_ballot`` schedules :func:`announce_tally` with ``call_after_commit``: whichever way
the ballot came (page, API, socket), the room hears of it once it is committed, and never
of a ballot that was rolled back.

Casts are coalesced: at most one tally per motion per ``VOTING_TALLY_INTERVAL`` seconds
(default 0.25) and process, computed *after* the casts that asked for it committed — so the
last tally sent always includes every ballot, while a motion with 100,000 ballots (about
0.1 s a tally, see BENCHMARKS.md) is not recomputed for every single cast. Clients keep the
tally with the highest ``casts``, as several processes may send. Aggregates only, never a
voter next to a choice.
"""

import logging
import threading

from flask import current_app

from ..extensions import socketio
from ..realtime.rooms import item_room
from .queries import get_motion, live_tally

logger = logging.getLogger(__name__)

#: (application, motion id) of the live tallies already due to be sent by this process.
_due: set[tuple[int, int]] = set()
_due_lock = threading.Lock()


def announce_tally(motion_id: int, item_id: int) -> None:
    """Have the motion's live tally sent to its item's room shortly; call after the commit."""
    app = current_app._get_current_object()
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
            motion = get_motion(motion_id)
            tally = live_tally(motion) if motion.is_open else None
        # Sent once the read has ended (the app context's end closes its transaction): on
        # SQLite that transaction holds the write lock, which no send to a room of
        # hundreds of sockets, or through the message queue, should keep.
        if tally is not None:
            server.emit("tally", tally, to=item_room(item_id), namespace="/")
    except Exception:
        logger.exception("could not send the tally of motion %s", motion_id)
