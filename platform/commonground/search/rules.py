"""The rules of searching, as plain functions over strings (no Flask, no database).

A query is split at white space into terms; a result must contain every term, anywhere
(substring match: Chinese and Japanese have no spaces between words, so "words" cannot be
relied on). Terms of three characters or more are looked up in a trigram index (SQLite FTS5
with the trigram tokenizer, PostgreSQL ``pg_trgm``); a shorter one — a two-character
Chinese word — stands, on SQLite, for the indexed trigrams that begin with it, and is
checked in the text itself when it stands for too many; on PostgreSQL it is the prefix of a
word in an index of the texts' character pairs, and checked in the text too.

The snippet shown for a result is a window of its text around the first match, cut into
plain segments and matching segments, so that a page escapes every segment and marks only
the matching ones.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

#: The longest query accepted, in characters.
MAX_QUERY_LENGTH = 200
#: The most terms a query may hold (each is one condition of the search).
MAX_TERMS = 8
#: Below this many characters a term is not in the trigram index (see above).
INDEXED_TERM_LENGTH = 3
#: The most indexed trigrams a short term may stand for; beyond, the text is scanned.
MAX_EXPANSIONS = 500
#: How many of the newest matches are ranked by relevance: they come first, best first; older
#: matches follow them, newest first. Ranking every match of a common word costs time in
#: proportion to the matches; ranking a bounded set keeps a search fast at any size.
RANKED_WINDOW = 200
#: PostgreSQL first searches the texts created since the newest this many posts were: when
#: they hold the ranked window (a common word), older matches need not be checked at all.
RECENT_POSTS = 5_000
#: Results per page: by default, and at most.
PER_PAGE = 20
MAX_PER_PAGE = 50
#: Characters of text shown around the first match.
SNIPPET_LENGTH = 180

#: Control characters other than white space are refused in a query.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QueryError(ValueError):
    """Why a query cannot be run: ``code`` is ``missing``, ``too_long``, ``too_many_terms``
    or ``control_characters``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Query:
    """A parsed query: its text (white space collapsed) and its distinct terms."""

    text: str
    terms: tuple[str, ...]

    @property
    def indexed_terms(self) -> tuple[str, ...]:
        """The terms the trigram index can find."""
        return tuple(t for t in self.terms if len(t) >= INDEXED_TERM_LENGTH)

    @property
    def scanned_terms(self) -> tuple[str, ...]:
        """The terms too short for the trigram index: checked in the text itself."""
        return tuple(t for t in self.terms if len(t) < INDEXED_TERM_LENGTH)


def parse_query(raw: str | None) -> Query:
    """The query in ``raw``, or a ``QueryError``."""
    if raw is None:
        raise QueryError("missing")
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError("too_long")
    if _CONTROL.search(raw):
        raise QueryError("control_characters")
    # Distinct terms, whatever their case (the first spelling is kept).
    terms = tuple({term.lower(): term for term in reversed(raw.split())}.values())[::-1]
    if not terms:
        raise QueryError("missing")
    if len(terms) > MAX_TERMS:
        raise QueryError("too_many_terms")
    return Query(text=" ".join(raw.split()), terms=terms)


def fts5_expression(terms: tuple[str, ...]) -> str:
    """An FTS5 MATCH expression requiring every term as a phrase (quotes doubled, so no
    term is read as FTS5 syntax)."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


#: Private-use characters (U+E000 …) write a deliberation's id in the index's scope column.
_PRIVATE_USE, _BASE = 0xE000, 6400


def deliberation_token(deliberation_id: int) -> str:
    """A deliberation's id as three characters: one trigram, one token of the index (the
    migration's triggers compute the same with SQLite's ``char()``)."""
    return "".join(
        chr(_PRIVATE_USE + (deliberation_id // _BASE**power) % _BASE) for power in (2, 1, 0)
    )


def fts5_any(tokens) -> str:
    """An FTS5 expression matching any of ``tokens`` (each quoted as a phrase)."""
    return "(" + " OR ".join('"' + token.replace('"', '""') + '"' for token in tokens) + ")"


def like_pattern(term: str) -> str:
    """A LIKE pattern (escape character ``\\``) matching ``term`` anywhere."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def pair_prefix(term: str) -> str:
    """A ``to_tsquery`` input finding the words that begin with ``term`` (quoted: no operator
    of the query syntax is read in it)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "':*"


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """The OFFSET and LIMIT of a page; one more row than shown tells whether more follow."""
    return (page - 1) * per_page, per_page + 1


def window_split(offset: int, limit: int, window: int = RANKED_WINDOW):
    """Where a page of ``limit`` rows from ``offset`` falls, given that the first ``window``
    rows are the ranked ones and the rest follow: ``(offset, limit)`` within the ranked rows,
    then ``(offset, limit)`` within the rest (a limit of 0: none needed from that part)."""
    ranked_limit = max(0, min(offset + limit, window) - offset)
    rest_offset = max(0, offset - window)
    return (min(offset, window), ranked_limit), (rest_offset, limit - ranked_limit)


@dataclass(frozen=True)
class Snippet:
    """A window of a text: ``segments`` of ``(text, is_match)`` that join to ``text``;
    ``matches`` are the ``[start, end)`` offsets of the matching segments in ``text``."""

    segments: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(part for part, _ in self.segments)

    @property
    def matches(self) -> list[tuple[int, int]]:
        spans, at = [], 0
        for part, hit in self.segments:
            if hit:
                spans.append((at, at + len(part)))
            at += len(part)
        return spans

    def html(self) -> Markup:
        """The snippet as HTML: every segment escaped, matches in ``<mark>``."""
        return Markup("").join(
            Markup("<mark>%s</mark>") % part if hit else escape(part) for part, hit in self.segments
        )


def snippet(text: str, terms: tuple[str, ...], length: int = SNIPPET_LENGTH) -> Snippet:
    """The part of ``text`` around the first match of any term (case-insensitive), with
    every match in it marked; the text's start when nothing matches (a match found by a
    case rule the database applies and Python does not)."""
    text = " ".join(text.split())
    spans = _match_spans(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - length // 3, len(text) - length))
    end = min(len(text), start + length)
    # Do not cut through a match at either end of the window.
    for a, b in spans:
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    segments: list[tuple[str, bool]] = []
    if prefix:
        segments.append((prefix, False))
    at = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        if a > at:
            segments.append((text[at:a], False))
        segments.append((text[a:b], True))
        at = b
    if at < end:
        segments.append((text[at:end], False))
    if suffix:
        segments.append((suffix, False))
    return Snippet(tuple(segments))


def _match_spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``text`` matching any term, longest term first."""
    if not terms:
        return []
    ordered = sorted(set(terms), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(term) for term in ordered), re.IGNORECASE)
    return [match.span() for match in pattern.finditer(text) if match.end() > match.start()]
