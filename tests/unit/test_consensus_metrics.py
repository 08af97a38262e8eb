"""Cross-group consensus measures (DESIGN §4): hand-computed values, edge cases, invariants."""

import math
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonground.consensus.metrics import (
    MAJORITY_Z_THRESHOLD,
    GroupCounts,
    MajorityConsensus,
    group_informed_consensus,
    majority_consensus,
    min_agreement,
)

counts = st.builds(
    GroupCounts,
    agree=st.integers(0, 40),
    disagree=st.integers(0, 40),
    pass_=st.integers(0, 40),
)
some_groups = st.lists(counts, min_size=1, max_size=7)


# --- GroupCounts -----------------------------------------------------------------------------


def test_group_counts_seen_includes_passes():
    assert GroupCounts(agree=3, disagree=2, pass_=4).seen == 9


def test_group_counts_pass_defaults_to_zero():
    assert GroupCounts(1, 2) == GroupCounts(1, 2, 0)


@pytest.mark.parametrize(
    ("agree", "disagree", "pass_", "error"),
    [
        (-1, 0, 0, ValueError),
        (0, -1, 0, ValueError),
        (0, 0, -1, ValueError),
        (1.0, 0, 0, TypeError),
        (True, 0, 0, TypeError),
        ("1", 0, 0, TypeError),
    ],
)
def test_group_counts_refuse_what_is_not_a_count(agree, disagree, pass_, error):
    with pytest.raises(error):
        GroupCounts(agree, disagree, pass_)


# --- min_agreement ---------------------------------------------------------------------------


def test_min_agreement_is_the_least_convinced_group():
    groups = [
        GroupCounts(agree=6, disagree=2, pass_=5),  # 6/8 = 3/4 (passes do not dilute)
        GroupCounts(agree=2, disagree=3, pass_=0),  # 2/5
        GroupCounts(agree=9, disagree=0, pass_=1),  # 9/9 = 1
    ]
    assert min_agreement(groups) == F(2, 5)


def test_min_agreement_leaves_out_silent_groups():
    # The silent group (S = 0) is not a dissenting group: min(1/2, 2/3) = 1/2, not 0.
    groups = [GroupCounts(1, 1), GroupCounts(0, 0, 0), GroupCounts(2, 1)]
    assert min_agreement(groups) == F(1, 2)


def test_min_agreement_counts_a_group_that_only_passed_as_zero():
    # Asked and nobody agreed: A + D = 0 with S = 1 scores 0.
    assert min_agreement([GroupCounts(5, 0), GroupCounts(0, 0, 1)]) == 0


def test_min_agreement_is_zero_without_any_responding_group():
    assert min_agreement([]) == 0
    assert min_agreement([GroupCounts(0, 0, 0), GroupCounts(0, 0, 0)]) == 0


def test_min_agreement_accepts_any_iterable():
    assert min_agreement(iter([GroupCounts(3, 1)])) == F(3, 4)


@given(some_groups, st.randoms())
def test_min_agreement_ignores_group_order(groups, random):
    shuffled = list(groups)
    random.shuffle(shuffled)
    assert min_agreement(shuffled) == min_agreement(groups)


@given(some_groups)
def test_min_agreement_lies_in_zero_one(groups):
    assert 0 <= min_agreement(groups) <= 1


# --- group_informed_consensus ----------------------------------------------------------------


def test_group_informed_consensus_hand_computed():
    groups = [
        GroupCounts(agree=6, disagree=2, pass_=5),  # (6+1)/(13+2) = 7/15
        GroupCounts(agree=2, disagree=3, pass_=0),  # (2+1)/(5+2)  = 3/7
        GroupCounts(agree=9, disagree=0, pass_=1),  # (9+1)/(10+2) = 5/6
    ]
    # 7/15 · 3/7 · 5/6 = 105/630 = 1/6
    assert group_informed_consensus(groups) == F(1, 6)


def test_group_informed_consensus_gives_a_silent_group_the_prior_half():
    # (0+1)/(0+2) = 1/2 for the silent group; (3+1)/(3+2) = 4/5 → 2/5
    assert group_informed_consensus([GroupCounts(3, 0), GroupCounts(0, 0)]) == F(2, 5)


def test_group_informed_consensus_passes_pull_it_down():
    # Passing is not agreeing: (1+1)/(1+2) = 2/3 against (1+1)/(3+2) = 2/5.
    assert group_informed_consensus([GroupCounts(1, 0, 0)]) == F(2, 3)
    assert group_informed_consensus([GroupCounts(1, 0, 2)]) == F(2, 5)


def test_group_informed_consensus_of_no_group_is_zero_not_the_empty_product():
    assert group_informed_consensus([]) == 0


@given(some_groups)
def test_group_informed_consensus_lies_strictly_between_zero_and_one(groups):
    assert 0 < group_informed_consensus(groups) < 1


@given(some_groups, st.data())
def test_an_extra_agree_never_lowers_group_informed_consensus(groups, data):
    index = data.draw(st.integers(0, len(groups) - 1))
    before = group_informed_consensus(groups)
    more = list(groups)
    g = more[index]
    more[index] = GroupCounts(g.agree + 1, g.disagree, g.pass_)
    # (A+2)/(S+3) - (A+1)/(S+2) = (S - A + 1)/((S+2)(S+3)) > 0, so it even rises strictly.
    assert group_informed_consensus(more) > before


@given(some_groups, st.data())
def test_an_extra_disagree_never_raises_group_informed_consensus(groups, data):
    index = data.draw(st.integers(0, len(groups) - 1))
    more = list(groups)
    g = more[index]
    more[index] = GroupCounts(g.agree, g.disagree + 1, g.pass_)
    assert group_informed_consensus(more) < group_informed_consensus(groups)


@given(some_groups, st.randoms())
def test_group_informed_consensus_ignores_group_order(groups, random):
    shuffled = list(groups)
    random.shuffle(shuffled)
    assert group_informed_consensus(shuffled) == group_informed_consensus(groups)


# --- majority_consensus ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agree", "disagree", "pass_", "p", "z", "qualifies"),
    [
        # S = 0: p = 1/2; z = 2·√1·(1/1 - 1/2) = 1 → no
        (0, 0, 0, F(1, 2), 1.0, False),
        # S = 1: p = 2/3; z = 2·√2·(2/2 - 1/2) = √2 ≈ 1.414 > 1.2816 → yes (one voter suffices)
        (1, 0, 0, F(2, 3), math.sqrt(2), True),
        # S = 2: p = 2/4 = 1/2 (not > 1/2) although z = 2·√3·(2/3 - 1/2) = √3/3 ≈ 0.577 > 0 → no
        (1, 1, 0, F(1, 2), math.sqrt(3) / 3, False),
        # S = 10: p = 9/12 = 3/4; z = 2·√11·(9/11 - 1/2) = 7/√11 ≈ 2.111 → yes
        (8, 1, 1, F(3, 4), 7 / math.sqrt(11), True),
        # S = 5: p = 4/7 > 1/2; z = 2·√6·(4/6 - 1/2) = √6/3 ≈ 0.816 < 1.2816 → no
        (3, 2, 0, F(4, 7), math.sqrt(6) / 3, False),
        # S = 6 with passes: p = 4/8 = 1/2 → no; z = (2·3 + 1 - 6)/√7 = 1/√7
        (3, 1, 2, F(1, 2), 1 / math.sqrt(7), False),
        # S = 4, all against: p = 1/6; z = (0 + 1 - 4)/√5 = -3/√5
        (0, 4, 0, F(1, 6), -3 / math.sqrt(5), False),
    ],
)
def test_majority_consensus_hand_computed(agree, disagree, pass_, p, z, qualifies):
    result = majority_consensus(agree, disagree, pass_)
    assert result == MajorityConsensus(p=p, z=pytest.approx(z), qualifies=qualifies)
    assert isinstance(result.p, F)


def test_majority_consensus_counts_passes_in_the_denominator():
    # 3 agree alone qualify (p = 4/5, z = 4/2 = 2); with 3 passes p = 4/8 = 1/2 no longer does.
    assert majority_consensus(3, 0).qualifies
    assert not majority_consensus(3, 0, 3).qualifies


def test_majority_consensus_refuses_negative_counts():
    with pytest.raises(ValueError, match="disagree"):
        majority_consensus(1, -1)


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_majority_consensus_matches_the_design_formula(agree, disagree, pass_):
    seen = agree + disagree + pass_
    design_z = 2 * math.sqrt(seen + 1) * ((agree + 1) / (seen + 1) - 0.5)
    result = majority_consensus(agree, disagree, pass_)
    assert result.p == F(1 + agree, 2 + seen)
    assert result.z == pytest.approx(design_z, abs=1e-9)
    if abs(design_z - float(MAJORITY_Z_THRESHOLD)) > 1e-9:
        assert result.qualifies == (result.p > F(1, 2) and design_z > 1.2816)


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_clearing_the_z_bar_implies_a_smoothed_majority(agree, disagree, pass_):
    result = majority_consensus(agree, disagree, pass_)
    if result.qualifies:
        assert result.p > F(1, 2)
        assert result.z > 1.2816


@given(st.integers(0, 200), st.integers(0, 200), st.integers(0, 200))
def test_an_extra_agree_never_disqualifies_a_majority_statement(agree, disagree, pass_):
    if majority_consensus(agree, disagree, pass_).qualifies:
        assert majority_consensus(agree + 1, disagree, pass_).qualifies
