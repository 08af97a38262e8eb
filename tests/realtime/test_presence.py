"""Presence that scales (DESIGN §5), with python-socketio clients against a real server: a
socket's own join is answered in its ack, the room hears coalesced counts (never the list of
names), the names are paged on request, disconnects are counted, and a join without
``after`` carries a bounded window of the thread."""

from conftest import make_member, make_post, make_token, make_user

from commonground.db import db


def join(client, item, **extra):
    ack = client.call("join", {"item": item.id, **extra})
    assert ack["ok"], ack
    return ack


def test_a_join_is_answered_in_its_ack_and_the_room_hears_counts_only(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    assert join(alice, world.item)["presence"] == {
        "item": world.item.id,
        "online": 1,
        "by_group": {"governments": 1},
    }
    bob = connect(live.url, token=world.tokens["delegate2"])
    assert join(bob, world.item)["presence"]["online"] == 2
    presence = alice.wait_for("presence", lambda p: p["online"] == 2)
    assert set(presence) == {"item", "online", "by_group"}  # no list of names


def test_many_joins_cost_the_room_a_few_presence_events_not_one_each(serve, connect, world):
    """N joins used to send N presence lists to a room growing to N: N(N+1)/2 events."""
    live = serve(PRESENCE_INTERVAL=3, JOIN_RATE_LIMIT="0/60", SOCKET_MEMBER_RATE_LIMIT="0/10")
    count = 30
    users = [make_user(f"p{n}@example.org", f"Person {n:02}") for n in range(count)]
    db.session.flush()
    tokens = []
    for user in users:
        make_member(user, world.deliberation, "delegate", world.groups["civil_society"])
        tokens.append(make_token(user))
    db.session.commit()
    clients = [connect(live.url, token=token) for token in tokens]
    for client in clients:
        join(client, world.item)
    for client in clients:
        client.wait_for("presence", lambda p: p["online"] == count, timeout=15)
    received = sum(len(client.received("presence", wait=0)) for client in clients)
    assert received <= 4 * count < count * (count + 1) // 2


def test_the_member_list_is_paged_on_request(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    join(alice, world.item)
    for role in ("delegate2", "observer", "moderator"):
        join(connect(live.url, token=world.tokens[role]), world.item)
    first = alice.call("presence:members", {"item": world.item.id, "per_page": 2})
    assert first["ok"] and first["page"] == 1 and first["next"] == 2
    second = alice.call("presence:members", {"item": world.item.id, "page": 2, "per_page": 2})
    assert second["next"] is None
    names = [m["name"] for m in first["members"] + second["members"]]
    assert names == ["Dee Delegate", "Dora Delegate", "Mo Moderator", "Olga Observer"]
    assert first["members"][0] == {
        "member": world.memberships["delegate"].id,
        "name": "Dee Delegate",
        "group": "governments",
        "role": "delegate",
    }
    too_many = alice.call("presence:members", {"item": world.item.id, "per_page": 101})
    assert too_many["ok"] is False and too_many["error"]["field"] == "per_page"


def test_outsiders_cannot_list_who_is_online(live, connect, world):
    join(connect(live.url, token=world.tokens["delegate"]), world.item)
    outsider = connect(live.url, token=world.tokens["outsider"])
    ack = outsider.call("presence:members", {"item": world.item.id})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


def test_a_user_stays_online_until_their_last_tab_closes(live, connect, world):
    alice = connect(live.url, token=world.tokens["delegate"])
    join(alice, world.item)
    tabs = [connect(live.url, token=world.tokens["delegate2"]) for _ in range(2)]
    for tab in tabs:
        join(tab, world.item)
    alice.wait_for("presence", lambda p: p["online"] == 2)
    tabs[0].disconnect()
    # Joining again answers the current counts: the second tab keeps Dora online.
    assert join(alice, world.item)["presence"]["by_group"] == {
        "civil_society": 1,
        "governments": 1,
    }
    tabs[1].call("leave", {"item": world.item.id})
    presence = alice.wait_for("presence", lambda p: p["online"] == 1)
    assert presence["by_group"] == {"governments": 1}
    names = alice.call("presence:members", {"item": world.item.id})["members"]
    assert [m["name"] for m in names] == ["Dee Delegate"]


def test_a_join_without_after_carries_the_newest_posts_only(serve, connect, world):
    live = serve(JOIN_POSTS_LIMIT=3)
    author = world.memberships["delegate"]
    posts = [make_post(world.item, author, f"Post {n}") for n in range(5)]
    db.session.commit()
    client = connect(live.url, token=world.tokens["delegate2"])
    window = join(client, world.item)
    assert [p["body"] for p in window["posts"]] == ["Post 2", "Post 3", "Post 4"]
    assert window["older"] is True
    catch_up = join(client, world.item, after=posts[0].id)
    assert [p["body"] for p in catch_up["posts"]] == ["Post 1", "Post 2", "Post 3", "Post 4"]
    assert catch_up["older"] is False
