"""Bridging with uncertainty and the coverage rule (``consensus/bridging.py``, issue 13)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta

from commonground.consensus.bridging import LINE, bridging, bridging_many


def test_with_one_group_the_interval_is_that_of_its_beta_posterior():
    result = bridging([7], [2], [10])
    assert result.low == pytest.approx(beta.ppf(0.025, 8, 3), abs=1e-9)
    assert result.score == pytest.approx(beta.ppf(0.5, 8, 3), abs=1e-9)
    assert result.high == pytest.approx(beta.ppf(0.975, 8, 3), abs=1e-9)


def test_one_agree_from_each_of_six_groups_is_far_from_certain():
    result = bridging([1] * 6, [0] * 6, [1] * 6)
    assert result.low < 0.1
    assert result.score < 0.9  # never "100 %" from one response
    assert not result.qualifies
    assert (result.responding, result.total, result.silent) == (6, 6, 0)


def test_a_silent_group_keeps_a_statement_from_qualifying():
    result = bridging([40, 40, 0], [0, 0, 0], [40, 40, 0])
    assert result.low < 0.03 and not result.qualifies
    assert (result.responding, result.silent) == (2, 1)


def test_broad_agreement_in_every_group_qualifies():
    result = bridging([30, 25, 40], [3, 2, 5], [35, 30, 50])
    assert result.low > LINE and result.qualifies


def test_passes_count_for_coverage_but_not_for_agreement():
    only_passes = bridging([0, 5], [0, 0], [3, 5])
    assert only_passes.responding == 2
    assert only_passes.low < 0.03


def test_no_group_means_no_common_ground():
    result = bridging([], [], [])
    assert result.total == 0 and not result.qualifies


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        bridging([2], [2], [3])
    with pytest.raises(ValueError):
        bridging_many(np.ones((2, 3)), np.ones((2, 2)), np.ones((2, 3)))


counts = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 10)), min_size=1, max_size=6
)


def _split(groups):
    agree = [a for a, _, _ in groups]
    disagree = [d for _, d, _ in groups]
    responses = [a + d + p for a, d, p in groups]
    return agree, disagree, responses


@settings(max_examples=60, deadline=None)
@given(counts)
def test_the_score_lies_in_its_interval(groups):
    result = bridging(*_split(groups))
    assert 0 <= result.low <= result.score <= result.high <= 1


@settings(max_examples=60, deadline=None)
@given(counts, st.integers(0, 5))
def test_one_more_agree_never_lowers_the_figures(groups, which):
    which %= len(groups)
    before = bridging(*_split(groups))
    more = list(groups)
    a, d, p = more[which]
    more[which] = (a + 1, d, p)
    after = bridging(*_split(more))
    assert after.low >= before.low - 1e-9
    assert after.score >= before.score - 1e-9


@settings(max_examples=60, deadline=None)
@given(counts, st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 10)))
def test_another_group_can_only_lower_the_bridging(groups, extra):
    before = bridging(*_split(groups))
    after = bridging(*_split([*groups, extra]))
    assert after.score <= before.score + 1e-9
    assert after.low <= before.low + 1e-9
