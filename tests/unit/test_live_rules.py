"""The live session's pure rules: the speakers' queue in plain and balanced order, rounds,
and the participation imbalance indicator (live/rules.py)."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from commonground.live.rules import (
    BALANCED_BELOW,
    IMBALANCED_FROM,
    MIN_ACTIVITY,
    WaitingRequest,
    balanced_order,
    expected_fractions,
    extended_end,
    imbalance,
    imbalance_level,
    plain_order,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def request(id_, group, minute, member=None):
    return WaitingRequest(
        id=id_, member=member or 100 + id_, group=group, requested_at=T0 + timedelta(minutes=minute)
    )


def members_of(order):
    return [r.member for r in order]


# --- plain order -----------------------------------------------------------------------------


def test_the_plain_order_is_first_come_first_served():
    a, b, c = request(3, "gov", 0), request(1, "civ", 1), request(2, "gov", 2)
    assert plain_order([c, a, b]) == [a, b, c]


def test_requests_made_at_the_same_instant_keep_the_order_they_were_made_in():
    a, b = request(1, "gov", 0), request(2, "civ", 0)
    assert plain_order([b, a]) == [a, b]


# --- balanced order --------------------------------------------------------------------------


def test_the_balanced_order_puts_first_the_group_that_has_spoken_least_for_its_share():
    # Governments (share 2) made 4 posts: 2 per share unit; civil society (share 1) made 1.
    gov1, gov2, civ = request(1, "gov", 0), request(2, "gov", 1), request(3, "civ", 2)
    order = balanced_order([gov1, gov2, civ], {"gov": 4, "civ": 1}, {"gov": 2, "civ": 1})
    assert order == [civ, gov1, gov2]


def test_the_balanced_order_counts_share_not_head_count():
    # Both made 2 posts, but governments hold twice the share: 2/2 < 2/1.
    gov, civ = request(1, "gov", 5), request(2, "civ", 0)
    assert balanced_order([civ, gov], {"gov": 2, "civ": 2}, {"gov": 2, "civ": 1}) == [gov, civ]


def test_a_quiet_group_does_not_take_every_place_at_once():
    """After its first turn a group's projected count rises, so groups alternate."""
    civ = [request(i, "civ", i) for i in range(1, 4)]
    gov = [request(i, "gov", i) for i in range(4, 7)]
    order = balanced_order(civ + gov, {}, {"gov": 1, "civ": 1})
    assert [r.group for r in order] == ["civ", "gov", "civ", "gov", "civ", "gov"]


def test_ties_between_groups_go_to_the_earlier_request():
    gov, civ = request(1, "gov", 3), request(2, "civ", 1)
    assert balanced_order([gov, civ], {"gov": 1, "civ": 1}, {"gov": 1, "civ": 1}) == [civ, gov]


def test_members_without_a_group_come_last_first_come_first_served():
    lone1, lone2 = request(1, None, 0), request(2, None, 1)
    unknown = request(3, "dissolved", 2)
    gov = request(4, "gov", 9)
    order = balanced_order([lone2, unknown, gov, lone1], {"gov": 50}, {"gov": 1})
    assert order == [gov, lone1, lone2, unknown]


def test_the_worked_example_of_three_groups():
    """Shares gov 2, ent 1, civ 1; posts so far gov 2, ent 0, civ 3. Waiting: civ, gov,
    gov, ent (in that order). Projected ratios: ent 0 → ent; gov 1 → gov (now 3/2);
    gov 3/2 < civ 3 → gov (now 2); civ 3 → civ."""
    civ, gov1, gov2, ent = (
        request(1, "civ", 0),
        request(2, "gov", 1),
        request(3, "gov", 2),
        request(4, "ent", 3),
    )
    order = balanced_order(
        [civ, gov1, gov2, ent], {"gov": 2, "civ": 3}, {"gov": 2, "ent": 1, "civ": 1}
    )
    assert order == [ent, gov1, gov2, civ]


GROUPS = ["gov", "civ", "ent", None]
requests_strategy = st.lists(
    st.tuples(st.sampled_from(GROUPS), st.integers(0, 30)), max_size=14
).map(lambda specs: [request(i + 1, g, minute) for i, (g, minute) in enumerate(specs)])
spoken_strategy = st.dictionaries(st.sampled_from(GROUPS[:3]), st.integers(0, 20))
shares_strategy = st.fixed_dictionaries(
    {"gov": st.integers(1, 5), "civ": st.integers(1, 5), "ent": st.integers(1, 5)}
)


@given(requests_strategy, spoken_strategy, shares_strategy)
def test_the_balanced_order_is_a_reordering_of_the_same_requests(requests, spoken, shares):
    order = balanced_order(requests, spoken, shares)
    assert sorted(r.id for r in order) == sorted(r.id for r in requests)


@given(requests_strategy, spoken_strategy, shares_strategy)
def test_within_a_group_the_balanced_order_is_first_come_first_served(requests, spoken, shares):
    order = balanced_order(requests, spoken, shares)
    for group in GROUPS:
        assert [r for r in order if r.group == group] == [
            r for r in plain_order(requests) if r.group == group
        ]


@given(requests_strategy, spoken_strategy, shares_strategy)
def test_each_turn_goes_to_a_group_least_heard_for_its_share(requests, spoken, shares):
    order = balanced_order(requests, spoken, shares)
    counts = {g: spoken.get(g, 0) for g in shares}
    remaining = list(order)
    for turn in order:
        if turn.group is None:
            # Only unrepresented requests are left.
            assert all(r.group is None for r in remaining)
            break
        waiting_groups = {r.group for r in remaining if r.group is not None}
        least = min(Fraction(counts[g], shares[g]) for g in waiting_groups)
        assert Fraction(counts[turn.group], shares[turn.group]) == least
        counts[turn.group] += 1
        remaining.remove(turn)


@given(
    st.lists(st.integers(0, 30), max_size=10),
    st.integers(0, 20),
    st.integers(1, 5),
)
def test_with_one_group_the_balanced_order_is_the_plain_order(minutes, spoken, share):
    requests = [request(i + 1, "gov", m) for i, m in enumerate(minutes)]
    assert balanced_order(requests, {"gov": spoken}, {"gov": share}) == plain_order(requests)


@given(requests_strategy, spoken_strategy, shares_strategy, st.sampled_from(GROUPS[:3]))
def test_speaking_more_never_moves_a_group_forward(requests, spoken, shares, group):
    before = balanced_order(requests, spoken, shares)
    louder = {**spoken, group: spoken.get(group, 0) + 3}
    after = balanced_order(requests, louder, shares)
    for r in requests:
        if r.group == group:
            assert after.index(r) >= before.index(r)


# --- rounds ----------------------------------------------------------------------------------


def test_extending_a_running_round_adds_to_its_end():
    assert extended_end(T0 + timedelta(minutes=3), T0, 60) == T0 + timedelta(minutes=4)


def test_extending_a_round_whose_time_ran_out_counts_from_now():
    assert extended_end(T0 - timedelta(minutes=3), T0, 60) == T0 + timedelta(minutes=1)


# --- participation balance -------------------------------------------------------------------


def test_expected_fractions_leave_out_groups_without_members():
    expected = expected_fractions({"gov": 2, "civ": 1, "ent": 1}, {"gov": 3, "civ": 1})
    assert expected == {"gov": Fraction(2, 3), "civ": Fraction(1, 3), "ent": 0}


def test_activity_in_proportion_to_the_shares_is_perfectly_balanced():
    result = imbalance({"gov": 20, "civ": 10}, {"gov": 2, "civ": 1}, {"gov": 5, "civ": 5})
    assert (result.index, result.level, result.over, result.under) == (0, "balanced", None, None)


def test_one_group_doing_everything_is_imbalanced_and_named():
    result = imbalance({"civ": 9}, {"gov": 2, "civ": 1}, {"gov": 5, "civ": 5})
    # observed civ 1, gov 0; expected civ 1/3, gov 2/3: distance (2/3 + 2/3) / 2.
    assert result.index == Fraction(2, 3)
    assert (result.level, result.over, result.under) == ("imbalanced", "civ", "gov")


def test_no_activity_has_no_index():
    result = imbalance({}, {"gov": 2, "civ": 1}, {"gov": 1, "civ": 1})
    assert (result.index, result.level, result.over, result.under) == (None, None, None, None)


def test_activity_of_groups_without_members_is_left_out():
    result = imbalance({"gov": 3, "ghost": 7}, {"gov": 1, "ghost": 1}, {"gov": 2})
    assert result.index == 0


def test_the_levels_follow_the_thresholds():
    assert imbalance_level(Fraction(0)) == "balanced"
    assert imbalance_level(BALANCED_BELOW - Fraction(1, 1000)) == "balanced"
    assert imbalance_level(BALANCED_BELOW) == "uneven"
    assert imbalance_level(IMBALANCED_FROM - Fraction(1, 1000)) == "uneven"
    assert imbalance_level(IMBALANCED_FROM) == "imbalanced"
    assert imbalance_level(Fraction(1)) == "imbalanced"


counts_strategy = st.fixed_dictionaries(
    {"gov": st.integers(0, 50), "civ": st.integers(0, 50), "ent": st.integers(0, 50)}
)
members_strategy = st.fixed_dictionaries(
    {"gov": st.integers(0, 4), "civ": st.integers(0, 4), "ent": st.integers(0, 4)}
)


@given(counts_strategy, shares_strategy, members_strategy)
def test_the_index_lies_between_zero_and_one(counts, shares, members):
    result = imbalance(counts, shares, members)
    if result.index is not None:
        assert 0 <= result.index < 1


@given(counts_strategy, shares_strategy, members_strategy)
def test_a_level_is_given_once_there_is_enough_activity_to_judge(counts, shares, members):
    result = imbalance(counts, shares, members)
    counted = sum(counts[g] for g in shares if members[g] > 0)
    if counted >= MIN_ACTIVITY:
        assert result.level == imbalance_level(result.index)
    else:
        assert result.level is None


def test_one_post_is_too_little_to_judge():
    result = imbalance({"gov": 1}, {"gov": 1, "civ": 1}, {"gov": 1, "civ": 1})
    assert (result.index, result.level, result.over) == (Fraction(1, 2), None, "gov")


@given(counts_strategy, shares_strategy, members_strategy, st.integers(2, 7))
def test_the_index_does_not_depend_on_the_volume_of_activity(counts, shares, members, factor):
    scaled = {g: c * factor for g, c in counts.items()}
    small, large = imbalance(counts, shares, members), imbalance(scaled, shares, members)
    assert (small.index, small.over, small.under) == (large.index, large.over, large.under)


@given(shares_strategy, st.integers(2, 6))
def test_activity_exactly_proportional_to_shares_has_index_zero(shares, factor):
    counts = {g: s * factor for g, s in shares.items()}
    result = imbalance(counts, shares, {g: 1 for g in shares})
    assert result.index == 0 and result.level == "balanced"


@given(counts_strategy, shares_strategy, members_strategy)
def test_the_over_represented_group_has_the_largest_surplus(counts, shares, members):
    result = imbalance(counts, shares, members)
    if result.over is None:
        return
    expected = expected_fractions(shares, members)
    present = [g for g in shares if expected[g] > 0]
    total = sum(counts[g] for g in present)
    gaps = {g: Fraction(counts[g], total) - expected[g] for g in present}
    assert gaps[result.over] == max(gaps.values()) > 0
    assert gaps[result.under] == min(gaps.values()) < 0
