"""Finding what a reader may see in a deliberation: posts, their translations, agenda items
(and their translations) and consensus summaries. Reads only; the index is kept by the
database itself (see the migration ``search index``).

SQLite: an FTS5 table ``search_index`` with the trigram tokenizer, filled by triggers on
the five tables; its rowid is ``source id * ROWID_STRIDE + kind code``, so a trigger
replaces a row's entry without scanning. PostgreSQL: ``pg_trgm`` GIN indexes on the same
texts find the rows (``ILIKE``), full-text ``ts_rank`` and trigram ``word_similarity``
rank them. Who sees what is decided here, at query time, from the rows themselves (hidden
posts, summary drafts), so hiding a post needs no re-indexing.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import fields
from ..consensus.models import ConsensusSummary
from ..db import db
from ..deliberations.access import can_moderate, get_deliberation, require_reader
from ..deliberations.models import AgendaItem, AgendaItemTranslation, Deliberation
from ..discussion.models import Post, PostTranslation
from ..errors import Invalid
from .rules import (
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    PER_PAGE,
    Query,
    QueryError,
    Snippet,
    fts5_expression,
    like_pattern,
    page_bounds,
    parse_query,
    snippet,
)

#: What a result is: a post, a post's translation, an agenda item, an item's translation,
#: a consensus summary version. The codes are part of the SQLite index's rowids (the
#: migration writes the same numbers into its triggers).
KIND_CODES = {"post": 0, "translation": 1, "item": 2, "item_translation": 3, "summary": 4}
ROWID_STRIDE = 8

_SPACE = sa.literal_column("' '")
_FTS = sa.table("search_index", sa.column("rowid"), sa.column("kind"), sa.column("ref"))
_FTS_TABLE = sa.literal_column("search_index")


@dataclass
class Hit:
    """One result as a reader sees it."""

    kind: str
    id: int
    item: AgendaItem
    post: int | None
    language: str
    snippet: Snippet
    hidden: bool
    draft: bool
    created_at: datetime
    score: float


@dataclass
class Results:
    """One page of results, best first."""

    deliberation: Deliberation
    query: Query
    page: int
    per_page: int
    hits: list[Hit]
    has_more: bool


def search(user, deliberation: Deliberation, query: Query, *, page: int, per_page: int) -> Results:
    """The page ``page`` of what ``user`` may see in ``deliberation`` matching ``query``."""
    require_reader(user, deliberation)
    moderator = can_moderate(user, deliberation)
    postgres = db.engine.dialect.name == "postgresql"
    matcher = _PostgresMatcher(query) if postgres else _SqliteMatcher(query)
    union = sa.union_all(
        *(select(matcher, deliberation.id, moderator) for select in _SOURCES)
    ).subquery("hits")
    offset, limit = page_bounds(page, per_page)
    rows = db.session.execute(
        sa.select(union)
        .order_by(union.c.score.desc(), union.c.created_at.desc(), union.c.kind, union.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    items = {
        item.id: item
        for item in db.session.scalars(
            sa.select(AgendaItem)
            .options(selectinload(AgendaItem.translations))
            .where(AgendaItem.id.in_({row.item_id for row in rows}))
        )
    }
    hits = [
        Hit(
            kind=row.kind,
            id=row.id,
            item=items[row.item_id],
            post=row.post_id,
            language=row.language,
            snippet=snippet(row.text, query.terms),
            hidden=bool(row.hidden),
            draft=bool(row.draft),
            created_at=row.created_at,
            score=float(row.score or 0),
        )
        for row in rows
    ]
    return Results(deliberation, query, page, per_page, hits, has_more)


# --- matching, per database ------------------------------------------------------------------


class _SqliteMatcher:
    """Indexed terms through the FTS5 trigram index (ranked by bm25); short terms by LIKE
    over the text (ASCII case folded, as SQLite's LIKE does)."""

    def __init__(self, query: Query):
        self.query = query
        self.matches = None
        if query.indexed_terms:
            self.matches = (
                sa.select(
                    _FTS.c.kind,
                    _FTS.c.ref,
                    (-sa.func.bm25(_FTS_TABLE)).label("score"),
                )
                .select_from(_FTS)
                .where(_FTS_TABLE.op("MATCH")(fts5_expression(query.indexed_terms)))
                .cte("matches")
                .prefix_with("MATERIALIZED")
            )

    def apply(self, select: sa.Select, kind: str, ref, text) -> sa.Select:
        """``select`` restricted to rows of ``kind`` (id ``ref``, text ``text``) matching,
        with their score."""
        for term in self.query.scanned_terms:
            select = select.where(text.like(like_pattern(term), escape="\\"))
        if self.matches is None:
            return select.add_columns(sa.literal(0.0).label("score"))
        # The matches lead (few rows, each found by primary key), not the source table.
        return select.join(
            self.matches, sa.and_(self.matches.c.kind == kind, self.matches.c.ref == ref)
        ).add_columns(self.matches.c.score.label("score"))


class _PostgresMatcher:
    """Every term by ILIKE (the ``pg_trgm`` GIN indexes find terms of three characters or
    more); ranked by full-text ``ts_rank`` plus trigram ``word_similarity``."""

    def __init__(self, query: Query):
        self.query = query

    def apply(self, select: sa.Select, kind: str, ref, text) -> sa.Select:
        for term in self.query.terms:
            select = select.where(text.ilike(like_pattern(term), escape="\\"))
        words = sa.func.plainto_tsquery(sa.literal_column("'simple'"), self.query.text)
        rank = sa.func.ts_rank(
            sa.func.to_tsvector(sa.literal_column("'simple'"), text), words
        ) + sa.func.word_similarity(self.query.text, text)
        return select.add_columns(sa.cast(rank, sa.Float).label("score"))


# --- the sources ---------------------------------------------------------------------------------


def _columns(kind, id_, item_id, post_id, language, text, hidden, draft, created_at):
    return (
        sa.literal(kind).label("kind"),
        id_.label("id"),
        item_id.label("item_id"),
        sa.cast(post_id, sa.Integer).label("post_id"),
        language.label("language"),
        text.label("text"),
        sa.cast(hidden, sa.Boolean).label("hidden"),
        sa.cast(draft, sa.Boolean).label("draft"),
        created_at.label("created_at"),
    )


def _post_texts(model, kind: str, matcher, deliberation_id: int, moderator: bool) -> sa.Select:
    """Posts (``model`` is ``Post``) or their translations (``PostTranslation``); those of
    hidden posts for moderators only."""
    select = sa.select(
        *_columns(
            kind,
            model.id,
            Post.item_id,
            Post.id,
            model.language,
            model.body,
            Post.hidden,
            sa.false(),
            model.created_at,
        )
    )
    if model is PostTranslation:
        select = select.select_from(model).join(Post, Post.id == model.post_id)
    select = select.join(AgendaItem, AgendaItem.id == Post.item_id).where(
        AgendaItem.deliberation_id == deliberation_id
    )
    if not moderator:
        select = select.where(Post.hidden.is_(False))
    return matcher.apply(select, kind, model.id, model.body)


def _item_texts(model, kind: str, matcher, deliberation_id: int, moderator: bool) -> sa.Select:
    """Agenda items (``model`` is ``AgendaItem``) or their translations: title and text."""
    text = model.title + _SPACE + model.body
    select = sa.select(
        *_columns(
            kind,
            model.id,
            AgendaItem.id,
            sa.null(),
            model.language,
            text,
            sa.false(),
            sa.false(),
            AgendaItem.created_at,
        )
    )
    if model is AgendaItemTranslation:
        select = select.select_from(model).join(AgendaItem, AgendaItem.id == model.item_id)
    select = select.where(AgendaItem.deliberation_id == deliberation_id)
    return matcher.apply(select, kind, model.id, text)


def _summaries(matcher, deliberation_id: int, moderator: bool) -> sa.Select:
    summary = ConsensusSummary
    text = summary.agreements + _SPACE + summary.divergences + _SPACE + summary.recommendations
    current = sa.and_(summary.status == "published", summary.superseded_at.is_(None))
    select = (
        sa.select(
            *_columns(
                "summary",
                summary.id,
                summary.item_id,
                sa.null(),
                summary.language,
                text,
                sa.false(),
                summary.status == "draft",
                summary.created_at,
            )
        )
        .join(AgendaItem, AgendaItem.id == summary.item_id)
        .where(
            AgendaItem.deliberation_id == deliberation_id,
            sa.or_(current, summary.status == "draft") if moderator else current,
        )
    )
    return matcher.apply(select, "summary", summary.id, text)


_SOURCES = (
    partial(_post_texts, Post, "post"),
    partial(_post_texts, PostTranslation, "translation"),
    partial(_item_texts, AgendaItem, "item"),
    partial(_item_texts, AgendaItemTranslation, "item_translation"),
    _summaries,
)


# --- the request -------------------------------------------------------------------------------

#: What a refused query reads, by ``QueryError.code``.
QUERY_MESSAGES = {
    "missing": _l("Type something to search for."),
    "too_long": _l(
        "The search is too long (at most %(count)s characters).", count=MAX_QUERY_LENGTH
    ),
    "too_many_terms": _l("The search has too many words (at most %(count)s).", count=MAX_TERMS),
    "control_characters": _l("The search contains characters that cannot be searched for."),
}


def search_request(user, slug: str, q, page, per_page) -> Results:
    """Search the deliberation ``slug`` as the API and the page are asked to: ``q``,
    ``page`` and ``per_page`` as given in the query string (strings or None). The reader's
    right comes first (401/403/404), then the input (422 naming the field)."""
    deliberation = get_deliberation(slug)
    require_reader(user, deliberation)
    try:
        query = parse_query(q)
    except QueryError as error:
        raise Invalid(QUERY_MESSAGES[error.code], field="q", code=f"query_{error.code}") from None
    page = fields.integer(page if page not in (None, "") else 1, "page", minimum=1, maximum=10_000)
    per_page = fields.integer(
        per_page if per_page not in (None, "") else PER_PAGE,
        "per_page",
        minimum=1,
        maximum=MAX_PER_PAGE,
    )
    return search(user, deliberation, query, page=page, per_page=per_page)
