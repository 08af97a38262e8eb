"""Every client event spends from two budgets before anything else runs: the connection's
and the member's (all their connections, on every server process when Redis is
configured). A flood from one client is refused at this door — a counter, no database — so
it cannot hold up anyone else's events; a client that keeps sending past its refusals is
disconnected.

The budgets are settings (``SOCKET_RATE_LIMIT``, ``SOCKET_MEMBER_RATE_LIMIT``); each event
also keeps its own limit where it has one (posts, reactions, joins, typing).
"""

import logging

from flask import current_app, request, session
from flask_socketio import disconnect

from .ratelimit import parse_rate, rate_refusals
from .stores import state

logger = logging.getLogger(__name__)

#: Where the socket's own session keeps the id of the user it speaks for (set at connect).
USER_KEY = "_socket_user_id"


def spend_event_budget() -> None:
    """Count the current event against the connection's and the member's budgets.

    Raises ``RateLimited`` (ack code ``rate_limited``) when either is spent; past a second
    budget's worth of refused events in the window, the connection is closed as well.
    """
    sid = request.sid
    budgets = [(f"socket:{sid}", "SOCKET_RATE_LIMIT")]
    if (user_id := session.get(USER_KEY)) is not None:
        budgets.append((f"socket-member:{user_id}", "SOCKET_MEMBER_RATE_LIMIT"))
    # In turn, as two check_rate calls would: a connection refused spends none of the
    # member's budget. One round trip to Redis for both.
    for refusal in rate_refusals(budgets, stop_at_refusal=True):
        if refusal is not None:
            if _keeps_flooding(sid):
                logger.warning("socket %s disconnected: it kept sending past its budget", sid)
                disconnect()
            raise refusal


def _keeps_flooding(sid: str) -> bool:
    """Whether the connection has had a whole budget's worth of refusals in the window."""
    count, seconds = parse_rate(current_app.config["SOCKET_RATE_LIMIT"])
    if count <= 0:
        return False
    try:
        return state().rate_windows.hit(f"socket-refused:{sid}", count, seconds) > 0
    except Exception:
        logger.warning("rate limiter unavailable at %s", sid, exc_info=True)
        return False
