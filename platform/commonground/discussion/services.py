"""Discussion actions, one function per action, shared by forms, the API and socket events.

Each action authorises the actor against the database as it is now, validates every input
before changing anything, makes the change, writes an audit event for moderator actions,
queues its live event and flushes. The caller commits; the event leaves only then
(``realtime.emitting``).

Reading a thread of any size is a constant number of queries: the posts with their
authors in one (ordered by materialised path), their translations in another.
"""

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from .. import events, fields
from ..db import db, held_lock, utcnow
from ..deliberations.access import (
    can_moderate,
    membership_of,
    participation_error,
    require_moderator,
    require_reader,
    require_reader_access,
)
from ..deliberations.models import AgendaItem, Membership
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..i18n import current_language
from ..realtime.emitting import emit_after_commit
from ..realtime.ratelimit import check_rate
from ..realtime.rooms import item_room
from ..records.audit import record_event
from .models import REDACTED_BODY, Post, PostRevision, PostTranslation, RedactionRequest
from .queries import PUBLIC, new_post_view, post_view
from .rules import MAX_BODY_LENGTH, child_path

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 500


# --- who may do what --------------------------------------------------------------------------


def _require_may_post(user, item: AgendaItem) -> Membership:
    """The author's membership (with its group, which the new post shows), read once for
    both checks: reading the item, and posting in it."""
    deliberation = item.deliberation
    membership = require_reader_access(user, deliberation).membership
    if (error := participation_error(user, "post", deliberation, item, membership)) is not None:
        raise error
    return membership


# --- actions ----------------------------------------------------------------------------------


_posts = Post.__table__
_SET_PATH = (
    sa.update(_posts)
    .where(_posts.c.id == sa.bindparam("post_id"))
    .values(path=sa.bindparam("path"))
)


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
    item = _locked_item(item.id)
    membership = _require_may_post(user, item)
    body = fields.text(body, "body", max_length=MAX_BODY_LENGTH)
    language = _post_language(language, user)
    parent_post = _parent_post(item, parent)
    if rate_limited:
        check_rate(f"post:{membership.id}")

    post = Post(
        item_id=item.id,
        author_id=membership.id,
        parent_id=parent_post.id if parent_post else None,
        path="",
        body=body,
        language=language,
        created_at=utcnow(),
    )
    db.session.add(post)
    db.session.flush()  # the id is part of the path
    # The path in one plain UPDATE, without a second flush of the unit of work.
    path = child_path(parent_post.path if parent_post else None, post.id)
    db.session.execute(_SET_PATH, {"post_id": post.id, "path": path})
    set_committed_value(post, "path", path)
    # Read and rendered once, for the room's ``post:new`` and the socket's ack alike — and
    # before the receivers below: the transparency log's append locks the deliberation
    # until commit, so nothing slow comes after it.
    post.public_json = new_post_view(post, membership, PUBLIC).to_json()
    # The live session marks a floor intervention (and ends the speaker's turn).
    events.post_created.send(post, membership=membership, item=item)
    db.session.flush()
    post.public_json["floor_intervention"] = post.floor_intervention
    logger.info("post %s in item %s by member %s", post.id, item.id, membership.id)
    emit_after_commit("post:new", post.public_json, to=item_room(item.id))
    return post


def edit_post(user, post: Post, *, body, language=None) -> Post:
    """The author changes their post; the previous body is kept as a revision."""
    item = _locked_item(post.item_id)
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
    item = _locked_item(post.item_id)
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
    item = _locked_item(post.item_id)
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
    item = _locked_item(item.id)
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
            _locked_item(post.item_id)
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


def _locked_item(item_id: int) -> AgendaItem:
    """The item, re-read and locked until commit (PostgreSQL; SQLite serialises writers);
    locked and read once per transaction (``db.held_lock``: the posts of a group)."""
    return held_lock(("agenda_item", item_id), lambda: _lock_item(item_id))


def _lock_item(item_id: int) -> AgendaItem:
    # With its deliberation in the same statement (only the item's row is locked): the
    # refreshed item would otherwise load it again, populate_existing passing to lazy loads.
    item = db.session.scalar(
        sa.select(AgendaItem)
        .where(AgendaItem.id == item_id)
        .options(joinedload(AgendaItem.deliberation))
        .with_for_update(of=AgendaItem)
        .execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound(_l("There is no agenda item with this number."))
    return item


def default_post_language(user, requested: str | None = None) -> str:
    """A new post's language unless the author picks one: their locale, else the language
    of the request that asks (``requested`` when it is not the current request's)."""
    return getattr(user, "locale", None) or requested or current_language()


def _post_language(language, user) -> str:
    if language in (None, ""):
        return default_post_language(user)
    return fields.language(language)


def _parent_post(item: AgendaItem, parent) -> Post | None:
    if parent in (None, ""):
        return None
    parent_id = fields.integer(parent, "parent", minimum=1)
    parent_post = db.session.get(Post, parent_id)
    if parent_post is None or parent_post.item_id != item.id:
        raise Invalid(_l("There is no such post in this discussion to reply to."), field="parent")
    if parent_post.hidden:
        raise Conflict(
            _l("A post hidden by a moderator cannot be replied to."), field="parent", code="hidden"
        )
    return parent_post
