"""Discussion actions, one function per action, shared by forms, the API and socket events.

Each action authorises the actor against the database as it is now, validates every input
before changing anything, makes the change, writes an audit event for moderator actions,
queues its live event and flushes. The caller commits; the event leaves only then
(``realtime.emitting``).

Reading a thread of any size is a constant number of queries: the posts with their
authors in one (ordered by materialised path), their translations in another.
"""

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .. import events, fields
from ..db import db, held_lock, insert_rows, next_ids, utcnow
from ..deliberations.access import (
    can_moderate,
    membership_of,
    memberships_of,
    participation_error,
    require_moderator,
    require_reader,
    require_reader_as_member,
    signed_in_id,
)
from ..deliberations.models import AgendaItem, Membership
from ..errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from ..i18n import current_language
from ..realtime.emitting import emit_after_commit
from ..realtime.ratelimit import check_rate, rate_refusals
from ..realtime.rooms import item_room
from ..records.audit import record_event
from .models import REDACTED_BODY, Post, PostRevision, PostTranslation, RedactionRequest
from .queries import PUBLIC, new_post_view, post_view
from .rules import MAX_BODY_LENGTH, child_path

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 500


# --- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPost:
    """A post asked for: its author and what they sent (unchecked, as received)."""

    user: Any
    body: Any
    parent: Any = None
    #: The post's language; when absent, the author's locale, else ``requested``.
    language: Any = None
    #: The language of the request that asks (None: the current request's).
    requested: str | None = None


_posts = Post.__table__
#: What a new post's row holds besides what its author sent (every column, so the post
#: taken into the session as stored reads nothing back).
_NEW_POST = {
    "floor_intervention": False,
    "edited_at": None,
    "revision": 1,
    "redacted_at": None,
    "hidden": False,
    "hidden_reason": None,
    "hidden_by_id": None,
    "hidden_at": None,
    "external_id": None,
}


def create_post(
    user,
    item: AgendaItem,
    *,
    body,
    parent=None,
    language=None,
    rate_limited: bool = True,
) -> Post:
    """Post in an item's thread, at the top level or (``parent``) as a reply.

    The item's row is locked for the rest of the transaction: posts of one item are
    numbered and committed one after the other, so "every post with an id above N" is a
    gapless catch-up for a reconnecting client, and a concurrent close or lock of the item
    cannot let a post slip in after it.
    """
    (outcome,) = create_posts(
        item, [NewPost(user, body, parent, language)], rate_limited=rate_limited
    )
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


def create_posts(
    item: AgendaItem, requests: list[NewPost], *, rate_limited: bool = True
) -> list[Post | ServiceError]:
    """Write ``requests`` in the item's thread together, in order; for each, its new post or
    the error that refused it (the rules of :func:`create_post`).

    A refused post is refused before anything is written and holds up no other. The
    posts share what each would otherwise pay alone: the item's lock, one read of their
    authors' memberships, one of the posts they reply to, one INSERT, one append to the
    log, one ``events.posts_created`` (the socket ``post`` event groups the posts that
    arrive together: ``sockets.py``). Each still gets its own ``post:new``.
    """
    item = locked_item(item.id)
    deliberation = item.deliberation
    memberships = memberships_of([request.user for request in requests], deliberation)
    outcomes: list[Post | ServiceError | None] = []
    checked: list[tuple[int, Membership, str, str, int | None]] = []
    for request in requests:
        user = request.user
        membership = memberships.get(signed_in_id(user))
        try:
            require_reader_as_member(user, deliberation, membership)
            if error := participation_error(user, "post", deliberation, item, membership):
                raise error
            body = fields.text(request.body, "body", max_length=MAX_BODY_LENGTH)
            language = _post_language(request.language, user, request.requested)
            parent_id = _parent_id(request.parent)
        except ServiceError as error:
            outcomes.append(error)
            continue
        checked.append((len(outcomes), membership, body, language, parent_id))
        outcomes.append(None)

    parents = _parents(item, {parent_id for *_, parent_id in checked if parent_id is not None})
    placed: list[tuple[int, Membership, str, str, int | None, Post | None]] = []
    for index, membership, body, language, parent_id in checked:
        try:
            placed.append(
                (index, membership, body, language, parent_id, _parent_post(parents, parent_id))
            )
        except ServiceError as error:
            outcomes[index] = error
    # The rate of each post that is otherwise fine, counted in turn (one round trip to Redis).
    refusals = (
        rate_refusals(
            [(f"post:{membership.id}", "POST_RATE_LIMIT") for _, membership, *_ in placed]
        )
        if rate_limited
        else [None] * len(placed)
    )
    now = utcnow()
    accepted: list[tuple[int, Membership, str | None, dict]] = []
    for (index, membership, body, language, parent_id, parent_post), refusal in zip(
        placed, refusals, strict=True
    ):
        if refusal is not None:
            outcomes[index] = refusal
            continue
        columns = {
            "item_id": item.id,
            "author_id": membership.id,
            "parent_id": parent_id,
            "body": body,
            "language": language,
            "created_at": now,
        }
        accepted.append((index, membership, parent_post.path if parent_post else None, columns))
    if not accepted:
        return outcomes

    # Numbered first — a post's path holds its id — then inserted in one statement, none of
    # the unit of work's bookkeeping (it would insert the rows of this self-referential
    # table one at a time), and taken into the session as they are stored.
    rows = []
    for post_id, (_, _, parent_path, columns) in zip(
        next_ids(_posts, len(accepted)), accepted, strict=True
    ):
        rows.append(
            {**_NEW_POST, **columns, "id": post_id, "path": child_path(parent_path, post_id)}
        )
    insert_rows(_posts, rows)
    posts = []
    for row, (index, membership, _, _) in zip(rows, accepted, strict=True):
        post = Post(**row)
        make_transient_to_detached(post)
        db.session.add(post)
        set_committed_value(post, "author", membership)
        posts.append(post)
        outcomes[index] = post
    # Read and rendered once, for the room's ``post:new`` and the socket's ack alike — and
    # before the receivers below: the transparency log's append locks the deliberation
    # until commit, so nothing slow comes after it.
    for post in posts:
        post.public_json = new_post_view(post, post.author, PUBLIC).to_json()
    # The live session marks a floor intervention (and ends the speaker's turn).
    events.posts_created.send(item, posts=posts)
    db.session.flush()
    for post in posts:
        post.public_json["floor_intervention"] = post.floor_intervention
        logger.info("post %s in item %s by member %s", post.id, item.id, post.author_id)
        emit_after_commit("post:new", post.public_json, to=item_room(item.id))
    return outcomes


def edit_post(user, post: Post, *, body, language=None) -> Post:
    """The author changes their post; the previous body is kept as a revision."""
    item = locked_item(post.item_id)
    require_reader(user, item.deliberation)
    membership = membership_of(user, item.deliberation)
    if membership is None or membership.id != post.author_id:
        raise Forbidden(_l("Only its author may edit a post."), code="not_author")
    if (
        refusal := participation_error(user, "post", item.deliberation, item, membership)
    ) is not None:
        raise refusal
    if post.hidden:
        raise Conflict(_l("A post hidden by a moderator cannot be edited."), code="hidden")
    if post.redacted_at is not None:
        raise Conflict(_l("The text of this post has been removed."), code="redacted")
    body = fields.text(body, "body", max_length=MAX_BODY_LENGTH)
    language = post.language if language in (None, "") else fields.language(language)
    if body == post.body and language == post.language:
        return post

    now = utcnow()
    db.session.add(PostRevision(post_id=post.id, body=post.body, replaced_at=now))
    post.body = body
    post.language = language
    post.edited_at = now
    # Translations made from an earlier revision are outdated from now on (they keep the
    # revision they were made from, ``PostTranslation.source_revision``).
    post.revision = (post.revision or 1) + 1
    db.session.flush()
    events.post_edited.send(post, membership=membership)
    logger.info("post %s edited by member %s", post.id, membership.id)
    emit_after_commit("post:edit", post_view(post, PUBLIC).to_json(), to=item_room(item.id))
    return post


def hide_post(user, post: Post, *, reason) -> Post:
    """A moderator hides a post: everyone else sees only the reason; the content stays in
    the database and the record.

    Allowed in a closed deliberation too: moderation must stay possible in the archive.
    """
    item = locked_item(post.item_id)
    deliberation = item.deliberation
    require_moderator(user, deliberation)
    reason = fields.text(reason, "reason", max_length=MAX_REASON_LENGTH)
    if post.hidden:
        raise Conflict(_l("This post is already hidden."), code="already_hidden")
    membership = membership_of(user, deliberation)
    post.hidden = True
    post.hidden_reason = reason
    post.hidden_by_id = membership.id if membership else None
    post.hidden_at = utcnow()
    db.session.flush()
    record_event(
        deliberation,
        user,
        "post.hide",
        f"post:{post.id}",
        {"item": item.id, "reason": reason},
    )
    events.post_moderated.send(post, action="hidden", actor=user, reason=reason)
    emit_after_commit("post:hidden", post_view(post, PUBLIC).to_json(), to=item_room(item.id))
    return post


def translate_post(user, post: Post, *, language, body, rate_limited: bool = True):
    """A member contributes a human translation of a post into another language.

    A translation into a language that already has one replaces it only when it is the
    same translator's, or a moderator's: someone else's work is not overwritten silently.
    Closed and locked items still take translations (the record stays readable in more
    languages); a closed deliberation does not.
    """
    item = locked_item(post.item_id)
    deliberation = item.deliberation
    require_reader(user, deliberation)
    membership = membership_of(user, deliberation)
    if (
        refusal := participation_error(user, "translate", deliberation, None, membership)
    ) is not None:
        raise refusal
    if post.hidden:
        raise Conflict(_l("A post hidden by a moderator cannot be translated."), code="hidden")
    if post.redacted_at is not None:
        raise Conflict(_l("The text of this post has been removed."), code="redacted")
    language = fields.language(language)
    if language == post.language:
        raise Invalid(_l("This post is already written in this language."), field="language")
    body = fields.text(body, "body", max_length=MAX_BODY_LENGTH)

    translation = db.session.scalar(
        sa.select(PostTranslation).where(
            PostTranslation.post_id == post.id, PostTranslation.language == language
        )
    )
    if (
        translation is not None
        and translation.translator_id != membership.id
        and not can_moderate(user, deliberation)
    ):
        raise Conflict(
            _l("Someone has already translated this post into this language."),
            field="language",
            code="translation_exists",
        )
    if rate_limited:
        check_rate(f"post:{membership.id}")
    if translation is None:
        translation = PostTranslation(post_id=post.id, language=language)
        db.session.add(translation)
    translation.body = body
    translation.translator_id = membership.id
    translation.created_at = utcnow()
    translation.source_revision = post.revision or 1
    db.session.flush()
    events.post_translated.send(translation, post=post, membership=membership)
    logger.info("post %s translated into %s by member %s", post.id, language, membership.id)
    emit_after_commit("post:edit", post_view(post, PUBLIC).to_json(), to=item_room(item.id))
    return translation


def lock_item(user, item: AgendaItem, *, locked) -> AgendaItem:
    """A moderator locks (or unlocks) an item's discussion: still readable, no new posts."""
    item = locked_item(item.id)
    require_moderator(user, item.deliberation)
    locked = fields.boolean(locked, "locked")
    if item.locked == locked:
        return item
    item.locked = locked
    db.session.flush()
    record_event(
        item.deliberation, user, "item.lock" if locked else "item.unlock", f"item:{item.id}"
    )
    events.item_state_changed.send(item, changes={"locked": (not locked, locked)})
    return item


def announce_item_status(item: AgendaItem, **kwargs) -> None:
    """Queue ``item:status`` for the item's viewers (sent at commit).

    After every change of an item's status or lock (``lock_item``, and as the receiver of
    ``events.item_state_changed``), so open pages enable or disable their forms at once.
    """
    emit_after_commit(
        "item:status",
        {"item": item.id, "status": item.status, "locked": item.locked},
        to=item_room(item.id),
    )


# --- removing a former member's text (Action VI of the Plan) ---------------------------------


def request_redaction(user, memberships, redaction: bool = False, **kwargs) -> None:
    """Receiver of ``events.user_erased``: when the person asked that their posts' text be
    removed, one request per deliberation where they wrote posts, for its moderators."""
    if not redaction:
        return
    for membership in memberships:
        wrote = db.session.scalar(
            sa.select(Post.id)
            .where(Post.author_id == membership.id, Post.redacted_at.is_(None))
            .limit(1)
        )
        if wrote is None:
            continue
        db.session.add(
            RedactionRequest(
                deliberation_id=membership.deliberation_id, membership_id=membership.id
            )
        )
    db.session.flush()


def pending_redactions(user, deliberation) -> list[RedactionRequest]:
    """The deliberation's requests not yet decided, oldest first (moderators)."""
    require_moderator(user, deliberation)
    return list(
        db.session.scalars(
            sa.select(RedactionRequest)
            .where(
                RedactionRequest.deliberation_id == deliberation.id,
                RedactionRequest.status == "pending",
            )
            .order_by(RedactionRequest.requested_at, RedactionRequest.id)
        )
    )


def get_redaction(deliberation, request_id) -> RedactionRequest:
    """The deliberation's redaction request ``request_id``, or a 404 error."""
    request = db.session.get(RedactionRequest, request_id) if fields.is_row_id(request_id) else None
    if request is None or request.deliberation_id != deliberation.id:
        raise NotFound(_l("There is no such request in this deliberation."))
    return request


def decide_redaction(user, deliberation, request: RedactionRequest, *, approve) -> int:
    """A moderator approves or refuses a former member's request to remove their posts'
    text. Approved, every post of theirs in the deliberation keeps its place, author,
    reactions and log, but its text — every version and every translation — is replaced by
    a notice, and the log records it (a ``post.redact`` leaf). Returns how many posts."""
    require_moderator(user, deliberation)
    approve = fields.boolean(approve, "approve")
    if request.status != "pending":
        raise Conflict(_l("This request has already been decided."), code="decided")
    request.status = "approved" if approve else "refused"
    request.decided_at = utcnow()
    request.decided_by_id = user.id
    changed = []
    if approve:
        moderator = membership_of(user, deliberation)
        author = db.session.get(Membership, request.membership_id)
        posts = list(
            db.session.scalars(
                sa.select(Post)
                .where(Post.author_id == request.membership_id, Post.redacted_at.is_(None))
                .order_by(Post.id)
            )
        )
        for post in posts:
            locked_item(post.item_id)
            db.session.execute(sa.delete(PostRevision).where(PostRevision.post_id == post.id))
            db.session.execute(sa.delete(PostTranslation).where(PostTranslation.post_id == post.id))
            post.body = REDACTED_BODY
            post.redacted_at = request.decided_at
            db.session.flush()
            events.post_redacted.send(post, membership=author, moderator=moderator)
            changed.append(post)
    db.session.flush()
    record_event(
        deliberation,
        user,
        "redaction.approve" if approve else "redaction.refuse",
        f"redaction:{request.id}",
        {"posts": len(changed)},
    )
    for post in changed:
        emit_after_commit(
            "post:edit", post_view(post, PUBLIC).to_json(), to=item_room(post.item_id)
        )
    logger.info("redaction %s %s: %s posts", request.id, request.status, len(changed))
    return len(changed)


# --- helpers ----------------------------------------------------------------------------------


def locked_item(item_id: int) -> AgendaItem:
    """The item, re-read and locked until commit (PostgreSQL; SQLite serialises writers), or
    a 404 error; locked and read once per transaction (``db.held_lock``)."""
    return held_lock(("agenda_item", item_id), lambda: _lock_item(item_id))


def _lock_item(item_id: int) -> AgendaItem:
    item = db.session.scalar(_LOCK_ITEM, {"item_id": item_id})
    if item is None:
        raise NotFound(_l("There is no agenda item with this number."))
    return item


# With its deliberation in the same statement (only the item's row is locked): the
# refreshed item would otherwise load it again, populate_existing passing to lazy loads.
# Built once, as the statements below: they run for every post.
_LOCK_ITEM = (
    sa.select(AgendaItem)
    .where(AgendaItem.id == sa.bindparam("item_id"))
    .options(joinedload(AgendaItem.deliberation))
    .with_for_update(of=AgendaItem)
    .execution_options(populate_existing=True)
)


def default_post_language(user, requested: str | None = None) -> str:
    """A new post's language unless the author picks one: their locale, else the language
    of the request that asks (``requested`` when it is not the current request's)."""
    return getattr(user, "locale", None) or requested or current_language()


def _post_language(language, user, requested: str | None = None) -> str:
    if language in (None, ""):
        return default_post_language(user, requested)
    return fields.language(language)


def _parent_id(parent) -> int | None:
    if parent in (None, ""):
        return None
    return fields.integer(parent, "parent", minimum=1)


def _parents(item: AgendaItem, parent_ids: set[int]) -> dict[int, Post]:
    """The posts of the item with ids in ``parent_ids`` (one query; none when empty)."""
    if not parent_ids:
        return {}
    return {
        post.id: post
        for post in db.session.scalars(
            sa.select(Post).where(Post.id.in_(parent_ids), Post.item_id == item.id)
        )
    }


def _parent_post(parents: dict[int, Post], parent_id: int | None) -> Post | None:
    if parent_id is None:
        return None
    parent_post = parents.get(parent_id)
    if parent_post is None:
        raise Invalid(_l("There is no such post in this discussion to reply to."), field="parent")
    if parent_post.hidden:
        raise Conflict(
            _l("A post hidden by a moderator cannot be replied to."), field="parent", code="hidden"
        )
    return parent_post
