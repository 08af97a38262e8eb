"""Socket.IO side of voting (DESIGN §5).

client → server: ``ballot {motion, choice}`` — the same service as ``PUT
/api/v1/motions/<id>/ballot``; the ack carries ``{"ok": true, "ballot": OwnBallot}`` (the
voter's own ballot and receipt, to that socket only).

server → room ``item:<id>``: ``motion:open`` and ``motion:closed`` (queued by the services,
sent at commit) and ``tally`` (coalesced and sent after ballots commit: ``broadcast.py``).
Every one of them carries aggregates only — the TALLY shape — never a voter next to a choice,
for open and secret motions alike.
"""

import logging

from .. import fields
from ..accounts.socket_auth import require_socket_write, socket_user
from ..realtime.acks import acked, event_data
from . import queries, services
from .schemas import own_ballot_json

logger = logging.getLogger(__name__)


@acked
def on_ballot(data=None):
    """``ballot {motion, choice}``: cast or change the socket user's ballot."""
    data = event_data(data)
    user = socket_user()
    require_socket_write()
    motion_id = fields.integer(data.get("motion"), "motion", minimum=1)
    # cast_ballot refuses whoever may not read the motion, as readable_motion would.
    motion = queries.get_motion(motion_id)
    ballot = services.cast_ballot(user, motion, data.get("choice"))
    # Read in the transaction: the ack describes this cast, not a later one.
    return {"ballot": own_ballot_json(motion, ballot.voter, ballot)}


def register_voting_events(server) -> None:
    """Register the voting handlers on the Socket.IO server."""
    server.on_event("ballot", on_ballot)
