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
from ..deliberations.access import ReaderAccess, require_reader_access
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..errors import Forbidden, NotFound
from ..i18n import current_language
from ..labels import former_member_name
from ..records.leaves import pseudonym
from ..records.pseudonyms import pseudonym_key_of
from .models import Post, PostRevision, PostTranslation, Reaction
from .rules import (
    LONG_POST,
    PATH_DIGITS,
    WINDOW_POSTS,
    WINDOW_THREADS,
    path_segment,
    thread_root,
    window_around,
    window_threads,
)
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
    """The reader ``user`` is in ``deliberation`` (refused if they may not read it): one
    query, the membership with its group."""
    return reader_with(user, require_reader_access(user, deliberation))


def reader_with(user, access: ReaderAccess, language: str | None = None) -> Reader:
    """The reader ``user`` is, given their access already decided (``access.reader_access``),
    reading in ``language`` (by default the request's)."""
    return Reader(
        user=user if getattr(user, "is_authenticated", False) else None,
        membership=access.membership,
        moderator=access.moderator,
        language=language or current_language(),
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
class Window:
    """The top-level threads a page (or ``GET …/posts``) shows: those whose first post's id
    lies in ``first``..``last`` (both None for an empty window), and the cursors of the
    windows around it: ``older`` (pass it as ``before``) when older threads exist,
    ``newer`` (pass it as ``from``) when newer ones do."""

    first: int | None
    last: int | None
    threads: int
    older: int | None
    newer: int | None

    @property
    def has_older(self) -> bool:
        return self.older is not None

    @property
    def has_newer(self) -> bool:
        return self.newer is not None

    def path_range(self) -> tuple[str, str]:
        """The materialised paths of the window's posts: ``low <= path < high``."""
        if self.first is None:
            return ("", "")
        return (path_segment(self.first), path_segment(self.last + 1))

    def to_json(self) -> dict:
        return {
            "threads": self.threads,
            "first_thread": self.first,
            "last_thread": self.last,
            "has_older": self.has_older,
            "has_newer": self.has_newer,
            "older": {"before": self.older} if self.has_older else None,
            "newer": {"from": self.newer} if self.has_newer else None,
        }


def thread_window(
    item_id: int,
    *,
    before: int | None = None,
    start: int | None = None,
    around: int | None = None,
    threads: int = WINDOW_THREADS,
    posts: int = WINDOW_POSTS,
) -> Window:
    """The window of whole threads to show, in at most four queries whatever the thread.

    By default the newest threads; ``before``: the newest threads whose first post's id is
    smaller; ``start``: the oldest threads whose first post's id is at least this;
    ``around``: the threads around the one that holds post ``around``, newer and older in
    turn (refused as not found when it is not a post of the item). At most ``threads``
    threads, and no further thread once the window would pass ``posts`` posts
    (``rules.window_threads``, ``rules.window_around``).
    """
    roots = sa.select(Post.id).where(Post.item_id == item_id, Post.parent_id.is_(None))
    if around is not None:
        return _window_around(item_id, roots, around, threads=threads, posts=posts)
    forward = start is not None
    if forward:
        nearest_first = roots.where(Post.id >= start).order_by(Post.id)
    else:
        nearest_first = roots.order_by(Post.id.desc())
        if before is not None:
            nearest_first = nearest_first.where(Post.id < before)
    found = list(db.session.scalars(nearest_first.limit(threads + 1)))
    nearest = found[:threads]
    sizes = _thread_sizes(item_id, nearest) if nearest else {}
    taken = window_threads([(r, sizes.get(r, 0)) for r in nearest], threads=threads, posts=posts)
    chosen = sorted(nearest[:taken])
    further = len(found) > taken  # threads beyond the window, in the direction read
    boundary = start if forward else before
    behind = boundary is not None and db.session.scalar(
        sa.select(sa.exists(roots.where(Post.id < start if forward else Post.id >= before)))
    )
    older, newer = (behind, further) if forward else (further, behind)
    return _window(chosen, boundary, older=older, newer=newer)


def _window_around(item_id: int, roots, around: int, *, threads: int, posts: int) -> Window:
    """The window around the thread holding post ``around`` (``rules.window_around``)."""
    path = db.session.scalar(sa.select(Post.path).where(Post.id == around, Post.item_id == item_id))
    if path is None:
        raise NotFound(_l("There is no post with this number."), field="around")
    root = thread_root(path)
    older = list(
        db.session.scalars(roots.where(Post.id <= root).order_by(Post.id.desc()).limit(threads + 1))
    )
    newer = list(
        db.session.scalars(roots.where(Post.id > root).order_by(Post.id).limit(threads + 1))
    )
    sizes = _thread_sizes(item_id, older + newer)
    from_older, from_newer = window_around(
        [sizes.get(r, 0) for r in older],
        [sizes.get(r, 0) for r in newer],
        threads=threads,
        posts=posts,
    )
    chosen = sorted(older[:from_older] + newer[:from_newer])
    return _window(chosen, root, older=len(older) > from_older, newer=len(newer) > from_newer)


def _window(chosen: list[int], boundary: int | None, *, older: bool, newer: bool) -> Window:
    """The window of threads ``chosen`` (ascending); ``boundary`` stands for its edges
    when it is empty."""
    low = chosen[0] if chosen else boundary
    high = chosen[-1] + 1 if chosen else boundary
    return Window(
        first=chosen[0] if chosen else None,
        last=chosen[-1] if chosen else None,
        threads=len(chosen),
        older=low if older else None,
        newer=high if newer else None,
    )


def _thread_sizes(item_id: int, roots: list[int]) -> dict[int, int]:
    """How many posts each thread from ``min(roots)`` to ``max(roots)`` holds, a long post
    counted once more per ``LONG_POST`` characters: one query."""
    root = sa.func.substr(Post.path, 1, PATH_DIGITS)
    query = (
        sa.select(root, sa.func.sum(1 + sa.func.length(Post.body) / LONG_POST))
        .where(
            Post.item_id == item_id,
            Post.path >= path_segment(min(roots)),
            Post.path < path_segment(max(roots) + 1),
        )
        .group_by(root)
    )
    return {int(key): int(size) for key, size in db.session.execute(query)}


@dataclass
class Thread:
    """An item's posts, in thread order, as one reader sees them (``window``: the threads
    they are part of, when only a window was read)."""

    item: AgendaItem
    reader: Reader
    posts: list[PostView]
    window: Window | None = None


def read_thread(
    user,
    item: AgendaItem,
    *,
    after: int | None = None,
    language: str | None = None,
    post_ids: list[int] | None = None,
    window: Window | None = None,
) -> Thread:
    """The item's posts in thread order, as ``user`` may see them.

    ``after``: only posts with a larger id (a reconnecting client's catch-up; posts of one
    item get their ids in commit order, see ``create_post``). ``language``: only posts
    written in it or translated into it. ``post_ids``: only these posts (a live page's
    update); refused as not found when one of them is not the item's. ``window``: only the
    posts of its threads (see ``thread_window``).
    """
    reader = reader_for(user, item.deliberation)
    posts = load_post_views(
        item.id,
        reader,
        after=after,
        post_ids=post_ids,
        paths=window.path_range() if window is not None else None,
    )
    if post_ids is not None and len(posts) != len(set(post_ids)):
        raise NotFound(_l("There is no post with this number."))
    if language:
        posts = [p for p in posts if p.language == language or language in p.translations]
    return Thread(item=item, reader=reader, posts=posts, window=window)


def count_posts(item: AgendaItem) -> int:
    """How many posts the item's thread has (hidden ones included: the thread shows them)."""
    return db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.item_id == item.id))


@dataclass
class ThreadTotals:
    """What a page says of the whole thread while it shows a window of it."""

    posts: int
    last_post_id: int
    languages: dict[str, int]


def thread_totals(item: AgendaItem, reader: Reader) -> ThreadTotals:
    """The number of posts, the newest post's id, and how many posts are written in or
    translated into each language (translations of hidden posts for moderators only, as
    the thread shows them): two queries whatever the thread's size."""
    by_language = (
        sa.select(Post.language, sa.func.count(), sa.func.max(Post.id))
        .where(Post.item_id == item.id)
        .group_by(Post.language)
    )
    languages: dict[str, int] = {}
    posts = last = 0
    for language, count, newest in db.session.execute(by_language):
        languages[language] = count
        posts += count
        last = max(last, newest)
    translated = (
        sa.select(PostTranslation.language, sa.func.count(sa.distinct(Post.id)))
        .join(Post, PostTranslation.post_id == Post.id)
        .where(Post.item_id == item.id, PostTranslation.language != Post.language)
        .group_by(PostTranslation.language)
    )
    if not reader.moderator:
        translated = translated.where(Post.hidden.is_(False))
    for language, count in db.session.execute(translated):
        languages[language] = languages.get(language, 0) + count
    return ThreadTotals(posts=posts, last_post_id=last, languages=languages)


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
    paths: tuple[str, str] | None = None,
) -> list[PostView]:
    """Posts of an item as ``reader`` sees them, in thread order: two queries, or one when
    no post is chosen (the translations are read only for posts found).

    ``after``: only posts with a larger id; with ``changed_since`` (a datetime) also those
    edited, hidden or translated since then. ``post_ids``: only these posts. ``paths``:
    only posts whose path is at least the first and below the second (a window).
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
    if paths is not None:
        within = [Post.path >= paths[0], Post.path < paths[1]]
        query = query.where(*within)
        translations_query = translations_query.where(*within)

    rows = db.session.execute(query).all()
    if not rows:
        return []
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
    for row in rows:
        post, user_id, name, erased_at, group_key, group_name, group_names, hider_name = row
        author = AuthorView(
            member=post.author_id,
            user=user_id,
            name=names.name(name, erased_at, post.author_id),
            former=erased_at is not None,
            group=group_key,
            group_name=_group_name(group_key, group_name, group_names, reader),
        )
        views.append(_view_of(post, author, reader, hider_name, translations.get(post.id, {})))
    return views


def _group_name(key: str | None, name: str | None, translations: dict | None, reader: Reader):
    """A group's name in the reader's language (its own name when not translated)."""
    if not key:
        return None
    return (translations or {}).get(reader.language) or name


def _view_of(post: Post, author: AuthorView, reader: Reader, hider_name, translations) -> PostView:
    """The view of a post row, with its author and translations read already."""
    visible = not post.hidden or reader.moderator
    return PostView(
        id=post.id,
        item=post.item_id,
        parent=post.parent_id,
        path=post.path,
        author=author,
        source=post.body,
        language=post.language,
        created_at=post.created_at,
        edited_at=post.edited_at,
        hidden=post.hidden,
        hidden_reason=post.hidden_reason,
        hidden_at=post.hidden_at,
        hidden_by_name=hider_name if reader.moderator else None,
        content_visible=visible,
        translations=translations if visible else {},
        floor_intervention=post.floor_intervention,
        revision=post.revision or 1,
        redacted=post.redacted_at is not None,
    )


def new_post_view(post: Post, membership: Membership, reader: Reader) -> PostView:
    """A post just written by ``membership`` (whose user and group are loaded), as
    ``reader`` sees it: built from the rows the action holds — a new post has no
    translation, edit or moderation yet, and its author's account is in use — where
    :func:`post_view` would read it back (two queries)."""
    group = membership.group
    key, name, names = (group.key, group.name, group.name_translations) if group else (None,) * 3
    author = AuthorView(
        member=membership.id,
        user=membership.user.id,
        name=membership.user.name,
        group=key,
        group_name=_group_name(key, name, names, reader),
    )
    return _view_of(post, author, reader, None, {})


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
