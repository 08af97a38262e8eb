"""One transaction policy for every way in: pages, the API, socket events and the CLI.

An action runs, then commits. If it raises, everything it did is rolled back, so a refused
action never leaves flushed rows for the next commit to pick up (the session may outlive the
request: tests, the CLI). When the database says "try again" — a deadlock, a serialisation
failure, a lock not granted, a busy SQLite file, or a UNIQUE constraint another transaction
won a moment ago — the action is run again from the start, a few times with a short random
backoff; the services read what they need afresh under their locks, so the second run sees
what the first collided with and answers accordingly (an update instead of an insert, or a
clear refusal). A constraint still violated after that is a 409 ``conflict``.
"""

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l

from .db import commit_keeping_loaded, db, read_only_transactions, reading_only
from .errors import Conflict

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: serialization_failure, deadlock_detected, lock_not_available, unique_violation.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03", "23505"})
ATTEMPTS = 5


def in_transaction(
    action: Callable[[], T], *, attempts: int = ATTEMPTS, read_only: bool = False
) -> T:
    """Run ``action()`` and commit; roll back on any error; retry what the database asks
    to retry; turn a constraint that still fails into a ``Conflict``.

    ``read_only``: the action only reads (see ``db.read_only_transactions``): on SQLite
    it neither waits for the write lock nor holds writers up.
    """
    if read_only:
        with read_only_transactions():
            return _run(action, attempts)
    return _run(action, attempts)


def _run(action: Callable[[], T], attempts: int) -> T:
    for attempt in range(1, attempts + 1):
        try:
            result = action()
            db.session.commit()
            return result
        except (sa.exc.OperationalError, sa.exc.IntegrityError) as error:
            db.session.rollback()
            if attempt < attempts and _retryable(error):
                logger.warning("retrying after %s (attempt %s)", error.orig, attempt)
                time.sleep(random.uniform(0.005, 0.05) * attempt)
                continue
            if isinstance(error, sa.exc.IntegrityError):
                raise Conflict(
                    _l("Someone else changed this at the same moment. Please retry.")
                ) from error
            raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def read_from_now() -> None:
    """End the current read-only transaction, keeping what it loaded, so the next statement
    sees every change committed until now.

    For a reader that must not miss a change between its first read and a later one — a
    socket that joins a room after its rights were read, then reads what happened before
    it joined: a SQLite transaction reads the snapshot of its first statement.
    """
    if not reading_only():
        raise RuntimeError("only a read-only transaction may be ended early")
    commit_keeping_loaded()


def transactional(view: Callable) -> Callable:
    """Run a view (or a socket handler) in :func:`in_transaction`."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return in_transaction(lambda: view(*args, **kwargs))

    return wrapper


def _retryable(error: sa.exc.DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in RETRYABLE_SQLSTATES
    message = str(error.orig).lower()
    return (
        "database is locked" in message
        or "database is busy" in message
        or "unique constraint failed" in message
    )


#: The methods whose request may carry a body to read before anything else.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def read_body_first() -> None:
    """``before_request``, registered before every other hook: read the whole request body
    (within ``MAX_CONTENT_LENGTH``) before anything touches the database.

    A client that sends its body slowly — or half of it, then nothing — then waits alone:
    no transaction of its request has begun, so it holds no lock (on SQLite every
    transaction takes the write lock) while everyone else's requests go ahead (issue 15).
    Form bodies are parsed, others kept, so the view reads them again from memory.
    """
    if request.method in BODY_METHODS:
        request.get_data(cache=True, parse_form_data=True)
