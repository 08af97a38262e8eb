"""The opinion map: participants in the plane of the first two principal components, drawn
as an inline SVG, and the same data as a table (issue 13). Pure: no Flask, no database.

Each participant is a dot coloured by their *declared* stakeholder group; each opinion group
is outlined by the convex hull of its members. A moderator sees at a glance whether opinion
divides along stakeholder lines (each outline holds one colour) or across them (colours
mix). The table cross-counts the same participants: opinion groups × declared groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MapLayout", "convex_hull", "cross_count", "layout"]

#: Colours of the declared groups, in their order (Okabe & Ito's palette, readable by people
#: with the common colour-vision deficiencies); members without a group are grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
NO_GROUP_COLOUR = "#999999"


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    colour: str
    declared: str | None
    opinion: int


@dataclass(frozen=True)
class MapOutline:
    opinion: int
    #: SVG ``points`` of the hull polygon.
    points: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class MapLayout:
    size: int
    points: list[MapPoint]
    outlines: list[MapOutline]


def convex_hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull of ``points``, counter-clockwise, without repeating the first point
    (Andrew's monotone chain). Fewer than three distinct points are returned as they are."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def colours(keys: Sequence[str]) -> dict[str | None, str]:
    """The colour of each declared group key (and of None: no group)."""
    table: dict[str | None, str] = {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}
    table[None] = NO_GROUP_COLOUR
    return table


def layout(
    projection: np.ndarray,
    labels: np.ndarray,
    declared: Sequence[str | None],
    keys: Sequence[str],
    size: int = 400,
    margin: int = 24,
) -> MapLayout:
    """Dots and outlines in a ``size`` × ``size`` SVG, one scale for both axes (distances
    mean the same in every direction), the second component pointing up. Participants
    without a place (no response) are left out."""
    placed = ~np.isnan(projection).any(axis=1)
    table = colours(keys)
    if not placed.any():
        return MapLayout(size, [], [])
    xy = projection[placed]
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = float(max(high[0] - low[0], high[1] - low[1])) or 1.0
    scale = (size - 2 * margin) / span
    middle = (low + high) / 2

    def to_svg(point) -> tuple[float, float]:
        return (
            round(size / 2 + (point[0] - middle[0]) * scale, 1),
            round(size / 2 - (point[1] - middle[1]) * scale, 1),
        )

    points = []
    by_opinion: dict[int, list[tuple[float, float]]] = {}
    for row in np.flatnonzero(placed):
        x, y = to_svg(projection[row])
        opinion = int(labels[row])
        key = declared[row] if declared[row] in table else None
        points.append(MapPoint(x, y, table[key], key, opinion))
        if opinion >= 0:
            by_opinion.setdefault(opinion, []).append((x, y))
    outlines = []
    for opinion in sorted(by_opinion):
        hull = convex_hull(by_opinion[opinion])
        top = min(hull, key=lambda p: (p[1], p[0]))
        # The label sits above the outline's highest point, kept inside the picture (its
        # text is centred there and about 100 units wide).
        outlines.append(
            MapOutline(
                opinion,
                " ".join(f"{x},{y}" for x, y in hull),
                min(max(top[0], 50.0), size - 50.0),
                max(top[1] - 8, 12.0),
            )
        )
    return MapLayout(size, points, outlines)


def cross_count(
    labels: np.ndarray, declared: Sequence[str | None], keys: Sequence[str]
) -> dict[int, dict[str | None, int]]:
    """Participants per opinion group (−1: not clustered) and declared group key (None: no
    group, or a group not in ``keys``)."""
    table: dict[int, dict[str | None, int]] = {}
    known = set(keys)
    for opinion, key in zip(labels.tolist(), declared, strict=True):
        key = key if key in known else None
        row = table.setdefault(int(opinion), {})
        row[key] = row.get(key, 0) + 1
    return table
