"""Bridging: how far a statement is agreed across *every* group, and how sure we are.

Pure functions over counts: no Flask, no database (issue 13).

**The method, and why.** For each group g (every declared stakeholder group with members, and
every opinion group when there are some), the share of the group that agrees, among those who
took a side, is unknown; after A_g agrees and D_g disagrees its posterior is
Beta(A_g + 1, D_g + 1) — a uniform prior, passes left out as in ``min_agreement``. The
statement bridges as well as its *least convinced* group agrees, so the bridging figure is
the posterior of the minimum over groups, θ = min_g θ_g, taking the groups as independent:

    P(θ ≤ x) = 1 − Π_g (1 − I_x(A_g + 1, D_g + 1))

(I_x is the regularised incomplete beta function, the Beta CDF). ``score`` is its median,
``low`` and ``high`` its 2.5 % and 97.5 % quantiles: a 95 % credible interval, found by
bisection. A statement **qualifies** as common ground when ``low`` clears the line (1/2: a
majority of every group, with 95 % confidence).

Why not the alternatives: the minimum of raw shares says "100 %" after a single agree; the
product of smoothed shares (group-informed consensus) cannot be compared across items and has
no interval; a Community Notes-style matrix factorisation needs many raters per statement and
a fitted model whose intercept no moderator can check by hand. Here every figure follows from
the counts shown beside it, and a think tank can recompute it from a record's reactions.

It cannot be fooled by silence: a group that has not responded keeps the uniform prior, which
alone pulls ``low`` under 3 % — so the **coverage** (how many groups responded at all) is what
the page reports when a statement does not qualify.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betainc

__all__ = ["LEVEL", "LINE", "METHOD", "Bridging", "bridging", "bridging_many", "divisiveness"]

#: The method's name and version, reported with every result.
METHOD = {"name": "min-beta-posterior", "version": "1"}
#: The agreement every group must clear (its lower bound must) for common ground.
LINE = 0.5
#: Credibility of the interval.
LEVEL = 0.95
#: Bisection steps: 2^-40 is far below any difference a page or an export shows.
_STEPS = 40


@dataclass(frozen=True)
class Bridging:
    """One statement's bridging figure with its interval, and whether it qualifies."""

    score: float
    low: float
    high: float
    responding: int
    total: int
    #: Groups that responded or were at least shown the post (routing records that).
    seen: int = 0
    #: How far apart the groups are (see :func:`divisiveness`).
    divisiveness: float = 0.0

    @property
    def qualifies(self) -> bool:
        return self.total > 0 and self.low > LINE

    @property
    def silent(self) -> int:
        """Groups that have not responded at all."""
        return self.total - self.responding


def _min_cdf(x: np.ndarray, agree: np.ndarray, disagree: np.ndarray) -> np.ndarray:
    """P(min_g θ_g ≤ x) for each statement (row); ``x`` one value per row."""
    below = betainc(agree + 1.0, disagree + 1.0, x[:, np.newaxis])
    return 1.0 - np.prod(1.0 - below, axis=1)


def _quantile(q: float, agree: np.ndarray, disagree: np.ndarray) -> np.ndarray:
    low = np.zeros(agree.shape[0])
    high = np.ones(agree.shape[0])
    for _ in range(_STEPS):
        middle = (low + high) / 2
        above = _min_cdf(middle, agree, disagree) >= q
        high = np.where(above, middle, high)
        low = np.where(above, low, middle)
    return (low + high) / 2


def bridging_many(
    agree: np.ndarray,
    disagree: np.ndarray,
    responses: np.ndarray,
    shown: np.ndarray | None = None,
) -> list[Bridging]:
    """Bridging of many statements at once: statements × groups arrays of agrees, disagrees
    and responses (passes included, for the coverage); ``shown``, also statements × groups:
    whether the group was shown the statement (responding counts as shown either way)."""
    agree = np.asarray(agree, dtype=float)
    disagree = np.asarray(disagree, dtype=float)
    responses = np.asarray(responses)
    if agree.ndim != 2 or agree.shape != disagree.shape or agree.shape != responses.shape:
        raise ValueError("agree, disagree and responses must be statements × groups arrays")
    if (agree < 0).any() or (disagree < 0).any() or (responses < agree + disagree).any():
        raise ValueError("counts must be non-negative and responses at least agree + disagree")
    statements, groups = agree.shape
    if groups == 0:
        return [Bridging(0.0, 0.0, 0.0, 0, 0, 0) for _ in range(statements)]
    tail = (1 - LEVEL) / 2
    low = _quantile(tail, agree, disagree)
    score = _quantile(0.5, agree, disagree)
    high = _quantile(1 - tail, agree, disagree)
    responding = (responses > 0).sum(axis=1)
    seen = (
        responding
        if shown is None
        else ((np.asarray(shown, dtype=bool)) | (responses > 0)).sum(axis=1)
    )
    spread = divisiveness(agree, disagree)
    return [
        Bridging(
            float(score[i]),
            float(low[i]),
            float(high[i]),
            int(responding[i]),
            groups,
            int(seen[i]),
            float(spread[i]),
        )
        for i in range(statements)
    ]


def divisiveness(agree: np.ndarray, disagree: np.ndarray) -> np.ndarray:
    """Per statement (row): how far apart the most and the least convinced groups are — the
    difference of their posterior mean agreements (A + 1) / (A + D + 2), over the groups
    that took a side; 0 when fewer than two did. The summary aid lists the most divisive
    statements as divergences."""
    agree = np.asarray(agree, dtype=float)
    disagree = np.asarray(disagree, dtype=float)
    sided = (agree + disagree) > 0
    mean = (agree + 1) / (agree + disagree + 2)
    highest = np.where(sided, mean, -np.inf).max(axis=1, initial=-np.inf)
    lowest = np.where(sided, mean, np.inf).min(axis=1, initial=np.inf)
    return np.where(sided.sum(axis=1) >= 2, highest - lowest, 0.0)


def bridging(agree, disagree, responses) -> Bridging:
    """Bridging of one statement from its counts per group (sequences of equal length)."""
    return bridging_many(
        np.atleast_2d(np.asarray(agree)),
        np.atleast_2d(np.asarray(disagree)),
        np.atleast_2d(np.asarray(responses)),
    )[0]
