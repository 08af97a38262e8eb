"""Socket events of the discussion (DESIGN §5): join, leave, post, typing, and the member
list of an item's presence, paged (``presence:members``).

Thin: each handler re-reads who the socket is and what they may do from the database,
calls the service the page and the API use, and answers through its ack (``acked`` runs
it in one transaction; posts that arrive together on one item share one and are written
together: ``realtime.grouping``).
Live events (``post:new`` …) are queued by the services and leave at commit.

The default namespace is shared with other capabilities (voting, live sessions), so the
handlers are plain functions registered per event rather than one ``Namespace`` class,
which would claim the whole namespace.
"""

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request
from flask_socketio import emit, join_room, leave_room

from .. import fields
from ..accounts.socket_auth import for_socket_users, socket_credentials, socket_user
from ..db import db, iso, utcnow
from ..deliberations.access import (
    get_item,
    get_item_and_membership,
    participation_error,
    reader_access,
    require_reader,
)
from ..errors import Invalid, ServiceError
from ..i18n import language_of, requested_language
from ..realtime import announce_presence, join_presence, state
from ..realtime.acks import acked, event_data
from ..realtime.grouping import CommitGroups
from ..realtime.presence import MAX_PAGE_SIZE
from ..realtime.ratelimit import check_rate
from ..realtime.rooms import item_room
from ..transactions import in_transaction, read_from_now
from .models import Post
from .queries import load_post_views, reader_for, reader_with
from .services import NewPost, create_posts, locked_item

logger = logging.getLogger(__name__)

#: A reconnecting client's ``since`` is moved back by this much, so a clock difference
#: between server processes cannot hide a change (a repeated change is harmless).
CLOCK_MARGIN = timedelta(seconds=5)


def register_discussion_events(socketio) -> None:
    """Attach the discussion's handlers to the Socket.IO server."""
    socketio.on_event("join", on_join)
    socketio.on_event("leave", on_leave)
    socketio.on_event("post", on_post)
    socketio.on_event("typing", on_typing)
    socketio.on_event("presence:members", on_presence_members)


@acked(read_only=True)
def on_join(data=None):
    """Join an item's room. The ack carries every visible post with an id above
    ``after`` (when absent: the newest ``JOIN_POSTS_LIMIT`` posts, and ``older: true`` when
    the thread has more — the page has them) and, given ``since`` (the ``server_time`` of
    an earlier ack), every post changed since: edited, hidden or translated. Plus the
    item's presence counts, answered here; the room hears of the join coalesced.

    Three queries when nothing is new: the token and user, the item with its deliberation
    and the membership with its group, and the posts above ``after`` (none: their
    translations are not read) or, without ``after``, the thread's newest post and window
    (none: nothing more)."""
    data = event_data(data)
    user = socket_user()
    check_rate(f"join:{user.id}", "JOIN_RATE_LIMIT")
    item, membership = get_item_and_membership(
        fields.integer(data.get("item"), "item", minimum=1), user
    )
    after = _optional_int(data.get("after"), "after")
    since = _optional_time(data.get("since"), "since")
    reader = reader_with(
        user, reader_access(user, item.deliberation, membership), language_of(user)
    )
    # Join before reading: a post committed from now on reaches us live, one committed
    # before is in the read below (a new snapshot: the one of the reads above may be
    # older than the join). A post in both is told apart by its id.
    join_room(item_room(item.id))
    read_from_now()
    server_time = utcnow()
    older = False
    empty = False
    if after is None:
        after, older, empty = _window_start(item.id)
    posts = (
        []
        if empty
        else load_post_views(
            item.id, reader, after=after, changed_since=since - CLOCK_MARGIN if since else None
        )
    )
    presence = join_presence(
        item.id,
        request.sid,
        {
            "user": user.id,
            "member": membership.id if membership else None,
            "name": user.name,
            "group": membership.group.key if membership and membership.group else None,
            "role": membership.role if membership else "admin",
        },
    )
    refusal = participation_error(user, "post", item.deliberation, item, membership)
    return {
        "item": {"id": item.id, "status": item.status, "locked": item.locked},
        "posts": [post.to_json() for post in posts],
        "older": older,
        "presence": presence,
        "me": {
            "user": user.id,
            "member": membership.id if membership else None,
            "moderator": reader.moderator,
            "may_post": refusal is None,
            "may_translate": participation_error(
                user, "translate", item.deliberation, None, membership
            )
            is None,
        },
        "server_time": iso(server_time),
    }


@acked(read_only=True)
def on_leave(data=None):
    """Leave an item's room (and its presence)."""
    data = event_data(data)
    item_id = fields.integer(data.get("item"), "item", minimum=1)
    leave_room(item_room(item_id))
    if state().presence.leave(item_id, request.sid):
        announce_presence(item_id)
    return {}


@acked(read_only=True)
def on_presence_members(data=None):
    """Who is online in an item, a page at a time: ``{item, page, per_page}`` (page from 1,
    at most 100 names a page); the ack carries ``{item, members, page, next}``. For those
    who may read the item."""
    data = event_data(data)
    user = socket_user()
    check_rate(f"presence:{user.id}", "PRESENCE_RATE_LIMIT")
    item = get_item(fields.integer(data.get("item"), "item", minimum=1))
    require_reader(user, item.deliberation)
    page = _optional_int(data.get("page"), "page") or 1
    per_page = fields.integer(
        data.get("per_page", MAX_PAGE_SIZE), "per_page", minimum=1, maximum=MAX_PAGE_SIZE
    )
    return {"item": item.id, **state().presence.members(item.id, page, per_page)}


@acked(transaction=False)
def on_post(data=None):
    """Post in an item: ``{item, parent, body, language}``; the ack carries the post.

    Carried out with the other posts on the same item that arrive at the same moment, in
    one transaction (group commit, ``realtime.grouping``; ``services.create_posts``): a
    refused post is refused alone and holds up no other. The ack comes after that commit.
    """
    data = event_data(data)
    item_id = fields.integer(data.get("item"), "item", minimum=1)
    return posting.submit(item_id, (socket_credentials(), (data, requested_language())))


def _post_group(item_id: int, requests: list[tuple]) -> list[dict | Exception]:
    """Post a group's ``(credentials, (data, requested language))`` requests in the item, in
    one transaction; each request's ack, or the error that refused it."""

    def post(item, posting: list[tuple]) -> list[dict | ServiceError]:
        new_posts = [
            NewPost(user, data.get("body"), data.get("parent"), data.get("language"), requested)
            for user, (data, requested) in posting
        ]
        return [
            outcome
            if isinstance(outcome, ServiceError)
            # A new post reads the same for everyone: the ack carries what the room receives.
            else {"post": outcome.public_json}
            for outcome in create_posts(item, new_posts)
        ]

    # The item locked at once: its posts take the lock anyway, and this reads it once.
    return in_transaction(lambda: for_socket_users(requests, lambda: locked_item(item_id), post))


#: The groups of posts, one per item (per server process).
posting = CommitGroups(_post_group)


@acked(read_only=True)
def on_typing(data=None):
    """Tell the item's other viewers that this member is writing."""
    data = event_data(data)
    user = socket_user()
    check_rate(f"typing:{user.id}", "TYPING_RATE_LIMIT")
    item = get_item(fields.integer(data.get("item"), "item", minimum=1))
    membership = reader_for(user, item.deliberation).membership
    if (
        refusal := participation_error(user, "post", item.deliberation, item, membership)
    ) is not None:
        raise refusal
    emit(
        "typing",
        {
            "item": item.id,
            "member": membership.id,
            "name": user.name,
            "group": membership.group.key if membership.group else None,
        },
        to=item_room(item.id),
        include_self=False,
    )
    return {}


def _window_start(item_id: int) -> tuple[int | None, bool, bool]:
    """The ``after`` that leaves the newest ``JOIN_POSTS_LIMIT`` posts of the item, whether
    older posts were left out, and whether the thread is empty (one indexed query, whatever
    the thread's size)."""
    newest_id, boundary_id = db.session.execute(
        _NEWEST_AND_WINDOW_START,
        {"item_id": item_id, "window": current_app.config["JOIN_POSTS_LIMIT"]},
    ).one()
    return boundary_id, boundary_id is not None, newest_id is None


# Built once: building the statement costs about as much as running it.
_of_item = Post.item_id == sa.bindparam("item_id")
_NEWEST_AND_WINDOW_START = sa.select(
    sa.select(sa.func.max(Post.id)).where(_of_item).scalar_subquery(),
    sa.select(Post.id)
    .where(_of_item)
    .order_by(Post.id.desc())
    .offset(sa.bindparam("window"))
    .limit(1)
    .scalar_subquery(),
)


def _optional_int(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    return fields.integer(value, field, minimum=0)


def _optional_time(value, field: str):
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    raise Invalid(field=field)
