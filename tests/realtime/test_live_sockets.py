"""The live session over Socket.IO (DESIGN §5, room ``deliberation:<slug>``), with real
python-socketio clients — a moderator and delegates of different groups — against a real
server on a real port: joining, the current item, timed rounds, the speakers' queue in both
orders, the floor, announcements, presence, refusals without side effects, and a state that
survives a server restart."""

import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from conftest import base_config, make_item, make_member, make_token, make_user
from werkzeug.serving import make_server

from commonground import create_app
from commonground.db import db, utcnow
from commonground.discussion.models import Post
from commonground.live.models import Announcement, FloorRequest, SessionState
from commonground.live.state import comparable
from commonground.records.models import AuditEvent

from .conftest import SILENCE, LiveServer, session_cookie

SLUG = "ai-2026"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def joined(connect, live, world, role):
    """A client of ``role`` that has joined the session; its ack is kept as ``.ack``."""
    client = connect(live.url, token=world.tokens[role])
    client.ack = client.call("session:join", {"deliberation": SLUG})
    assert client.ack["ok"], client.ack
    return client


@pytest.fixture
def room(live, connect, world):
    """The moderator and two delegates (governments, civil society) following the session."""
    return {
        role: joined(connect, live, world, role) for role in ("moderator", "delegate", "delegate2")
    }


def acked(client, event, data=None):
    ack = client.call(event, data or {})
    assert ack["ok"], ack
    return ack


def state_where(client, predicate):
    return client.wait_for("session:state", predicate)


def drain(client):
    """Forget every event received so far."""
    client.received("session:state")
    client.seen.clear()


def db_snapshot():
    """Everything the live session keeps, read as plain rows."""
    rows = (
        db.session.execute(
            sa.select(
                SessionState.current_item_id,
                SessionState.round_title,
                SessionState.round_ends_at,
                SessionState.speaker_id,
            )
        ).all(),
        db.session.execute(
            sa.select(FloorRequest.id, FloorRequest.status).order_by(FloorRequest.id)
        ).all(),
        db.session.scalar(sa.select(sa.func.count(Announcement.id))),
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
    )
    end_read()
    return rows


def end_read():
    """End the test thread's read transaction (SQLite holds its lock until then) without
    expiring the test's objects, as a rollback would."""
    db.session.commit()


# --- joining ---------------------------------------------------------------------------------


def test_joining_acks_the_whole_state_and_who_i_am(room, world):
    ack = room["delegate"].ack
    assert ack["state"]["deliberation"] == SLUG
    assert ack["state"]["current_item"] is None and ack["state"]["queue"] == []
    assert ack["me"] == {
        "user": world.users["delegate"].id,
        "member": world.memberships["delegate"].id,
        "group": "governments",
        "moderator": False,
    }
    assert room["moderator"].ack["me"]["moderator"] is True


def test_outsiders_cannot_join_and_a_deliberation_must_be_named(live, connect, world):
    outsider = connect(live.url, token=world.tokens["outsider"])
    ack = outsider.call("session:join", {"deliberation": SLUG})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert outsider.call("session:join", {})["error"]["field"] == "deliberation"
    assert outsider.call("session:join", {"deliberation": "nope"})["error"]["code"] == "not_found"
    assert outsider.call("session:join", ["x"])["error"]["code"] == "bad_payload"


def test_a_browser_session_cookie_joins_too(live, connect, world):
    client = connect(live.url, cookie=session_cookie(live.url, "observer@example.org"))
    assert acked(client, "session:join", {"deliberation": SLUG})["me"]["group"] is None


def test_presence_counts_the_sessions_followers_by_group(room, world):
    presence = room["moderator"].wait_for(
        "session:presence", lambda p: p["online"] == 3 and p["deliberation"] == SLUG
    )
    assert presence["by_group"] == {"civil_society": 1, "governments": 1}
    room["delegate2"].disconnect()
    presence = room["moderator"].wait_for("session:presence", lambda p: p["online"] == 2)
    assert presence["by_group"] == {"governments": 1}
    acked(room["delegate"], "session:leave", {"deliberation": SLUG})
    assert (
        room["moderator"].wait_for("session:presence", lambda p: p["online"] == 1)["by_group"] == {}
    )


# --- the current item and rounds reach everyone ----------------------------------------------


def test_a_current_item_change_reaches_everyone(room, world):
    ack = acked(room["moderator"], "session:current", {"item": world.item.id})
    assert ack["state"]["current_item"] == world.item.id
    for role in ("moderator", "delegate", "delegate2"):
        state = state_where(room[role], lambda s: s["current_item"] == world.item.id)
        assert state["item"]["title"] == "First item" and state["item"]["status"] == "open"
    acked(room["moderator"], "session:current", {"item": None})
    for role in ("delegate", "delegate2"):
        state_where(room[role], lambda s: s["current_item"] is None)


def test_rounds_carry_the_servers_end_time(room):
    before = utcnow()
    acked(room["moderator"], "round:start", {"title": "Opening statements", "seconds": 180})
    state = state_where(room["delegate"], lambda s: s["round"] is not None)
    ends_at = parse(state["round"]["ends_at"])
    assert state["round"]["title"] == "Opening statements"
    assert before + timedelta(seconds=179) <= ends_at <= utcnow() + timedelta(seconds=181)
    assert parse(state["server_time"]) <= ends_at

    acked(room["moderator"], "round:extend", {"seconds": 60})
    state = state_where(
        room["delegate2"],
        lambda s: s["round"] and parse(s["round"]["ends_at"]) > ends_at,
    )
    assert parse(state["round"]["ends_at"]) - ends_at == timedelta(seconds=60)

    acked(room["moderator"], "round:stop")
    state_where(room["delegate"], lambda s: s["round"] is None)


def test_bad_round_input_is_refused_in_the_ack(room):
    ack = room["moderator"].call("round:start", {"seconds": "soon"})
    assert ack["ok"] is False and ack["error"]["field"] == "seconds"
    ack = room["moderator"].call("round:extend", {"seconds": 30})
    assert ack["ok"] is False and ack["error"]["code"] == "no_round"


# --- the speakers' queue and the floor -------------------------------------------------------


def test_the_queue_in_plain_and_balanced_order_and_the_floor_reach_everyone(
    live, connect, room, world
):
    """Governments (share 2) have spoken four times, civil society (share 1) once, so the
    civil society delegate who asked last comes first in the balanced order."""
    gov2 = make_member(
        make_user("gov2@example.org", "Gil Gov"),
        world.deliberation,
        "delegate",
        world.groups["governments"],
    )
    gov2_token = make_token(gov2.user)
    for author, count in (
        (world.memberships["delegate"], 2),
        (gov2, 2),
        (world.memberships["delegate2"], 1),
    ):
        for _ in range(count):
            db.session.add(
                Post(item_id=world.item.id, author_id=author.id, body="x", language="en", path="")
            )
    db.session.commit()
    gil = connect(live.url, token=gov2_token)
    acked(gil, "session:join", {"deliberation": SLUG})
    dee, dora = world.memberships["delegate"].id, world.memberships["delegate2"].id

    acked(room["moderator"], "session:current", {"item": world.item.id})
    acked(room["delegate"], "floor:request", {"item": world.item.id})
    acked(gil, "floor:request", {"item": world.item.id})
    ack = acked(room["delegate2"], "floor:request", {"item": world.item.id})
    assert [e["member"] for e in ack["state"]["queue"]] == [dee, gov2.id, dora]

    state = state_where(room["moderator"], lambda s: len(s["queue"]) == 3)
    assert [(e["name"], e["group"]) for e in state["queue"]] == [
        ("Dee Delegate", "governments"),
        ("Gil Gov", "governments"),
        ("Dora Delegate", "civil_society"),
    ]
    assert state["balanced_order"] == [dora, dee, gov2.id]

    acked(room["moderator"], "floor:grant", {"member": dora})
    for client in (room["moderator"], room["delegate"], room["delegate2"], gil):
        granted = client.wait_for("floor:granted")
        assert (granted["member"], granted["name"], granted["group"]) == (
            dora,
            "Dora Delegate",
            "civil_society",
        )
        state = state_where(client, lambda s: s["speaker"] == dora)
        assert [e["member"] for e in state["queue"]] == [dee, gov2.id]
        assert state["speaking"]["name"] == "Dora Delegate"

    # Her next post is her intervention; the turn ends with it.
    post_ack = acked(room["delegate2"], "post", {"item": world.item.id, "body": "Our view"})
    state_where(room["delegate"], lambda s: s["speaker"] is None)
    marked = db.session.scalar(
        sa.select(Post.floor_intervention).where(Post.id == post_ack["post"]["id"])
    )
    end_read()
    assert marked is True

    acked(room["moderator"], "floor:skip", {"member": dee})
    acked(gil, "floor:withdraw", {"item": world.item.id})
    state = state_where(room["delegate"], lambda s: s["queue"] == [])
    assert state["balanced_order"] == []


def test_a_muted_or_observing_member_cannot_ask_for_the_floor(live, connect, room, world):
    acked(room["moderator"], "session:current", {"item": world.item.id})
    observer = joined(connect, live, world, "observer")
    ack = observer.call("floor:request", {"item": world.item.id})
    assert ack["ok"] is False and ack["error"]["code"] == "observer"
    requests.post(
        f"{live.url}/api/v1/deliberations/{SLUG}/session/members/"
        f"{world.memberships['delegate'].id}/mute",
        json={"muted": True},
        headers=world.headers("moderator"),
        timeout=10,
    ).raise_for_status()
    ack = room["delegate"].call("floor:request", {"item": world.item.id})
    assert ack["ok"] is False and ack["error"]["code"] == "muted"


def test_clearing_the_queue_reaches_everyone(room, world):
    acked(room["moderator"], "session:current", {"item": world.item.id})
    acked(room["delegate"], "floor:request", {"item": world.item.id})
    acked(room["delegate2"], "floor:request", {"item": world.item.id})
    ack = acked(room["moderator"], "floor:clear")
    assert ack["cleared"] == 2
    state_where(room["delegate"], lambda s: s["queue"] == [] and s["current_item"])


# --- announcements ---------------------------------------------------------------------------


def test_an_announcement_reaches_everyone_as_an_event_and_in_the_state(room):
    ack = acked(room["moderator"], "announce", {"text": "Break until 11:00", "language": "en"})
    for role in ("moderator", "delegate", "delegate2"):
        announcement = room[role].wait_for("announcement")
        assert announcement["id"] == ack["announcement"]["id"]
        assert (announcement["text"], announcement["language"], announcement["author"]) == (
            "Break until 11:00",
            "en",
            "Mo Moderator",
        )
        state = state_where(room[role], lambda s: s["announcement"] is not None)
        assert state["announcement"]["text"] == "Break until 11:00"


def test_a_moderator_clears_the_banner_for_everyone(room):
    ack = acked(room["moderator"], "announce", {"text": "Break until 11:00", "language": "en"})
    state_where(room["delegate"], lambda s: s["announcement"] is not None)
    cleared = acked(room["moderator"], "announce:clear", {})
    assert cleared["state"]["announcement"] is None
    assert state_where(room["delegate"], lambda s: s["announcement"] is None)["version"] > 0
    db.session.expire_all()
    kept = list(db.session.scalars(sa.select(Announcement.id)))
    db.session.remove()
    assert kept == [ack["announcement"]["id"]]  # the record keeps it


def test_hostile_text_travels_inert(room):
    acked(room["moderator"], "announce", {"text": "<script>alert(1)</script>"})
    assert room["delegate"].wait_for("announcement")["text"] == "<script>alert(1)</script>"


# --- refusals --------------------------------------------------------------------------------

MODERATOR_EVENTS = [
    ("session:current", lambda w: {"item": w.item.id}),
    ("round:start", lambda w: {"title": "Mine", "seconds": 60}),
    ("round:extend", lambda w: {"seconds": 60}),
    ("round:stop", lambda w: {}),
    ("floor:grant", lambda w: {"member": w.memberships["delegate2"].id}),
    ("floor:skip", lambda w: {"member": w.memberships["delegate2"].id}),
    ("floor:clear", lambda w: {}),
    ("announce", lambda w: {"text": "Hijacked", "language": "en"}),
    ("announce:clear", lambda w: {}),
]


def test_non_moderators_are_refused_every_moderator_event_and_nothing_changes(
    live, connect, room, world
):
    acked(room["moderator"], "session:current", {"item": world.item.id})
    acked(room["moderator"], "round:start", {"seconds": 300})
    acked(room["delegate2"], "floor:request", {"item": world.item.id})
    state_where(room["delegate2"], lambda s: len(s["queue"]) == 1)
    observer = joined(connect, live, world, "observer")
    drain(room["delegate2"])
    before = db_snapshot()
    for role, client in (("delegate", room["delegate"]), ("observer", observer)):
        for event, data in MODERATOR_EVENTS:
            ack = client.call(event, data(world))
            assert ack["ok"] is False, (role, event)
            assert ack["error"]["code"] == "forbidden", (role, event, ack)
    assert db_snapshot() == before
    assert room["delegate2"].received("session:state", wait=SILENCE) == []
    assert room["delegate2"].received("announcement", wait=0) == []


def test_a_moderator_of_another_deliberation_is_refused_here(live, connect, world):
    other = connect(live.url, token=world.tokens["other_moderator"])
    ack = other.call("session:current", {"item": world.item.id, "deliberation": SLUG})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert db_snapshot()[0] == []


def test_moderator_events_need_a_joined_session(live, connect, world):
    client = connect(live.url, token=world.tokens["moderator"])
    ack = client.call("round:start", {"seconds": 60})
    assert ack["ok"] is False and ack["error"]["code"] == "not_joined"
    assert acked(client, "round:start", {"seconds": 60, "deliberation": SLUG})["state"]["round"]


def test_a_read_only_token_may_follow_but_not_act(live, connect, world):
    token = make_token(world.users["moderator"], scope="read")
    db.session.commit()
    client = connect(live.url, token=token)
    acked(client, "session:join", {"deliberation": SLUG})
    ack = client.call("session:current", {"item": world.item.id})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


def test_events_stay_in_their_deliberations_room(live, connect, room, world):
    world.other.status = "open"
    db.session.commit()
    elsewhere = connect(live.url, token=world.tokens["other_moderator"])
    acked(elsewhere, "session:join", {"deliberation": "other-forum"})
    drain(elsewhere)
    acked(room["moderator"], "announce", {"text": "Only for ai-2026"})
    room["delegate"].wait_for("announcement")
    assert elsewhere.received("announcement") == []
    assert elsewhere.received("session:state", wait=0) == []


def test_changes_made_through_the_api_reach_the_sockets(live, room, world):
    response = requests.post(
        f"{live.url}/api/v1/deliberations/{SLUG}/session/current",
        json={"item": world.item.id},
        headers=world.headers("admin"),
        timeout=10,
    )
    assert response.status_code == 200
    state_where(room["delegate"], lambda s: s["current_item"] == world.item.id)


def test_closing_or_locking_the_current_item_through_the_api_reaches_the_sockets(live, room, world):
    acked(room["moderator"], "session:current", {"item": world.item.id})
    state_where(room["delegate"], lambda s: s["current_item"] == world.item.id)
    drain(room["delegate"])
    url = f"{live.url}/api/v1/items/{world.item.id}"

    response = requests.patch(
        url, json={"status": "closed"}, headers=world.headers("moderator"), timeout=10
    )
    assert response.status_code == 200
    state = state_where(room["delegate"], lambda s: s["item"]["status"] == "closed")
    assert state["current_item"] == world.item.id and state["item"]["locked"] is False

    response = requests.patch(
        url, json={"locked": True}, headers=world.headers("moderator"), timeout=10
    )
    assert response.status_code == 200
    state_where(room["delegate2"], lambda s: s["item"]["locked"] is True)


def test_a_refused_item_change_sends_no_state(live, room, world):
    acked(room["moderator"], "session:current", {"item": world.item.id})
    state_where(room["delegate"], lambda s: s["current_item"] == world.item.id)
    drain(room["delegate"])
    response = requests.patch(
        f"{live.url}/api/v1/items/{world.item.id}",
        json={"status": "closed"},
        headers=world.headers("delegate"),
        timeout=10,
    )
    assert response.status_code == 403
    assert room["delegate"].received("session:state", wait=SILENCE) == []


def test_states_carry_a_growing_version(room, world):
    first = acked(room["moderator"], "session:current", {"item": world.item.id})["state"]
    second = acked(room["moderator"], "round:start", {"seconds": 60})["state"]
    assert second["version"] > first["version"] > room["moderator"].ack["state"]["version"]


# --- restarts --------------------------------------------------------------------------------


@contextmanager
def served(database_path, tmp_path):
    """The app on the test's database file, served until the block ends."""
    app = create_app(base_config(f"sqlite:///{database_path}", tmp_path))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def test_the_state_survives_a_server_restart(connect, world, database_path, tmp_path):
    second = make_item(world.deliberation, "Second item")
    db.session.commit()
    with served(database_path, tmp_path) as first_server:
        moderator = joined(connect, first_server, world, "moderator")
        delegate = joined(connect, first_server, world, "delegate")
        acked(moderator, "session:current", {"item": second.id})
        acked(moderator, "round:start", {"title": "Before the restart", "seconds": 600})
        acked(delegate, "floor:request", {"item": second.id})
        acked(moderator, "announce", {"text": "We restart", "language": "en"})
        before = acked(moderator, "floor:grant", {"member": world.memberships["delegate"].id})
        moderator.disconnect()
        delegate.disconnect()

    with served(database_path, tmp_path) as second_server:
        delegate = joined(connect, second_server, world, "delegate2")
        after = delegate.ack["state"]
    assert comparable(after) == comparable(before["state"])
    assert after["current_item"] == second.id and after["round"]["title"] == "Before the restart"
    assert after["speaker"] == world.memberships["delegate"].id
    assert after["announcement"]["text"] == "We restart"


def test_a_removed_member_following_only_the_session_is_disconnected(live, room, world):
    response = requests.delete(
        f"{live.url}/api/v1/deliberations/{SLUG}/members/{world.memberships['delegate2'].id}",
        headers=world.headers("moderator"),
        timeout=10,
    )
    assert response.status_code == 204
    deadline = time.monotonic() + 10
    while room["delegate2"].sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not room["delegate2"].sio.connected
    assert room["delegate"].sio.connected
