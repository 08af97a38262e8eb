"""Opinion groups as Pol.is classic finds them (``consensus/opinions.py``, issue 13).

With the shared data (``../shared/data/polis``), both real conversations are clustered by our
code and by red-dwarf (the Python reimplementation of Pol.is, the reference) from the same
raw votes: the same groups, the same consensus and representative statements. The other
tests state the rules on small matrices and, with hypothesis, the invariants.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from polis_votes import CONVERSATIONS, both_ways, needs_shared_data

from commonground.consensus.opinions import (
    TOO_FEW_PARTICIPANTS,
    TOO_LITTLE_VARIETY,
    OpinionParams,
    opinion_groups,
)


@needs_shared_data
@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_a_real_conversation_is_clustered_as_red_dwarf_clusters_it(conversation):
    ours, reference, _matrix, participants, statements = both_ways(conversation)

    assert ours.clustered
    theirs = reference.participants_df["cluster_id"]
    assert ours.group_count == theirs.nunique()
    our_sizes = sorted(len(ours.members(g)) for g in range(ours.group_count))
    their_sizes = sorted(theirs.value_counts().tolist())
    assert all(abs(a - b) <= 3 for a, b in zip(our_sizes, their_sizes, strict=True))
    # The groups themselves: the same k-means from the same start numbers them alike.
    their_labels = [-1 if pd.isna(theirs[p]) else int(theirs[p]) for p in participants]
    assert ours.labels.tolist() == their_labels
    assert [statements[c] for c in ours.consensus_agree] == [
        s["tid"] for s in reference.consensus["agree"]
    ]
    assert [statements[c] for c in ours.consensus_disagree] == [
        s["tid"] for s in reference.consensus["disagree"]
    ]
    for group, chosen in reference.repness.items():
        assert [(statements[s.statement], s.direction) for s in ours.representative[group]] == [
            (s["tid"], s["repful-for"]) for s in chosen
        ]


def two_camps(size: int = 12, statements: int = 10) -> np.ndarray:
    """Half agree with the first half of the statements and reject the rest; the other
    half the opposite; everyone agrees on the last statement."""
    rows = []
    for person in range(size):
        camp = 1 if person < size // 2 else -1
        row = [camp if s < statements // 2 else -camp for s in range(statements - 1)]
        rows.append([*row, 1])
    return np.array(rows, dtype=float)


def test_two_camps_become_two_groups_and_their_common_statement_is_consensus():
    result = opinion_groups(two_camps())
    assert result.clustered and result.reason is None
    assert result.group_count == 2
    first, second = (set(result.members(g)) for g in range(2))
    assert {frozenset(first), frozenset(second)} == {frozenset(range(6)), frozenset(range(6, 12))}
    assert result.consensus_agree == [9]
    assert result.consensus_disagree == []
    for chosen in result.representative.values():
        assert chosen and all(s.statement != 9 or s.direction == "agree" for s in chosen)


def test_too_few_participants_make_no_groups_but_consensus_is_still_found():
    matrix = two_camps(size=8)
    result = opinion_groups(matrix)
    assert not result.clustered
    assert result.reason == TOO_FEW_PARTICIPANTS
    assert result.group_count == 0 and (result.labels == -1).all()
    assert result.representative == {}
    assert result.consensus_agree == [9]


def test_participants_with_fewer_than_seven_responses_are_not_clustered():
    matrix = two_camps(size=14)
    matrix[0, :4] = np.nan  # six responses left
    result = opinion_groups(matrix)
    assert result.clustered
    assert result.labels[0] == -1
    assert (result.labels[1:] >= 0).all()
    assert not np.isnan(result.projection[0]).any()  # still on the map


def test_everyone_answering_alike_gives_no_groups():
    result = opinion_groups(np.ones((20, 8)))
    assert not result.clustered
    assert result.reason == TOO_LITTLE_VARIETY
    assert result.consensus_agree == list(range(5))  # at most five, in column order on a tie


def test_a_hidden_statement_is_neither_consensus_nor_representative():
    matrix = two_camps()
    moderated = np.zeros(matrix.shape[1], dtype=bool)
    moderated[9] = True
    result = opinion_groups(matrix, moderated)
    assert 9 not in result.consensus_agree
    assert all(s.statement != 9 for chosen in result.representative.values() for s in chosen)


def test_an_empty_matrix_is_not_an_error():
    result = opinion_groups(np.empty((0, 0)))
    assert not result.clustered and result.projection.shape == (0, 2)


def test_the_shape_of_the_input_is_checked():
    with pytest.raises(ValueError):
        opinion_groups(np.ones(4))
    with pytest.raises(ValueError):
        opinion_groups(np.ones((3, 4)), np.zeros(3, dtype=bool))


responses = arrays(
    float,
    st.tuples(st.integers(10, 30), st.integers(7, 12)),
    elements=st.sampled_from([1.0, -1.0, 0.0, np.nan]),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses)
def test_invariants_of_any_matrix(matrix):
    params = OpinionParams()
    result = opinion_groups(matrix, params=params)
    answered = (~np.isnan(matrix)).sum(axis=1)
    # Only participants with enough responses are in a group, and groups are never empty.
    assert (answered[result.labels >= 0] >= params.min_responses).all()
    if result.clustered:
        assert params.k_min <= result.group_count <= params.k_max
        assert all(len(result.members(g)) > 0 for g in range(result.group_count))
        assert set(result.representative) == set(range(result.group_count))
        for chosen in result.representative.values():
            assert len(chosen) <= params.pick_max
            directions = [s.direction for s in chosen]
            assert directions == sorted(directions)  # agreements first
    else:
        assert (result.labels == -1).all() and result.reason
    assert len(result.consensus_agree) <= params.pick_max
    assert not set(result.consensus_agree) & set(result.consensus_disagree)
    # Deterministic: the same matrix gives the same groups.
    again = opinion_groups(matrix.copy(), params=params)
    assert (again.labels == result.labels).all()
    assert again.consensus_agree == result.consensus_agree
