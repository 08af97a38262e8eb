"""The live discussion (DESIGN §5) with python-socketio clients against a real server on a
real port: delivery, replies, catch-up, rooms, presence, typing, and the socket's security
(credentials, origins, payload size, rate limit, rights re-read at every event)."""

import time

import pytest
import requests
import socketio
import sqlalchemy as sa
from conftest import make_item, make_token

from commonground.accounts.models import ApiToken
from commonground.db import db, utcnow
from commonground.discussion.models import Post

from .conftest import (
    at_once,
    page_csrf_token,
    revoke_elsewhere,
    session_cookie,
    signed_in_browser,
)


def join(client, item, **extra):
    ack = client.call("join", {"item": item.id, **extra})
    assert ack["ok"], ack
    return ack


def say(client, item, body, parent=None, language=None):
    return client.call(
        "post", {"item": item.id, "body": body, "parent": parent, "language": language}
    )


def api(live, world, method, path, role="moderator", **kwargs):
    return requests.request(
        method, f"{live.url}/api/v1{path}", headers=world.headers(role), timeout=10, **kwargs
    )


# --- who may connect --------------------------------------------------------------------------


def test_a_socket_without_credentials_is_refused(live, connect):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url)


@pytest.mark.parametrize("token", ["cg_not-a-real-token", "", 42])
def test_a_socket_with_a_bad_token_is_refused(live, connect, token):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, token=token) if token != 42 else connect_with_auth(live, {"token": 42})


def connect_with_auth(live, auth):
    sio = socketio.Client(reconnection=False)
    sio.connect(live.url, auth=auth, transports=["websocket"], wait_timeout=5)


def test_a_revoked_token_is_refused(live, connect, world):
    db.session.execute(sa.update(ApiToken).values(revoked_at=utcnow()))
    db.session.commit()
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, token=world.tokens["delegate"])


def test_a_forged_session_cookie_is_refused(live, connect):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, cookie="eyJfdXNlcl9pZCI6IjE6eCJ9.forged.signature")


def test_the_session_cookie_of_a_signed_in_browser_is_accepted(live, connect, world):
    client = connect(live.url, cookie=session_cookie(live.url, "delegate@example.org"))
    ack = join(client, world.item)
    assert ack["me"]["member"] == world.memberships["delegate"].id


def test_signing_out_ends_the_sockets_rights_at_its_next_event(live, connect, world):
    browser = signed_in_browser(live.url, "delegate@example.org")
    # Not in any item, so not closed at sign-out (see the test below): still refused.
    client = connect(live.url, cookie=browser.cookies["session"])
    token = page_csrf_token(browser, f"{live.url}/")
    response = browser.post(f"{live.url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert response.status_code in (302, 303)
    ack = say(client, world.item, "Still here?")
    assert ack == {"ok": False, "error": ack["error"]} and ack["error"]["code"] == "unauthorized"


def test_polling_transport_works_too(live, connect, world):
    client = connect(live.url, token=world.tokens["delegate"], transport="polling")
    assert say(client, world.item, "Over long-polling")["ok"]


# --- origins ----------------------------------------------------------------------------------


def test_a_foreign_origin_is_refused_even_with_a_valid_token(live, connect, world):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, token=world.tokens["delegate"], origin="https://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, cookie=session_cookie(live.url, "delegate@example.org"), origin="null")


def test_the_same_origin_is_accepted(live, connect, world):
    client = connect(live.url, token=world.tokens["delegate"], origin=live.url)
    assert join(client, world.item)
    polling = connect(
        live.url, token=world.tokens["delegate"], origin=live.url, transport="polling"
    )
    assert join(polling, world.item)


def test_a_foreign_origin_is_refused_over_long_polling_too(live, connect, world):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(
            live.url,
            token=world.tokens["delegate"],
            origin="https://evil.example",
            transport="polling",
        )


def test_scripts_without_an_origin_are_judged_by_their_credential_alone(live, connect, world):
    assert join(connect(live.url, token=world.tokens["delegate"], origin=""), world.item)
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, origin="")


def test_configured_origins_are_accepted_and_a_star_is_ignored(serve, connect, world):
    live = serve(SOCKETIO_ALLOWED_ORIGINS=["https://forum.example.org", "*"])
    assert connect(live.url, token=world.tokens["delegate"], origin="https://forum.example.org")
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, token=world.tokens["delegate"], origin="https://evil.example")


# --- live delivery ----------------------------------------------------------------------------


def test_a_post_reaches_the_other_client_in_the_item(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    bob = connect(live.url, token=world.tokens["delegate2"])
    join(alice, world.item)
    join(bob, world.item)
    ack = say(bob, world.item, "Hello *Alice*", language="en")
    assert ack["ok"] and ack["post"]["html"] == "<p>Hello <em>Alice</em></p>"
    received = alice.wait_for("post:new")
    assert received["id"] == ack["post"]["id"]
    assert received["author"]["name"] == "Dora Delegate"
    assert received["author"]["group"] == "civil_society"


def test_posts_sent_together_are_each_judged_and_delivered_once(live, connect, world):
    """Group commit (issue 15): posts that arrive together share one transaction, each in a
    savepoint — token and cookie posts go through, a read-only token, a token revoked since
    it connected, an outsider and an empty body are refused alone — and the room receives
    every accepted post once, in the order of their ids."""
    read_only = make_token(world.users["delegate2"], scope="read")
    revoked = make_token(world.users["delegate"])
    outsider = make_token(world.users["outsider"])
    db.session.commit()
    watcher = connect(live.url, token=world.tokens["observer"])
    join(watcher, world.item)
    sockets = {
        "token": connect(live.url, token=world.tokens["delegate"]),
        "cookie": connect(live.url, cookie=session_cookie(live.url, "delegate2@example.org")),
        "moderator": connect(live.url, token=world.tokens["moderator"]),
        "read_only": connect(live.url, token=read_only),
        "revoked": connect(live.url, token=revoked),
        "outsider": connect(live.url, token=outsider),
        "empty": connect(live.url, token=world.tokens["delegate2"]),
    }
    revoke_elsewhere(revoked)  # after it connected
    accepted = []
    for burst in range(3):
        acks = at_once(
            sockets,
            lambda name, client, burst=burst: say(
                client, world.item, "" if name == "empty" else f"{name} {burst}"
            ),
        )
        for name in ("token", "cookie", "moderator"):
            assert acks[name]["ok"], acks[name]
            assert acks[name]["post"]["body"] == f"{name} {burst}"
            accepted.append(acks[name]["post"]["id"])
        codes = {name: acks[name]["error"]["code"] for name in sockets if not acks[name]["ok"]}
        assert codes == {
            "read_only": "forbidden",
            "revoked": "unauthorized",
            "outsider": "forbidden",
            "empty": "invalid",
        }
    delivered = [watcher.wait_for("post:new")["id"] for _ in accepted]
    assert delivered == sorted(accepted)
    assert watcher.received("post:new") == []
    db.session.rollback()
    assert sorted(db.session.scalars(sa.select(Post.id))) == sorted(accepted)


def test_a_grouped_refusal_speaks_the_posters_language(live, connect, world):
    """A post carried out in someone else's group is refused in its own poster's language
    (a cookie session: the user's locale is read after the group, without a write lock)."""
    world.users["delegate2"].locale = "fr"
    db.session.commit()
    french = connect(live.url, cookie=session_cookie(live.url, "delegate2@example.org"))
    english = connect(live.url, token=world.tokens["delegate"])
    acks = at_once({"fr": french, "en": english}, lambda name, client: say(client, world.item, ""))
    refused = api(
        live, world, "POST", f"/items/{world.item.id}/posts", "delegate2", json={"body": ""}
    )
    assert acks["fr"]["error"]["message"] == refused.json()["error"]["message"]
    assert acks["fr"]["error"]["message"] != acks["en"]["error"]["message"]


def test_a_token_socket_reads_in_its_users_own_language(live, connect, world):
    """A socket opened with a token reads in the language its user chose, as the API and
    the pages do for them, whatever the connection's headers ask for: the join's posts name
    their author's group in it."""
    world.groups["governments"].name_translations = {"fr": "Gouvernements"}
    world.users["observer"].locale = "fr"
    db.session.commit()
    author = connect(live.url, token=world.tokens["delegate"])
    assert say(author, world.item, "Bonjour")["ok"]
    french = connect(live.url, token=world.tokens["observer"])
    english = connect(live.url, token=world.tokens["delegate2"])
    assert join(french, world.item)["posts"][0]["author"]["group_name"] == "Gouvernements"
    assert join(english, world.item)["posts"][0]["author"]["group_name"] == "Governments"


def test_a_socket_that_may_not_post_hears_so_before_a_missing_item(live, connect, world):
    read_only = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    watcher = connect(live.url, token=read_only)
    writer = connect(live.url, token=world.tokens["delegate"])
    acks = at_once(
        {"watcher": watcher, "writer": writer},
        lambda name, client: client.call("post", {"item": 999, "body": "Lost."}),
    )
    assert acks["watcher"]["error"]["code"] == "forbidden"
    assert acks["writer"]["error"]["code"] == "not_found"


def test_replies_arrive_with_their_parent(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    bob = connect(live.url, token=world.tokens["delegate2"])
    join(alice, world.item)
    join(bob, world.item)
    first = say(alice, world.item, "A question")["post"]
    reply = say(bob, world.item, "An answer", parent=first["id"])["post"]
    nested = say(alice, world.item, "A follow-up", parent=reply["id"])["post"]
    got = alice.wait_for("post:new", lambda p: p["id"] == reply["id"])
    assert got["parent"] == first["id"] and got["depth"] == 1
    got = bob.wait_for("post:new", lambda p: p["id"] == nested["id"])
    assert got["parent"] == reply["id"] and got["path"].startswith(first["path"] + "/")


def test_posts_made_through_the_api_reach_the_sockets(live, connect, world):
    watcher = connect(live.url, token=world.tokens["observer"])
    join(watcher, world.item)
    response = api(
        live, world, "POST", f"/items/{world.item.id}/posts", "delegate", json={"body": "Via HTTP"}
    )
    assert response.status_code == 201
    assert watcher.wait_for("post:new")["body"] == "Via HTTP"


def test_edits_hides_translations_and_locks_update_every_viewer(live, connect, world):
    watcher = connect(live.url, token=world.tokens["observer"])
    join(watcher, world.item)
    created = api(
        live, world, "POST", f"/items/{world.item.id}/posts", "delegate", json={"body": "Draft"}
    ).json()
    api(live, world, "PATCH", f"/posts/{created['id']}", "delegate", json={"body": "Final"})
    assert watcher.wait_for("post:edit")["body"] == "Final"
    api(
        live,
        world,
        "POST",
        f"/posts/{created['id']}/translations",
        "delegate2",
        json={"language": "fr", "body": "Définitif"},
    )
    assert watcher.wait_for("post:edit")["translations"]["fr"]["body"] == "Définitif"
    api(live, world, "POST", f"/posts/{created['id']}/hide", json={"reason": "Off topic"})
    hidden = watcher.wait_for("post:hidden")
    assert hidden["hidden"] and hidden["body"] == "Hidden by moderator: Off topic"
    assert "Final" not in str(hidden) and "Définitif" not in str(hidden)
    api(live, world, "POST", f"/items/{world.item.id}/lock", json={"locked": True})
    assert watcher.wait_for("item:status") == {
        "item": world.item.id,
        "status": "open",
        "locked": True,
    }


def test_hidden_content_reaches_moderators_only_when_they_ask(live, connect, world):
    created = api(
        live,
        world,
        "POST",
        f"/items/{world.item.id}/posts",
        "delegate",
        json={"body": "Rude words"},
    ).json()
    api(live, world, "POST", f"/posts/{created['id']}/hide", json={"reason": "Rude"})
    delegate = connect(live.url, token=world.tokens["delegate2"])
    moderator = connect(live.url, token=world.tokens["moderator"])
    assert "Rude words" not in str(join(delegate, world.item)["posts"])
    seen = join(moderator, world.item)["posts"][0]
    assert seen["body"] == "Rude words" and seen["hidden_by"] == "Mo Moderator"


def test_hostile_markdown_travels_inert(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    bob = connect(live.url, token=world.tokens["delegate2"])
    join(bob, world.item)
    hostile = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> "
        "[click](javascript:alert(3)) <a href=# onclick=alert(4)>x</a>"
    )
    ack = say(alice, world.item, hostile)
    for html in (ack["post"]["html"], bob.wait_for("post:new")["html"]):
        assert "<script" not in html and "<img" not in html and "<a href=#" not in html
        assert 'href="javascript' not in html and "onerror=alert" not in html.replace(
            "&lt;img src=x onerror=alert(2)&gt;", ""
        )


# --- catch-up after a dropped connection --------------------------------------------------------


def test_a_reconnecting_client_gets_everything_it_missed_and_nothing_twice(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    first = join(alice, world.item)
    assert first["posts"] == []
    mine = say(alice, world.item, "Before the drop")["post"]
    last_seen, since = mine["id"], first["server_time"]
    alice.disconnect()

    bob = connect(live.url, token=world.tokens["delegate2"])
    join(bob, world.item)
    missed = [say(bob, world.item, f"Missed {n}")["post"] for n in range(3)]
    missed.append(say(bob, world.item, "Missed reply", parent=mine["id"])["post"])
    api(live, world, "POST", f"/posts/{missed[0]['id']}/hide", json={"reason": "Spam"})

    alice = connect(live.url, token=world.tokens["delegate"])
    ack = join(alice, world.item, after=last_seen, since=since)
    ids = [p["id"] for p in ack["posts"]]
    assert sorted(ids) == sorted(p["id"] for p in missed)
    assert len(ids) == len(set(ids))
    by_id = {p["id"]: p for p in ack["posts"]}
    assert by_id[missed[0]["id"]]["hidden"] and "Missed 0" not in by_id[missed[0]["id"]]["body"]
    assert by_id[missed[3]["id"]]["parent"] == mine["id"]
    # Thread order: each parent before its replies.
    assert ids.index(missed[3]["id"]) < ids.index(missed[1]["id"])


def test_a_reconnecting_client_learns_of_edits_to_posts_it_had(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    first = join(alice, world.item)
    mine = say(alice, world.item, "Old words")["post"]
    since = first["server_time"]
    alice.disconnect()
    api(live, world, "PATCH", f"/posts/{mine['id']}", "delegate", json={"body": "New words"})
    alice = connect(live.url, token=world.tokens["delegate"])
    ack = join(alice, world.item, after=mine["id"], since=since)
    assert [p["body"] for p in ack["posts"]] == ["New words"]


# --- rooms, presence, typing --------------------------------------------------------------------


def test_posts_stay_in_their_items_room(live, connect, world):
    other_item = make_item(world.deliberation, "Second item")
    db.session.commit()
    first_room = connect(live.url, token=world.tokens["delegate"])
    second_room = connect(live.url, token=world.tokens["delegate2"])
    join(first_room, world.item)
    join(second_room, other_item)
    say(second_room, other_item, "Only for the second item")
    assert second_room.wait_for("post:new")["item"] == other_item.id
    assert first_room.received("post:new") == []


def test_outsiders_cannot_join_an_items_room(live, connect, world):
    outsider = connect(live.url, token=world.tokens["outsider"])
    ack = outsider.call("join", {"item": world.item.id})
    assert ack == {"ok": False, "error": ack["error"]} and ack["error"]["code"] == "forbidden"
    api(live, world, "POST", f"/items/{world.item.id}/posts", "delegate", json={"body": "Private"})
    assert outsider.received("post:new") == []
    assert not outsider.call("post", {"item": world.item.id, "body": "Let me in"})["ok"]


def test_presence_counts_who_is_online_by_group(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    assert join(alice, world.item)["presence"]["online"] == 1
    bob = connect(live.url, token=world.tokens["delegate2"])
    second_tab = connect(live.url, token=world.tokens["delegate2"])
    join(bob, world.item)
    ack = join(second_tab, world.item)
    assert ack["presence"]["online"] == 2  # one person, two tabs: counted once
    assert ack["presence"]["by_group"] == {"civil_society": 1, "governments": 1}
    presence = alice.wait_for("presence", lambda p: p["online"] == 2)
    assert presence == {
        "item": world.item.id,
        "online": 2,
        "by_group": {"civil_society": 1, "governments": 1},
    }
    names = alice.call("presence:members", {"item": world.item.id})
    assert [m["name"] for m in names["members"]] == ["Dee Delegate", "Dora Delegate"]
    bob.disconnect()
    second_tab.disconnect()
    assert alice.wait_for("presence", lambda p: p["online"] == 1)["by_group"] == {"governments": 1}


def test_typing_is_shown_to_the_others_only(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    bob = connect(live.url, token=world.tokens["delegate2"])
    join(alice, world.item)
    join(bob, world.item)
    assert bob.call("typing", {"item": world.item.id})["ok"]
    typing = alice.wait_for("typing")
    assert typing["name"] == "Dora Delegate" and typing["group"] == "civil_society"
    assert bob.received("typing") == []


def test_observers_do_not_type(live, connect, world):
    observer = connect(live.url, token=world.tokens["observer"])
    join(observer, world.item)
    assert observer.call("typing", {"item": world.item.id})["error"]["code"] == "observer"


# --- rights re-read at every event ----------------------------------------------------------------


def test_a_role_change_takes_effect_mid_connection(live, connect, world):
    client = connect(live.url, token=world.tokens["delegate"])
    join(client, world.item)
    assert say(client, world.item, "As a delegate")["ok"]

    membership = world.memberships["delegate"]
    membership.role = "observer"
    db.session.commit()
    ack = say(client, world.item, "As an observer")
    assert not ack["ok"] and ack["error"]["code"] == "observer"

    membership.role = "delegate"
    membership.muted = True
    db.session.commit()
    assert say(client, world.item, "Muted")["error"]["code"] == "muted"


def test_a_removed_member_loses_the_discussion_mid_connection(live, connect, world):
    client = connect(live.url, token=world.tokens["delegate2"])
    join(client, world.item)
    db.session.delete(world.memberships["delegate2"])
    db.session.commit()
    assert say(client, world.item, "Removed")["error"]["code"] == "forbidden"
    assert client.call("join", {"item": world.item.id})["error"]["code"] == "forbidden"
    assert client.call("typing", {"item": world.item.id})["error"]["code"] == "forbidden"


def test_a_promotion_to_moderator_shows_hidden_content_at_the_next_join(live, connect, world):
    created = api(
        live,
        world,
        "POST",
        f"/items/{world.item.id}/posts",
        "delegate2",
        json={"body": "Secret words"},
    ).json()
    api(live, world, "POST", f"/posts/{created['id']}/hide", json={"reason": "Later"})
    client = connect(live.url, token=world.tokens["delegate"])
    assert "Secret words" not in str(join(client, world.item))
    world.memberships["delegate"].role = "moderator"
    db.session.commit()
    assert "Secret words" in str(join(client, world.item)["posts"])


def test_a_token_revoked_mid_connection_stops_working(live, connect, world):
    client = connect(live.url, token=world.tokens["delegate"])
    join(client, world.item)
    db.session.execute(sa.update(ApiToken).values(revoked_at=utcnow()))
    db.session.commit()
    assert say(client, world.item, "After revocation")["error"]["code"] == "unauthorized"


def submit_as_delegate(live, path: str, form_page: str):
    """Post a page's form (its CSRF token only) signed in as the delegate."""
    browser = signed_in_browser(live.url, "delegate@example.org")
    response = browser.post(
        f"{live.url}{path}",
        data={"csrf_token": page_csrf_token(browser, f"{live.url}{form_page}")},
        allow_redirects=False,
    )
    assert response.status_code in (302, 303)
    return browser


def wait_until_disconnected(client, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while client.sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)


def test_revoking_a_token_closes_its_sockets_so_broadcasts_stop(live, connect, world):
    scripted = connect(live.url, token=world.tokens["delegate"])
    other = connect(live.url, token=world.tokens["delegate2"])
    join(scripted, world.item)
    join(other, world.item)
    token_id = db.session.scalar(
        sa.select(ApiToken.id).where(ApiToken.user_id == world.users["delegate"].id)
    )
    db.session.rollback()  # the server's write below needs SQLite's lock
    submit_as_delegate(live, f"/account/tokens/{token_id}/revoke", "/account/tokens")
    wait_until_disconnected(scripted)
    assert not scripted.sio.connected
    assert other.sio.connected  # another member's socket stays
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, token=world.tokens["delegate"])


def test_signing_out_closes_the_sockets_of_the_session(live, connect, world):
    watching = connect(live.url, cookie=session_cookie(live.url, "delegate@example.org"))
    join(watching, world.item)
    submit_as_delegate(live, "/logout", "/")  # signing out ends every session of the account
    wait_until_disconnected(watching)
    assert not watching.sio.connected


def test_a_read_only_token_may_watch_but_not_post(live, connect, world):
    token = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    client = connect(live.url, token=token)
    join(client, world.item)
    assert say(client, world.item, "Nope")["error"]["code"] == "forbidden"


def test_a_closed_item_refuses_socket_posts(live, connect, world):
    client = connect(live.url, token=world.tokens["delegate"])
    join(client, world.item)
    world.item.status = "closed"
    db.session.commit()
    assert say(client, world.item, "Too late")["error"]["code"] == "item_closed"


# --- limits ------------------------------------------------------------------------------------


def test_a_payload_above_the_limit_is_refused(serve, connect, world):
    live = serve(SOCKETIO_MAX_PAYLOAD=4096)
    client = connect(live.url, token=world.tokens["delegate"])
    join(client, world.item)
    assert say(client, world.item, "x" * 3000)["ok"]
    with pytest.raises(socketio.exceptions.TimeoutError):
        client.call("post", {"item": world.item.id, "body": "x" * 5000}, timeout=3)
    # The server dropped the connection, and stored nothing.
    db.session.rollback()
    from commonground.discussion.models import Post

    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 1
    db.session.rollback()


def test_a_body_over_20000_characters_is_refused_in_the_ack(serve, connect, world):
    live = serve(SOCKETIO_MAX_PAYLOAD=256 * 1024)
    client = connect(live.url, token=world.tokens["delegate"])
    ack = say(client, world.item, "x" * 20_001)
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "body"


def test_posting_too_fast_is_refused_in_the_ack(serve, connect, world):
    live = serve(POST_RATE_LIMIT="3/60")
    client = connect(live.url, token=world.tokens["delegate"])
    assert all(say(client, world.item, f"Post {n}")["ok"] for n in range(3))
    ack = say(client, world.item, "One too many")
    assert ack["error"]["code"] == "rate_limited" and "3" in ack["error"]["message"]
    # The limit counts across channels: the API refuses this member too.
    response = api(
        live, world, "POST", f"/items/{world.item.id}/posts", "delegate", json={"body": "x"}
    )
    assert response.status_code == 429
    other = connect(live.url, token=world.tokens["delegate2"])
    assert say(other, world.item, "Someone else")["ok"]


@pytest.mark.parametrize(
    ("event", "data", "code"),
    [
        ("join", "item 1", "bad_payload"),
        ("join", {}, "invalid"),
        ("join", {"item": "one"}, "invalid"),
        ("join", {"item": 999}, "not_found"),
        ("join", {"item": 1, "after": -1}, "invalid"),
        ("join", {"item": 1, "since": "yesterday"}, "invalid"),
        ("post", ["body"], "bad_payload"),
        ("post", {"item": 1, "body": ""}, "invalid"),
        ("post", {"item": 1, "body": "x", "parent": 999}, "invalid"),
        ("typing", None, "invalid"),
    ],
)
def test_malformed_events_get_an_error_ack(live, connect, world, event, data, code):
    client = connect(live.url, token=world.tokens["delegate"])
    ack = client.call(event, data)
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert ack["error"]["message"]


def test_services_can_close_every_socket_of_a_user_whose_access_ends(live, connect, world):
    from commonground.realtime import disconnect_user

    client = connect(live.url, token=world.tokens["delegate"])
    second_tab = connect(live.url, token=world.tokens["delegate"])
    other = connect(live.url, token=world.tokens["delegate2"])
    for socket_client in (client, second_tab, other):
        join(socket_client, world.item)
    with live.app.app_context():
        assert disconnect_user(world.users["delegate"].id) == 2
    deadline = time.monotonic() + 5
    while (client.sio.connected or second_tab.sio.connected) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not client.sio.connected and not second_tab.sio.connected
    assert other.sio.connected


def test_a_flood_of_typing_or_joins_is_cut_short(serve, connect, world):
    live = serve(TYPING_RATE_LIMIT="2/60", JOIN_RATE_LIMIT="2/60")
    client = connect(live.url, token=world.tokens["delegate"])
    acks = [client.call("typing", {"item": world.item.id}) for _ in range(3)]
    assert [a["ok"] for a in acks] == [True, True, False]
    assert acks[-1]["error"]["code"] == "rate_limited"
    acks = [client.call("join", {"item": world.item.id}) for _ in range(3)]
    assert [a["ok"] for a in acks] == [True, True, False]


def test_removing_a_member_through_the_api_closes_their_sockets(live, connect, world):
    removed = connect(live.url, token=world.tokens["delegate2"])
    staying = connect(live.url, token=world.tokens["delegate"])
    for socket_client in (removed, staying):
        join(socket_client, world.item)
    member_id = world.memberships["delegate2"].id
    response = requests.delete(
        f"{live.url}/api/v1/deliberations/{world.deliberation.slug}/members/{member_id}",
        headers=world.headers("moderator"),
        timeout=5,
    )
    assert response.status_code == 204, response.text
    deadline = time.monotonic() + 5
    while removed.sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not removed.sio.connected
    assert staying.sio.connected
