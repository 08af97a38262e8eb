"""Socket events of common ground (DESIGN §5).

client → server: ``react {post, stance}`` — the same service as ``PUT
/api/v1/posts/<id>/reaction``; the ack carries ``{"ok": true, "reaction": OwnReaction}`` (the
member's own stance, to that socket only, and the post's aggregates).

server → room ``item:<id>``: ``reactions`` (a post's counts per group and measures, never a
reactor) and ``summary:published`` — both queued by the services and sent after the commit.
"""

import logging

from .. import fields
from ..accounts.socket_auth import require_socket_write, socket_user
from ..discussion.queries import get_post
from ..realtime.acks import acked, event_data
from . import services

logger = logging.getLogger(__name__)


@acked
def on_react(data=None):
    """``react {post, stance}``: agree, disagree or pass on a post (the latest wins)."""
    data = event_data(data)
    user = socket_user()
    require_socket_write()
    post = get_post(fields.integer(data.get("post"), "post", minimum=1))
    result = services.react(user, post, data.get("stance"))
    return {"reaction": result.to_json()}


def register_consensus_events(server) -> None:
    """Register the common-ground handlers on the Socket.IO server."""
    server.on_event("react", on_react)
