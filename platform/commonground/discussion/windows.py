"""Which window of a thread a request asks for: the cursors ``before``, ``from`` and
``around`` and the size ``limit``, shared by ``GET …/posts``, the item page and its
fragments (see ``queries.thread_window``)."""

from collections.abc import Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import fields
from ..deliberations.models import AgendaItem
from ..errors import Invalid, NotFound
from . import queries
from .rules import WINDOW_POSTS, WINDOW_THREADS

#: The request parameters that choose a window, one at a time.
CURSORS = ("before", "from", "around")
#: ``limit`` (threads per window) is at most this.
MAX_WINDOW_THREADS = 500


def window_sizes() -> tuple[int, int]:
    """Threads and posts of a window, as configured (``THREAD_WINDOW_THREADS``,
    ``THREAD_WINDOW_POSTS``)."""
    config = current_app.config
    return (
        config.get("THREAD_WINDOW_THREADS", WINDOW_THREADS),
        config.get("THREAD_WINDOW_POSTS", WINDOW_POSTS),
    )


def window_from_args(
    item: AgendaItem, args: Mapping[str, str], *, whole_thread: bool = False
) -> queries.Window | None:
    """The window ``args`` ask for (the newest threads when they name none); None when
    ``whole_thread`` (a catch-up with ``after``) and no cursor is given. A value that is
    not a positive whole number, two cursors at once, or ``limit`` out of range are
    refused (422); ``around`` a post that is not the item's is not found (404)."""
    given = {
        name: args.get(name) for name in (*CURSORS, "limit") if args.get(name) not in (None, "")
    }
    if whole_thread and not given:
        return None
    cursors = [name for name in CURSORS if name in given]
    if len(cursors) > 1:
        raise Invalid(_l("Give only one of before, from and around."), field=cursors[1])
    values = {
        name: fields.integer(value, name, minimum=1, maximum=fields.MAX_ID)
        for name, value in given.items()
        if name != "limit"
    }
    threads, posts = window_sizes()
    if "limit" in given:
        threads = fields.integer(given["limit"], "limit", minimum=1, maximum=MAX_WINDOW_THREADS)
    return queries.thread_window(
        item.id,
        before=values.get("before"),
        start=values.get("from"),
        around=values.get("around"),
        threads=threads,
        posts=posts,
    )


def page_window(
    item: AgendaItem, args: Mapping[str, str], *, post_id: int | None
) -> queries.Window:
    """The window the item page shows: the one ``args`` ask for, else the one holding
    ``post_id`` (a post being answered, edited or shown), else the newest threads. Never
    refused: a page with a cursor it cannot use shows the newest threads."""
    try:
        if not any(args.get(name) for name in CURSORS) and post_id is not None:
            args = {"around": str(post_id)}
        return window_from_args(item, {k: args[k] for k in CURSORS if args.get(k)})
    except (Invalid, NotFound):
        return window_from_args(item, {})
