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
from ..accounts.socket_auth import for_socket_users, socket_credentials
from ..errors import ServiceError
from ..realtime.acks import acked, event_data
from ..realtime.grouping import CommitGroups
from ..transactions import in_transaction
from . import queries, services
from .schemas import own_ballot_json

logger = logging.getLogger(__name__)


@acked(transaction=False)
def on_ballot(data=None):
    """``ballot {motion, choice}``: cast or change the socket user's ballot.

    Carried out with the other casts on the same motion that arrive at the same moment, in
    one transaction (group commit, ``realtime.grouping``); the ack comes after that commit.
    """
    data = event_data(data)
    motion_id = fields.integer(data.get("motion"), "motion", minimum=1)
    return casting.submit(motion_id, (socket_credentials(), data.get("choice")))


def _cast_group(motion_id: int, requests: list[tuple]) -> list[dict | ServiceError]:
    """Cast a group's ``(credentials, choice)`` requests on the motion, in one transaction;
    each request's ack or refusal."""

    def cast(motion, casting: list[tuple]) -> list[dict | ServiceError]:
        return [
            outcome
            if isinstance(outcome, ServiceError)
            # Built in the transaction: the ack describes this cast, not a later one.
            else {"ballot": own_ballot_json(motion, outcome.voter, outcome)}
            for outcome in services.cast_ballots(motion, casting)
        ]

    # cast_ballots refuses whoever may not read the motion, as readable_motion would.
    return in_transaction(
        lambda: for_socket_users(requests, lambda: queries.get_motion(motion_id), cast)
    )


#: The groups of casts, one per motion (per server process).
casting = CommitGroups(_cast_group)


def register_voting_events(server) -> None:
    """Register the voting handlers on the Socket.IO server."""
    server.on_event("ballot", on_ballot)
