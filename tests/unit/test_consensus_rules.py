"""Pure rules of common ground (consensus/rules.py): scoring a post's reactions per group,
ranking by group-informed consensus, citations in summaries, word-level diffs."""

from fractions import Fraction as F
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from commonground.consensus.metrics import GroupCounts, group_informed_consensus
from commonground.consensus.rules import (
    citation,
    citations,
    diff_text,
    link_citations,
    rank_by_consensus,
    score_post,
)

counts = st.builds(
    GroupCounts,
    agree=st.integers(0, 30),
    disagree=st.integers(0, 30),
    pass_=st.integers(0, 30),
)

# --- scoring ---------------------------------------------------------------------------------


def test_a_post_is_scored_over_every_group_in_the_deliberations_order():
    score = score_post(
        ["governments", "civil_society", "enterprises"],
        {"civil_society": GroupCounts(1, 1, 0), "governments": GroupCounts(3, 1, 1)},
    )
    assert [key for key, _ in score.groups] == ["governments", "civil_society", "enterprises"]
    assert score.groups[2] == ("enterprises", GroupCounts(0, 0, 0))
    assert (score.agree, score.disagree, score.pass_) == (4, 2, 1)
    # Silent enterprises contribute the prior 1/2; min_agreement ignores them.
    assert score.group_informed_consensus == F(4, 7) * F(2, 4) * F(1, 2)
    assert score.min_agreement == F(1, 2)
    assert score.majority.p == F(5, 9)


def test_members_without_a_group_count_in_the_totals_only():
    with_observers = score_post(["gov"], {"gov": GroupCounts(2, 0, 0), None: GroupCounts(0, 5, 0)})
    without = score_post(["gov"], {"gov": GroupCounts(2, 0, 0)})
    assert (with_observers.agree, with_observers.disagree) == (2, 5)
    assert with_observers.group_informed_consensus == without.group_informed_consensus
    assert with_observers.min_agreement == without.min_agreement == 1
    assert not with_observers.majority.qualifies


def test_counts_of_a_group_not_in_the_deliberation_are_left_out_of_group_measures():
    score = score_post(["gov"], {"gov": GroupCounts(1, 0, 0), "gone": GroupCounts(0, 3, 0)})
    assert score.groups == (("gov", GroupCounts(1, 0, 0)),)
    assert score.disagree == 3


def test_a_post_nobody_reacted_to_scores_the_prior_of_every_group():
    score = score_post(["a", "b"], {})
    assert score.group_informed_consensus == F(1, 4)
    assert score.min_agreement == 0
    assert score.seen == 0
    assert not score.majority.qualifies


@given(st.dictionaries(st.sampled_from(["a", "b", "c", None]), counts))
def test_score_agrees_with_the_metrics_for_any_counts(by_key):
    score = score_post(["a", "b", "c"], by_key)
    expected = group_informed_consensus([by_key.get(k, GroupCounts(0, 0)) for k in "abc"])
    assert score.group_informed_consensus == expected
    assert score.seen == sum(c.seen for c in by_key.values())


# --- ranking ---------------------------------------------------------------------------------


def test_posts_every_group_supports_rank_first_and_ties_keep_post_order():
    keys = ["gov", "civ"]
    scored = [
        (1, score_post(keys, {"gov": GroupCounts(5, 0), "civ": GroupCounts(0, 5)})),  # divisive
        (2, score_post(keys, {"gov": GroupCounts(3, 0), "civ": GroupCounts(3, 0)})),  # common
        (3, score_post(keys, {})),
        (4, score_post(keys, {})),
        (5, score_post(keys, {"gov": GroupCounts(3, 0), "civ": GroupCounts(3, 0)})),
    ]
    ranked = [post for post, _ in rank_by_consensus(reversed(scored), order=lambda p: p)]
    assert ranked == [2, 5, 3, 4, 1]


@given(
    st.lists(st.tuples(st.integers(0, 1000), counts, counts), max_size=20, unique_by=lambda t: t[0])
)
def test_ranking_is_sorted_by_consensus_then_order(rows):
    scored = [(post, score_post(["a", "b"], {"a": a, "b": b})) for post, a, b in rows]
    ranked = rank_by_consensus(scored, order=lambda post: post)
    keys = [(-score.group_informed_consensus, post) for post, score in ranked]
    assert keys == sorted(keys)
    assert sorted(post for post, _ in ranked) == sorted(post for post, *_ in rows)


# --- citations -------------------------------------------------------------------------------


def test_citations_are_found_once_each_in_order():
    text = "See [post #12] and [motion #3], again [post #12]; not [post 4] nor [posts #5]."
    assert citations(text) == [("post", 12), ("motion", 3)]
    assert citation("post", 12) == "[post #12]"


def test_known_citations_become_links_and_unknown_ones_stay_text():
    def url(kind, number):
        return {"post": {12: "/p/12"}, "motion": {3: "/m/3"}}[kind].get(number)

    text = "[post #12] [motion #3] [post #99] [post #12](/already)"
    assert link_citations(text, url) == (
        r"[\[post #12\]](/p/12) [\[motion #3\]](/m/3) [post #99] [post #12](/already)"
    )
    assert link_citations("", url) == ""


# --- diffs -----------------------------------------------------------------------------------


def test_a_changed_word_shows_as_that_word():
    assert diff_text("All groups agree on audits.", "All groups agree on public audits.") == [
        ("equal", "All groups agree on "),
        ("insert", "public "),
        ("equal", "audits."),
    ]
    assert diff_text("keep a word", "keep the word") == [
        ("equal", "keep "),
        ("delete", "a"),
        ("insert", "the"),
        ("equal", " word"),
    ]


def test_identical_and_empty_texts():
    assert diff_text("same\ntext", "same\ntext") == [("equal", "same\ntext")]
    assert diff_text("", "") == []
    assert diff_text("", "new") == [("insert", "new")]
    assert diff_text("old", "") == [("delete", "old")]


@given(st.text(max_size=80), st.text(max_size=80))
def test_a_diff_rebuilds_both_texts(old, new):
    segments = diff_text(old, new)
    assert "".join(t for op, t in segments if op != "insert") == old
    assert "".join(t for op, t in segments if op != "delete") == new
    # Adjacent segments never share an operation.
    assert all(a[0] != b[0] for a, b in pairwise(segments))
