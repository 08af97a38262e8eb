"""Reading the Common Ground view, summaries and their evidence: no change to any data.

Common ground (DESIGN §4): an item's visible posts, each scored from its reactions per
stakeholder group, ranked by group-informed consensus. Reading it is a constant number of
queries whatever the number of posts and reactions: the posts (two, see
``discussion.queries.load_post_views``), the groups, and the counts (one ``GROUP BY``).

Changes (reacting, writing and publishing summaries) go through ``services.py``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import fields
from ..db import db
from ..deliberations.access import can_moderate, require_moderator, require_reader
from ..deliberations.models import AgendaItem, Deliberation, StakeholderGroup
from ..discussion.models import Post
from ..discussion.queries import Reader, load_post_views, reader_for
from ..discussion.schemas import PostView
from ..errors import NotFound
from ..records.chain import canonical_json
from ..voting.models import Motion
from .bridging import Bridging
from .models import ConsensusSummary
from .reactions import count_reactions, own_stances
from .rules import SECTIONS, PostScore, rank_by_consensus, score_post
from .sensemaking import ItemOpinions, bridging_of, item_opinions

#: How many top common-ground posts the summary editor shows as evidence.
EVIDENCE_POSTS = 10


# --- common ground ---------------------------------------------------------------------------


@dataclass
class CommonGroundEntry:
    """One visible post and its score."""

    post: PostView
    score: PostScore
    #: Agreement across declared and opinion groups, with its interval (``bridging.py``).
    bridging: Bridging | None = None


@dataclass
class CommonGround:
    """An item's visible posts ranked by group-informed consensus, as one reader sees them."""

    item: AgendaItem
    reader: Reader
    groups: list[StakeholderGroup]
    entries: list[CommonGroundEntry]
    #: Languages the item's visible posts are written in or translated into, with counts.
    languages: dict[str, int] = field(default_factory=dict)
    language: str | None = None
    #: The reader's own stance per post id (their own only, for their page).
    mine: dict[int, str] = field(default_factory=dict)


def common_ground(
    user, item: AgendaItem, *, language: str | None = None, with_own: bool = False
) -> CommonGround:
    """The item's visible posts ranked by group-informed consensus (highest first, post
    order breaking ties), each with its counts per group and its measures.

    ``language``: only posts written in it or translated into it. Hidden posts are left
    out for every reader, moderators included: they are not statements of the discussion.
    ``with_own``: also the reader's own stances (one more query), for their page.
    """
    reader = reader_for(user, item.deliberation)
    if language is not None:
        language = fields.language(language)
    posts = [p for p in load_post_views(item.id, reader) if not p.hidden]
    languages: dict[str, int] = {}
    for post in posts:
        for code in {post.language, *post.translations}:
            languages[code] = languages.get(code, 0) + 1
    if language:
        posts = [p for p in posts if p.language == language or language in p.translations]
    groups = list(item.deliberation.groups)
    keys = [group.key for group in groups]
    counts = count_reactions(item.id)
    ranked = rank_by_consensus(
        ((post, score_post(keys, counts.get(post.id, {}))) for post in posts),
        order=lambda post: post.id,
    )
    bridges = bridging_of(item, [(post.id, score) for post, score in ranked])
    return CommonGround(
        item=item,
        reader=reader,
        groups=groups,
        entries=[
            CommonGroundEntry(post, score, bridge)
            for (post, score), bridge in zip(ranked, bridges, strict=True)
        ],
        languages=dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        language=language,
        mine=own_stances(reader.membership, item.id) if with_own else {},
    )


def post_scores(user, item: AgendaItem, post_ids: list[int]) -> dict[int, PostScore]:
    """The scores of some posts of ``item`` (what a live page fetches when their reactions
    change), by post id in the order asked, in a constant number of queries.

    Refused like the pages (the reader must read the deliberation), and as not found when
    a post is not the item's. Hidden posts have no score, as on the pages.
    """
    reader_for(user, item.deliberation)
    hidden = dict(
        db.session.execute(
            sa.select(Post.id, Post.hidden).where(Post.item_id == item.id, Post.id.in_(post_ids))
        ).all()
    )
    if len(hidden) != len(set(post_ids)):
        raise NotFound(_l("There is no post with this number."))
    shown = [post_id for post_id in post_ids if not hidden[post_id]]
    keys = [group.key for group in item.deliberation.groups]
    counts = count_reactions(item.id, shown) if shown else {}
    return {post_id: score_post(keys, counts.get(post_id, {})) for post_id in shown}


# --- summaries: reading ----------------------------------------------------------------------


def get_summary(summary_id) -> ConsensusSummary:
    """The summary version with ``summary_id``, or a 404 error."""
    summary = db.session.get(ConsensusSummary, summary_id) if fields.is_row_id(summary_id) else None
    if summary is None:
        raise NotFound(_l("There is no summary with this number."))
    return summary


def item_of(summary: ConsensusSummary) -> AgendaItem:
    return db.session.get(AgendaItem, summary.item_id)


def may_see_drafts(user, deliberation: Deliberation) -> bool:
    """Moderators of the deliberation and admins read drafts; others published versions."""
    return can_moderate(user, deliberation)


def readable_summary(user, summary_id) -> ConsensusSummary:
    """A summary version ``user`` may read: a draft is "not found" for non-moderators."""
    summary = get_summary(summary_id)
    deliberation = item_of(summary).deliberation
    require_reader(user, deliberation)
    if not summary.is_published and not may_see_drafts(user, deliberation):
        raise NotFound(_l("There is no summary with this number."))
    return summary


def item_summaries(user, item: AgendaItem) -> list[ConsensusSummary]:
    """The item's summary versions ``user`` may read, newest first (one query)."""
    require_reader(user, item.deliberation)
    query = (
        sa.select(ConsensusSummary)
        .where(ConsensusSummary.item_id == item.id)
        .order_by(ConsensusSummary.version.desc())
    )
    if not may_see_drafts(user, item.deliberation):
        query = query.where(ConsensusSummary.status == "published")
    return list(db.session.scalars(query))


def previous_version(user, summary: ConsensusSummary) -> ConsensusSummary | None:
    """What a version is best compared with: the version it is based on, else the one
    before it — as far as ``user`` may read them (None when there is none)."""
    item = item_of(summary)
    drafts = may_see_drafts(user, item.deliberation)
    if summary.based_on_id is not None:
        based_on = db.session.get(ConsensusSummary, summary.based_on_id)
        if based_on is not None and (drafts or based_on.is_published):
            return based_on
    query = (
        sa.select(ConsensusSummary)
        .where(
            ConsensusSummary.item_id == summary.item_id,
            ConsensusSummary.version < summary.version,
        )
        .order_by(ConsensusSummary.version.desc())
        .limit(1)
    )
    if not drafts:
        query = query.where(ConsensusSummary.status == "published")
    return db.session.scalar(query)


def current_summaries(summaries: list[ConsensusSummary]) -> dict[str, ConsensusSummary]:
    """The published, not superseded version of each language, from a list of versions."""
    current: dict[str, ConsensusSummary] = {}
    for summary in summaries:
        if summary.is_current:
            current.setdefault(summary.language, summary)
    return current


def current_summary(
    user, item: AgendaItem, language: str
) -> tuple[ConsensusSummary | None, list[str]]:
    """The published summary to show a reader of ``language``: in their language if there
    is one, else in the item's language, else the newest; plus every language with a
    current published version."""
    require_reader(user, item.deliberation)
    published = list(
        db.session.scalars(
            sa.select(ConsensusSummary)
            .where(
                ConsensusSummary.item_id == item.id,
                ConsensusSummary.status == "published",
                ConsensusSummary.superseded_at.is_(None),
            )
            .order_by(ConsensusSummary.version.desc())
        )
    )
    by_language = current_summaries(published)
    chosen = (
        by_language.get(language)
        or by_language.get(item.language)
        or (published[0] if published else None)
    )
    return chosen, sorted(by_language)


def content_digest(summary: ConsensusSummary) -> str:
    """SHA-256 of a version's language and sections (canonical JSON): the audit log keeps
    it at publication, so anyone can check a published text was never altered."""
    body = {"language": summary.language, **{s: getattr(summary, s) for s in SECTIONS}}
    return hashlib.sha256(canonical_json(body)).hexdigest()


# --- summaries: evidence ---------------------------------------------------------------------


@dataclass
class Evidence:
    """What the summary editor shows beside the text: the item's closed motions with their
    frozen results, and its top common-ground posts."""

    motions: list[Motion]
    posts: list[CommonGroundEntry]
    groups: list[StakeholderGroup]


def summary_evidence(user, item: AgendaItem) -> Evidence:
    """The evidence for a summary of ``item`` (moderators only: it is the editor's)."""
    require_moderator(user, item.deliberation)
    motions = list(
        db.session.scalars(
            sa.select(Motion)
            .where(Motion.item_id == item.id, Motion.status == "closed")
            .order_by(Motion.closed_at, Motion.id)
        )
    )
    ground = common_ground(user, item)
    return Evidence(motions=motions, posts=ground.entries[:EVIDENCE_POSTS], groups=ground.groups)


def citation_targets(item: AgendaItem) -> tuple[set[int], set[int]]:
    """Ids of the item's posts and motions: what a summary of it may link to."""
    posts = set(db.session.scalars(sa.select(Post.id).where(Post.item_id == item.id)))
    motions = set(db.session.scalars(sa.select(Motion.id).where(Motion.item_id == item.id)))
    return posts, motions


# --- opinion groups --------------------------------------------------------------------------


@dataclass
class OpinionView:
    """What the opinion-group page shows: the computation, the declared groups, and the
    visible posts it cites (by id)."""

    item: AgendaItem
    opinions: ItemOpinions
    groups: list[StakeholderGroup]
    posts: dict[int, PostView]


def opinion_view(user, item: AgendaItem) -> OpinionView:
    """The item's opinion groups with what the page needs to show them (readers only)."""
    reader = reader_for(user, item.deliberation)
    opinions = item_opinions(item)
    posts = {p.id: p for p in load_post_views(item.id, reader) if not p.hidden}
    return OpinionView(item, opinions, list(item.deliberation.groups), posts)


def post_view(user, item: AgendaItem, post_id: int) -> PostView:
    """One post of the item as ``user`` reads it."""
    reader = reader_for(user, item.deliberation)
    (post,) = load_post_views(item.id, reader, post_ids=[post_id])
    return post


# --- the summary aid ---------------------------------------------------------------------------

#: How many divisive posts the draft lists, and how far apart the groups must be (the
#: difference of their mean agreements) for a post to count as dividing them.
DRAFT_DIVERGENCES = 5
DRAFT_MIN_DIVISIVENESS = 0.25


@dataclass
class DraftEvidence:
    """What a cited first draft of the item's summary is made of (``drafting.py``)."""

    agreements: list[PostView]
    divergences: list[PostView]
    #: (opinion group, [(post, "agree" | "disagree")]) in group order.
    groups: list[tuple[int, list[tuple[PostView, str]]]]


def draft_evidence(user, item: AgendaItem) -> DraftEvidence:
    """The posts that qualify as common ground (surest first), the most divisive ones, and
    each opinion group's representative posts — for the summary editor (moderators)."""
    require_moderator(user, item.deliberation)
    ground = common_ground(user, item)
    entries = [entry for entry in ground.entries if entry.bridging is not None]
    agreements = sorted((e for e in entries if e.bridging.qualifies), key=lambda e: -e.bridging.low)
    divisive = sorted(
        (
            e
            for e in entries
            if not e.bridging.qualifies and e.bridging.divisiveness >= DRAFT_MIN_DIVISIVENESS
        ),
        key=lambda e: (-e.bridging.divisiveness, e.post.id),
    )[:DRAFT_DIVERGENCES]
    opinions = item_opinions(item)
    visible = {entry.post.id: entry.post for entry in ground.entries}
    posts = opinions.matrix.posts
    groups = [
        (
            group,
            [
                (visible[posts[s.statement]], s.direction)
                for s in chosen
                if posts[s.statement] in visible
            ],
        )
        for group, chosen in sorted(opinions.groups.representative.items())
    ]
    return DraftEvidence([e.post for e in agreements], [e.post for e in divisive], groups)
