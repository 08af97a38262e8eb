"""The per-group bars of the Common Ground charts: segments in the order agree, pass,
disagree, each as wide as its share of the group's reactions, together the whole bar."""

from hypothesis import given
from hypothesis import strategies as st

from commonground.consensus.metrics import GroupCounts
from commonground.consensus.views import Bar


def test_segments_follow_each_other_agree_pass_disagree():
    bar = Bar("gov", "Governments", GroupCounts(agree=2, disagree=1, pass_=1))
    assert [(bar.offset(s), bar.width(s)) for s in ("agree", "pass", "disagree")] == [
        ("0", "50.00"),
        ("50.00", "25.00"),
        ("75.00", "25.00"),
    ]


def test_a_silent_group_has_an_empty_bar():
    bar = Bar("gov", "Governments", GroupCounts(0, 0, 0))
    assert {bar.width(s) for s in ("agree", "pass", "disagree")} == {"0"}
    assert {bar.offset(s) for s in ("agree", "pass", "disagree")} == {"0"}


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_the_segments_fill_the_bar_exactly_once(agree, disagree, pass_):
    bar = Bar("g", "G", GroupCounts(agree, disagree, pass_))
    widths = [float(bar.width(s)) for s in ("agree", "pass", "disagree")]
    offsets = [float(bar.offset(s)) for s in ("agree", "pass", "disagree")]
    if agree + disagree + pass_ == 0:
        assert widths == [0, 0, 0]
        return
    assert abs(sum(widths) - 100) < 0.02
    assert abs(offsets[1] - widths[0]) < 0.01
    assert abs(offsets[2] - (widths[0] + widths[1])) < 0.02
