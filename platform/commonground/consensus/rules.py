"""Pure rules of the consensus capability: scoring a post's reactions, ranking, diffs of
summary versions and the references a summary cites. No Flask, no database.

The measures themselves live in :mod:`.metrics`; this module only arranges counts for them,
so the Common Ground view, the live ``reactions`` event, the summary editor's evidence and
the exports all score a post the same way.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

from .metrics import (
    GroupCounts,
    MajorityConsensus,
    group_informed_consensus,
    majority_consensus,
    min_agreement,
)

__all__ = [
    "CITATION_RE",
    "NO_COUNTS",
    "PostScore",
    "citations",
    "diff_text",
    "link_citations",
    "rank_by_consensus",
    "score_post",
]

#: The sections of a consensus summary, in order.
SECTIONS = ("agreements", "divergences", "recommendations")
NO_COUNTS = GroupCounts(0, 0, 0)


# --- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostScore:
    """How everyone reacted to one post, per stakeholder group and overall, with the
    cross-group measures of DESIGN §4."""

    agree: int
    disagree: int
    pass_: int
    #: (group key, counts) for every group of the deliberation, in the deliberation's order.
    groups: tuple[tuple[str, GroupCounts], ...]
    #: Reactions of members without a group (moderators, observers where they may react):
    #: the totals are exactly the groups' counts plus these.
    ungrouped: GroupCounts
    min_agreement: Fraction
    group_informed_consensus: Fraction
    majority: MajorityConsensus

    @property
    def seen(self) -> int:
        return self.agree + self.disagree + self.pass_


@dataclass(frozen=True)
class GroupResponses:
    """A post's counts per stakeholder group and nothing else: all that bridging needs of a
    :class:`PostScore`, without the exact measures (the record computes it for every post)."""

    groups: tuple[tuple[str, GroupCounts], ...]


def group_responses(
    group_keys: Sequence[str], counts: Mapping[str | None, GroupCounts]
) -> GroupResponses:
    """The counts of each group of ``group_keys`` (a silent group's are zero)."""
    return GroupResponses(tuple((key, counts.get(key, NO_COUNTS)) for key in group_keys))


def score_post(group_keys: Sequence[str], counts: Mapping[str | None, GroupCounts]) -> PostScore:
    """Score one post from its reaction counts by group key.

    ``group_keys``: every stakeholder group of the deliberation, in display order. Every one
    takes part in the group measures, responding or not (a silent group contributes the
    Laplace prior 1/2 to group-informed consensus), so scores of one item stay comparable.
    ``counts`` may hold the key ``None``: members without a group (moderators, observers).
    They count in the overall totals and the majority test, never in a group's measure;
    counts under keys that are not in ``group_keys`` are treated the same way.
    """
    groups = tuple((key, counts.get(key, NO_COUNTS)) for key in group_keys)
    agree = sum(c.agree for c in counts.values())
    disagree = sum(c.disagree for c in counts.values())
    pass_ = sum(c.pass_ for c in counts.values())
    per_group = [c for _, c in groups]
    known = set(group_keys)
    outside = [c for key, c in counts.items() if key not in known]
    ungrouped = GroupCounts(
        agree=sum(c.agree for c in outside),
        disagree=sum(c.disagree for c in outside),
        pass_=sum(c.pass_ for c in outside),
    )
    return PostScore(
        agree=agree,
        disagree=disagree,
        pass_=pass_,
        groups=groups,
        ungrouped=ungrouped,
        min_agreement=min_agreement(per_group),
        group_informed_consensus=group_informed_consensus(per_group),
        majority=majority_consensus(agree, disagree, pass_),
    )


T = TypeVar("T")


def rank_by_consensus(
    scored: Iterable[tuple[T, PostScore]], order: Callable[[T], object]
) -> list[tuple[T, PostScore]]:
    """Highest group-informed consensus first; ties keep ``order`` (e.g. the post id).

    Compared exactly (fractions), so two posts are tied only when their values are equal.
    """
    return sorted(scored, key=lambda pair: (-pair[1].group_informed_consensus, order(pair[0])))


# --- citations -------------------------------------------------------------------------------

#: A reference a summary makes to its evidence: ``[post #12]`` or ``[motion #3]`` — unless it
#: is already the text of a Markdown link (followed by ``(``).
CITATION_RE = re.compile(r"\[(post|motion) #(\d{1,12})\](?!\()")


def citation(kind: str, number: int) -> str:
    """The reference text the editor inserts: ``[post #12]``."""
    return f"[{kind} #{number}]"


def citations(text: str) -> list[tuple[str, int]]:
    """The references in ``text``, each once, in order of first appearance."""
    seen: dict[tuple[str, int], None] = {}
    for match in CITATION_RE.finditer(text or ""):
        seen.setdefault((match.group(1), int(match.group(2))), None)
    return list(seen)


def link_citations(text: str, url_for_citation: Callable[[str, int], str | None]) -> str:
    """Markdown where every reference ``url_for_citation`` knows becomes a link to it.

    References to posts or motions it does not know (another item's, a typo) stay text:
    a summary must never send its reader somewhere unrelated.
    """

    def replace(match: re.Match) -> str:
        kind, number = match.group(1), int(match.group(2))
        url = url_for_citation(kind, number)
        # The brackets stay in the link's text (escaped), so readers see the reference.
        return f"[\\[{kind} #{number}\\]]({url})" if url else match.group(0)

    return CITATION_RE.sub(replace, text or "")


# --- diffs -----------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\s+|[^\s]+")


def diff_text(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences from ``old`` to ``new`` as (``equal`` | ``delete`` |
    ``insert``, text) segments, in reading order; joining the ``equal`` and ``delete``
    texts gives ``old``, the ``equal`` and ``insert`` texts give ``new``.

    Words and the whitespace between them are the units (difflib's ``SequenceMatcher``), so
    a changed word in a long paragraph shows as that word, and line breaks are kept.
    """
    a = _TOKEN_RE.findall(old or "")
    b = _TOKEN_RE.findall(new or "")
    segments: list[tuple[str, str]] = []

    def add(op: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("equal", a[i1:i2])
        else:  # replace, delete, insert
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return segments
