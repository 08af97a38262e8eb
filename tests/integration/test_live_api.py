"""The live session through /api/v1 (DESIGN §5/§6): the state, every console action, the
speakers' queue and floor interventions, announcements, audit events, and who may do what —
refused actions leaving nothing behind."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import make_item, make_member, make_user
from jsonschema import Draft202012Validator

from commonground.db import db, utcnow
from commonground.discussion.models import Post
from commonground.live.models import Announcement, FloorRequest, SessionState
from commonground.records.audit import verify_deliberation_chain
from commonground.records.models import AuditEvent

BASE = "/api/v1/deliberations/ai-2026"


def call(client, world, method, path, role="moderator", body=None):
    return client.open(f"{BASE}{path}", method=method, json=body, headers=world.headers(role))


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def state_of(client, world, role="moderator"):
    return ok(call(client, world, "GET", "/session", role))


def make_current(client, world, item=None):
    return ok(
        call(client, world, "POST", "/session/current", body={"item": (item or world.item).id})
    )


def ask(client, world, role, item=None):
    return call(
        client, world, "POST", "/session/floor/request", role, {"item": (item or world.item).id}
    )


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def audit_actions(world):
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.deliberation_id == world.deliberation.id)
            .order_by(AuditEvent.seq)
        )
    )


def session_rows():
    """Everything the live session keeps, to compare before and after a refusal."""
    db.session.expire_all()
    return (
        [
            (s.current_item_id, s.round_title, s.round_ends_at, s.speaker_id)
            for s in db.session.scalars(sa.select(SessionState))
        ],
        [(r.id, r.status) for r in db.session.scalars(sa.select(FloorRequest))],
        db.session.scalar(sa.select(sa.func.count(Announcement.id))),
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
    )


# --- reading the state -----------------------------------------------------------------------


def test_a_fresh_session_is_empty_and_shaped_as_documented(client, world):
    state = state_of(client, world, "observer")
    assert {k: state[k] for k in ("deliberation", "current_item", "round", "queue", "speaker")} == {
        "deliberation": "ai-2026",
        "current_item": None,
        "round": None,
        "queue": [],
        "speaker": None,
    }
    assert state["announcement"] is None and state["balanced_order"] == []
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["paths"]["/api/v1/deliberations/{slug}/session"]["get"]["responses"]["200"]
    schema = {
        **schema["content"]["application/json"]["schema"],
        "components": document["components"],
    }
    make_current(client, world)
    ok(
        call(
            client, world, "POST", "/session/round/start", body={"title": "Opening", "seconds": 90}
        )
    )
    ok(ask(client, world, "delegate"))
    ok(call(client, world, "POST", "/session/announcements", body={"text": "Welcome"}), 201)
    for data in (state, state_of(client, world, "delegate")):
        errors = list(Draft202012Validator(schema).iter_errors(data))
        assert not errors, errors


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("outsider", 403), ("other_moderator", 403), ("observer", 200)],
)
def test_who_may_read_the_session(client, world, role, status):
    assert call(client, world, "GET", "/session", role).status_code == status


def test_an_unknown_deliberation_is_a_404(client, world):
    response = client.get("/api/v1/deliberations/nope/session", headers=world.headers("admin"))
    assert response.status_code == 404


# --- moderator actions: who may, and refusals without side effects ----------------------------

MODERATOR_ACTIONS = [
    ("/session/current", lambda w: {"item": w.item.id}),
    ("/session/round/start", lambda w: {"title": "R", "seconds": 60}),
    ("/session/round/extend", lambda w: {"seconds": 60}),
    ("/session/round/stop", lambda w: {}),
    ("/session/floor/grant", lambda w: {"member": w.memberships["delegate"].id}),
    ("/session/floor/skip", lambda w: {"member": w.memberships["delegate"].id}),
    ("/session/floor/clear", lambda w: {}),
    ("/session/announcements", lambda w: {"text": "Hello"}),
    ("/session/announcement/clear", lambda w: {}),
]


@pytest.fixture
def running(client, world):
    """A session on the first item, a round running, the delegate waiting to speak."""
    make_current(client, world)
    ok(call(client, world, "POST", "/session/round/start", body={"seconds": 300}))
    ok(ask(client, world, "delegate"))
    return world


@pytest.mark.parametrize(("path", "body"), MODERATOR_ACTIONS)
@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("observer", 403), ("delegate", 403), ("other_moderator", 403)],
)
def test_only_moderators_run_the_session_and_refusals_change_nothing(
    client, running, path, body, role, status
):
    before = session_rows()
    response = call(client, running, "POST", path, role, body(running))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == (
        "unauthorized" if status == 401 else "forbidden"
    )
    assert session_rows() == before


@pytest.mark.parametrize("role", ["moderator", "admin"])
@pytest.mark.parametrize(("path", "body"), MODERATOR_ACTIONS)
def test_moderators_and_admins_may_run_the_session(client, running, role, path, body):
    response = call(client, running, "POST", path, role, body(running))
    assert response.status_code in (200, 201), response.get_json()


def test_a_read_only_token_may_read_but_not_act(client, world):
    from conftest import make_token

    token = make_token(world.users["moderator"], scope="read")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{BASE}/session", headers=headers).status_code == 200
    response = client.post(f"{BASE}/session/current", json={"item": world.item.id}, headers=headers)
    assert response.status_code == 403
    assert session_rows()[0] == []


def test_a_browser_session_needs_the_csrf_token(client, world):
    from conftest import csrf_token, login

    login(client, "mod@example.org")
    assert client.post(f"{BASE}/session/current", json={"item": world.item.id}).status_code == 400
    token = csrf_token(client)
    response = client.post(
        f"{BASE}/session/current", json={"item": world.item.id}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/session/current", {"item": "first"}, "item"),
        ("/session/current", {"item": 0}, "item"),
        ("/session/current", {}, "item"),
        ("/session/round/start", {"seconds": 0}, "seconds"),
        ("/session/round/start", {"seconds": 14401}, "seconds"),
        ("/session/round/start", {"seconds": True}, "seconds"),
        ("/session/round/start", {"title": "x" * 201, "seconds": 60}, "title"),
        ("/session/round/start", {"seconds": 60, "colour": "red"}, "colour"),
        ("/session/round/extend", {"seconds": -5}, "seconds"),
        ("/session/floor/grant", {"member": "x"}, "member"),
        ("/session/announcements", {"text": "  "}, "text"),
        ("/session/announcements", {"text": "x" * 2001}, "text"),
        ("/session/announcements", {"text": "Hi", "language": "not a language"}, "language"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    client, running, path, body, field
):
    before = session_rows()
    response = call(client, running, "POST", path, body=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert session_rows() == before


def test_a_body_that_is_not_an_object_is_a_400(client, world):
    response = client.post(
        f"{BASE}/session/current",
        data="[1]",
        content_type="application/json",
        headers=world.headers("moderator"),
    )
    assert response.status_code == 400


def test_an_item_of_another_deliberation_cannot_be_made_current(client, world):
    elsewhere = make_item(world.other, "Elsewhere")
    db.session.commit()
    response = call(client, world, "POST", "/session/current", body={"item": elsewhere.id})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "item"
    missing = call(client, world, "POST", "/session/current", body={"item": 999999})
    assert missing.status_code == 404


def test_a_closed_deliberation_takes_no_session_changes(client, world):
    world.deliberation.status = "closed"
    db.session.commit()
    response = call(client, world, "POST", "/session/current", body={"item": world.item.id})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "deliberation_closed"
    assert state_of(client, world)["current_item"] is None


# --- the current item ------------------------------------------------------------------------


def test_the_current_item_is_set_changed_and_cleared(client, world):
    second = make_item(world.deliberation, "Second item", status="pending", numeral="II")
    db.session.commit()
    state = make_current(client, world)
    assert state["current_item"] == world.item.id
    assert state["item"]["title"] == "First item" and state["item"]["status"] == "open"
    state = make_current(client, world, second)
    assert state["current_item"] == second.id and state["item"]["numeral"] == "II"
    state = ok(call(client, world, "POST", "/session/current", body={"item": None}))
    assert state["current_item"] is None and state["item"] is None
    assert audit_actions(world)[-3:] == ["session.current"] * 3


def test_setting_the_same_item_again_records_nothing(client, world):
    make_current(client, world)
    make_current(client, world)
    assert audit_actions(world).count("session.current") == 1


def test_moving_to_another_item_ends_the_speakers_turn_but_keeps_the_queue(client, running):
    world = running
    ok(
        call(
            client,
            world,
            "POST",
            "/session/floor/grant",
            body={"member": world.memberships["delegate"].id},
        )
    )
    ok(ask(client, world, "delegate2"))
    other = make_item(world.deliberation, "Other item")
    db.session.commit()
    state = make_current(client, world, other)
    assert state["speaker"] is None and state["queue"] == []
    state = make_current(client, world)
    assert [e["member"] for e in state["queue"]] == [world.memberships["delegate2"].id]
    assert state["speaker"] is None


# --- timed rounds ----------------------------------------------------------------------------


def test_a_round_carries_a_server_end_time_and_can_be_extended_and_stopped(client, world):
    before = utcnow()
    state = ok(
        call(
            client,
            world,
            "POST",
            "/session/round/start",
            body={"title": "Statements", "seconds": 120},
        )
    )
    after = utcnow()
    ends_at = parse(state["round"]["ends_at"])
    started_at = parse(state["round"]["started_at"])
    assert state["round"]["title"] == "Statements"
    assert before + timedelta(seconds=119) <= ends_at <= after + timedelta(seconds=121)
    assert before - timedelta(seconds=1) <= started_at <= after + timedelta(seconds=1)

    state = ok(call(client, world, "POST", "/session/round/extend", body={"seconds": 60}))
    assert parse(state["round"]["ends_at"]) - ends_at == timedelta(seconds=60)
    assert parse(state["round"]["started_at"]) == started_at

    state = ok(call(client, world, "POST", "/session/round/stop"))
    assert state["round"] is None
    assert audit_actions(world) == [
        "session.round.start",
        "session.round.extend",
        "session.round.stop",
    ]


def test_a_round_whose_time_ran_out_is_extended_from_now(client, world):
    ok(call(client, world, "POST", "/session/round/start", body={"seconds": 60}))
    row = db.session.get(SessionState, world.deliberation.id)
    row.round_ends_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    state = ok(call(client, world, "POST", "/session/round/extend", body={"seconds": 30}))
    assert parse(state["round"]["ends_at"]) > utcnow() + timedelta(seconds=25)


def test_extending_or_stopping_without_a_round_is_a_conflict(client, world):
    for path, body in (("/session/round/extend", {"seconds": 60}), ("/session/round/stop", None)):
        response = call(client, world, "POST", path, body=body)
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "no_round"
    assert audit_actions(world) == []


def test_starting_a_round_replaces_the_running_one(client, world):
    ok(call(client, world, "POST", "/session/round/start", body={"title": "A", "seconds": 600}))
    state = ok(
        call(client, world, "POST", "/session/round/start", body={"title": "B", "seconds": 60})
    )
    assert state["round"]["title"] == "B"
    assert parse(state["round"]["ends_at"]) < utcnow() + timedelta(seconds=61)


# --- the speakers' queue ---------------------------------------------------------------------


def test_delegates_queue_in_order_of_request_with_their_group(client, world):
    make_current(client, world)
    ok(ask(client, world, "delegate2"))
    state = ok(ask(client, world, "delegate"))
    assert [(e["member"], e["name"], e["group"]) for e in state["queue"]] == [
        (world.memberships["delegate2"].id, "Dora Delegate", "civil_society"),
        (world.memberships["delegate"].id, "Dee Delegate", "governments"),
    ]
    assert all(e["requested_at"].endswith("Z") for e in state["queue"])


def test_asking_again_while_waiting_changes_nothing(client, running):
    before = session_rows()
    state = ok(ask(client, running, "delegate"))
    assert len(state["queue"]) == 1 and session_rows() == before


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, "unauthorized"),
        ("outsider", 403, "forbidden"),
        ("observer", 403, "observer"),
        ("admin", 403, "not_a_member"),
    ],
)
def test_only_members_who_may_post_may_ask_for_the_floor(client, world, role, status, code):
    make_current(client, world)
    before = session_rows()
    response = ask(client, world, role)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert session_rows() == before


def test_the_floor_is_asked_on_the_current_item_only(client, world):
    other = make_item(world.deliberation, "Other item")
    db.session.commit()
    response = ask(client, world, "delegate")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_current"
    make_current(client, world)
    response = ask(client, world, "delegate", other)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_current"


def test_a_muted_member_cannot_ask_and_muting_removes_them_from_the_queue(client, running):
    world = running
    member = world.memberships["delegate"]
    state = ok(
        call(client, world, "POST", f"/session/members/{member.id}/mute", body={"muted": True})
    )
    assert state["queue"] == []
    db.session.expire_all()
    assert member.muted is True
    response = ask(client, world, "delegate")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "muted"
    ok(call(client, world, "POST", f"/session/members/{member.id}/mute", body={"muted": False}))
    assert ok(ask(client, world, "delegate"))["queue"][0]["member"] == member.id
    assert "member.update" in audit_actions(world)


def test_a_moderator_cannot_mute_themself(client, running):
    world = running
    own = world.memberships["moderator"]
    response = call(client, world, "POST", f"/session/members/{own.id}/mute", body={"muted": True})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "muted"
    db.session.expire_all()
    assert own.muted is False


def test_a_member_withdraws_their_request(client, running):
    state = ok(
        call(
            client,
            running,
            "POST",
            "/session/floor/withdraw",
            "delegate",
            {"item": running.item.id},
        )
    )
    assert state["queue"] == []
    response = call(
        client, running, "POST", "/session/floor/withdraw", "delegate", {"item": running.item.id}
    )
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_in_queue"
    statuses = [r.status for r in db.session.scalars(sa.select(FloorRequest))]
    assert statuses == ["withdrawn"]


def test_granting_the_floor_makes_the_speaker_and_ends_the_previous_turn(client, running):
    world = running
    dee, dora = world.memberships["delegate"].id, world.memberships["delegate2"].id
    ok(ask(client, world, "delegate2"))
    state = ok(call(client, world, "POST", "/session/floor/grant", body={"member": dee}))
    assert state["speaker"] == dee
    assert (
        state["speaking"]["name"] == "Dee Delegate" and state["speaking"]["group"] == "governments"
    )
    assert [e["member"] for e in state["queue"]] == [dora]
    state = ok(call(client, world, "POST", "/session/floor/grant", body={"member": dora}))
    assert state["speaker"] == dora and state["queue"] == []
    db.session.expire_all()
    assert sorted(r.status for r in db.session.scalars(sa.select(FloorRequest))) == [
        "done",
        "speaking",
    ]


def test_the_floor_goes_only_to_someone_waiting(client, running):
    world = running
    response = call(
        client,
        world,
        "POST",
        "/session/floor/grant",
        body={"member": world.memberships["delegate2"].id},
    )
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_in_queue"
    response = call(
        client,
        world,
        "POST",
        "/session/floor/grant",
        body={"member": world.memberships["other_moderator"].id},
    )
    assert response.status_code == 404


def test_skipping_passes_over_a_request_or_ends_a_turn(client, running):
    world = running
    dee = world.memberships["delegate"].id
    state = ok(call(client, world, "POST", "/session/floor/skip", body={"member": dee}))
    assert state["queue"] == []
    ok(ask(client, world, "delegate"))
    ok(call(client, world, "POST", "/session/floor/grant", body={"member": dee}))
    state = ok(call(client, world, "POST", "/session/floor/skip", body={"member": dee}))
    assert state["speaker"] is None
    db.session.expire_all()
    assert sorted(r.status for r in db.session.scalars(sa.select(FloorRequest))) == [
        "done",
        "skipped",
    ]


def test_clearing_the_queue_keeps_the_speaker(client, running):
    world = running
    ok(ask(client, world, "delegate2"))
    ok(
        call(
            client,
            world,
            "POST",
            "/session/floor/grant",
            body={"member": world.memberships["delegate2"].id},
        )
    )
    state = ok(call(client, world, "POST", "/session/floor/clear"))
    assert state["queue"] == [] and state["speaker"] == world.memberships["delegate2"].id
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "session.floor.clear")
    ).one()
    assert event.payload["cleared"] == [world.memberships["delegate"].id]


def test_floor_actions_need_a_current_item(client, world):
    response = call(client, world, "POST", "/session/floor/clear")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "no_current_item"


# --- floor interventions ---------------------------------------------------------------------


def post(client, world, role, body, item=None):
    item = item or world.item
    response = client.post(
        f"/api/v1/items/{item.id}/posts", json={"body": body}, headers=world.headers(role)
    )
    assert response.status_code == 201, response.get_json()
    return db.session.get(Post, response.get_json()["id"])


def test_the_speakers_next_post_is_a_floor_intervention_and_ends_the_turn(client, running):
    world = running
    before = post(client, world, "delegate", "Before the floor")
    ok(
        call(
            client,
            world,
            "POST",
            "/session/floor/grant",
            body={"member": world.memberships["delegate"].id},
        )
    )
    other = post(client, world, "delegate2", "Someone else meanwhile")
    spoken = post(client, world, "delegate", "My statement")
    after = post(client, world, "delegate", "An afterthought")
    db.session.expire_all()
    assert [p.floor_intervention for p in (before, other, spoken, after)] == [
        False,
        False,
        True,
        False,
    ]
    state = state_of(client, world)
    assert state["speaker"] is None
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "session.floor.intervention")
    ).one()
    assert event.target == f"post:{spoken.id}" and event.actor_id == world.users["delegate"].id


def test_a_post_in_another_item_is_no_floor_intervention(client, running):
    world = running
    other = make_item(world.deliberation, "Other item")
    db.session.commit()
    ok(
        call(
            client,
            world,
            "POST",
            "/session/floor/grant",
            body={"member": world.memberships["delegate"].id},
        )
    )
    elsewhere = post(client, world, "delegate", "Elsewhere", item=other)
    db.session.expire_all()
    assert elsewhere.floor_intervention is False
    assert state_of(client, world)["speaker"] == world.memberships["delegate"].id


# --- balanced order --------------------------------------------------------------------------


def test_the_state_carries_both_orders_of_the_queue(client, world):
    """Governments (share 2) posted 4 times, civil society (share 1) once: civil society's
    delegate comes first in the balanced order although they asked last."""
    gov2 = make_member(
        make_user("gov2@example.org", "Gil Gov"),
        world.deliberation,
        "delegate",
        world.groups["governments"],
    )
    db.session.commit()
    for _ in range(2):
        post(client, world, "delegate", "Government view")
    db.session.add_all(
        Post(item_id=world.item.id, author_id=gov2.id, body="More", language="en", path="")
        for _ in range(2)
    )
    db.session.commit()
    post(client, world, "delegate2", "Civil society view")
    make_current(client, world)
    ok(ask(client, world, "delegate"))
    from conftest import make_token

    gov2_token = make_token(gov2.user)
    db.session.commit()
    response = client.post(
        f"{BASE}/session/floor/request",
        json={"item": world.item.id},
        headers={"Authorization": f"Bearer {gov2_token}"},
    )
    assert response.status_code == 200
    state = ok(ask(client, world, "delegate2"))
    dee, dora = world.memberships["delegate"].id, world.memberships["delegate2"].id
    assert [e["member"] for e in state["queue"]] == [dee, gov2.id, dora]
    assert state["balanced_order"] == [dora, dee, gov2.id]


# --- announcements ---------------------------------------------------------------------------


def test_an_announcement_reaches_the_state_and_stays_in_the_record(client, world):
    response = call(
        client,
        world,
        "POST",
        "/session/announcements",
        body={"text": "Coffee break: 10 minutes", "language": "en"},
    )
    first = ok(response, 201)
    assert first["text"] == "Coffee break: 10 minutes" and first["author"] == "Mo Moderator"
    second = ok(
        call(
            client,
            world,
            "POST",
            "/session/announcements",
            "admin",
            {"text": "Reprise à 11h", "language": "fr"},
        ),
        201,
    )
    assert second["author"] == "Ada Admin"
    shown = state_of(client, world, "observer")["announcement"]
    assert {k: v for k, v in shown.items() if k != "expires_at"} == second
    listed = ok(call(client, world, "GET", "/session/announcements", "delegate"))["items"]
    assert [a["id"] for a in listed] == [second["id"], first["id"]]
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "session.announce")
    ).first()
    assert event.payload == {"text": "Coffee break: 10 minutes", "language": "en"}


def test_a_moderator_clears_the_banner_and_the_announcement_stays_in_the_record(client, world):
    made = ok(call(client, world, "POST", "/session/announcements", body={"text": "Lunch"}), 201)
    assert state_of(client, world, "delegate")["announcement"]["id"] == made["id"]
    state = ok(call(client, world, "POST", "/session/announcement/clear"))
    assert state["announcement"] is None
    assert state_of(client, world, "delegate")["announcement"] is None
    listed = ok(call(client, world, "GET", "/session/announcements", "delegate"))["items"]
    assert [a["id"] for a in listed] == [made["id"]]
    assert audit_actions(world)[-1] == "session.announce.clear"
    # Clearing an empty banner changes nothing; the next announcement shows again.
    ok(call(client, world, "POST", "/session/announcement/clear", "admin"))
    assert audit_actions(world).count("session.announce.clear") == 1
    again = ok(call(client, world, "POST", "/session/announcements", body={"text": "Back"}), 201)
    assert state_of(client, world)["announcement"]["id"] == again["id"]
    assert verify_deliberation_chain(world.deliberation) is None


def test_an_announcement_leaves_the_banner_after_its_time_to_live(app, client, world):
    app.config["ANNOUNCEMENT_TTL"] = 600
    made = ok(call(client, world, "POST", "/session/announcements", body={"text": "Soon"}), 201)
    shown = state_of(client, world)["announcement"]
    assert parse(shown["expires_at"]) == parse(made["created_at"]) + timedelta(seconds=600)
    announcement = db.session.get(Announcement, made["id"])
    announcement.created_at = utcnow() - timedelta(seconds=601)
    db.session.commit()
    assert state_of(client, world)["announcement"] is None
    # Without a time to live, it stays until cleared or replaced.
    app.config["ANNOUNCEMENT_TTL"] = 0
    shown = state_of(client, world)["announcement"]
    assert shown["id"] == made["id"] and shown["expires_at"] is None


def test_an_announcement_without_a_language_takes_the_authors(client, world):
    world.users["moderator"].locale = "fr"
    db.session.commit()
    assert (
        ok(call(client, world, "POST", "/session/announcements", body={"text": "Bonjour"}), 201)[
            "language"
        ]
        == "fr"
    )


# --- audit -----------------------------------------------------------------------------------


def test_every_console_action_is_audited_with_actor_target_and_time(client, running):
    world = running
    dee = world.memberships["delegate"].id
    ok(call(client, world, "POST", "/session/round/extend", body={"seconds": 30}))
    ok(call(client, world, "POST", "/session/floor/grant", body={"member": dee}))
    ok(call(client, world, "POST", "/session/floor/skip", body={"member": dee}))
    ok(ask(client, world, "delegate2"))
    ok(call(client, world, "POST", "/session/floor/withdraw", "delegate2", {"item": world.item.id}))
    ok(call(client, world, "POST", "/session/floor/clear"))
    ok(call(client, world, "POST", "/session/announcements", body={"text": "Hi"}), 201)
    ok(call(client, world, "POST", "/session/round/stop"))
    events = list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.deliberation_id == world.deliberation.id)
            .order_by(AuditEvent.seq)
        )
    )
    assert [(e.action, e.actor_name) for e in events] == [
        ("session.current", "Mo Moderator"),
        ("session.round.start", "Mo Moderator"),
        ("session.floor.request", "Dee Delegate"),
        ("session.round.extend", "Mo Moderator"),
        ("session.floor.grant", "Mo Moderator"),
        ("session.floor.skip", "Mo Moderator"),
        ("session.floor.request", "Dora Delegate"),
        ("session.floor.withdraw", "Dora Delegate"),
        ("session.floor.clear", "Mo Moderator"),
        ("session.announce", "Mo Moderator"),
        ("session.round.stop", "Mo Moderator"),
    ]
    assert events[4].target == f"member:{dee}" and events[0].target == f"item:{world.item.id}"
    assert all(e.created_at is not None for e in events)
    assert verify_deliberation_chain(world.deliberation) is None
    # The state's version is the length of the chain: clients keep the newest state.
    assert state_of(client, world)["version"] == events[-1].seq
