"""Tallies through the HTTP API equal hand-computed exact values (DESIGN §3, §4, §6).

Every result here went through the real path: moderators create and open motions, delegates
cast ballots with PUT, the motion closes, and the frozen result is read back.
"""

import random
from fractions import Fraction as F

import pytest
from test_voting_world import build_electorate, cast, close, open_motion, run_vote

from commonground.voting.rules import GroupInfo, Rule, tally

TALLY_KEYS = {
    "scheme",
    "rule",
    "yes",
    "no",
    "abstain",
    "block",
    "support",
    "participation",
    "outcome",
    "groups",
    "min_agreement",
    "group_informed_consensus",
}
GROUP_KEYS = {
    "key",
    "share",
    "ballots",
    "yes",
    "no",
    "abstain",
    "block",
    "agreement",
    "participation",
}


# --- DESIGN §3 public vectors, end to end ---------------------------------------------------


def test_vector_1_members_abstentions_ignored(client):
    electorate = build_electorate("members", {"all": 1}, [("all", 3), ("all", 1), ("all", 5)])
    result = run_vote(client, electorate, {"kind": "majority"}, ["yes", "no", "abstain"])
    assert result["support"] == "3/4"
    assert result["outcome"] == "adopted"
    assert (result["yes"], result["no"], result["abstain"], result["block"]) == (3, 1, 5, 0)


def test_vector_2_groups_weigh_by_share_not_head_count(client):
    electorate = build_electorate(
        "groups",
        {"gov": 2, "emp": 1, "wrk": 1},
        [("gov", 1), ("gov", 1), ("emp", 1), ("emp", 1), ("wrk", 1), ("wrk", 1), ("wrk", 1)],
    )
    choices = ["yes", "no", "no", "no", "yes", "yes", "yes"]
    majority = run_vote(client, electorate, {"kind": "majority"}, choices)
    assert majority["support"] == "1/2"
    assert [g["agreement"] for g in majority["groups"]] == ["1/2", "0", "1"]
    assert majority["outcome"] == "rejected"
    supermajority = run_vote(
        client, electorate, {"kind": "supermajority", "threshold": "1/2"}, choices
    )
    assert supermajority["support"] == "1/2"
    assert supermajority["outcome"] == "adopted"


def test_vector_3_a_block_blocks_consensus(client):
    electorate = build_electorate("members", {"all": 1}, [("all", 1)] * 10)
    result = run_vote(
        client,
        electorate,
        {"kind": "consensus", "threshold": "3/5"},
        ["yes"] * 9 + ["block"],
    )
    assert result["support"] == "9/10"
    assert result["outcome"] == "blocked"
    assert result["block"] == 1 and result["no"] == 0


# --- one electorate, every scheme x rule x option -------------------------------------------
#
# gov (share 2): weights 2 yes, 1 yes, 1 no, 1 abstain, 1 silent   → eligible 6, cast 5
# ent (share 1): weights 1 yes, 1 no, 1 no, 1 silent                → eligible 4, cast 3
# civ (share 1): weights 2 yes, 1 abstain, 1 abstain, 1 silent      → eligible 5, cast 4
# yes 6, no 3, abstain 3 of 15 → participation 4/5.
# members: Y/(Y+N) = 6/9 = 2/3; abstain "no": 6/12 = 1/2.
# groups: r = 3/4, 1/3, 1 → (2·3/4 + 1/3 + 1)/4 = 17/24;
#         abstain "no": r = 3/5, 1/3, 1/2 → (6/5 + 1/3 + 1/2)/4 = 61/120.

DELEGATES = [
    ("gov", 2, "yes"),
    ("gov", 1, "yes"),
    ("gov", 1, "no"),
    ("gov", 1, "abstain"),
    ("gov", 1, None),
    ("ent", 1, "yes"),
    ("ent", 1, "no"),
    ("ent", 1, "no"),
    ("ent", 1, None),
    ("civ", 2, "yes"),
    ("civ", 1, "abstain"),
    ("civ", 1, "abstain"),
    ("civ", 1, None),
]
SHARES = {"gov": 2, "ent": 1, "civ": 1}
CHOICES = [choice for _, _, choice in DELEGATES]

CASES = [
    # (scheme, rule, support, outcome, unmet)
    ("members", {"kind": "majority"}, "2/3", "adopted", []),
    ("members", {"kind": "majority", "abstain": "no"}, "1/2", "rejected", ["support"]),
    ("groups", {"kind": "majority"}, "17/24", "adopted", []),
    ("groups", {"kind": "majority", "abstain": "no"}, "61/120", "adopted", []),
    ("members", {"kind": "supermajority", "threshold": "2/3"}, "2/3", "adopted", []),
    ("members", {"kind": "supermajority", "threshold": "3/4"}, "2/3", "rejected", ["support"]),
    ("groups", {"kind": "supermajority", "threshold": "2/3"}, "17/24", "adopted", []),
    ("groups", {"kind": "supermajority", "threshold": "0.75"}, "17/24", "rejected", ["support"]),
    (
        "groups",
        {"kind": "supermajority", "threshold": "2/3", "abstain": "no"},
        "61/120",
        "rejected",
        ["support"],
    ),
    ("members", {"kind": "consensus", "threshold": "3/5"}, "2/3", "adopted", []),
    ("groups", {"kind": "consensus", "threshold": "3/4"}, "17/24", "rejected", ["support"]),
    (
        "groups",
        {"kind": "double_majority", "threshold": "1/2", "group_threshold": "2/3"},
        "17/24",
        "adopted",
        [],
    ),
    (
        # civ's r falls to 1/2, not > 1/2: only gov of three groups is in favour.
        "groups",
        {
            "kind": "double_majority",
            "threshold": "1/2",
            "group_threshold": "2/3",
            "abstain": "no",
        },
        "61/120",
        "rejected",
        ["group_threshold"],
    ),
    (
        "members",
        {"kind": "double_majority", "threshold": "2/3", "group_threshold": "2/3"},
        "2/3",
        "adopted",
        [],
    ),
    ("groups", {"kind": "majority", "chamber_thresholds": {"gov": "3/4"}}, "17/24", "adopted", []),
    (
        "groups",
        {"kind": "majority", "chamber_thresholds": {"gov": "3/4", "ent": "1/2"}},
        "17/24",
        "rejected",
        ["chamber:ent"],
    ),
    (
        # ILO art. 1(4): two thirds overall and two thirds of the government delegates.
        "members",
        {"kind": "supermajority", "threshold": "2/3", "chamber_thresholds": {"gov": "2/3"}},
        "2/3",
        "adopted",
        [],
    ),
    ("members", {"kind": "majority", "quorum": "4/5"}, "2/3", "adopted", []),
    ("members", {"kind": "majority", "quorum": "5/6"}, "2/3", "no_quorum", ["quorum"]),
    ("groups", {"kind": "majority", "min_groups": 3}, "17/24", "adopted", []),
    (
        "groups",
        {"kind": "supermajority", "threshold": "3/4", "quorum": "9/10"},
        "17/24",
        "no_quorum",
        ["quorum", "support"],
    ),
]


@pytest.fixture
def electorates(client):
    """The electorate above, once per scheme."""
    delegates = [(key, weight) for key, weight, _ in DELEGATES]
    return {scheme: build_electorate(scheme, SHARES, delegates) for scheme in ("members", "groups")}


def test_every_scheme_rule_and_option_gives_the_hand_computed_result(client, electorates):
    for scheme, rule, support, outcome, unmet in CASES:
        result = run_vote(client, electorates[scheme], rule, CHOICES)
        label = f"{scheme} {rule}"
        assert result["scheme"] == scheme, label
        assert result["support"] == support, label
        assert result["support_float"] == pytest.approx(float(F(support))), label
        assert result["outcome"] == outcome, label
        assert result["unmet"] == unmet, label
        assert (result["yes"], result["no"], result["abstain"], result["block"]) == (6, 3, 3, 0)
        assert result["participation"] == "4/5", label


def test_the_tally_reports_every_group_and_the_cross_group_measures(client, electorates):
    result = run_vote(client, electorates["groups"], {"kind": "majority"}, CHOICES)
    assert result.keys() >= TALLY_KEYS
    assert all(group.keys() >= GROUP_KEYS for group in result["groups"])
    by_key = {group["key"]: group for group in result["groups"]}
    assert [group["key"] for group in result["groups"]] == ["gov", "ent", "civ"]
    assert {k: by_key["gov"][k] for k in GROUP_KEYS} == {
        "key": "gov",
        "share": 2,
        "ballots": 4,
        "yes": 3,
        "no": 1,
        "abstain": 1,
        "block": 0,
        "agreement": "3/4",
        "participation": "5/6",
    }
    assert (by_key["ent"]["ballots"], by_key["ent"]["agreement"]) == (3, "1/3")
    assert by_key["ent"]["participation"] == "3/4"
    assert (by_key["civ"]["ballots"], by_key["civ"]["agreement"]) == (3, "1")
    assert (by_key["civ"]["yes"], by_key["civ"]["abstain"]) == (2, 2)
    # DESIGN §4 over ballot counts: gov A2 D1 P1, ent A1 D2, civ A1 P2.
    assert result["min_agreement"] == "1/3"
    # (2+1)/(4+2) · (1+1)/(3+2) · (1+1)/(3+2) = 1/2 · 2/5 · 2/5
    assert result["group_informed_consensus"] == "2/25"
    assert result["ballots"] == 10
    assert result["eligible_weight"] == 15


def test_a_group_that_casts_nothing_is_left_out_and_can_miss_min_groups(client):
    electorate = build_electorate(
        "groups", {"gov": 2, "ent": 1, "civ": 1}, [("gov", 1), ("ent", 1), ("civ", 1)]
    )
    result = run_vote(
        client, electorate, {"kind": "majority", "min_groups": 3}, ["yes", "no", None]
    )
    civ = result["groups"][2]
    assert civ["agreement"] is None and civ["ballots"] == 0
    # (2·1 + 1·0) / 3 — civ's share is not in the denominator.
    assert result["support"] == "2/3"
    assert result["outcome"] == "no_quorum"
    assert result["unmet"] == ["min_groups"]


def test_a_motion_without_any_ballot_is_rejected_and_divides_by_nothing(client):
    electorate = build_electorate("members", {"all": 1}, [("all", 1)])
    result = run_vote(client, electorate, {"kind": "majority"}, [None])
    assert (result["support"], result["participation"], result["outcome"]) == ("0", "0", "rejected")
    with_quorum = run_vote(client, electorate, {"kind": "majority", "quorum": "1/2"}, [None])
    assert with_quorum["outcome"] == "no_quorum"


def test_only_abstentions_under_abstain_as_no_reject_with_zero_agreement(client):
    electorate = build_electorate("groups", {"a": 1, "b": 1}, [("a", 1), ("b", 1)])
    result = run_vote(client, electorate, {"kind": "majority", "abstain": "no"}, ["abstain", "yes"])
    assert [g["agreement"] for g in result["groups"]] == ["0", "1"]
    assert result["support"] == "1/2"
    assert result["outcome"] == "rejected"


def test_a_consensus_without_block_adopts_and_block_counts_as_no(client):
    electorate = build_electorate("members", {"all": 1}, [("all", 3), ("all", 1), ("all", 1)])
    adopted = run_vote(
        client, electorate, {"kind": "consensus", "threshold": "3/5"}, ["yes", "no", "abstain"]
    )
    assert (adopted["support"], adopted["outcome"]) == ("3/4", "adopted")
    blocked = run_vote(
        client, electorate, {"kind": "consensus", "threshold": "3/5"}, ["yes", "block", None]
    )
    assert (blocked["support"], blocked["outcome"], blocked["block"]) == ("3/4", "blocked", 1)


def test_a_changed_ballot_counts_once_with_its_latest_choice(client):
    electorate = build_electorate("members", {"all": 1}, [("all", 4), ("all", 1)])
    motion_id = open_motion(client, electorate, {"kind": "majority"})
    heavy, light = electorate.voters
    for choice in ("no", "abstain", "yes"):
        assert cast(client, motion_id, heavy, choice).status_code == 200
    assert cast(client, motion_id, light, "no").status_code == 200
    result = close(client, electorate, motion_id)
    assert (result["yes"], result["no"], result["abstain"]) == (4, 1, 0)
    assert result["ballots"] == 2 and result["casts"] == 4


def test_live_tally_follows_each_ballot_and_equals_the_frozen_result(client):
    electorate = build_electorate("groups", {"a": 2, "b": 1}, [("a", 2), ("b", 1), ("b", 1)])
    motion_id = open_motion(client, electorate, {"kind": "majority"})
    url = f"/api/v1/motions/{motion_id}/tally"
    empty = client.get(url, headers=electorate.moderator).get_json()
    assert (empty["ballots"], empty["support"], empty["status"]) == (0, "0", "open")
    cast(client, motion_id, electorate.voters[0], "yes")
    cast(client, motion_id, electorate.voters[1], "no")
    live = client.get(url, headers=electorate.voters[2].headers).get_json()
    assert (live["yes"], live["no"], live["ballots"], live["casts"]) == (2, 1, 2, 2)
    assert live["support"] == "2/3"  # (2·1 + 1·0) / 3
    result = close(client, electorate, motion_id)
    frozen = client.get(url, headers=electorate.moderator).get_json()
    assert frozen == result
    assert {k: v for k, v in live.items() if k != "status"} == {
        k: v for k, v in result.items() if k not in ("status", "receipts_digest")
    }


def test_results_from_the_database_equal_the_pure_tally_in_memory(client):
    """Random electorates and ballots: the API's SQL tally equals rules.tally over the same
    ballots, for every scheme and a spread of rules."""
    rng = random.Random(20261125)
    rules = [
        {"kind": "majority"},
        {"kind": "majority", "abstain": "no"},
        {"kind": "supermajority", "threshold": "3/5"},
        {"kind": "consensus", "threshold": "1/2"},
        {"kind": "double_majority", "threshold": "1/2", "group_threshold": "1/2"},
        {"kind": "majority", "quorum": "1/2", "chamber_thresholds": {"g0": "1/2"}},
    ]
    for round_number in range(6):
        shares = {f"g{i}": rng.randint(1, 4) for i in range(rng.randint(1, 4))}
        delegates = [
            (rng.choice(list(shares)), rng.randint(1, 5)) for _ in range(rng.randint(1, 9))
        ]
        scheme = rng.choice(["members", "groups"])
        electorate = build_electorate(scheme, shares, delegates)
        rule = rules[round_number]
        allowed = ["yes", "no", "abstain"] + (["block"] if rule["kind"] == "consensus" else [])
        choices = [rng.choice([*allowed, None]) for _ in delegates]
        result = run_vote(client, electorate, rule, choices)

        eligible: dict[str, int] = dict.fromkeys(shares, 0)
        for key, weight in delegates:
            eligible[key] += weight
        expected = tally(
            scheme,
            Rule.from_json(rule),
            [GroupInfo(key, share, eligible[key]) for key, share in shares.items()],
            [
                (key, weight, choice)
                for (key, weight), choice in zip(delegates, choices, strict=True)
                if choice is not None
            ],
        ).to_json()
        label = (scheme, rule, delegates, choices)
        groups = [{k: g[k] for k in GROUP_KEYS} for g in result["groups"]]
        assert groups == expected.pop("groups"), label
        assert {k: result[k] for k in expected} == expected, label
