"""Pure rules of the live session: the speakers' queue orders and the participation balance.

No Flask, no database: plain values in, plain values out, so every rule is tested directly
(tests/unit/test_live_rules.py), including by hypothesis.

Speakers' queue, two orders of the same waiting requests:

- **plain**: first come, first served (``requested_at``, then the request's id).
- **balanced**: puts first those whose stakeholder group has spoken least in this item
  relative to its share. Each turn goes to the group with the smallest
  ``(posts already made + turns already given in this order) / share``; within a group,
  first come first served; ties between groups go to the earlier request. Counting the
  turns given as the order is built keeps one quiet group from taking every place at once:
  it alternates with the others as soon as its projected count catches up. Requests of
  members without a group (or of a group without a share) come last, first come first
  served: they speak for no stakeholder group.

Participation balance: a group's *expected* fraction of any activity is its share over the
shares of the groups that have members (a group nobody belongs to cannot take part, and
the chair cannot correct that from the console). The imbalance index of an activity is the
total variation distance between the observed and the expected distributions,
``½ · Σ |observed_g − expected_g|``: 0 when every group takes part exactly in proportion to
its share, approaching 1 when one small group does everything.
"""

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

#: Imbalance index below which participation counts as balanced, and at or above which it
#: counts as imbalanced (in between: uneven). A third of the activity in the wrong place is
#: what a chair would want to correct.
BALANCED_BELOW = Fraction(1, 10)
IMBALANCED_FROM = Fraction(1, 4)

#: Fewer contributions than this say nothing yet about balance (one post is always "all
#: from one group"): the index is computed, but no level is given.
MIN_ACTIVITY = 5

LEVELS = ("balanced", "uneven", "imbalanced")


@dataclass(frozen=True)
class WaitingRequest:
    """A request for the floor as the ordering rules see it."""

    id: int
    member: int
    group: str | None
    requested_at: datetime


def plain_order(requests: Iterable[WaitingRequest]) -> list[WaitingRequest]:
    """First come, first served."""
    return sorted(requests, key=lambda r: (r.requested_at, r.id))


def balanced_order(
    requests: Iterable[WaitingRequest],
    spoken: Mapping[str, int],
    shares: Mapping[str, int],
) -> list[WaitingRequest]:
    """The requests with the least-heard groups (relative to their share) first.

    ``spoken``: posts already made in the item, by group key; ``shares``: each group's
    share (positive). See the module's docstring for the rule.
    """
    queues: dict[str, deque[WaitingRequest]] = {}
    unrepresented: list[WaitingRequest] = []
    for request in plain_order(requests):
        if request.group is not None and shares.get(request.group, 0) > 0:
            queues.setdefault(request.group, deque()).append(request)
        else:
            unrepresented.append(request)
    counts = {group: spoken.get(group, 0) for group in queues}
    order: list[WaitingRequest] = []
    while queues:
        group = min(
            queues,
            key=lambda g: (
                Fraction(counts[g], shares[g]),
                queues[g][0].requested_at,
                queues[g][0].id,
            ),
        )
        order.append(queues[group].popleft())
        counts[group] += 1
        if not queues[group]:
            del queues[group]
    return order + unrepresented


def extended_end(ends_at: datetime, now: datetime, seconds: int) -> datetime:
    """A round's new end after extending it by ``seconds``.

    A round whose time has already run out is extended from now, so "two more minutes"
    always means two minutes from the moment the chair grants them.
    """
    return max(ends_at, now) + timedelta(seconds=seconds)


# --- participation balance -------------------------------------------------------------------


@dataclass(frozen=True)
class Imbalance:
    """How far one activity's distribution over groups is from their shares.

    ``index`` is None when nothing happened yet (no activity by any group with members);
    ``level`` is None then too, and while there were fewer than ``MIN_ACTIVITY``
    contributions. ``over``/``under``: the group with the largest surplus / deficit of
    activity against its expected fraction (None when balanced to the last unit).
    """

    index: Fraction | None
    level: str | None
    over: Hashable | None
    under: Hashable | None


def expected_fractions(
    shares: Mapping[Hashable, int], members: Mapping[Hashable, int]
) -> dict[Hashable, Fraction]:
    """Each group's expected fraction of activity: its share over the shares of the groups
    with at least one member; 0 for groups without members."""
    present = {g: s for g, s in shares.items() if members.get(g, 0) > 0 and s > 0}
    total = sum(present.values())
    return {g: (Fraction(present[g], total) if g in present else Fraction(0)) for g in shares}


def observed_fractions(counts: Mapping[Hashable, int], groups: Iterable[Hashable]) -> dict:
    """Each group's fraction of the activity (None for all when there was none)."""
    groups = list(groups)
    total = sum(counts.get(g, 0) for g in groups)
    if total == 0:
        return {g: None for g in groups}
    return {g: Fraction(counts.get(g, 0), total) for g in groups}


def imbalance_level(index: Fraction | None) -> str | None:
    """``balanced``, ``uneven`` or ``imbalanced`` (None without any activity)."""
    if index is None:
        return None
    if index < BALANCED_BELOW:
        return "balanced"
    if index < IMBALANCED_FROM:
        return "uneven"
    return "imbalanced"


def imbalance(
    counts: Mapping[Hashable, int],
    shares: Mapping[Hashable, int],
    members: Mapping[Hashable, int],
) -> Imbalance:
    """The imbalance of one activity (see the module's docstring).

    Only groups with members count: activity of a group without members (possible in data
    imported or after members moved) is left out rather than divided by nothing.
    """
    expected = expected_fractions(shares, members)
    present = [g for g in shares if expected[g] > 0]
    observed = observed_fractions(counts, present)
    if not present or observed[present[0]] is None:
        return Imbalance(None, None, None, None)
    gaps = {g: observed[g] - expected[g] for g in present}
    index = sum((abs(gap) for gap in gaps.values()), Fraction(0)) / 2
    total = sum(counts.get(g, 0) for g in present)
    level = imbalance_level(index) if total >= MIN_ACTIVITY else None
    if index == 0:
        return Imbalance(index, level, None, None)
    # The first in share order wins a tie, so the answer does not depend on dict order.
    over = max(present, key=lambda g: (gaps[g], -present.index(g)))
    under = min(present, key=lambda g: (gaps[g], present.index(g)))
    return Imbalance(index, level, over, under)


def fraction_text(value: Fraction | None) -> str | None:
    """An exact rational as the API prints it (``"2/3"``, ``"1"``, ``"0"``), or None."""
    return None if value is None else str(value)
