"""Every client event is answered through its ack: ``{"ok": true, ...}`` or
``{"ok": false, "error": {"code", "message", "field"?}}`` (DESIGN §5)."""

import logging
import time
from collections.abc import Callable
from functools import wraps

from flask import request
from flask_babel import lazy_gettext as _l

from ..db import db, read_only_transactions
from ..errors import Invalid, ServiceError
from ..transactions import in_transaction
from .budget import spend_event_budget

logger = logging.getLogger(__name__)

SERVER_ERROR = {"code": "server_error", "message": _l("Something went wrong on our side.")}


def acked(
    handler: Callable | None = None, *, read_only: bool = False, transaction: bool = True
) -> Callable:
    """Run a socket handler in one transaction and turn its result into the ack shape.

    ``@acked(read_only=True)`` for an event that changes no data (joining a room, the
    member list, typing): its transaction only reads — on SQLite it takes no write lock,
    so it never waits for a writer nor holds one up — and a write in it is an error.

    The handler returns a dict (merged into ``{"ok": true}``) or None; it is run, committed
    and retried as ``in_transaction`` does for pages and the API, so a change committed by
    someone else at the same moment is a ``conflict`` here too. A ``ServiceError`` becomes
    ``{"ok": false, "error": error.to_dict()}``; anything else is logged and answered with
    a generic ``server_error``, never a traceback. Either way the transaction is rolled
    back, so a refused event leaves nothing behind.

    ``@acked(transaction=False)`` for a handler whose change is committed with others'
    (``grouping.CommitGroups``): it runs outside any transaction of its own and touches
    no data itself; the answers and refusals take the same shape.
    """
    if handler is None:
        return lambda handler: acked(handler, read_only=read_only, transaction=transaction)

    @wraps(handler)
    def wrapper(*args):
        started = time.perf_counter()
        try:
            spend_event_budget()
            if transaction:
                result = in_transaction(lambda: handler(*args), read_only=read_only)
            else:
                result = handler(*args)
        except ServiceError as error:
            logger.info("socket %s %s refused: %s", _sid(), handler.__name__, error.code)
            return {"ok": False, "error": _refusal(error, in_own_transaction=transaction)}
        except Exception:
            logger.exception("socket %s %s failed", _sid(), handler.__name__)
            return {"ok": False, "error": {k: str(v) for k, v in SERVER_ERROR.items()}}
        logger.debug(
            "socket %s %s ok in %.1f ms",
            _sid(),
            handler.__name__,
            (time.perf_counter() - started) * 1000,
        )
        return {"ok": True, **(result or {})}

    return wrapper


def _refusal(error: ServiceError, *, in_own_transaction: bool) -> dict:
    """The refusal's ack data, its message in the socket user's language.

    Saying it may read the user (a cookie session's choice of language). A handler whose
    work was done in someone else's group has read nothing yet: that read takes no write
    lock — the group may hold it — and ends here."""
    if in_own_transaction:
        return error.to_dict()
    with read_only_transactions():
        try:
            return error.to_dict()
        finally:
            db.session.rollback()


def _sid() -> str:
    return getattr(request, "sid", "?")


def event_data(data) -> dict:
    """The event's payload, which must be a JSON object."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Invalid(_l("The event data must be a JSON object."), code="bad_payload")
    return data
