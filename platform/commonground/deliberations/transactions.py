"""One request, one transaction: commit when the action succeeds, roll back otherwise."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import Conflict
from ..extensions import db


@contextmanager
def committed() -> Iterator[None]:
    """Commit what the block did, or roll all of it back if it raises.

    The session may outlive the request (tests, CLI), so a refused action must not leave
    flushed rows behind for the next commit to pick up. A constraint the database catches
    after the services' own checks (two requests racing for one slug) becomes a conflict.
    """
    try:
        yield
        db.session.commit()
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        raise Conflict(_l("Someone else changed this at the same moment. Please retry.")) from (
            error
        )
    except BaseException:
        db.session.rollback()
        raise


def atomic(view: Callable) -> Callable:
    """Run a view in ``committed()``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with committed():
            return view(*args, **kwargs)

    return wrapper
