"""The opinion map's geometry and its table (``consensus/opinion_map.py``, issue 13)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from commonground.consensus.opinion_map import (
    NO_GROUP_COLOUR,
    PALETTE,
    convex_hull,
    cross_count,
    layout,
)

coordinates = st.floats(-100, 100, allow_nan=False, width=32)


def _inside_or_on(hull, point) -> bool:
    """Counter-clockwise hull: every edge has the point on its left (or on it)."""
    for i, a in enumerate(hull):
        b = hull[(i + 1) % len(hull)]
        cross = (b[0] - a[0]) * (point[1] - a[1]) - (b[1] - a[1]) * (point[0] - a[0])
        if cross < -1e-6:
            return False
    return True


@given(st.lists(st.tuples(coordinates, coordinates), min_size=3, max_size=40))
def test_the_hull_holds_every_point_and_is_made_of_them(points):
    hull = convex_hull(points)
    assert set(hull) <= set(points)
    if len(hull) >= 3:
        assert all(_inside_or_on(hull, p) for p in points)


def test_a_square_with_a_point_inside_has_the_square_as_hull():
    hull = convex_hull([(0, 0), (2, 0), (2, 2), (0, 2), (1, 1)])
    assert sorted(hull) == [(0, 0), (0, 2), (2, 0), (2, 2)]


def test_dots_fit_the_picture_coloured_by_declared_group_and_outlined_by_opinion_group():
    projection = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [5.0, 5.0], [np.nan, np.nan]])
    labels = np.array([0, 0, 0, 1, -1])
    declared = ["gov", "civ", "gov", None, "gov"]
    result = layout(projection, labels, declared, ["gov", "civ"], size=100, margin=10)
    assert len(result.points) == 4  # the member without a response has no place
    assert all(10 <= p.x <= 90 and 10 <= p.y <= 90 for p in result.points)
    assert [p.colour for p in result.points] == [
        PALETTE[0],
        PALETTE[1],
        PALETTE[0],
        NO_GROUP_COLOUR,
    ]
    assert [o.opinion for o in result.outlines] == [0, 1]
    # The second component points up: a higher y in the plane is higher on the page.
    assert result.points[1].y < result.points[2].y


def test_the_table_counts_every_member_once():
    labels = np.array([0, 0, 1, -1, 1])
    declared = ["gov", "civ", "gov", "gov", "stranger"]
    table = cross_count(labels, declared, ["gov", "civ"])
    assert table == {0: {"gov": 1, "civ": 1}, 1: {"gov": 1, None: 1}, -1: {"gov": 1}}
    assert sum(sum(row.values()) for row in table.values()) == len(labels)
