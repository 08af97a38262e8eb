"""Weighted stakeholder voting (DESIGN §3): the exact tally, its rules, options and invariants."""

import json
from collections import Counter
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from commonground.voting.rules import (
    ABSTAIN_OPTIONS,
    CHOICES,
    RULE_KINDS,
    SCHEMES,
    ChoiceSum,
    GroupInfo,
    Rule,
    RuleError,
    WeightedBallot,
    legal_choices,
    sum_changes,
    tally,
    tally_from_sums,
)

MAJORITY = Rule("majority")


def single_group(eligible: int) -> list[GroupInfo]:
    return [GroupInfo("all", 1, eligible)]


# --- The public vectors of DESIGN §3, verbatim -----------------------------------------------


def test_vector_1_members_abstentions_are_ignored_by_default():
    ballots = [("all", 3, "yes"), ("all", 1, "no"), ("all", 5, "abstain")]
    result = tally("members", MAJORITY, single_group(9), ballots)
    # Y = 3, N = 1 → 3/4; the abstaining weight 5 is not in the denominator.
    assert result.support == F(3, 4)
    assert result.outcome == "adopted"


def test_vector_2_groups_weigh_by_share_not_by_head_count():
    groups = [GroupInfo("gov", 2, 2), GroupInfo("emp", 1, 2), GroupInfo("wrk", 1, 3)]
    ballots = [
        ("gov", 1, "yes"),
        ("gov", 1, "no"),  # r_gov = 1/2
        ("emp", 1, "no"),
        ("emp", 1, "no"),  # r_emp = 0
        ("wrk", 1, "yes"),
        ("wrk", 1, "yes"),
        ("wrk", 1, "yes"),  # r_wrk = 1
    ]
    majority = tally("groups", MAJORITY, groups, ballots)
    # (2·1/2 + 1·0 + 1·1) / (2 + 1 + 1) = 2/4 = 1/2
    assert majority.support == F(1, 2)
    assert [g.agreement for g in majority.groups] == [F(1, 2), F(0), F(1)]
    assert majority.outcome == "rejected"  # 1/2 is not > 1/2
    supermajority = tally("groups", Rule("supermajority", threshold="1/2"), groups, ballots)
    assert supermajority.outcome == "adopted"  # 1/2 ≥ 1/2


def test_vector_3_a_block_blocks_a_consensus_whatever_the_support():
    rule = Rule("consensus", threshold="3/5")
    ballots = [("all", 1, "yes")] * 9 + [("all", 1, "block")]
    result = tally("members", rule, single_group(10), ballots)
    assert result.support == F(9, 10)  # 9 / (9 + 1): block counts as no
    assert result.outcome == "blocked"


# --- One electorate under every scheme x rule x abstain option -------------------------------
#
# gov (share 2, eligible 6): yes 2+1, no 1, abstain 1      → cast 5
# ent (share 1, eligible 4): yes 1,   no 2                 → cast 3
# civ (share 1, eligible 5): yes 2,   abstain 1+1          → cast 4
# Totals: yes 6, no 3, abstain 3, block 0; cast 12 of 15 eligible → participation 4/5.

GROUPS = [GroupInfo("gov", 2, 6), GroupInfo("ent", 1, 4), GroupInfo("civ", 1, 5)]
BALLOTS = [
    ("gov", 2, "yes"),
    ("gov", 1, "yes"),
    ("gov", 1, "no"),
    ("gov", 1, "abstain"),
    ("ent", 1, "yes"),
    ("ent", 2, "no"),
    ("civ", 2, "yes"),
    ("civ", 1, "abstain"),
    ("civ", 1, "abstain"),
]
RULES = {
    "majority": {},
    "supermajority": {"threshold": "2/3"},
    "consensus": {"threshold": "2/3"},
    "double_majority": {"threshold": "1/2", "group_threshold": "2/3"},
}

# r_g, abstain ignored: gov 3/(3+1) = 3/4, ent 1/(1+2) = 1/3, civ 2/2 = 1
#   groups with r_g > 1/2: gov, civ → 2/3 of the 3 counted groups
# r_g, abstain = no:    gov 3/(3+1+1) = 3/5, ent 1/3, civ 2/(2+2) = 1/2
#   groups with r_g > 1/2: gov only (civ's 1/2 is not > 1/2) → 1/3
AGREEMENT = {"ignored": [F(3, 4), F(1, 3), F(1)], "no": [F(3, 5), F(1, 3), F(1, 2)]}
IN_FAVOUR = {"ignored": F(2, 3), "no": F(1, 3)}

# members, ignored: 6 / (6 + 3) = 2/3
# members, no:      6 / (6 + 3 + 3) = 1/2
# groups, ignored:  (2·3/4 + 1·1/3 + 1·1) / 4 = (18/12 + 4/12 + 12/12) / 4 = (34/12) / 4 = 17/24
# groups, no:       (2·3/5 + 1·1/3 + 1·1/2) / 4 = (36/30 + 10/30 + 15/30) / 4 = 61/120
SUPPORT = {
    ("members", "ignored"): F(2, 3),
    ("members", "no"): F(1, 2),
    ("groups", "ignored"): F(17, 24),
    ("groups", "no"): F(61, 120),
}


@pytest.mark.parametrize(
    ("scheme", "abstain", "kind", "outcome", "unmet"),
    [
        # 2/3 > 1/2; 2/3 ≥ 2/3; 2/3 ≥ 2/3 and no block; 2/3 ≥ 1/2 and 2/3 of groups ≥ 2/3
        ("members", "ignored", "majority", "adopted", ()),
        ("members", "ignored", "supermajority", "adopted", ()),
        ("members", "ignored", "consensus", "adopted", ()),
        ("members", "ignored", "double_majority", "adopted", ()),
        # 1/2 is not > 1/2; 1/2 < 2/3; 1/2 < 2/3; 1/2 ≥ 1/2 but only 1/3 of groups < 2/3
        ("members", "no", "majority", "rejected", ("support",)),
        ("members", "no", "supermajority", "rejected", ("support",)),
        ("members", "no", "consensus", "rejected", ("support",)),
        ("members", "no", "double_majority", "rejected", ("group_threshold",)),
        # 17/24 > 12/24; 17/24 ≥ 16/24 (three times); 2/3 of groups ≥ 2/3
        ("groups", "ignored", "majority", "adopted", ()),
        ("groups", "ignored", "supermajority", "adopted", ()),
        ("groups", "ignored", "consensus", "adopted", ()),
        ("groups", "ignored", "double_majority", "adopted", ()),
        # 61/120 > 60/120; 61/120 < 80/120 (twice); 61/120 ≥ 60/120 but 1/3 of groups < 2/3
        ("groups", "no", "majority", "adopted", ()),
        ("groups", "no", "supermajority", "rejected", ("support",)),
        ("groups", "no", "consensus", "rejected", ("support",)),
        ("groups", "no", "double_majority", "rejected", ("group_threshold",)),
    ],
)
def test_every_scheme_rule_and_abstain_option(scheme, abstain, kind, outcome, unmet):
    rule = Rule.from_json({"kind": kind, "abstain": abstain, **RULES[kind]})
    result = tally(scheme, rule, GROUPS, BALLOTS)
    assert result.support == SUPPORT[scheme, abstain]
    assert [g.agreement for g in result.groups] == AGREEMENT[abstain]
    assert result.groups_in_favour == IN_FAVOUR[abstain]
    assert result.outcome == outcome
    assert result.unmet == unmet
    # The sums never depend on the rule: block stays apart, abstain is reported as cast.
    assert (result.yes, result.no, result.abstain, result.block) == (6, 3, 3, 0)
    assert result.participation == F(12, 15) == F(4, 5)
    # Cross-group measures come from unweighted counts (A, D, P):
    # gov (2, 1, 1), ent (1, 1, 0), civ (1, 0, 2)
    # min_agreement = min(2/3, 1/2, 1/1) = 1/2 — the weighted r_g would have given 1/3
    # group_informed_consensus = (3/6)·(2/4)·(2/5) = 1/10
    assert result.min_agreement == F(1, 2)
    assert result.group_informed_consensus == F(1, 10)


def test_tally_json_has_exactly_the_documented_shape():
    result = tally("members", MAJORITY, GROUPS, BALLOTS)
    assert result.to_json() == {
        "scheme": "members",
        "rule": {
            "kind": "majority",
            "threshold": None,
            "group_threshold": None,
            "abstain": "ignored",
            "chamber_thresholds": {},
            "quorum": None,
            "min_groups": None,
        },
        "yes": 6,
        "no": 3,
        "abstain": 3,
        "block": 0,
        "support": "2/3",
        "support_float": 2 / 3,
        "threshold": None,
        "participation": "4/5",
        "outcome": "adopted",
        "groups": [
            {
                "key": "gov",
                "share": 2,
                "ballots": 4,
                "yes": 3,
                "no": 1,
                "abstain": 1,
                "block": 0,
                "agreement": "3/4",
                "participation": "5/6",
            },
            {
                "key": "ent",
                "share": 1,
                "ballots": 2,
                "yes": 1,
                "no": 2,
                "abstain": 0,
                "block": 0,
                "agreement": "1/3",
                "participation": "3/4",
            },
            {
                "key": "civ",
                "share": 1,
                "ballots": 3,
                "yes": 2,
                "no": 0,
                "abstain": 2,
                "block": 0,
                "agreement": "1",
                "participation": "4/5",
            },
        ],
        "min_agreement": "1/2",
        "group_informed_consensus": "1/10",
    }


def test_tally_json_reports_the_rule_threshold_and_survives_json():
    rule = Rule("supermajority", threshold="3/4")
    payload = tally("groups", rule, GROUPS, BALLOTS).to_json()
    assert payload["threshold"] == "3/4"
    assert payload["support"] == "17/24"
    assert payload["support_float"] == pytest.approx(17 / 24)
    assert payload["outcome"] == "rejected"  # 17/24 < 18/24
    assert json.loads(json.dumps(payload)) == payload


def test_groups_keep_the_order_given_not_the_ballot_order():
    result = tally("members", MAJORITY, GROUPS, list(reversed(BALLOTS)))
    assert [g.key for g in result.groups] == ["gov", "ent", "civ"]


def test_a_group_of_fifty_and_a_group_of_three_weigh_by_their_shares():
    groups = [GroupInfo("many", 1, 50), GroupInfo("few", 1, 3)]
    ballots = [("many", 1, "yes")] * 50 + [("few", 1, "no")] * 3
    # members: 50 / 53; groups: (1·1 + 1·0) / 2 = 1/2
    assert tally("members", MAJORITY, groups, ballots).support == F(50, 53)
    assert tally("groups", MAJORITY, groups, ballots).support == F(1, 2)


# --- Block -----------------------------------------------------------------------------------


def test_block_is_only_a_legal_choice_under_consensus():
    assert legal_choices(Rule("consensus", threshold=1)) == ("yes", "no", "abstain", "block")
    for rule in (
        MAJORITY,
        Rule("supermajority", threshold="2/3"),
        Rule("double_majority", threshold="1/2", group_threshold="1/2"),
    ):
        assert legal_choices(rule) == ("yes", "no", "abstain")


def test_a_block_under_another_rule_is_refused_not_counted():
    with pytest.raises(ValueError, match="block"):
        tally("members", MAJORITY, single_group(2), [("all", 1, "yes"), ("all", 1, "block")])


def test_block_counts_as_no_in_support_and_r_g_but_is_reported_apart():
    rule = Rule("consensus", threshold="1/2")
    groups = [GroupInfo("gov", 1, 5), GroupInfo("civ", 3, 5)]
    ballots = [("gov", 3, "yes"), ("gov", 2, "block"), ("civ", 1, "yes"), ("civ", 1, "no")]
    result = tally("groups", rule, groups, ballots)
    # r_gov = 3/(3+2) = 3/5, r_civ = 1/2 → (1·3/5 + 3·1/2)/4 = (6/10 + 15/10)/4 = 21/40
    assert [g.agreement for g in result.groups] == [F(3, 5), F(1, 2)]
    assert result.support == F(21, 40)
    assert (result.no, result.block) == (1, 2)
    assert result.outcome == "blocked"
    assert result.unmet == ("block",)


def test_cross_group_measures_count_a_block_as_disagreement_and_ignore_weights():
    rule = Rule("consensus", threshold="1/2")
    groups = [GroupInfo("gov", 1, 20), GroupInfo("civ", 1, 3)]
    ballots = [("gov", 9, "yes"), ("gov", 1, "block"), ("civ", 1, "yes"), ("civ", 1, "no")]
    result = tally("members", rule, groups, ballots)
    # counts (A, D, P): gov (1, 1, 0) — the weight-9 yes is one person, the block disagrees;
    # civ (1, 1, 0). min_agreement = min(1/2, 1/2) = 1/2; GIC = (2/4)·(2/4) = 1/4
    assert result.min_agreement == F(1, 2)
    assert result.group_informed_consensus == F(1, 4)


def test_a_block_blocks_even_when_support_fails_too():
    rule = Rule("consensus", threshold="9/10")
    result = tally("members", rule, single_group(5), [("all", 1, "yes"), ("all", 4, "block")])
    assert result.outcome == "blocked"
    assert result.unmet == ("block", "support")


def test_consensus_without_block_is_adopted_at_threshold():
    rule = Rule("consensus", threshold="3/4")
    ballots = [("all", 3, "yes"), ("all", 1, "no"), ("all", 2, "abstain")]
    assert tally("members", rule, single_group(6), ballots).outcome == "adopted"  # 3/4 ≥ 3/4


# --- Abstentions -----------------------------------------------------------------------------


def test_only_abstentions_reject_with_support_zero_and_no_agreement():
    result = tally("groups", MAJORITY, GROUPS, [("gov", 2, "abstain"), ("civ", 1, "abstain")])
    assert result.support == 0
    assert result.outcome == "rejected"
    assert result.unmet == ("support",)
    assert [g.agreement for g in result.groups] == [None, None, None]
    assert result.to_json()["support"] == "0"
    assert [g["agreement"] for g in result.to_json()["groups"]] == [None, None, None]
    # counts: gov (0,0,1), ent (0,0,0), civ (0,0,1): only passes → min_agreement 0;
    # GIC = (1/3)·(1/2)·(1/3) = 1/18
    assert result.min_agreement == 0
    assert result.group_informed_consensus == F(1, 18)


def test_abstain_no_counts_a_group_that_only_abstained_with_agreement_zero():
    rule = Rule("majority", abstain="no")
    groups = [GroupInfo("gov", 1, 1), GroupInfo("civ", 1, 5)]
    ballots = [("gov", 1, "yes"), ("civ", 5, "abstain")]
    # ignored: civ is left out → support = 1·1/1 = 1
    assert tally("groups", MAJORITY, groups, ballots).support == 1
    # no: r_civ = 0/(0+5) = 0 and counts → (1·1 + 1·0)/2 = 1/2, not > 1/2
    result = tally("groups", rule, groups, ballots)
    assert [g.agreement for g in result.groups] == [F(1), F(0)]
    assert result.support == F(1, 2)
    assert result.outcome == "rejected"
    # members: 1 / (1 + 5) = 1/6
    assert tally("members", rule, groups, ballots).support == F(1, 6)


def test_abstain_no_turns_the_eu_council_abstention_into_a_no():
    ballots = [("all", 5, "yes"), ("all", 3, "no"), ("all", 2, "abstain")]
    # ignored: 5/8 ≥ 3/5; no: 5/10 = 1/2 < 3/5
    ignored = Rule("supermajority", threshold="3/5")
    counted = Rule("supermajority", threshold="3/5", abstain="no")
    assert tally("members", ignored, single_group(10), ballots).outcome == "adopted"
    assert tally("members", counted, single_group(10), ballots).outcome == "rejected"


# --- No ballots, no groups -------------------------------------------------------------------


def test_no_ballots_is_rejected_without_dividing_by_zero():
    result = tally("groups", MAJORITY, GROUPS, [])
    assert result.support == 0
    assert result.participation == 0
    assert result.outcome == "rejected"
    assert all(g.agreement is None and g.participation == 0 for g in result.groups)
    # No group responded: min_agreement 0; GIC = (1/2)³ = 1/8
    assert result.min_agreement == 0
    assert result.group_informed_consensus == F(1, 8)


def test_no_ballots_with_a_quorum_is_no_quorum():
    rule = Rule("majority", quorum="1/10")
    assert tally("members", rule, GROUPS, []).outcome == "no_quorum"


def test_a_deliberation_without_groups_tallies_to_rejected():
    result = tally("groups", MAJORITY, [], [])
    assert result.outcome == "rejected"
    assert result.participation == 0
    assert result.groups == ()
    assert result.min_agreement == 0
    assert result.group_informed_consensus == 0


def test_a_group_without_eligible_delegates_has_participation_zero():
    groups = [GroupInfo("gov", 1, 2), GroupInfo("empty", 1, 0)]
    result = tally("members", MAJORITY, groups, [("gov", 2, "yes")])
    assert [g.participation for g in result.groups] == [F(1), F(0)]
    assert result.participation == 1
    assert result.outcome == "adopted"


# --- Chamber thresholds (ILO art. 1(4) style) ------------------------------------------------


@pytest.mark.parametrize(
    ("chamber", "abstain", "outcome"),
    [
        ("3/4", "ignored", "adopted"),  # r_gov = 3/4 ≥ 3/4
        ("4/5", "ignored", "rejected"),  # 3/4 < 4/5
        ("3/5", "no", "adopted"),  # r_gov = 3/5 ≥ 3/5; members support 1/2 ≥ 1/2
        ("2/3", "no", "rejected"),  # 3/5 < 2/3
    ],
)
def test_a_chamber_threshold_holds_one_group_to_its_own_bar(chamber, abstain, outcome):
    rule = Rule(
        "supermajority",
        threshold="1/2",
        abstain=abstain,
        chamber_thresholds={"gov": chamber},
    )
    result = tally("members", rule, GROUPS, BALLOTS)
    assert result.outcome == outcome
    assert result.unmet == (() if outcome == "adopted" else ("chamber:gov",))


def test_ilo_two_thirds_overall_and_two_thirds_of_governments():
    rule = Rule("supermajority", threshold="2/3", chamber_thresholds={"gov": "2/3"})
    groups = [GroupInfo("gov", 2, 4), GroupInfo("emp", 1, 2), GroupInfo("wrk", 1, 2)]
    ballots = [("gov", 1, "yes"), ("gov", 1, "yes"), ("gov", 1, "no"), ("gov", 1, "no")]
    ballots += [("emp", 1, "yes")] * 2 + [("wrk", 1, "yes")] * 2
    # members: 6/8 = 3/4 ≥ 2/3, but r_gov = 2/4 = 1/2 < 2/3
    result = tally("members", rule, groups, ballots)
    assert result.support == F(3, 4)
    assert result.outcome == "rejected"
    assert result.unmet == ("chamber:gov",)


def test_a_chamber_group_that_cast_no_yes_or_no_fails_its_requirement():
    # Design choice: a safeguard that cannot be checked is not met.
    rule = Rule("majority", chamber_thresholds={"civ": "1/2"})
    groups = [GroupInfo("gov", 1, 3), GroupInfo("civ", 1, 3)]
    silent = tally("members", rule, groups, [("gov", 3, "yes")])
    only_abstained = tally("members", rule, groups, [("gov", 3, "yes"), ("civ", 1, "abstain")])
    for result in (silent, only_abstained):
        assert result.support == 1
        assert result.outcome == "rejected"
        assert result.unmet == ("chamber:civ",)


def test_a_chamber_group_missing_from_the_deliberation_fails_its_requirement():
    rule = Rule("majority", chamber_thresholds={"nobody": "1/2"})
    result = tally("members", rule, single_group(1), [("all", 1, "yes")])
    assert result.outcome == "rejected"
    assert result.unmet == ("chamber:nobody",)


def test_check_groups_refuses_unknown_chambers_and_unreachable_min_groups():
    Rule("majority", chamber_thresholds={"gov": "1/2"}, min_groups=3).check_groups(
        ["gov", "ent", "civ"]
    )
    with pytest.raises(RuleError) as error:
        Rule("majority", chamber_thresholds={"gvo": "1/2"}).check_groups(["gov"])
    assert error.value.field == "chamber_thresholds"
    with pytest.raises(RuleError) as error:
        Rule("majority", min_groups=2).check_groups(["gov"])
    assert error.value.field == "min_groups"


# --- Quorum and min_groups -------------------------------------------------------------------


def test_quorum_exactly_at_threshold_is_met():
    # cast 12 of 15 eligible = 4/5 ≥ 4/5
    result = tally("members", Rule("majority", quorum="4/5"), GROUPS, BALLOTS)
    assert result.outcome == "adopted"


def test_quorum_one_weight_short_is_no_quorum():
    # 12/15 < 13/15
    result = tally("members", Rule("majority", quorum="13/15"), GROUPS, BALLOTS)
    assert result.outcome == "no_quorum"
    assert result.unmet == ("quorum",)


def test_abstentions_count_towards_quorum():
    rule = Rule("majority", quorum="1/2")
    ballots = [("all", 1, "yes"), ("all", 4, "abstain")]  # 5/10 ≥ 1/2
    assert tally("members", rule, single_group(10), ballots).outcome == "adopted"
    assert tally("members", rule, single_group(11), ballots).outcome == "no_quorum"


def test_min_groups_counts_groups_with_any_ballot_even_abstentions():
    groups = [*GROUPS, GroupInfo("res", 1, 2)]  # res casts nothing
    # gov, ent and civ cast ballots (civ partly abstentions) → 3 groups
    assert tally("members", Rule("majority", min_groups=3), groups, BALLOTS).outcome == "adopted"
    four = tally("members", Rule("majority", min_groups=4), groups, BALLOTS)
    assert four.outcome == "no_quorum"
    assert four.unmet == ("min_groups",)
    only_abstention = [("gov", 1, "yes"), ("civ", 1, "abstain")]
    assert (
        tally("members", Rule("majority", min_groups=2), groups, only_abstention).outcome
        == "adopted"
    )


def test_no_quorum_takes_precedence_over_blocked():
    rule = Rule("consensus", threshold="1/2", quorum="1/2", min_groups=2)
    result = tally("members", rule, GROUPS, [("gov", 1, "block")])
    assert result.outcome == "no_quorum"
    assert result.unmet == ("quorum", "min_groups", "block", "support")


def test_double_majority_counts_only_groups_that_voted_yes_or_no():
    rule = Rule("double_majority", threshold="1/2", group_threshold="1")
    groups = [*GROUPS, GroupInfo("res", 5, 2)]
    # res is silent: counted groups are gov and civ, both with r_g = 1 → 2/2 ≥ 1
    result = tally("groups", rule, groups, [("gov", 1, "yes"), ("civ", 1, "yes")])
    assert result.groups_in_favour == 1
    assert result.outcome == "adopted"


# --- Input errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "ballots", "message"),
    [
        (GROUPS, [("nobody", 1, "yes")], "not a group"),
        (GROUPS, [("gov", 1, "maybe")], "legal choice"),
        (GROUPS, [("gov", 0, "yes")], "positive"),
        (GROUPS, [("gov", 7, "yes")], "eligible"),
        ([GroupInfo("gov", 1, 1), GroupInfo("gov", 1, 1)], [], "twice"),
    ],
)
def test_inconsistent_input_is_refused(groups, ballots, message):
    with pytest.raises(ValueError, match=message):
        tally("members", MAJORITY, groups, ballots)


def test_an_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="scheme"):
        tally("heads", MAJORITY, GROUPS, [])


@pytest.mark.parametrize("weight", [1.5, "1", True, None])
def test_a_ballot_weight_must_be_a_whole_number(weight):
    with pytest.raises(TypeError):
        tally("members", MAJORITY, GROUPS, [("gov", weight, "yes")])


@pytest.mark.parametrize(("share", "eligible"), [(0, 1), (-1, 1), (1, -1), (1.0, 1), (True, 1)])
def test_group_info_refuses_impossible_shares_and_weights(share, eligible):
    with pytest.raises((ValueError, TypeError)):
        GroupInfo("gov", share, eligible)


@pytest.mark.parametrize(
    ("ballots", "weight"),
    [(0, 3), (2, 1), (-1, -1)],
)
def test_sums_that_cannot_come_from_positive_weights_are_refused(ballots, weight):
    with pytest.raises(ValueError, match="cannot weigh"):
        tally_from_sums("members", MAJORITY, GROUPS, [ChoiceSum("gov", "yes", ballots, weight)])


def test_sums_accept_whole_decimals_as_postgresql_returns_them():
    rows = [("gov", "yes", 2, Decimal("3")), ("gov", "no", 1, Decimal("1"))]
    assert tally_from_sums("members", MAJORITY, GROUPS, rows).support == F(3, 4)
    with pytest.raises(TypeError):
        tally_from_sums("members", MAJORITY, GROUPS, [("gov", "yes", 1, Decimal("1.5"))])


def test_split_rows_for_one_group_and_choice_are_added_up():
    rows = [ChoiceSum("gov", "yes", 1, 2), ChoiceSum("gov", "yes", 1, 1), ("gov", "no", 1, 1)]
    result = tally_from_sums("members", MAJORITY, GROUPS, rows)
    assert (result.groups[0].yes_ballots, result.groups[0].yes) == (2, 3)


# --- Rule JSON -------------------------------------------------------------------------------


def test_rule_from_the_design_example():
    rule = Rule.from_json(
        {
            "kind": "supermajority",
            "threshold": "3/4",
            "abstain": "ignored",
            "chamber_thresholds": {"governments": "3/4"},
            "quorum": "1/2",
            "min_groups": 2,
        }
    )
    assert rule == Rule(
        "supermajority",
        threshold=F(3, 4),
        chamber_thresholds={"governments": F(3, 4)},
        quorum=F(1, 2),
        min_groups=2,
    )
    assert rule.to_json() == {
        "kind": "supermajority",
        "threshold": "3/4",
        "group_threshold": None,
        "abstain": "ignored",
        "chamber_thresholds": {"governments": "3/4"},
        "quorum": "1/2",
        "min_groups": 2,
    }


def test_rule_defaults_and_nulls():
    assert Rule.from_json({"kind": "majority"}) == Rule("majority")
    nulls = dict.fromkeys(("threshold", "group_threshold", "abstain", "quorum", "min_groups"))
    assert Rule.from_json({"kind": "majority", **nulls, "chamber_thresholds": None}) == MAJORITY
    assert MAJORITY.abstain == "ignored"
    assert dict(MAJORITY.chamber_thresholds) == {}


@pytest.mark.parametrize(
    "threshold", ["3/4", " 3/4 ", "0.75", "6/8", 0.75, F(3, 4), Decimal("0.75")]
)
def test_thresholds_are_read_exactly(threshold):
    rule = Rule.from_json({"kind": "supermajority", "threshold": threshold})
    assert rule.threshold == F(3, 4)
    assert rule.to_json()["threshold"] == "3/4"


def test_a_json_float_means_its_decimal_not_its_binary_neighbour():
    assert Rule.from_json({"kind": "consensus", "threshold": 0.7}).threshold == F(7, 10)


def test_an_integer_threshold_of_one_is_unanimity():
    assert Rule.from_json({"kind": "consensus", "threshold": 1}).to_json()["threshold"] == "1"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (["majority"], "rule"),
        ({}, "kind"),
        ({"kind": "plurality"}, "kind"),
        ({"kind": "majority", "treshold": "2/3"}, "treshold"),
        ({"kind": "majority", "threshold": "2/3"}, "threshold"),
        ({"kind": "supermajority"}, "threshold"),
        ({"kind": "consensus"}, "threshold"),
        ({"kind": "double_majority", "group_threshold": "1/2"}, "threshold"),
        ({"kind": "supermajority", "threshold": "0"}, "threshold"),
        ({"kind": "supermajority", "threshold": "3/2"}, "threshold"),
        ({"kind": "supermajority", "threshold": "-1/2"}, "threshold"),
        ({"kind": "supermajority", "threshold": "two thirds"}, "threshold"),
        ({"kind": "supermajority", "threshold": "1/0"}, "threshold"),
        ({"kind": "supermajority", "threshold": ""}, "threshold"),
        ({"kind": "supermajority", "threshold": True}, "threshold"),
        ({"kind": "supermajority", "threshold": [2, 3]}, "threshold"),
        ({"kind": "supermajority", "threshold": float("nan")}, "threshold"),
        ({"kind": "supermajority", "threshold": float("inf")}, "threshold"),
        ({"kind": "double_majority", "threshold": "1/2"}, "group_threshold"),
        (
            {"kind": "double_majority", "threshold": "1/2", "group_threshold": "5/4"},
            "group_threshold",
        ),
        (
            {"kind": "supermajority", "threshold": "2/3", "group_threshold": "1/2"},
            "group_threshold",
        ),
        ({"kind": "majority", "abstain": "yes"}, "abstain"),
        ({"kind": "majority", "chamber_thresholds": ["gov"]}, "chamber_thresholds"),
        ({"kind": "majority", "chamber_thresholds": {"gov": "0"}}, "chamber_thresholds"),
        ({"kind": "majority", "chamber_thresholds": {"gov": "x"}}, "chamber_thresholds"),
        ({"kind": "majority", "chamber_thresholds": {"": "1/2"}}, "chamber_thresholds"),
        ({"kind": "majority", "quorum": "0"}, "quorum"),
        ({"kind": "majority", "quorum": "2"}, "quorum"),
        ({"kind": "majority", "min_groups": 0}, "min_groups"),
        ({"kind": "majority", "min_groups": "2"}, "min_groups"),
        ({"kind": "majority", "min_groups": 1.5}, "min_groups"),
        ({"kind": "majority", "min_groups": True}, "min_groups"),
    ],
)
def test_invalid_rule_json_raises_a_rule_error_naming_the_field(data, field):
    with pytest.raises(RuleError) as error:
        Rule.from_json(data)
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")


def test_rule_error_is_a_value_error_with_a_code():
    error = RuleError("threshold", "is required")
    assert isinstance(error, ValueError)
    assert (error.code, error.field, error.message) == ("invalid_rule", "threshold", "is required")


def test_a_rule_is_immutable_and_hashable():
    chambers = {"gov": "2/3"}
    rule = Rule("majority", chamber_thresholds=chambers)
    chambers["gov"] = "1/10"  # the caller's dict is copied, not shared
    assert rule.chamber_thresholds["gov"] == F(2, 3)
    with pytest.raises(TypeError):
        rule.chamber_thresholds["gov"] = F(1, 10)  # type: ignore[index]
    assert hash(rule) == hash(Rule("majority", chamber_thresholds={"gov": F(2, 3)}))
    assert len({rule, Rule("majority", chamber_thresholds={"gov": "2/3"})}) == 1


# --- Properties ------------------------------------------------------------------------------

KEYS = ("gov", "ent", "res", "civ", "cit")
proportions = st.integers(1, 12).flatmap(lambda d: st.integers(1, d).map(lambda n: F(n, d)))


@st.composite
def rules(draw, kinds=RULE_KINDS):
    kind = draw(st.sampled_from(kinds))
    return Rule(
        kind=kind,
        threshold=None if kind == "majority" else draw(proportions),
        group_threshold=draw(proportions) if kind == "double_majority" else None,
        abstain=draw(st.sampled_from(ABSTAIN_OPTIONS)),
        chamber_thresholds=draw(st.dictionaries(st.sampled_from(KEYS), proportions, max_size=2)),
        quorum=draw(st.none() | proportions),
        min_groups=draw(st.none() | st.integers(1, 5)),
    )


@st.composite
def motions(draw, kinds=RULE_KINDS, schemes=SCHEMES):
    """A scheme, a rule and an electorate whose ballots the rule allows."""
    scheme = draw(st.sampled_from(schemes))
    rule = draw(rules(kinds))
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=5, unique=True))
    ballots = draw(
        st.lists(
            st.builds(
                WeightedBallot,
                st.sampled_from(keys),
                st.integers(1, 6),
                st.sampled_from(legal_choices(rule)),
            ),
            max_size=25,
        )
    )
    groups = []
    for key in keys:
        cast = sum(ballot.weight for ballot in ballots if ballot.group_key == key)
        groups.append(GroupInfo(key, draw(st.integers(1, 5)), cast + draw(st.integers(0, 8))))
    return scheme, rule, groups, ballots


@given(motions(), st.randoms())
def test_ballot_order_never_matters(motion, random):
    scheme, rule, groups, ballots = motion
    shuffled = list(ballots)
    random.shuffle(shuffled)
    assert tally(scheme, rule, groups, shuffled) == tally(scheme, rule, groups, ballots)


@given(motions(), st.data())
def test_turning_a_no_into_a_yes_never_lowers_support_nor_undoes_adoption(motion, data):
    scheme, rule, groups, ballots = motion
    noes = [i for i, ballot in enumerate(ballots) if ballot.choice == "no"]
    assume(noes)
    index = data.draw(st.sampled_from(noes))
    changed = list(ballots)
    changed[index] = changed[index]._replace(choice="yes")
    before = tally(scheme, rule, groups, ballots)
    after = tally(scheme, rule, groups, changed)
    assert after.support >= before.support
    if before.outcome == "adopted":
        assert after.outcome == "adopted"


@given(motions(schemes=("groups",)), st.data(), st.integers(2, 7))
def test_scaling_the_weights_of_one_group_leaves_groups_support_unchanged(motion, data, k):
    scheme, rule, groups, ballots = motion
    key = data.draw(st.sampled_from([group.key for group in groups]))
    scaled_groups = [
        GroupInfo(g.key, g.share, g.eligible_weight * k) if g.key == key else g for g in groups
    ]
    scaled_ballots = [b._replace(weight=b.weight * k) if b.group_key == key else b for b in ballots]
    before = tally(scheme, rule, groups, ballots)
    after = tally(scheme, rule, scaled_groups, scaled_ballots)
    assert after.support == before.support
    assert [g.agreement for g in after.groups] == [g.agreement for g in before.groups]


@given(motions(kinds=("consensus",)))
def test_a_block_always_blocks_a_consensus_unless_there_is_no_quorum(motion):
    scheme, rule, groups, ballots = motion
    assume(any(ballot.choice == "block" for ballot in ballots))
    result = tally(scheme, rule, groups, ballots)
    lacks_quorum = "quorum" in result.unmet or "min_groups" in result.unmet
    assert result.outcome == ("no_quorum" if lacks_quorum else "blocked")


@given(motions())
def test_every_ratio_lies_in_zero_one(motion):
    result = tally(*motion)
    assert 0 <= result.support <= 1
    assert 0 <= result.participation <= 1
    assert 0 <= result.groups_in_favour <= 1
    assert 0 <= result.min_agreement <= 1
    assert 0 < result.group_informed_consensus < 1
    for group in result.groups:
        assert group.agreement is None or 0 <= group.agreement <= 1
        assert 0 <= group.participation <= 1


@given(motions())
def test_the_outcome_follows_from_the_unmet_requirements(motion):
    result = tally(*motion)
    assert result.outcome in ("adopted", "rejected", "blocked", "no_quorum")
    assert (result.outcome == "adopted") == (not result.unmet)
    assert (result.outcome == "no_quorum") == bool({"quorum", "min_groups"} & set(result.unmet))


@given(motions(), st.randoms())
def test_tally_equals_tally_from_sums_of_the_aggregated_sums(motion, random):
    scheme, rule, groups, ballots = motion
    counts, weights = Counter(), Counter()
    for group_key, weight, choice in ballots:
        counts[group_key, choice] += 1
        weights[group_key, choice] += weight
    rows = [
        ChoiceSum(key, choice, counts[key, choice], weights[key, choice]) for key, choice in counts
    ]
    random.shuffle(rows)
    assert tally_from_sums(scheme, rule, groups, rows) == tally(scheme, rule, groups, ballots)


@given(motions())
def test_weights_and_counts_add_up(motion):
    scheme, rule, groups, ballots = motion
    result = tally(scheme, rule, groups, ballots)
    weight = Counter()
    for ballot in ballots:
        weight[ballot.choice] += ballot.weight
    assert (result.yes, result.no, result.abstain, result.block) == tuple(
        weight[choice] for choice in CHOICES
    )
    assert result.ballots == len(ballots)
    assert result.participation == (
        F(sum(weight.values()), result.eligible_weight) if result.eligible_weight else 0
    )


@given(motions())
def test_tally_json_is_plain_json_and_its_exact_values_read_back(motion):
    result = tally(*motion)
    payload = json.loads(json.dumps(result.to_json()))
    assert F(payload["support"]) == result.support
    assert payload["support_float"] == float(result.support)
    assert F(payload["group_informed_consensus"]) == result.group_informed_consensus
    assert Rule.from_json(payload["rule"]) == result.rule


@given(rules())
def test_rule_json_round_trips(rule):
    assert Rule.from_json(rule.to_json()) == rule
    assert Rule.from_json(json.loads(json.dumps(rule.to_json()))) == rule


# --- running sums --------------------------------------------------------------------------


@given(
    st.lists(st.tuples(st.integers(0, 4), st.sampled_from(CHOICES)), max_size=60),
)
def test_running_sums_moved_by_every_cast_equal_a_recount(casts):
    sums = {choice: [0, 0] for choice in CHOICES}
    ballots: dict[int, tuple[str, int]] = {}
    for voter, choice in casts:
        before = ballots.get(voter)
        after = (choice, (before[1] if before else 0) + 1)
        changes = sum_changes(before, after)
        assert list(changes) == [c for c in CHOICES if c in changes]
        for changed, (count, casts_added) in changes.items():
            sums[changed][0] += count
            sums[changed][1] += casts_added
        ballots[voter] = after
    recount = {choice: [0, 0] for choice in CHOICES}
    for choice, sequence in ballots.values():
        recount[choice][0] += 1
        recount[choice][1] += sequence
    assert sums == recount


def test_a_first_cast_adds_one_ballot_and_a_change_moves_it():
    assert sum_changes(None, ("yes", 1)) == {"yes": (1, 1)}
    assert sum_changes(("yes", 1), ("no", 2)) == {"yes": (-1, -1), "no": (1, 2)}
    assert sum_changes(("no", 2), ("no", 3)) == {"no": (0, 1)}
