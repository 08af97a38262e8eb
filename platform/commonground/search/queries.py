"""Finding what a reader may see in a deliberation: posts, their translations, agenda items
(and their translations) and consensus summaries. Reads only; the index is kept by the
database itself (see the migration ``search index``).

SQLite: an FTS5 table ``search_index`` with the trigram tokenizer, filled by triggers on
the five tables. Its rowid is ``source id * ROWID_STRIDE + kind code`` (a trigger replaces a
row's entry without scanning); its ``scope`` column carries the deliberation and who may see
the entry (every reader, moderators, nobody), so FTS5 alone finds, filters and ranks.
PostgreSQL: ``pg_trgm`` GIN indexes on the same texts find the rows (``ILIKE``), a full-text
GIN index over the pairs of consecutive characters of posts and translations finds the one-
and two-character terms (``character_pairs``), full-text ``ts_rank`` ranks them (trigram
``word_similarity`` cost four times as much and was left out), and who sees what is decided
in the query from the rows themselves. The texts created since the ``RECENT_POSTS``-th
newest post are searched first (B-tree indexes on the creation time): a common word has its
window there, and its older matches are never checked. Either way the page's rows are then
read by primary key.

Ranking rule (both databases): only the newest ``RANKED_WINDOW`` matches are ranked by
relevance, and they come first, best first; older matches follow them, newest first, with
score 0. Ranking every match made a common word cost time in proportion to its matches.
"Newest" is the creation time on PostgreSQL and the index's rowid (the row's id, then its
kind) on SQLite, which FTS5 reads in order and can stop after.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import selectinload

from .. import fields
from ..consensus.models import ConsensusSummary
from ..db import db
from ..deliberations.access import can_moderate, get_deliberation, require_reader
from ..deliberations.models import AgendaItem, AgendaItemTranslation, Deliberation
from ..discussion.models import Post, PostTranslation
from ..errors import Invalid
from .rules import (
    MAX_EXPANSIONS,
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    PER_PAGE,
    RANKED_WINDOW,
    RECENT_POSTS,
    Query,
    QueryError,
    Snippet,
    deliberation_token,
    fts5_any,
    fts5_expression,
    like_pattern,
    page_bounds,
    pair_prefix,
    parse_query,
    snippet,
    window_split,
)

#: What a result is: a post, a post's translation, an agenda item, an item's translation,
#: a consensus summary version. The codes are part of the SQLite index's rowids (the
#: migration writes the same numbers into its triggers).
KIND_CODES = {"post": 0, "translation": 1, "item": 2, "item_translation": 3, "summary": 4}
ROWID_STRIDE = 8

_SPACE = sa.literal_column("' '")


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
    """The page ``page`` of what ``user`` may see in ``deliberation`` matching ``query``.

    Two steps: the ranked keys of the page (one query), then what the page shows of them
    (one query over at most ``per_page`` rows).
    """
    require_reader(user, deliberation)
    moderator = can_moderate(user, deliberation)
    offset, limit = page_bounds(page, per_page)
    rank = _postgres_ranked if db.engine.dialect.name == "postgresql" else _sqlite_ranked
    ranked = rank(query, deliberation.id, moderator, offset, limit)
    has_more = len(ranked) > per_page
    ranked = ranked[:per_page]
    rows = _details(ranked)
    items = {
        item.id: item
        for item in db.session.scalars(
            sa.select(AgendaItem)
            .options(selectinload(AgendaItem.translations))
            .where(AgendaItem.id.in_({row.item_id for row in rows.values()}))
        )
    }
    hits = [
        Hit(
            kind=kind,
            id=id_,
            item=items[row.item_id],
            post=row.post_id,
            language=row.language,
            snippet=snippet(row.text, query.terms),
            hidden=bool(row.hidden),
            draft=bool(row.draft),
            created_at=row.created_at,
            score=score,
        )
        for kind, id_, score in ranked
        if (row := rows.get((kind, id_))) is not None
    ]
    return Results(deliberation, query, page, per_page, hits, has_more)


# --- ranking, per database -------------------------------------------------------------------

_KINDS_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}


def _sqlite_ranked(query: Query, deliberation_id: int, moderator: bool, offset, limit):
    """The page's ``(kind, id, score)`` by FTS5 queries.

    The scope column limits it to the deliberation (one token) and leaves out what the
    reader may not see (``{m}``: moderators only; ``{x}``: nobody). Terms of three
    characters or more are phrases of the trigram index; a shorter term stands for the
    indexed trigrams that begin with it (read from the ``search_terms`` vocabulary: the
    texts are indexed with two trailing spaces, so every character begins one). A short
    term standing for too many trigrams is checked in the text instead (LIKE, ASCII case
    folded). The newest ``RANKED_WINDOW`` matches (highest rowids: FTS5 reads them in rowid
    order and stops there) are ranked by bm25 (titles count double) and come first; older
    matches follow, newest first, with score 0. Without an indexed term, all come newest
    first.
    """
    groups = []
    if query.indexed_terms:
        groups.append(fts5_expression(query.indexed_terms))
    conditions = ["search_index MATCH :expression"]
    params: dict = {}
    for term in query.scanned_terms:
        low = term.lower()
        tokens = db.session.scalars(
            sa.text(
                "SELECT term FROM search_terms WHERE term >= :low AND term < :high LIMIT :most"
            ),
            {"low": low, "high": low + "\U0010ffff", "most": MAX_EXPANSIONS + 1},
        ).all()
        if not tokens:
            return []  # the term occurs nowhere
        if len(tokens) <= MAX_EXPANSIONS:
            groups.append(fts5_any(tokens))
        else:
            name = f"t{len(params)}"
            # OR: SQLite checks it; FTS5 is never handed a LIKE shorter than a trigram.
            conditions.append(f"(title LIKE :{name} ESCAPE '\\' OR body LIKE :{name} ESCAPE '\\')")
            params[name] = like_pattern(term)
    expression = f'scope : "{deliberation_token(deliberation_id)}"'
    if groups:
        expression += " AND {title body} : (" + " AND ".join(groups) + ")"
    hidden = ["{x}"] if moderator else ["{m}", "{x}"]
    params["expression"] = f"({expression})" + "".join(
        f' NOT scope : "{token}"' for token in hidden
    )
    where = " AND ".join(conditions)

    def rows(score: str, extra: str, order: str, offset: int, limit: int) -> list:
        found = db.session.execute(
            sa.text(
                f"SELECT rowid, {score} AS score FROM search_index WHERE {where}{extra} "
                f"ORDER BY {order} LIMIT :limit OFFSET :offset"
            ),
            {**params, "offset": offset, "limit": limit},
        )
        return [
            (_KINDS_BY_CODE[rowid % ROWID_STRIDE], rowid // ROWID_STRIDE, float(score))
            for rowid, score in found
        ]

    if not groups:
        return rows("0.0", "", "rowid DESC", offset, limit)
    # The window's entries, newest first: bm25 then ranks the matches from the oldest on only.
    window = db.session.scalars(
        sa.text(f"SELECT rowid FROM search_index WHERE {where} ORDER BY rowid DESC LIMIT :most"),
        {**params, "most": RANKED_WINDOW},
    ).all()
    if not window:
        return []
    edge = window[-1] if len(window) == RANKED_WINDOW else None
    params["edge"] = edge
    (ranked_offset, ranked_limit), (rest_offset, rest_limit) = window_split(
        offset, limit, RANKED_WINDOW
    )
    found = []
    if ranked_limit and ranked_offset < len(window):
        found += rows(
            "-bm25(search_index, 2.0, 1.0, 0.0)",
            "" if edge is None else " AND rowid >= :edge",
            "score DESC, rowid DESC",
            ranked_offset,
            ranked_limit,
        )
    if rest_limit and edge is not None:
        found += rows("0.0", " AND rowid < :edge", "rowid DESC", rest_offset, rest_limit)
    return found


def _postgres_ranked(query: Query, deliberation_id: int, moderator: bool, offset, limit):
    """The page's ``(kind, id, score)``: every term by ILIKE (the ``pg_trgm`` GIN indexes
    find terms of three characters or more); the newest ``RANKED_WINDOW`` matches (by
    creation) ranked by full-text ``ts_rank`` first, older matches after them, newest first,
    with score 0. Only the window's texts are ranked, so a common word costs little more
    than finding its matches.

    The texts created since the ``RECENT_POSTS``-th newest post are searched first, newest
    first: when they hold the window and the page, those are the newest matches, found
    without checking every older match of a common word. Otherwise (a rarer term) every text
    is searched, through the indexes; so is it at once for a page beyond the window, which
    the newest texts seldom hold.
    """
    scope = Scope(deliberation_id, moderator)
    needed = max(RANKED_WINDOW, offset + limit)
    since = None
    if offset < RANKED_WINDOW:
        since = db.session.scalar(
            sa.select(Post.created_at)
            .order_by(Post.created_at.desc())
            .offset(RECENT_POSTS - 1)
            .limit(1)
        )
    if since is not None:
        rows, found = _postgres_page(query, scope, offset, limit, since)
        if found >= needed:
            return rows
    rows, _found = _postgres_page(query, scope, offset, limit)
    return rows


def _postgres_page(query: Query, scope: "Scope", offset, limit, since: datetime | None = None):
    """The page's ``(kind, id, score)`` among the texts created at ``since`` or later (all
    without it), and how many matches the ranked window and the page were chosen from (at
    most ``max(RANKED_WINDOW, offset + limit)``)."""
    matcher = _PostgresMatcher(query, _pair_queries(query) if since is None else None)
    hits = sa.union_all(*(source(matcher, scope) for source in _SOURCES)).subquery("hits")
    newest = sa.select(hits.c.kind, hits.c.id, hits.c.created_at, hits.c.text)
    if since is not None:
        newest = newest.where(hits.c.created_at >= since)
    newest = (
        newest.order_by(hits.c.created_at.desc(), hits.c.kind, hits.c.id.desc())
        .limit(max(RANKED_WINDOW, offset + limit))
        .subquery("newest")
    )
    recency = sa.func.row_number().over(
        order_by=(newest.c.created_at.desc(), newest.c.kind, newest.c.id.desc())
    )
    numbered = sa.select(newest, recency.label("n")).subquery("numbered")
    words = sa.func.plainto_tsquery(sa.literal_column("'simple'"), query.text)
    in_window = numbered.c.n <= RANKED_WINDOW
    rank = sa.func.ts_rank(
        sa.func.to_tsvector(sa.literal_column("'simple'"), numbered.c.text), words
    )
    score = sa.case((in_window, sa.cast(rank, sa.Float)), else_=sa.cast(0.0, sa.Float))
    rows = db.session.execute(
        sa.select(numbered.c.kind, numbered.c.id, score.label("score"), sa.func.count().over())
        .order_by(in_window.desc(), score.desc(), numbered.c.n)
        .offset(offset)
        .limit(limit)
    ).all()
    found = rows[0][3] if rows else 0
    return [(kind, id_, float(score or 0)) for kind, id_, score, _count in rows], found


def _details(ranked: list) -> dict:
    """What a page shows of each ranked ``(kind, id)`` (chosen under the reader's rules),
    read by primary key."""
    wanted: dict[str, list[int]] = {}
    for kind, id_, _score in ranked:
        wanted.setdefault(kind, []).append(id_)
    if not wanted:
        return {}
    matcher = _Chosen(wanted)
    selects = [
        source(matcher, None)
        for kind, source in zip(KIND_CODES, _SOURCES, strict=True)
        if kind in wanted
    ]
    return {(row.kind, row.id): row for row in db.session.execute(sa.union_all(*selects))}


class _Chosen:
    """Rows already chosen, by kind and id."""

    def __init__(self, wanted: dict[str, list[int]]):
        self.wanted = wanted

    def apply(self, select: sa.Select, kind: str, ref, text) -> sa.Select:
        return select.where(ref.in_(self.wanted[kind]))


class _PostgresMatcher:
    """Every term by ILIKE (ranking is done over the chosen rows' texts afterwards); with
    ``pairs`` (the ``tsquery`` standing for each one- or two-character term that has one),
    such a term is also looked up in the character-pair index (see ``character_pairs``)."""

    def __init__(self, query: Query, pairs: dict[str, str] | None = None):
        self.query = query
        self.pairs = pairs or {}

    def apply(self, select: sa.Select, kind: str, ref, text) -> sa.Select:
        for term in self.query.indexed_terms:
            select = select.where(text.ilike(like_pattern(term), escape="\\"))
        for term in self.query.scanned_terms:
            # No trigram in it: the character-pair index finds it when every text is
            # searched; among the newest texts, the rows are read. A term without case
            # (Chinese, Japanese) is found as it is, without lowering every text first.
            if term in self.pairs and kind in _PAIR_INDEXED:
                select = select.where(
                    character_pairs(text).op("@@")(
                        sa.cast(sa.literal(self.pairs[term], sa.Text), TSQUERY)
                    )
                )
            if term.lower() == term.upper():
                select = select.where(sa.func.strpos(text, term) > 0)
            else:
                select = select.where(sa.func.strpos(sa.func.lower(text), term.lower()) > 0)
        return select


#: The kinds whose texts have a character-pair index (posts and their translations, at most
#: 20,000 characters each); the few items and summaries of a deliberation are read.
_PAIR_INDEXED = {"post", "translation"}


def character_pairs(text):
    """The full-text words of ``text``'s pairs of consecutive characters (``abc`` → ``a ab bc
    c``): every one- or two-character substring begins one of them. The same expression as
    the indexes of the migration ``search by recency and character pairs``."""
    return sa.func.to_tsvector(
        sa.literal_column("'simple'"),
        sa.func.regexp_replace(
            text,
            sa.literal_column("'(.)'"),
            sa.literal_column("'\\1 \\1'"),
            sa.literal_column("'g'"),
        ),
    )


def _pair_queries(query: Query) -> dict[str, str]:
    """The ``tsquery`` (as text) finding each one- or two-character term of ``query`` among
    the words of the character pairs: a prefix query of the term (lowered as the search
    lowers it), for the terms made of letters and digits that PostgreSQL reads as one word.
    The others are found by reading the texts."""
    found = {}
    for term in query.scanned_terms:
        if not all(character.isalnum() for character in term):
            continue
        lexeme = term if term.lower() == term.upper() else term.lower()
        tsquery = db.session.scalar(
            sa.select(
                sa.cast(
                    sa.func.to_tsquery(
                        sa.literal_column("'simple'"), sa.literal(pair_prefix(lexeme))
                    ),
                    sa.Text,
                )
            )
        )
        if tsquery and tsquery.count("'") == 2:
            found[term] = tsquery
    return found


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


@dataclass(frozen=True)
class Scope:
    """Whose rows a source gives: the deliberation's, those the reader may see."""

    deliberation_id: int
    moderator: bool


def _post_texts(model, kind: str, matcher, scope: Scope | None) -> sa.Select:
    """Posts (``model`` is ``Post``) or their translations (``PostTranslation``); those of
    hidden posts for moderators only. Without ``scope``: rows already chosen, by id."""
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
    if scope is not None:
        select = select.join(AgendaItem, AgendaItem.id == Post.item_id).where(
            AgendaItem.deliberation_id == scope.deliberation_id
        )
        if not scope.moderator:
            select = select.where(Post.hidden.is_(False))
    return matcher.apply(select, kind, model.id, model.body)


def _item_texts(model, kind: str, matcher, scope: Scope | None) -> sa.Select:
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
    if scope is not None:
        select = select.where(AgendaItem.deliberation_id == scope.deliberation_id)
    return matcher.apply(select, kind, model.id, text)


def _summaries(matcher, scope: Scope | None) -> sa.Select:
    """Consensus summaries: the current published version of each language; drafts too
    for moderators."""
    summary = ConsensusSummary
    text = summary.agreements + _SPACE + summary.divergences + _SPACE + summary.recommendations
    current = sa.and_(summary.status == "published", summary.superseded_at.is_(None))
    select = sa.select(
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
    if scope is not None:
        select = select.join(AgendaItem, AgendaItem.id == summary.item_id).where(
            AgendaItem.deliberation_id == scope.deliberation_id,
            sa.or_(current, summary.status == "draft") if scope.moderator else current,
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
