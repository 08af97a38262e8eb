"""The participation rule (deliberations/rules.py), over every combination of its inputs."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonground.deliberations.rules import ACTIONS, REFUSALS, participation_refusal

DELIBERATION_STATUSES = ("draft", "open", "closed")
ITEM_STATUSES = (None, "pending", "open", "closed")
ROLES = (None, "observer", "delegate", "moderator")

EVERY_CASE = [
    dict(
        zip(
            (
                "action",
                "deliberation_status",
                "item_status",
                "locked",
                "signed_in",
                "role",
                "muted",
                "observers_may_post",
            ),
            values,
            strict=True,
        )
    )
    for values in itertools.product(
        ACTIONS,
        DELIBERATION_STATUSES,
        ITEM_STATUSES,
        (False, True),
        (False, True),
        ROLES,
        (False, True),
        (False, True),
    )
    # A person who is not signed in has no role.
    if values[4] or values[5] is None
]


def refusal(case: dict, **changes) -> str | None:
    values = {**case, **changes}
    action = values.pop("action")
    return participation_refusal(action, **values)


def expected(case: dict) -> str | None:
    """The rule written out as a decision table, one line per refusal, in order."""
    action = case["action"]
    deliberation, item, role = case["deliberation_status"], case["item_status"], case["role"]
    reasons = [
        ("deliberation_closed", deliberation == "closed"),
        ("deliberation_not_open", deliberation == "draft"),
        ("item_closed", action != "translate" and item == "closed"),
        ("item_not_open", action != "translate" and item in (None, "pending")),
        ("item_locked", action in ("post", "speak") and case["locked"]),
        ("unauthorized", action != "vote" and not case["signed_in"]),
        ("not_a_member", action != "vote" and role is None),
        ("muted", action != "vote" and case["muted"]),
        (
            "observer",
            action in ("post", "speak", "translate", "react")
            and role == "observer"
            and not case["observers_may_post"],
        ),
    ]
    return next((code for code, applies in reasons if applies), None)


def test_every_combination_follows_the_decision_table():
    # actions × deliberation × item × lock × muted × observers' setting × people (signed
    # out, or signed in as no member or one of three roles)
    assert len(EVERY_CASE) == 5 * 3 * 4 * 2 * 2 * 2 * 5
    for case in EVERY_CASE:
        assert refusal(case) == expected(case), case


def test_every_refusal_is_reached_and_every_action_can_be_allowed():
    reached = {refusal(case) for case in EVERY_CASE}
    assert reached == {*REFUSALS, None}
    for action in ACTIONS:
        assert any(refusal(c) is None for c in EVERY_CASE if c["action"] == action)


cases = st.sampled_from(EVERY_CASE)


@given(cases)
def test_a_deliberation_that_is_not_open_refuses_everything_with_its_own_reason(case):
    if case["deliberation_status"] != "open":
        assert refusal(case) in ("deliberation_closed", "deliberation_not_open")


@given(cases)
def test_speaking_is_allowed_exactly_when_posting_is(case):
    assert refusal(case, action="speak") == refusal(case, action="post")


@given(cases)
def test_who_may_post_may_translate(case):
    if refusal(case, action="post") is None:
        assert refusal(case, action="translate") is None


@given(cases)
def test_translating_ignores_the_item_and_voting_ignores_the_person(case):
    translate = {s: refusal(case, action="translate", item_status=s) for s in ITEM_STATUSES}
    assert len(set(translate.values())) == 1
    assert refusal(case, action="translate", locked=not case["locked"]) == translate[None]
    vote = {
        refusal(case, action="vote", role=r, muted=m, signed_in=True)
        for r in ROLES
        for m in (False, True)
    }
    assert len(vote) == 1


@given(cases)
def test_a_lock_stops_new_posts_and_speaking_only(case):
    unlocked, locked = refusal(case, locked=False), refusal(case, locked=True)
    if case["action"] in ("post", "speak"):
        assert locked == unlocked or locked == "item_locked"
    else:
        assert locked == unlocked


@given(cases)
def test_muting_or_losing_a_right_never_allows_more(case):
    if refusal(case) is not None:
        assert refusal(case, muted=True) is not None
        assert refusal(case, observers_may_post=False) is not None


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        participation_refusal("shout", deliberation_status="open", signed_in=True, role=None)
