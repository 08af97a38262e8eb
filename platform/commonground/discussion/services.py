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

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from .. import fields
from ..accounts.models import User
from ..db import utcnow
from ..deliberations.access import (
    can_moderate,
    is_admin,
    membership_of,
    require_moderator,
    require_reader,
)
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, Unauthorized
from ..extensions import db
from ..i18n import current_language
from ..live.services import consume_floor
from ..realtime.emitting import emit_after_commit
from ..realtime.ratelimit import check_rate
from ..realtime.rooms import item_room
from ..records.audit import record_event
from .models import Post, PostRevision, PostTranslation
from .rules import MAX_BODY_LENGTH, child_path
from .schemas import AuthorView, PostView, TranslationView

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 500


# --- who may do what --------------------------------------------------------------------------


@dataclass
class Reader:
    """Someone reading a thread: their membership (if any), whether they moderate, and the
    language they read in."""

    user: User | None
    membership: Membership | None
    moderator: bool
    language: str

    @property
    def member_id(self) -> int | None:
        return self.membership.id if self.membership else None


#: Who reads a broadcast: any reader of the item; never sees what only moderators see.
PUBLIC = Reader(user=None, membership=None, moderator=False, language="")


def reader_for(user, deliberation: Deliberation) -> Reader:
    """The reader ``user`` is in ``deliberation`` (refused if they may not read it)."""
    require_reader(user, deliberation)
    membership = membership_of(user, deliberation)
    moderator = is_admin(user) or (membership is not None and membership.is_moderator)
    return Reader(
        user=user if getattr(user, "is_authenticated", False) else None,
        membership=membership,
        moderator=moderator,
        language=current_language(),
    )


def may_post(membership: Membership | None, deliberation: Deliberation) -> bool:
    """Moderators and delegates post; observers only where the deliberation allows it."""
    if membership is None:
        return False
    if membership.role == "observer":
        return deliberation.observers_may_post
    return True


def posting_refusal(user, item: AgendaItem, membership: Membership | None) -> ServiceError | None:
    """Why ``user`` may not post in ``item`` now, or None if they may.

    The state of the deliberation and the item comes first (it concerns everyone), then
    the member's own standing.
    """
    deliberation = item.deliberation
    if (refusal := _deliberation_refusal(deliberation)) is not None:
        return refusal
    if item.status == "closed":
        return Conflict(
            _l("This agenda item is closed: it accepts no more posts."), code="item_closed"
        )
    if item.status != "open":
        return Conflict(
            _l("This agenda item is not open for discussion yet."), code="item_not_open"
        )
    if item.locked:
        return Conflict(
            _l("A moderator has locked this discussion: it accepts no new posts for now."),
            code="item_locked",
        )
    return translation_refusal(user, deliberation, membership)


def _deliberation_refusal(deliberation: Deliberation) -> ServiceError | None:
    if deliberation.status == "closed":
        return Conflict(
            _l("This deliberation is closed: its record can be read but not added to."),
            code="deliberation_closed",
        )
    if deliberation.status != "open":
        return Conflict(_l("This deliberation has not opened yet."), code="deliberation_not_open")
    return None


def translation_refusal(
    user, deliberation: Deliberation, membership: Membership | None
) -> ServiceError | None:
    """Why ``user`` may not translate posts of ``deliberation`` now, or None if they may.

    As for posting, except that closed and locked items still take translations.
    """
    if (refusal := _deliberation_refusal(deliberation)) is not None:
        return refusal
    if user is None or not user.is_authenticated:
        return Unauthorized(_l("Sign in to take part in the discussion."))
    if membership is None:
        return Forbidden(
            _l("Only members of this deliberation may take part in its discussion."),
            code="not_a_member",
        )
    if membership.muted:
        return Forbidden(
            _l("A moderator has muted you in this deliberation: you may read but not post."),
            code="muted",
        )
    if not may_post(membership, deliberation):
        return Forbidden(
            _l("Observers may read this discussion but not post in it."), code="observer"
        )
    return None


def _require_may_post(user, item: AgendaItem) -> Membership:
    require_reader(user, item.deliberation)
    membership = membership_of(user, item.deliberation)
    if (refusal := posting_refusal(user, item, membership)) is not None:
        raise refusal
    return membership


# --- reading ----------------------------------------------------------------------------------


def get_post(post_id) -> Post:
    """The post with ``post_id``, or a 404 error."""
    post = db.session.get(Post, post_id) if isinstance(post_id, int) else None
    if post is None:
        raise NotFound(_l("There is no post with this number."))
    return post


def item_of(post: Post) -> AgendaItem:
    """The agenda item a post belongs to."""
    return db.session.get(AgendaItem, post.item_id)


@dataclass
class Thread:
    """An item's posts, in thread order, as one reader sees them."""

    item: AgendaItem
    reader: Reader
    posts: list[PostView]


def read_thread(
    user,
    item: AgendaItem,
    *,
    after: int | None = None,
    language: str | None = None,
    post_ids: list[int] | None = None,
) -> Thread:
    """The item's posts in thread order, as ``user`` may see them.

    ``after``: only posts with a larger id (a reconnecting client's catch-up; posts of one
    item get their ids in commit order, see ``create_post``). ``language``: only posts
    written in it or translated into it. ``post_ids``: only these posts (a live page's
    update); refused as not found when one of them is not the item's.
    """
    reader = reader_for(user, item.deliberation)
    posts = load_post_views(item.id, reader, after=after, post_ids=post_ids)
    if post_ids is not None and len(posts) != len(set(post_ids)):
        raise NotFound(_l("There is no post with this number."))
    if language:
        posts = [p for p in posts if p.language == language or language in p.translations]
    return Thread(item=item, reader=reader, posts=posts)


def count_posts(item: AgendaItem) -> int:
    """How many posts the item's thread has (hidden ones included: the thread shows them)."""
    return db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.item_id == item.id))


#: The aliases of the thread queries, made once: building them per call costs more than
#: running the queries (SQLAlchemy adapts every column of a fresh alias).
_ALIASES = (
    aliased(Membership, name="author"),
    aliased(User, name="author_user"),
    aliased(StakeholderGroup, name="author_group"),
    aliased(Membership, name="hider"),
    aliased(User, name="hider_user"),
    aliased(Membership, name="translator"),
    aliased(User, name="translator_user"),
    aliased(PostTranslation, name="newer_translation"),
)


def load_post_views(
    item_id: int,
    reader: Reader,
    *,
    after: int | None = None,
    changed_since=None,
    post_ids: list[int] | None = None,
) -> list[PostView]:
    """Posts of an item as ``reader`` sees them, in thread order: always two queries.

    ``after``: only posts with a larger id; with ``changed_since`` (a datetime) also those
    edited, hidden or translated since then. ``post_ids``: only these posts.
    """
    author, author_user, group, hider, hider_user, translator, translator_user, newer = _ALIASES
    query = (
        sa.select(
            Post,
            author_user.id,
            author_user.name,
            group.key,
            group.name,
            group.name_translations,
            hider_user.name,
        )
        .join(author, Post.author_id == author.id)
        .join(author_user, author.user_id == author_user.id)
        .outerjoin(group, author.group_id == group.id)
        .outerjoin(hider, Post.hidden_by_id == hider.id)
        .outerjoin(hider_user, hider.user_id == hider_user.id)
        .where(Post.item_id == item_id)
        .order_by(Post.path)
    )
    translations_query = (
        sa.select(PostTranslation, translator_user.name)
        .join(Post, PostTranslation.post_id == Post.id)
        .outerjoin(translator, PostTranslation.translator_id == translator.id)
        .outerjoin(translator_user, translator.user_id == translator_user.id)
        .where(Post.item_id == item_id)
    )
    wanted = []
    if after is not None:
        wanted.append(Post.id > after)
    if changed_since is not None:
        wanted += [
            Post.edited_at > changed_since,
            Post.hidden_at > changed_since,
            sa.exists().where(newer.post_id == Post.id, newer.created_at > changed_since),
        ]
    if wanted:
        # The translations follow the posts chosen: same condition, as a subquery.
        chosen = sa.select(Post.id).where(Post.item_id == item_id, sa.or_(*wanted))
        query = query.where(sa.or_(*wanted))
        translations_query = translations_query.where(PostTranslation.post_id.in_(chosen))
    if post_ids is not None:
        query = query.where(Post.id.in_(post_ids))
        translations_query = translations_query.where(Post.id.in_(post_ids))

    translations: dict[int, dict[str, TranslationView]] = {}
    for translation, translator_name in db.session.execute(translations_query):
        translations.setdefault(translation.post_id, {})[translation.language] = TranslationView(
            language=translation.language,
            body=translation.body,
            translator=translation.translator_id,
            translator_name=translator_name,
            created_at=translation.created_at,
        )

    views = []
    for row in db.session.execute(query):
        post, user_id, name, group_key, group_name, group_names, hider_name = row
        visible = not post.hidden or reader.moderator
        views.append(
            PostView(
                id=post.id,
                item=post.item_id,
                parent=post.parent_id,
                path=post.path,
                author=AuthorView(
                    member=post.author_id,
                    user=user_id,
                    name=name,
                    group=group_key,
                    group_name=(
                        (group_names or {}).get(reader.language) or group_name
                        if group_key
                        else None
                    ),
                ),
                source=post.body,
                language=post.language,
                created_at=post.created_at,
                edited_at=post.edited_at,
                hidden=post.hidden,
                hidden_reason=post.hidden_reason,
                hidden_at=post.hidden_at,
                hidden_by_name=hider_name if reader.moderator else None,
                content_visible=visible,
                translations=translations.get(post.id, {}) if visible else {},
                floor_intervention=post.floor_intervention,
            )
        )
    return views


def post_view(post: Post, reader: Reader) -> PostView:
    """One post as ``reader`` sees it."""
    return load_post_views(post.item_id, reader, post_ids=[post.id])[0]


def read_post(user, post: Post) -> PostView:
    """One post as ``user`` may see it (refused if they may not read its item)."""
    return post_view(post, reader_for(user, item_of(post).deliberation))


def post_revisions(user, post: Post) -> list[PostRevision]:
    """The previous bodies of a post, newest first. A hidden post's history is for
    moderators only, like its content."""
    reader = reader_for(user, item_of(post).deliberation)
    if post.hidden and not reader.moderator:
        raise Forbidden(_l("This post was hidden by a moderator."), code="hidden")
    return list(
        db.session.scalars(
            sa.select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.replaced_at.desc(), PostRevision.id.desc())
        )
    )


# --- actions ----------------------------------------------------------------------------------


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
    post.path = child_path(parent_post.path if parent_post else None, post.id)
    post.floor_intervention = consume_floor(membership, item, post)
    db.session.flush()
    logger.info("post %s in item %s by member %s", post.id, item.id, membership.id)
    emit_after_commit("post:new", post_view(post, PUBLIC).to_json(), to=item_room(item.id))
    return post


def edit_post(user, post: Post, *, body, language=None) -> Post:
    """The author changes their post; the previous body is kept as a revision."""
    item = _locked_item(post.item_id)
    require_reader(user, item.deliberation)
    membership = membership_of(user, item.deliberation)
    if membership is None or membership.id != post.author_id:
        raise Forbidden(_l("Only its author may edit a post."), code="not_author")
    if (refusal := posting_refusal(user, item, membership)) is not None:
        raise refusal
    if post.hidden:
        raise Conflict(_l("A post hidden by a moderator cannot be edited."), code="hidden")
    body = fields.text(body, "body", max_length=MAX_BODY_LENGTH)
    language = post.language if language in (None, "") else fields.language(language)
    if body == post.body and language == post.language:
        return post

    now = utcnow()
    db.session.add(PostRevision(post_id=post.id, body=post.body, replaced_at=now))
    post.body = body
    post.language = language
    post.edited_at = now
    db.session.flush()
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
    if (refusal := translation_refusal(user, deliberation, membership)) is not None:
        raise refusal
    if post.hidden:
        raise Conflict(_l("A post hidden by a moderator cannot be translated."), code="hidden")
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
    db.session.flush()
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
    announce_item_status(item)
    return item


def announce_item_status(item: AgendaItem) -> None:
    """Queue ``item:status`` for the item's viewers (sent at commit).

    For every service that changes an item's status or lock, so open pages enable or
    disable their forms at once.
    """
    emit_after_commit(
        "item:status",
        {"item": item.id, "status": item.status, "locked": item.locked},
        to=item_room(item.id),
    )


# --- helpers ----------------------------------------------------------------------------------


def _locked_item(item_id: int) -> AgendaItem:
    """The item, re-read and locked until commit (PostgreSQL; SQLite serialises writers)."""
    item = db.session.scalar(
        sa.select(AgendaItem)
        .where(AgendaItem.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound(_l("There is no agenda item with this number."))
    return item


def default_post_language(user) -> str:
    """A new post's language unless the author picks one: their locale, else the page's."""
    return getattr(user, "locale", None) or current_language()


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
