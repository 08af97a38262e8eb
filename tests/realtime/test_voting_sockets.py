"""Voting over Socket.IO (DESIGN §5), with python-socketio clients against a real server:
the ``ballot`` event and its ack, the ``motion:open``, ``tally`` and ``motion:closed``
announcements to the item's room, and secret ballots that never travel."""

import json

import requests
import sqlalchemy as sa
from conftest import make_token

from commonground.db import db
from commonground.voting.models import Ballot

from .conftest import at_once, revoke_elsewhere, session_cookie

MAJORITY = {"kind": "majority"}


def api(live, world, method, path, role="moderator", **kwargs):
    return requests.request(
        method, f"{live.url}/api/v1{path}", headers=world.headers(role), timeout=10, **kwargs
    )


def watch(client, world):
    """Join the world's item room, as the pages do."""
    ack = client.call("join", {"item": world.item.id, "after": 2147483647})
    assert ack["ok"], ack


def new_motion(live, world, *, secret=False, rule=MAJORITY, open_it=True) -> int:
    response = api(
        live,
        world,
        "POST",
        f"/items/{world.item.id}/motions",
        json={"text": "Adopt the plan.", "rule": rule, "secret": secret},
    )
    assert response.status_code == 201, response.text
    motion_id = response.json()["id"]
    if open_it:
        assert api(live, world, "POST", f"/motions/{motion_id}/open").status_code == 200
    return motion_id


def vote(client, motion_id, choice):
    return client.call("ballot", {"motion": motion_id, "choice": choice})


# --- the ballot event ------------------------------------------------------------------------


def test_a_ballot_through_the_socket_is_acked_with_the_voters_receipt(live, connect, world):
    delegate = connect(live.url, token=world.tokens["delegate"])
    motion_id = new_motion(live, world)
    first = vote(delegate, motion_id, "yes")
    assert first["ok"], first
    assert (first["ballot"]["choice"], first["ballot"]["sequence"]) == ("yes", 1)
    second = vote(delegate, motion_id, "abstain")
    assert (second["ballot"]["choice"], second["ballot"]["sequence"]) == ("abstain", 2)
    assert second["ballot"]["receipt"] != first["ballot"]["receipt"]
    # The same ballot, the same receipt, over HTTP.
    own = api(live, world, "GET", f"/motions/{motion_id}/ballot", "delegate").json()
    assert own == second["ballot"]


def test_socket_refusals_come_back_in_the_ack(live, connect, world):
    motion_id = new_motion(live, world)
    observer = connect(live.url, token=world.tokens["observer"])
    delegate = connect(live.url, token=world.tokens["delegate"])
    outsider = connect(live.url, token=world.tokens["other_moderator"])

    def error(ack):
        assert ack["ok"] is False, ack
        return ack["error"]

    assert error(vote(observer, motion_id, "yes"))["code"] == "not_a_voter"
    assert error(vote(outsider, motion_id, "yes"))["code"] == "forbidden"
    refused = error(vote(delegate, motion_id, "block"))
    assert (refused["code"], refused["field"]) == ("invalid", "choice")
    assert error(delegate.call("ballot", {"motion": "one", "choice": "yes"}))["field"] == "motion"
    assert error(delegate.call("ballot", ["not", "an", "object"]))["code"] == "bad_payload"
    assert error(vote(delegate, 9999, "yes"))["code"] == "not_found"
    draft = new_motion(live, world, open_it=False)
    assert error(vote(delegate, draft, "yes"))["code"] == "not_found"  # drafts are unseen
    api(live, world, "POST", f"/motions/{motion_id}/close")
    assert error(vote(delegate, motion_id, "yes"))["code"] == "motion_not_open"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 0


def test_a_read_only_token_cannot_vote_through_the_socket(live, connect, world):
    token = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    motion_id = new_motion(live, world)
    client = connect(live.url, token=token)
    ack = vote(client, motion_id, "yes")
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


# --- announcements ---------------------------------------------------------------------------


def test_opening_a_motion_is_announced_with_its_empty_tally(live, connect, world):
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    motion_id = new_motion(live, world)
    opened = observer.wait_for("motion:open")
    assert (opened["id"], opened["item"], opened["status"], opened["voters"]) == (
        motion_id,
        world.item.id,
        "open",
        2,
    )
    assert opened["tally"]["ballots"] == 0 and opened["tally"]["outcome"] == "rejected"


def test_every_ballot_sends_the_room_a_fresh_tally(live, connect, world):
    observer = connect(live.url, token=world.tokens["observer"])
    delegate = connect(live.url, token=world.tokens["delegate"])
    watch(observer, world)
    motion_id = new_motion(live, world)
    vote(delegate, motion_id, "yes")
    tally = observer.wait_for("tally", lambda t: t["casts"] == 1)
    assert (tally["motion"], tally["yes"], tally["support"]) == (motion_id, 1, "1")
    # A ballot cast over HTTP is announced too.
    assert api(
        live, world, "PUT", f"/motions/{motion_id}/ballot", "delegate2", json={"choice": "no"}
    ).ok
    tally = observer.wait_for("tally", lambda t: t["casts"] == 2)
    assert (tally["yes"], tally["no"], tally["support"]) == (1, 1, "2/3")
    assert tally == api(live, world, "GET", f"/motions/{motion_id}/tally", "observer").json()


def test_closing_is_announced_with_the_frozen_result(live, connect, world):
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    motion_id = new_motion(live, world)
    api(live, world, "PUT", f"/motions/{motion_id}/ballot", "delegate", json={"choice": "yes"})
    closed = api(live, world, "POST", f"/motions/{motion_id}/close").json()
    event = observer.wait_for("motion:closed")
    assert event["id"] == motion_id and event["status"] == "closed"
    assert event["result"] == closed["result"]
    assert event["result"]["outcome"] == "adopted"


def test_announcements_stay_in_their_items_room(live, connect, world):
    from conftest import make_item

    elsewhere = make_item(world.deliberation, "Another item")
    db.session.commit()
    observer = connect(live.url, token=world.tokens["observer"])
    ack = observer.call("join", {"item": elsewhere.id, "after": 2147483647})
    assert ack["ok"]
    motion_id = new_motion(live, world)
    api(live, world, "PUT", f"/motions/{motion_id}/ballot", "delegate", json={"choice": "yes"})
    assert observer.received("motion:open") == [] and observer.received("tally") == []


def test_parallel_socket_ballots_of_one_delegate_leave_one_ballot(live, connect, world):
    motion_id = new_motion(live, world)
    sockets = {n: connect(live.url, token=world.tokens["delegate"]) for n in range(8)}
    acks = list(
        at_once(sockets, lambda n, client: vote(client, motion_id, ["yes", "no"][n % 2])).values()
    )
    assert all(ack and ack["ok"] for ack in acks), acks
    assert sorted(ack["ballot"]["sequence"] for ack in acks) == list(range(1, 9))
    db.session.rollback()
    rows = db.session.scalars(sa.select(Ballot).where(Ballot.motion_id == motion_id)).all()
    assert len(rows) == 1 and rows[0].sequence == 8


def test_ballots_sent_together_are_each_judged_and_answered_alone(live, connect, world):
    """Group commit (issue 15): casts that arrive together share one transaction, yet each
    socket's user is read afresh and each cast keeps its own answer — a cookie session
    and a token vote, a read-only token, a token revoked since it connected and a member
    outside the electorate are refused — over several bursts."""
    read_only = make_token(world.users["delegate2"], scope="read")
    revoked = make_token(world.users["delegate"])
    db.session.commit()
    motion_id = new_motion(live, world)
    sockets = {
        "token": connect(live.url, token=world.tokens["delegate"]),
        "cookie": connect(live.url, cookie=session_cookie(live.url, "delegate2@example.org")),
        "read_only": connect(live.url, token=read_only),
        "revoked": connect(live.url, token=revoked),
        "not_a_voter": connect(live.url, token=world.tokens["moderator"]),
    }
    revoke_elsewhere(revoked)  # after it connected
    for burst, choice in enumerate(["yes", "no", "abstain"], start=1):
        acks = at_once(sockets, lambda name, client, choice=choice: vote(client, motion_id, choice))
        for name in ("token", "cookie"):
            assert acks[name]["ok"], acks[name]
            assert (acks[name]["ballot"]["choice"], acks[name]["ballot"]["sequence"]) == (
                choice,
                burst,
            )
        codes = {
            name: acks[name]["error"]["code"] for name in ("read_only", "revoked", "not_a_voter")
        }
        assert codes == {
            "read_only": "forbidden",
            "revoked": "unauthorized",
            "not_a_voter": "not_a_voter",
        }
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Ballot.membership_id, Ballot.choice, Ballot.sequence).where(
            Ballot.motion_id == motion_id
        )
    ).all()
    assert sorted(rows) == sorted(
        [
            (world.memberships["delegate"].id, "abstain", 3),
            (world.memberships["delegate2"].id, "abstain", 3),
        ]
    )


def test_a_socket_that_may_not_vote_hears_so_before_a_missing_motion(live, connect, world):
    read_only = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    acks = at_once(
        {
            "watcher": connect(live.url, token=read_only),
            "voter": connect(live.url, token=world.tokens["delegate"]),
        },
        lambda name, client: vote(client, 999, "yes"),
    )
    assert acks["watcher"]["error"]["code"] == "forbidden"
    assert acks["voter"]["error"]["code"] == "not_found"


# --- secret ballots never travel ---------------------------------------------------------------


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_a_secret_ballot_is_never_in_any_room_event(live, connect, world):
    watchers = {
        role: connect(live.url, token=world.tokens[role])
        for role in ("observer", "moderator", "admin", "delegate2")
    }
    for client in watchers.values():
        watch(client, world)
    delegate = connect(live.url, token=world.tokens["delegate"])
    motion_id = new_motion(live, world, secret=True)
    mine = vote(delegate, motion_id, "no")["ballot"]
    vote(watchers["delegate2"], motion_id, "yes")
    received = {
        role: [client.wait_for("tally", lambda t: t["casts"] == 2)]
        for role, client in watchers.items()
    }
    api(live, world, "POST", f"/motions/{motion_id}/close")

    secret_words = {
        world.users["delegate"].name,
        world.users["delegate2"].name,
        world.users["delegate"].email,
        mine["receipt"],
    }
    for role, client in watchers.items():
        everything = received[role]
        everything.append(client.wait_for("motion:closed"))
        everything.append(client.wait_for("motion:open", timeout=1))
        everything += client.received("tally", wait=0.3)
        # While open: the number of ballots, nothing per choice; the figures come at close.
        live_tally = everything[0]
        assert live_tally["sealed"] is True and live_tally["ballots"] == 2, role
        assert not set(live_tally) & {"yes", "no", "abstain", "block", "groups", "support"}
        result = everything[1]["result"]
        assert result["yes"] == 1 and result["no"] == 1, role
        for payload in everything:
            text = json.dumps(payload, ensure_ascii=False)
            for word in secret_words:
                assert word not in text, (role, word)
            assert not _keys(payload) & {
                "member",
                "membership",
                "membership_id",
                "voter",
                "receipt",
                "user",
            }, role


def test_a_burst_of_ballots_is_coalesced_into_few_tallies_ending_complete(serve, connect, world):
    live = serve(VOTING_TALLY_INTERVAL=2.0)
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    delegate = connect(live.url, token=world.tokens["delegate"])
    motion_id = new_motion(live, world)
    for choice in ["yes", "no"] * 4:
        assert vote(delegate, motion_id, choice)["ok"]
    last = observer.wait_for("tally", lambda t: t["casts"] == 8)
    assert (last["no"], last["yes"], last["ballots"]) == (1, 0, 1)
    earlier = observer.received("tally", wait=0.5)
    assert len(earlier) <= 3  # not one per cast
    assert all(t["casts"] < 8 for t in earlier)
