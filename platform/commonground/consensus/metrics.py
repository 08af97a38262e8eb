"""Cross-group consensus measures ("common ground", DESIGN §4).

Pure functions over unweighted counts per stakeholder group: no Flask, no database. The same
functions score a motion (yes / no+block / abstain ballots) and a post (agree / disagree / pass
reactions), so the Common Ground view, the tally and the exports can never disagree.

Exact values are :class:`fractions.Fraction`; only the z-score of :func:`majority_consensus` is a
float, and even there the qualifying decision is taken in exact arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "MAJORITY_Z_THRESHOLD",
    "GroupCounts",
    "MajorityConsensus",
    "group_informed_consensus",
    "majority_consensus",
    "min_agreement",
]

#: One-sided z for 90 % confidence, the cut-off Pol.is uses for "majority" statements.
MAJORITY_Z_THRESHOLD = Fraction("1.2816")


def _check_count(value: object, name: str) -> int:
    # bool is an int subclass; True as a count is always a caller's mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class GroupCounts:
    """How one stakeholder group responded: agree (yes), disagree (no/block), pass (abstain).

    Counts are of people, not weights: the measures ask whether each *group* agrees, so a heavy
    delegate must not stand in for the rest of the group.
    """

    agree: int
    disagree: int
    pass_: int = 0

    def __post_init__(self) -> None:
        _check_count(self.agree, "agree")
        _check_count(self.disagree, "disagree")
        _check_count(self.pass_, "pass_")

    @property
    def seen(self) -> int:
        """S_g: everyone in the group who responded at all, passes included."""
        return self.agree + self.disagree + self.pass_


@dataclass(frozen=True)
class MajorityConsensus:
    """Pol.is majority test of one statement over all voters.

    ``p`` is the smoothed agreement (1 + A) / (2 + S); ``z`` the proportion-test score, a float
    for display; ``qualifies`` is p > 1/2 and z > 1.2816, decided exactly.
    """

    p: Fraction
    z: float
    qualifies: bool


def min_agreement(groups: Iterable[GroupCounts]) -> Fraction:
    """Return the agreement of the least-convinced group: min over groups of A_g / (A_g + D_g).

    Groups nobody in which responded (S_g = 0) are left out: silence is not disagreement. A group
    that only passed (A_g + D_g = 0, S_g > 0) scores 0 — it was asked and nobody agreed.
    With no responding group at all the result is 0: there is no evidence of common ground.
    """
    ratios = [
        Fraction(group.agree, group.agree + group.disagree)
        if group.agree + group.disagree
        else Fraction(0)
        for group in groups
        if group.seen > 0
    ]
    return min(ratios, default=Fraction(0))


def group_informed_consensus(groups: Iterable[GroupCounts]) -> Fraction:
    """Return Pol.is group-informed consensus: the product over groups of (A_g + 1) / (S_g + 2).

    Every group given counts, including groups that did not respond (each such group contributes
    1/2, the Laplace prior), so pass every group of the deliberation to keep values of one item
    comparable. The value is a product, hence shrinks with the number of groups: compare it only
    between statements scored over the same groups.

    For one or more groups the value lies strictly between 0 and 1. With no group at all the
    empty product would be 1 — "perfect consensus" of nobody — so 0 is returned instead.
    """
    factors = [Fraction(group.agree + 1, group.seen + 2) for group in groups]
    if not factors:
        return Fraction(0)
    return math.prod(factors, start=Fraction(1))


def majority_consensus(agree: int, disagree: int, pass_: int = 0) -> MajorityConsensus:
    """Return the Pol.is majority test for one statement over all voters.

    With S = A + D + P: p = (1 + A) / (2 + S) and
    z = 2·√(S+1)·((A+1)/(S+1) - 1/2), which simplifies to (2A + 1 - S) / √(S+1).
    The statement qualifies when p > 1/2 and z > 1.2816, as Pol.is states it. In whole numbers
    the z-test already implies p > 1/2 (z > 1 needs 2A + 1 - S ≥ 2, i.e. 2A > S); the p test is
    kept so the code reads like the definition.

    S = 0 (nobody voted) is well defined: p = 1/2, z = 1, not qualifying.
    """
    agree = _check_count(agree, "agree")
    seen = agree + _check_count(disagree, "disagree") + _check_count(pass_, "pass_")
    p = Fraction(1 + agree, 2 + seen)
    margin = 2 * agree + 1 - seen
    z = margin / math.sqrt(seen + 1)
    # z > c  <=>  margin > 0 and margin² > c²·(S+1): compared exactly, so a float rounding can
    # never flip a statement across the line.
    clears_z = margin > 0 and margin * margin > MAJORITY_Z_THRESHOLD**2 * (seen + 1)
    return MajorityConsensus(p=p, z=z, qualifies=p > Fraction(1, 2) and clears_z)
