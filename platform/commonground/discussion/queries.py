"""Reading threads and posts as a reader sees them: no change to any data.

Other capabilities may read these (the Common Ground view ranks posts it reads here);
changes go through ``services.py``.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from .. import fields
from ..accounts.models import User
from ..db import db, iso
from ..deliberations.access import (
    is_admin,
    membership_of,
    require_reader,
)
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..errors import Forbidden, NotFound
from ..i18n import current_language
from ..labels import former_member_name
from ..records.leaves import pseudonym
from ..records.pseudonyms import pseudonym_key_of
from .models import Post, PostRevision, PostTranslation, Reaction
from .schemas import AuthorView, PostView, TranslationView


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


def get_post(post_id) -> Post:
    """The post with ``post_id``, or a 404 error."""
    post = db.session.get(Post, post_id) if fields.is_row_id(post_id) else None
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
            author_user.erased_at,
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
        sa.select(PostTranslation, translator_user.name, translator_user.erased_at, Post.revision)
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
    names = FormerMembers(item_id)
    for translation, translator_name, erased_at, revision in db.session.execute(translations_query):
        translations.setdefault(translation.post_id, {})[translation.language] = TranslationView(
            language=translation.language,
            body=translation.body,
            translator=translation.translator_id,
            translator_name=names.name(translator_name, erased_at, translation.translator_id),
            created_at=translation.created_at,
            source_revision=translation.source_revision,
            outdated=translation.is_outdated(revision or 1),
        )

    views = []
    for row in db.session.execute(query):
        post, user_id, name, erased_at, group_key, group_name, group_names, hider_name = row
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
                    name=names.name(name, erased_at, post.author_id),
                    former=erased_at is not None,
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
                revision=post.revision or 1,
                redacted=post.redacted_at is not None,
            )
        )
    return views


class FormerMembers:
    """Names of members as a thread shows them: an erased account's member appears as
    "Former member" under their pseudonym in the deliberation (as in its records). The
    deliberation's pseudonym key is read once, on the first former member met, so a thread
    still costs a constant number of queries."""

    def __init__(self, item_id: int) -> None:
        self.item_id = item_id
        self._former: FormerMembersOf | None = None

    def name(self, name: str | None, erased_at, membership_id: int | None) -> str | None:
        """``name``, or the former member's label when the account was erased."""
        if erased_at is None or membership_id is None:
            return name
        if self._former is None:
            self._former = FormerMembersOf(
                db.session.scalar(
                    sa.select(AgendaItem.deliberation_id).where(AgendaItem.id == self.item_id)
                )
            )
        return self._former.label(membership_id)


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


def has_taken_part(membership: Membership, **kwargs) -> bool:
    """Receiver of ``events.member_took_part``: the member wrote a post or reacted to one."""
    for model, column in ((Post, Post.author_id), (Reaction, Reaction.membership_id)):
        if db.session.scalar(sa.select(model.id).where(column == membership.id).limit(1)):
            return True
    return False


def personal_data(user, **kwargs) -> dict:
    """Receiver of ``events.personal_data_requested``: the person's posts with every earlier
    version and their translations, and the translations they made of any post."""
    mine = sa.select(Membership.id).where(Membership.user_id == user.id)
    posts = list(
        db.session.execute(
            sa.select(Post, Deliberation.slug)
            .join(AgendaItem, AgendaItem.id == Post.item_id)
            .join(Deliberation, Deliberation.id == AgendaItem.deliberation_id)
            .where(Post.author_id.in_(mine))
            .order_by(Post.id)
        )
    )
    post_ids = [post.id for post, _slug in posts]
    written, mine_ids = set(post_ids), set(db.session.scalars(mine))
    revisions: dict[int, list[dict]] = {}
    for revision in db.session.scalars(
        sa.select(PostRevision)
        .where(PostRevision.post_id.in_(post_ids))
        .order_by(PostRevision.post_id, PostRevision.replaced_at, PostRevision.id)
    ):
        revisions.setdefault(revision.post_id, []).append(
            {"body": revision.body, "replaced_at": iso(revision.replaced_at)}
        )
    translations: dict[int, list[dict]] = {}
    made = []
    for translation, revision in db.session.execute(
        sa.select(PostTranslation, Post.revision)
        .join(Post, Post.id == PostTranslation.post_id)
        .where(
            sa.or_(PostTranslation.post_id.in_(post_ids), PostTranslation.translator_id.in_(mine))
        )
        .order_by(PostTranslation.post_id, PostTranslation.language)
    ):
        row = {
            "post": translation.post_id,
            "language": translation.language,
            "body": translation.body,
            "created_at": iso(translation.created_at),
            "source_revision": translation.source_revision,
            "outdated": translation.is_outdated(revision or 1),
        }
        if translation.post_id in written:
            translations.setdefault(translation.post_id, []).append(row)
        if translation.translator_id in mine_ids:
            made.append(row)
    return {
        "posts": [
            {
                "id": post.id,
                "deliberation": slug,
                "item": post.item_id,
                "parent": post.parent_id,
                "language": post.language,
                "body": post.body,
                "created_at": iso(post.created_at),
                "edited_at": iso(post.edited_at),
                "revision": post.revision or 1,
                "hidden": post.hidden,
                "hidden_reason": post.hidden_reason,
                "redacted_at": iso(post.redacted_at),
                "revisions": revisions.get(post.id, []),
                "translations": translations.get(post.id, []),
            }
            for post, slug in posts
        ],
        "translations_made": made,
    }


class FormerMembersOf:
    """Former members of one deliberation as pages name them (the pseudonym key read once)."""

    def __init__(self, deliberation_id: int) -> None:
        self.key = pseudonym_key_of(deliberation_id)

    def label(self, membership_id: int) -> str:
        """ "Former member" under the member's pseudonym."""
        return former_member_name(pseudonym(self.key, membership_id) if self.key else None)
