"""Live events leave only after the database commit (DESIGN §5).

Services queue events on the SQLAlchemy session while they work; the session sends them
when its transaction commits and forgets them when it rolls back. So a client never sees
a post that a failed commit then takes back, and every channel (page form, API, socket)
emits the same events from the same service code.
"""

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import db
from ..extensions import socketio

logger = logging.getLogger(__name__)

_PENDING = "commonground_pending_emits"
_CALLBACKS = "commonground_after_commit"


def emit_after_commit(event: str, data, *, to: str, skip_sid: str | None = None) -> None:
    """Send ``event`` with ``data`` to room ``to`` once the current transaction commits."""
    session = db.session()
    session.info.setdefault(_PENDING, []).append((event, data, to, skip_sid))


def call_after_commit(callback) -> None:
    """Run ``callback()`` once the current transaction commits (never on rollback)."""
    db.session().info.setdefault(_CALLBACKS, []).append(callback)


def pending_emits() -> list[tuple]:
    """What the current transaction will send at commit (for tests and logging)."""
    return list(db.session().info.get(_PENDING, []))


@sa.event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        # A savepoint was released (SQLAlchemy reports that as a commit too): the
        # transaction goes on, and what it queued waits for the real commit.
        return
    for callback in session.info.pop(_CALLBACKS, ()):
        try:
            callback()
        except Exception:
            logger.exception("after-commit callback %r failed", callback)
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for event, data, room, skip_sid in pending:
        try:
            socketio.emit(event, data, to=room, skip_sid=skip_sid)
        except Exception:
            # The change is committed; a message queue hiccup must not turn it into an
            # error. Clients that missed the event catch up on their next join.
            logger.exception("could not emit %s to %s", event, room)
        else:
            logger.debug("emitted %s to %s", event, room)


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction) -> None:
    # Runs after after_commit; on rollback or close it discards what was never committed.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_CALLBACKS, None)
