"""Routing: which post to offer a member next ("react to statements", issue 13). Pure.

Pol.is offers each participant the next comment at random, weighted by its *priority*:

    importance = P(agree) · (1 − P(pass)) · (1 + extremity)
    newness    = 1 + 8 · 2^(−S/5)
    priority   = (importance · newness)²

with P(x) = (1 + count) / (2 + S) over the S responses so far, and *extremity* the distance
from the centre of the opinion map of someone who only agreed with the comment (a comment
that divides opinion lies far out). New comments are shown more, agreeable and engaging ones
more, divisive ones more. "Meta" comments (about the conversation itself) get the fixed
priority 7² = 49 — and Pol.is once shipped a version in which every comment counted as
meta, so that every priority was that constant 49 and routing was uniform. This is the
formula as meant (red-dwarf's ``priority_metric``; our tests compare the two); no post here
is "meta", the parameter is kept for completeness.

On top of it, Common Ground favours posts that groups have not seen yet: the weight is
multiplied by 1 + (groups that have neither responded to nor been shown the post) / (all
groups counted), so coverage — every group heard on every post — grows as fast as it can.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

__all__ = ["META_PRIORITY", "choose", "priority", "routing_weights"]

META_PRIORITY = 7.0


def priority(
    agree: np.ndarray,
    disagree: np.ndarray,
    seen: np.ndarray,
    extremity: np.ndarray,
    meta: np.ndarray | None = None,
) -> np.ndarray:
    """Pol.is priority of each statement from its counts (``seen``: every response, passes
    included) and extremity; meta statements get 7² (see the module)."""
    agree, disagree, seen, extremity = (
        np.asarray(a, dtype=float) for a in (agree, disagree, seen, extremity)
    )
    passes = seen - agree - disagree
    p_agree = (1 + agree) / (2 + seen)
    p_pass = (1 + passes) / (2 + seen)
    importance = p_agree * (1 - p_pass) * (1 + extremity)
    newness = 1 + 8 * np.power(2.0, -seen / 5)
    value = importance * newness
    if meta is not None:
        value = np.where(np.asarray(meta, dtype=bool), META_PRIORITY, value)
    return value**2


def routing_weights(
    priorities: np.ndarray, unseen_groups: np.ndarray, total_groups: int
) -> np.ndarray:
    """The weight of each candidate: its priority, raised for the groups that have not seen
    it yet (up to twice when no group has)."""
    priorities = np.asarray(priorities, dtype=float)
    if total_groups <= 0:
        return priorities
    return priorities * (1 + np.asarray(unseen_groups, dtype=float) / total_groups)


def choose(candidates: Sequence[int], weights: np.ndarray, rng: random.Random) -> int | None:
    """One candidate at random, in proportion to its weight (None when there is none). Zero
    weights everywhere fall back to an even choice."""
    if not len(candidates):
        return None
    weights = np.asarray(weights, dtype=float)
    if not np.isfinite(weights).all() or weights.sum() <= 0:
        return rng.choice(list(candidates))
    return rng.choices(list(candidates), weights=weights.tolist(), k=1)[0]
