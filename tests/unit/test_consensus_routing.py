"""Routing by the corrected Pol.is priority (``consensus/routing.py``, issue 13)."""

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polis_votes import CONVERSATIONS, both_ways, needs_shared_data

from commonground.consensus.routing import META_PRIORITY, choose, priority, routing_weights


@needs_shared_data
@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_extremity_and_priority_are_red_dwarfs_on_a_real_conversation(conversation):
    result, reference, matrix, _participants, _statements = both_ways(conversation)
    assert np.allclose(result.extremity, reference.statements_df["extremity"].to_numpy())
    # red-dwarf counts the clustered participants' votes.
    clustered = matrix[(~np.isnan(matrix)).sum(axis=1) >= 7]
    ours = priority(
        (clustered == 1).sum(axis=0),
        (clustered == -1).sum(axis=0),
        (~np.isnan(clustered)).sum(axis=0),
        result.extremity,
    )
    assert np.allclose(ours, reference.statements_df["priority"].astype(float).to_numpy())


def test_priorities_are_not_the_constant_49():
    values = priority([0, 10, 1], [0, 0, 9], [0, 12, 10], [0.0, 1.0, 0.5])
    assert len(set(np.round(values, 9))) == 3
    assert priority([1], [1], [2], [0.0], meta=[True])[0] == META_PRIORITY**2


def test_a_new_post_comes_before_a_well_known_one_with_the_same_shares():
    new, known = priority([1, 10], [0, 0], [1, 10], [0.5, 0.5])
    assert new > known


@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=20),
    st.integers(0, 6),
)
def test_posts_no_group_has_seen_weigh_more(seen_counts, total):
    priorities = np.ones(len(seen_counts))
    unseen = np.minimum(np.array(seen_counts), total)
    weights = routing_weights(priorities, unseen, total)
    assert (weights >= priorities).all() and (weights <= 2 * priorities).all()


def test_the_choice_follows_the_weights_and_handles_nothing_left():
    rng = random.Random(13)
    picks = [choose([1, 2], np.array([9.0, 1.0]), rng) for _ in range(2000)]
    assert 0.85 < picks.count(1) / len(picks) < 0.95
    assert choose([], np.array([]), rng) is None
    assert choose([5, 6], np.array([0.0, 0.0]), rng) in (5, 6)
