"""Motions and ballots over /api/v1: who may do what, the motion lifecycle, the electorate
snapshot, refusals, receipts and the audit trail (issue 4).

The ``world`` fixture: deliberation ``ai-2026`` (scheme ``groups``), groups ``governments``
(share 2) and ``civil_society`` (share 1); ``delegate`` (governments) and ``delegate2``
(civil_society) vote; ``moderator`` has no group and so does not vote; ``other_moderator``
moderates another deliberation only; ``admin`` is an administrator and no member.
"""

import pytest
import sqlalchemy as sa
from conftest import (
    ROLES,
    counted_statements,
    csrf_token,
    login,
    make_item,
    make_member,
    make_token,
    make_user,
)
from test_voting_world import build_electorate, open_motion

from commonground.db import db
from commonground.deliberations.models import AgendaItem, Membership, StakeholderGroup
from commonground.records.audit import audit_events, verify_deliberation_chain
from commonground.voting.models import Ballot, Motion, MotionVoter

MAJORITY = {"kind": "majority"}


def _create(client, world, role="moderator", **body):
    body = {"text": "Adopt the action plan.", "rule": MAJORITY, **body}
    return client.post(
        f"/api/v1/items/{world.item.id}/motions", json=body, headers=world.headers(role)
    )


def _motion(client, world, *, status="open", rule=MAJORITY, secret=False) -> int:
    """A motion in ``status`` on the world's item, created (and opened, closed) by the
    moderator."""
    response = _create(client, world, rule=rule, secret=secret)
    assert response.status_code == 201, response.get_json()
    motion_id = response.get_json()["id"]
    for step in {"draft": [], "open": ["open"], "closed": ["open", "close"]}[status]:
        response = client.post(
            f"/api/v1/motions/{motion_id}/{step}", headers=world.headers("moderator")
        )
        assert response.status_code == 200, response.get_json()
    return motion_id


def _vote(client, world, motion_id, role, choice="yes"):
    return client.put(
        f"/api/v1/motions/{motion_id}/ballot", json={"choice": choice}, headers=world.headers(role)
    )


def _error(response) -> dict:
    return response.get_json()["error"]


# --- who may do what -------------------------------------------------------------------------

CREATE = {
    "anonymous": 401,
    "observer": 403,
    "delegate": 403,
    "other_moderator": 403,
    "moderator": 201,
    "admin": 201,
}
READ = {
    "anonymous": 401,
    "observer": 200,
    "delegate": 200,
    "other_moderator": 403,
    "moderator": 200,
    "admin": 200,
}
READ_DRAFT = {**READ, "observer": 404, "delegate": 404}
MODERATE = {**CREATE, "moderator": 200, "admin": 200}
# Open acts on a draft, which only moderators can see: the others are told it does not exist.
OPEN = {**MODERATE, "observer": 404, "delegate": 404}
VOTE = {
    "anonymous": 401,
    "observer": 403,
    "delegate": 200,
    "other_moderator": 403,
    "moderator": 403,
    "admin": 403,
}


def test_only_moderators_and_admins_create_motions(client, world):
    for role in ROLES:
        response = _create(client, world, role)
        assert response.status_code == CREATE[role], role
        if response.status_code == 201:
            body = response.get_json()
            assert (body["status"], body["item"], body["scheme"]) == ("draft", world.item.id, None)
            assert body["choices"] == ["yes", "no", "abstain"]


def test_readers_list_motions_but_only_moderators_see_drafts(client, world):
    _motion(client, world, status="draft")
    _motion(client, world, status="open")
    for role in ROLES:
        response = client.get(f"/api/v1/items/{world.item.id}/motions", headers=world.headers(role))
        assert response.status_code == READ[role], role
        if response.status_code == 200:
            statuses = [m["status"] for m in response.get_json()["items"]]
            expected = ["draft", "open"] if role in ("moderator", "admin") else ["open"]
            assert statuses == expected, role


def test_a_draft_is_invisible_to_everyone_but_moderators(client, world):
    motion_id = _motion(client, world, status="draft")
    for role in ROLES:
        response = client.get(f"/api/v1/motions/{motion_id}", headers=world.headers(role))
        assert response.status_code == READ_DRAFT[role], role


def test_only_moderators_and_admins_open_motions(client, world):
    for role in ROLES:
        motion_id = _motion(client, world, status="draft")
        response = client.post(f"/api/v1/motions/{motion_id}/open", headers=world.headers(role))
        assert response.status_code == OPEN[role], role


def test_only_moderators_and_admins_close_motions(client, world):
    for role in ROLES:
        motion_id = _motion(client, world, status="open")
        response = client.post(f"/api/v1/motions/{motion_id}/close", headers=world.headers(role))
        assert response.status_code == MODERATE[role], role


def test_readers_see_the_tally_and_the_motion(client, world):
    motion_id = _motion(client, world)
    for role in ROLES:
        tally = client.get(f"/api/v1/motions/{motion_id}/tally", headers=world.headers(role))
        assert tally.status_code == READ[role], role
        motion = client.get(f"/api/v1/motions/{motion_id}", headers=world.headers(role))
        assert motion.status_code == READ[role], role


def test_only_delegates_in_the_snapshot_may_vote(client, world):
    motion_id = _motion(client, world)
    for role in ROLES:
        response = _vote(client, world, motion_id, role)
        assert response.status_code == VOTE[role], (role, response.get_json())
    # The member roles are refused as non-voters; the outsider as a non-reader.
    for role in ("observer", "moderator", "admin"):
        assert _error(_vote(client, world, motion_id, role))["code"] == "not_a_voter"
    assert _error(_vote(client, world, motion_id, "other_moderator"))["code"] == "forbidden"


def test_everyone_signed_in_may_ask_for_their_own_ballot(client, world):
    motion_id = _motion(client, world)
    _vote(client, world, motion_id, "delegate", "no")
    for role in ROLES:
        response = client.get(f"/api/v1/motions/{motion_id}/ballot", headers=world.headers(role))
        assert response.status_code == READ[role], role
        if response.status_code == 200:
            body = response.get_json()
            assert body["eligible"] is (role == "delegate"), role
            assert body["choice"] == ("no" if role == "delegate" else None), role


def test_a_read_only_token_cannot_vote(client, world):
    motion_id = _motion(client, world)
    token = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    response = client.put(
        f"/api/v1/motions/{motion_id}/ballot",
        json={"choice": "yes"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403


def test_a_signed_in_browser_votes_with_its_csrf_token(client, world):
    motion_id = _motion(client, world)
    login(client, "delegate@example.org")
    url = f"/api/v1/motions/{motion_id}/ballot"
    assert client.put(url, json={"choice": "yes"}).status_code == 400  # no CSRF token
    response = client.put(url, json={"choice": "yes"}, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["choice"] == "yes"


def test_anyone_may_read_the_tally_of_a_public_deliberation(client):
    electorate = build_electorate("members", {"all": 1}, [("all", 1)], public=True)
    motion_id = open_motion(client, electorate, MAJORITY)
    assert client.get(f"/api/v1/motions/{motion_id}/tally").status_code == 200
    assert (
        client.put(f"/api/v1/motions/{motion_id}/ballot", json={"choice": "yes"}).status_code == 401
    )


# --- creating motions: validation --------------------------------------------------------------


def test_the_rule_is_validated_and_a_refusal_names_the_field_inside_it(client, world):
    cases = [
        ({"kind": "supermajority"}, "rule.threshold"),
        ({"kind": "majority", "threshold": "2/3"}, "rule.threshold"),
        ({"kind": "supermajority", "threshold": "3/2"}, "rule.threshold"),
        ({"kind": "supermajority", "threshold": "two thirds"}, "rule.threshold"),
        ({"kind": "double_majority", "threshold": "1/2"}, "rule.group_threshold"),
        ({"kind": "unanimity"}, "rule.kind"),
        ({"threshold": "1/2"}, "rule.kind"),
        ({"kind": "majority", "abstain": "maybe"}, "rule.abstain"),
        ({"kind": "majority", "quorum": 0}, "rule.quorum"),
        ({"kind": "majority", "min_groups": 0}, "rule.min_groups"),
        ({"kind": "majority", "min_groups": 3}, "rule.min_groups"),  # only two groups
        ({"kind": "majority", "chamber_thresholds": {"unions": "1/2"}}, "rule.chamber_thresholds"),
        ({"kind": "majority", "treshold": "1/2"}, "rule.treshold"),
        ("majority", "rule"),
        (None, "rule"),
    ]
    for rule, field in cases:
        response = _create(client, world, rule=rule)
        assert response.status_code == 422, rule
        assert _error(response)["field"] == field, rule
    assert db.session.scalar(sa.select(sa.func.count(Motion.id))) == 0


def test_the_other_fields_are_validated(client, world):
    assert _error(_create(client, world, text="  "))["field"] == "text"
    assert _error(_create(client, world, text="x" * 10_001))["field"] == "text"
    assert _error(_create(client, world, secret="perhaps"))["field"] == "secret"
    assert _error(_create(client, world, colour="red"))["field"] == "colour"
    response = client.post(
        f"/api/v1/items/{world.item.id}/motions",
        data="not json",
        headers={**world.headers("moderator"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_the_rule_is_stored_exact_and_complete(client, world):
    response = _create(
        client,
        world,
        rule={
            "kind": "supermajority",
            "threshold": 0.75,
            "chamber_thresholds": {"governments": "4/6"},
        },
    )
    assert response.get_json()["rule"] == {
        "kind": "supermajority",
        "threshold": "3/4",
        "group_threshold": None,
        "abstain": "ignored",
        "chamber_thresholds": {"governments": "2/3"},
        "quorum": None,
        "min_groups": None,
    }


def test_a_closed_item_takes_no_new_motions(client, world):
    world.item.status = "closed"
    db.session.commit()
    response = _create(client, world)
    assert response.status_code == 409
    assert _error(response)["code"] == "item_closed"


def test_an_unknown_item_or_motion_is_a_404(client, world):
    headers = world.headers("moderator")
    assert (
        client.post(
            "/api/v1/items/999/motions", json={"text": "x", "rule": MAJORITY}, headers=headers
        ).status_code
        == 404
    )
    for url in ("/api/v1/motions/999", "/api/v1/motions/999/tally", "/api/v1/motions/999/ballot"):
        assert client.get(url, headers=headers).status_code == 404, url
    assert client.post("/api/v1/motions/999/open", headers=headers).status_code == 404


# --- the lifecycle ---------------------------------------------------------------------------


def test_a_motion_opens_only_from_draft_on_an_open_item(client, world):
    pending = make_item(world.deliberation, "Later", status="pending")
    db.session.commit()
    response = client.post(
        f"/api/v1/items/{pending.id}/motions",
        json={"text": "Not yet", "rule": MAJORITY},
        headers=world.headers("moderator"),
    )
    assert response.status_code == 201  # drafts may be prepared ahead
    motion_id = response.get_json()["id"]
    opened = client.post(f"/api/v1/motions/{motion_id}/open", headers=world.headers("moderator"))
    assert opened.status_code == 409
    assert _error(opened)["code"] == "item_not_open"

    motion_id = _motion(client, world, status="open")
    again = client.post(f"/api/v1/motions/{motion_id}/open", headers=world.headers("moderator"))
    assert (again.status_code, _error(again)["code"]) == (409, "motion_not_draft")


def test_a_motion_closes_only_when_open(client, world):
    draft = _motion(client, world, status="draft")
    response = client.post(f"/api/v1/motions/{draft}/close", headers=world.headers("moderator"))
    assert (response.status_code, _error(response)["code"]) == (409, "motion_not_open")
    closed = _motion(client, world, status="closed")
    response = client.post(f"/api/v1/motions/{closed}/close", headers=world.headers("moderator"))
    assert response.status_code == 409


def test_a_draft_has_no_tally_yet(client, world):
    motion_id = _motion(client, world, status="draft")
    response = client.get(f"/api/v1/motions/{motion_id}/tally", headers=world.headers("moderator"))
    assert (response.status_code, _error(response)["code"]) == (409, "motion_not_open")


def test_opening_copies_the_scheme_and_snapshots_the_electorate(client, world):
    # A moderator who belongs to a group votes as its delegate.
    voting_moderator = make_user("chair@example.org", "Chair Person")
    make_member(voting_moderator, world.deliberation, "moderator", world.groups["civil_society"], 3)
    db.session.commit()
    motion_id = _motion(client, world)
    body = client.get(f"/api/v1/motions/{motion_id}", headers=world.headers("observer")).get_json()
    assert (body["scheme"], body["voters"], body["status"]) == ("groups", 3, "open")
    voters = db.session.execute(
        sa.select(MotionVoter.membership_id, MotionVoter.group_key, MotionVoter.weight).where(
            MotionVoter.motion_id == motion_id
        )
    ).all()
    chair = db.session.scalar(
        sa.select(Membership.id).where(Membership.user_id == voting_moderator.id)
    )
    assert sorted(voters) == sorted(
        [
            (world.memberships["delegate"].id, "governments", 1),
            (world.memberships["delegate2"].id, "civil_society", 1),
            (chair, "civil_society", 3),
        ]
    )


def test_changes_after_opening_never_alter_the_running_vote(client, world):
    motion_id = _motion(client, world)
    assert _vote(client, world, motion_id, "delegate", "yes").status_code == 200
    assert _vote(client, world, motion_id, "delegate2", "no").status_code == 200
    before = client.get(f"/api/v1/motions/{motion_id}/tally", headers=world.headers("moderator"))

    # Weights, shares, groups and members change while the vote runs …
    db.session.get(Membership, world.memberships["delegate"].id).weight = 10
    db.session.get(StakeholderGroup, world.groups["civil_society"].id).share = 50
    db.session.add(
        StakeholderGroup(
            deliberation_id=world.deliberation.id, key="late", name="Late", share=9, position=5
        )
    )
    latecomer = make_user("late@example.org", "Late Comer")
    make_member(latecomer, world.deliberation, "delegate", world.groups["governments"])
    late_token = make_token(latecomer)
    db.session.commit()

    after = client.get(f"/api/v1/motions/{motion_id}/tally", headers=world.headers("moderator"))
    assert after.get_json() == before.get_json()
    # (2·1 + 1·0) / 3 with the shares of the snapshot
    assert after.get_json()["support"] == "2/3"
    # … and a member who joined after the opening is not in the electorate.
    response = client.put(
        f"/api/v1/motions/{motion_id}/ballot",
        json={"choice": "yes"},
        headers={"Authorization": f"Bearer {late_token}"},
    )
    assert (response.status_code, _error(response)["code"]) == (403, "not_a_voter")


def test_a_closed_motion_refuses_ballots_and_keeps_its_frozen_result(client, world):
    motion_id = _motion(client, world)
    _vote(client, world, motion_id, "delegate", "yes")
    closed = client.post(f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator"))
    result = closed.get_json()["result"]
    assert closed.get_json()["status"] == "closed" and result["outcome"] == "adopted"

    response = _vote(client, world, motion_id, "delegate2", "no")
    assert (response.status_code, _error(response)["code"]) == (409, "motion_not_open")
    response = _vote(client, world, motion_id, "delegate", "no")
    assert response.status_code == 409

    # Even if the ballots and weights changed behind its back, the result stays as frozen.
    db.session.execute(sa.update(Ballot).where(Ballot.motion_id == motion_id).values(choice="no"))
    db.session.execute(
        sa.update(MotionVoter).where(MotionVoter.motion_id == motion_id).values(weight=7)
    )
    db.session.commit()
    tally = client.get(f"/api/v1/motions/{motion_id}/tally", headers=world.headers("observer"))
    assert tally.get_json() == result
    assert (
        client.get(f"/api/v1/motions/{motion_id}", headers=world.headers("observer")).get_json()[
            "result"
        ]
        == result
    )


def test_a_closed_item_takes_no_ballots_but_its_motion_can_still_close(client, world):
    motion_id = _motion(client, world)
    _vote(client, world, motion_id, "delegate", "yes")
    db.session.get(AgendaItem, world.item.id).status = "closed"
    db.session.commit()
    response = _vote(client, world, motion_id, "delegate2", "yes")
    assert (response.status_code, _error(response)["code"]) == (409, "item_closed")
    closed = client.post(f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator"))
    assert closed.status_code == 200
    assert closed.get_json()["result"]["ballots"] == 1


# --- ballots -----------------------------------------------------------------------------------


def test_illegal_choices_are_refused_with_422(client, world):
    motion_id = _motion(client, world)
    for choice in ("block", "maybe", "", None, 1, ["yes"]):
        response = _vote(client, world, motion_id, "delegate", choice)
        assert response.status_code == 422, choice
        assert _error(response)["field"] == "choice"
    response = client.put(
        f"/api/v1/motions/{motion_id}/ballot", json={}, headers=world.headers("delegate")
    )
    assert response.status_code == 422
    response = client.put(
        f"/api/v1/motions/{motion_id}/ballot",
        json={"choice": "yes", "weight": 99},
        headers=world.headers("delegate"),
    )
    assert (response.status_code, _error(response)["field"]) == (422, "weight")
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 0


def test_block_is_a_legal_choice_under_a_consensus_rule_only(client, world):
    motion_id = _motion(client, world, rule={"kind": "consensus", "threshold": "2/3"})
    motion = client.get(f"/api/v1/motions/{motion_id}", headers=world.headers("delegate"))
    assert motion.get_json()["choices"] == ["yes", "no", "abstain", "block"]
    response = _vote(client, world, motion_id, "delegate", "block")
    assert response.status_code == 200
    assert response.get_json()["choice"] == "block"


def test_a_ballot_can_change_until_close_each_cast_counted_and_receipted(client, world):
    motion_id = _motion(client, world)
    answers = [
        _vote(client, world, motion_id, "delegate", c).get_json() for c in ("yes", "no", "no")
    ]
    assert [a["sequence"] for a in answers] == [1, 2, 3]
    assert [a["choice"] for a in answers] == ["yes", "no", "no"]
    receipts = [a["receipt"] for a in answers]
    assert len(set(receipts)) == 3 and all(len(r) == 64 for r in receipts)
    assert answers[0]["cast_at"] == answers[2]["cast_at"]
    own = client.get(f"/api/v1/motions/{motion_id}/ballot", headers=world.headers("delegate"))
    assert own.get_json() == answers[2]
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 1


def test_a_receipt_can_be_checked_by_any_reader_but_only_the_latest_counts(client, world):
    motion_id = _motion(client, world)
    first = _vote(client, world, motion_id, "delegate", "yes").get_json()["receipt"]
    latest = _vote(client, world, motion_id, "delegate", "no").get_json()["receipt"]
    for role in ROLES:
        response = client.get(
            f"/api/v1/motions/{motion_id}/receipts/{latest}", headers=world.headers(role)
        )
        assert response.status_code == READ[role], role
        if response.status_code == 200:
            body = response.get_json()
            assert (body["counted"], body["sequence"]) == (True, 2)
            assert "choice" not in body
    stale = client.get(
        f"/api/v1/motions/{motion_id}/receipts/{first}", headers=world.headers("delegate")
    )
    assert (stale.status_code, _error(stale)["code"]) == (404, "unknown_receipt")
    junk = client.get(
        f"/api/v1/motions/{motion_id}/receipts/not-a-receipt", headers=world.headers("delegate")
    )
    assert junk.status_code == 404


def test_the_receipt_list_is_published_at_close_and_matches_the_result(client, world):
    motion_id = _motion(client, world, secret=True)
    mine = _vote(client, world, motion_id, "delegate", "yes").get_json()["receipt"]
    theirs = _vote(client, world, motion_id, "delegate2", "abstain").get_json()["receipt"]
    url = f"/api/v1/motions/{motion_id}/receipts"
    early = client.get(url, headers=world.headers("delegate"))
    assert (early.status_code, _error(early)["code"]) == (409, "motion_not_closed")
    result = client.post(
        f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator")
    ).get_json()["result"]
    for role in ROLES:
        response = client.get(url, headers=world.headers(role))
        assert response.status_code == READ[role], role
    body = client.get(url, headers=world.headers("observer")).get_json()
    assert body["items"] == sorted([mine, theirs])
    assert body["digest"] == result["receipts_digest"]
    assert body["matches_result"] is True
    assert body["altered_ballots"] == 0


def test_a_ballot_altered_in_the_database_no_longer_matches_its_receipt(client, world):
    motion_id = _motion(client, world)
    _vote(client, world, motion_id, "delegate", "yes")
    _vote(client, world, motion_id, "delegate2", "no")
    client.post(f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator"))
    db.session.execute(
        sa.update(Ballot)
        .where(Ballot.membership_id == world.memberships["delegate2"].id)
        .values(choice="yes")
    )
    db.session.commit()
    body = client.get(
        f"/api/v1/motions/{motion_id}/receipts", headers=world.headers("observer")
    ).get_json()
    assert body["altered_ballots"] == 1
    # Replacing the receipt too breaks the published list's digest instead.
    db.session.execute(
        sa.update(Ballot)
        .where(Ballot.membership_id == world.memberships["delegate2"].id)
        .values(receipt="f" * 64)
    )
    db.session.commit()
    body = client.get(
        f"/api/v1/motions/{motion_id}/receipts", headers=world.headers("observer")
    ).get_json()
    assert body["matches_result"] is False


def test_open_ballots_list_who_voted_what(client, world):
    motion_id = _motion(client, world)
    _vote(client, world, motion_id, "delegate", "yes")
    _vote(client, world, motion_id, "delegate2", "abstain")
    for role in ROLES:
        response = client.get(f"/api/v1/motions/{motion_id}/ballots", headers=world.headers(role))
        assert response.status_code == READ[role], role
    items = client.get(
        f"/api/v1/motions/{motion_id}/ballots", headers=world.headers("observer")
    ).get_json()["items"]
    assert [
        (b["member"]["name"], b["member"]["group"], b["choice"], b["weight"]) for b in items
    ] == [
        ("Dee Delegate", "governments", "yes", 1),
        ("Dora Delegate", "civil_society", "abstain", 1),
    ]


def test_secret_ballots_are_listed_to_nobody_not_even_moderators_and_admins(client, world):
    motion_id = _motion(client, world, secret=True)
    _vote(client, world, motion_id, "delegate", "yes")
    for role in ROLES:
        response = client.get(f"/api/v1/motions/{motion_id}/ballots", headers=world.headers(role))
        expected = {"anonymous": 401, "other_moderator": 403}.get(role, 403)
        assert response.status_code == expected, role
        if role not in ("anonymous", "other_moderator"):
            assert _error(response)["code"] == "secret_ballot"


# --- the record --------------------------------------------------------------------------------


def test_create_open_and_close_are_audited_in_the_hash_chain(client, world):
    motion_id = _motion(client, world, status="open")
    _vote(client, world, motion_id, "delegate", "yes")
    result = client.post(
        f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator")
    ).get_json()["result"]
    events = [e for e in audit_events(world.deliberation) if e.target == f"motion:{motion_id}"]
    assert [e.action for e in events] == ["motion.create", "motion.open", "motion.close"]
    assert all(e.actor_id == world.users["moderator"].id for e in events)
    assert events[1].payload["voters"] == 2 and events[1].payload["scheme"] == "groups"
    closing = events[2].payload
    assert closing["outcome"] == result["outcome"] == "adopted"
    assert closing["receipts_digest"] == result["receipts_digest"]
    import hashlib

    from commonground.records.chain import canonical_json

    assert closing["result_sha256"] == hashlib.sha256(canonical_json(result)).hexdigest()
    assert verify_deliberation_chain(world.deliberation) is None
    # Ballots are never audited: the chain must not say who voted what.
    assert not [e for e in audit_events(world.deliberation) if "ballot" in e.action]


def test_the_openapi_document_describes_every_voting_endpoint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    expected = {
        "/api/v1/items/{item_id}/motions": {"get", "post"},
        "/api/v1/motions/{motion_id}": {"get"},
        "/api/v1/motions/{motion_id}/open": {"post"},
        "/api/v1/motions/{motion_id}/close": {"post"},
        "/api/v1/motions/{motion_id}/tally": {"get"},
        "/api/v1/motions/{motion_id}/ballot": {"get", "put"},
        "/api/v1/motions/{motion_id}/ballots": {"get"},
        "/api/v1/motions/{motion_id}/receipts": {"get"},
        "/api/v1/motions/{motion_id}/receipts/{receipt}": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    schemas = document["components"]["schemas"]
    for name in (
        "Motion",
        "MotionCreate",
        "Rule",
        "Tally",
        "GroupTally",
        "OwnBallot",
        "OpenBallot",
    ):
        assert name in schemas
    # Every $ref resolves.
    import json
    import re

    for ref in set(re.findall(r'"#/components/schemas/([A-Za-z]+)"', json.dumps(document))):
        assert ref in schemas, ref


def test_the_answers_match_their_openapi_schemas(client, world):
    import jsonschema

    document = client.get("/api/v1/openapi.json").get_json()

    def check(instance, name):
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)

    motion_id = _motion(client, world)
    check(_vote(client, world, motion_id, "delegate", "yes").get_json(), "OwnBallot")
    check(
        client.get(
            f"/api/v1/motions/{motion_id}/tally", headers=world.headers("observer")
        ).get_json(),
        "Tally",
    )
    for item in client.get(
        f"/api/v1/motions/{motion_id}/ballots", headers=world.headers("observer")
    ).get_json()["items"]:
        check(item, "OpenBallot")
    closed = client.post(
        f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator")
    ).get_json()
    check(closed, "Motion")
    check(
        client.get(
            f"/api/v1/motions/{motion_id}/receipts", headers=world.headers("observer")
        ).get_json(),
        "ReceiptList",
    )
    receipt = closed["result"]["receipts_digest"]
    assert len(receipt) == 64


def test_receipts_are_keyed_so_nobody_can_compute_anothers():
    import hashlib

    from commonground.voting.receipts import ballot_receipt, receipt_key, receipts_digest

    ours = ballot_receipt(receipt_key("our secret"), 3, 7, 2, "yes")
    assert len(ours) == 64 and ours == ballot_receipt(receipt_key("our secret"), 3, 7, 2, "yes")
    assert ours != ballot_receipt(receipt_key("another secret"), 3, 7, 2, "yes")
    guesses = {
        hashlib.sha256(f"cg-ballot/1|3|7|{n}|{choice}".encode()).hexdigest()
        for n in range(1, 10)
        for choice in ("yes", "no", "abstain", "block")
    }
    assert ours not in guesses
    differing = [
        ballot_receipt(receipt_key("our secret"), *values)
        for values in ((4, 7, 2, "yes"), (3, 8, 2, "yes"), (3, 7, 3, "yes"), (3, 7, 2, "no"))
    ]
    assert ours not in differing and len(set(differing)) == 4
    # The digest does not depend on the order the receipts come in.
    assert receipts_digest(["b" * 64, "a" * 64]) == receipts_digest(["a" * 64, "b" * 64])


# --- a secret motion is sealed while it is open ------------------------------------------------


@pytest.mark.parametrize("role", ["moderator", "admin", "observer", "delegate"])
def test_nobody_sees_the_figures_of_an_open_secret_motion_only_the_ballots_cast(
    client, world, role
):
    motion_id = _motion(client, world, secret=True)
    assert _vote(client, world, motion_id, "delegate", "no").status_code == 200
    assert _vote(client, world, motion_id, "delegate2", "yes").status_code == 200
    assert _vote(client, world, motion_id, "delegate2", "no").status_code == 200

    tally = client.get(f"/api/v1/motions/{motion_id}/tally", headers=world.headers(role))
    assert tally.status_code == 200
    assert tally.get_json() | {"rule": None, "scheme": None} == {
        "motion": motion_id,
        "status": "open",
        "scheme": None,
        "rule": None,
        "sealed": True,
        "ballots": 2,
        "casts": 3,
    }
    page = client.get(f"/motions/{motion_id}", headers=world.headers(role))
    text = page.get_data(as_text=True)
    assert "2 ballots cast so far" in text and "Support" not in text

    closed = client.post(f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator"))
    result = closed.get_json()["result"]
    assert (result["yes"], result["no"]) == (0, 2) and "sealed" not in result


def test_an_open_ballot_motion_shows_its_figures_while_open(client, world):
    motion_id = _motion(client, world)
    _vote(client, world, motion_id, "delegate", "no")
    tally = client.get(f"/api/v1/motions/{motion_id}/tally", headers=world.headers("observer"))
    assert tally.get_json()["no"] == 1 and "sealed" not in tally.get_json()


# --- the cost of a ballot ---------------------------------------------------------------------


def test_a_socket_ballot_costs_a_fixed_handful_of_statements(app, client, world):
    """Issue 15: the token and user, the motion with its item and deliberation, its status
    under the cast's lock, the membership with the voter's snapshot row, the ballot, its
    write, the running sums (one row per choice touched), and the log's leaf (its state,
    leaf, nodes, new root; the frontier is remembered from this process's last append).
    Nothing is read twice."""
    from commonground.extensions import socketio

    motion_id = _motion(client, world)
    db.session.commit()
    voter = socketio.test_client(app, auth={"token": world.tokens["delegate"]})

    def cast(choice):
        with counted_statements() as statements:
            ack = voter.emit("ballot", {"motion": motion_id, "choice": choice}, callback=True)
        assert ack["ok"], ack
        return ack, statements

    first, first_statements = cast("yes")
    changed, changed_statements = cast("no")
    assert (first["ballot"]["sequence"], changed["ballot"]["sequence"]) == (1, 2)
    # SQLite takes no row locks: PostgreSQL adds the log's lock on the deliberation.
    assert len(first_statements) == 11, first_statements
    assert len(changed_statements) == 12, changed_statements
    assert sum("FROM memberships" in s for s in first_statements) == 1
    assert sum("FROM motions" in s for s in first_statements) == 2
    voter.disconnect()
