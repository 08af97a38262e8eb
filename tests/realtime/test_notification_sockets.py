"""Notifications delivered live, over a real socket to a real server: each reaches the
sockets of the member it concerns (every tab, token or browser session) and no one else's;
marking read elsewhere tells the member's other tabs."""

import requests

from .conftest import session_cookie


def join(client, item):
    ack = client.call("join", {"item": item.id})
    assert ack["ok"], ack


def say(client, item, body, parent=None):
    ack = client.call("post", {"item": item.id, "body": body, "parent": parent, "language": "en"})
    assert ack["ok"], ack
    return ack["post"]["id"]


def test_a_reply_over_the_socket_reaches_only_the_author_of_the_post(live, connect, world):
    author = connect(live.url, token=world.tokens["delegate"])
    author_browser = connect(live.url, cookie=session_cookie(live.url, "delegate@example.org"))
    replier = connect(live.url, token=world.tokens["delegate2"])
    onlookers = [
        connect(live.url, token=world.tokens[r]) for r in ("observer", "moderator", "admin")
    ]
    for client in (author, replier, *onlookers):
        join(client, world.item)

    original = say(author, world.item, "Audits first.")
    reply = say(replier, world.item, "Why audits?", parent=original)

    for tab in (author, author_browser):
        notification = tab.wait_for("notification:new")
        assert notification["kind"] == "reply"
        assert notification["post"] == reply
        assert notification["item"] == world.item.id
        assert notification["actor"] == {"name": "Dora Delegate"}
        assert notification["read"] is False
    # Everyone in the item's room saw the post, but only its author was notified.
    for client in (replier, *onlookers):
        client.wait_for("post:new", lambda data, reply=reply: data["id"] == reply)
        assert client.received("notification:new") == []


def test_a_mention_reaches_the_member_without_joining_any_room(live, connect, world):
    mentioned = connect(live.url, token=world.tokens["observer"])
    other = connect(live.url, token=world.tokens["delegate2"])
    writer = connect(live.url, token=world.tokens["delegate"])
    join(writer, world.item)
    say(writer, world.item, "What does @Olga_Observer think?")
    assert mentioned.wait_for("notification:new")["kind"] == "mention"
    assert other.received("notification:new") == []


def test_marking_read_tells_the_members_other_tabs(live, connect, world):
    tab = connect(live.url, token=world.tokens["delegate"])
    writer = connect(live.url, token=world.tokens["delegate2"])
    join(writer, world.item)
    say(writer, world.item, "Hello @Dee_Delegate")
    tab.wait_for("notification:new")
    response = requests.post(
        f"{live.url}/api/v1/me/notifications/read",
        json={"all": True},
        headers=world.headers("delegate"),
        timeout=10,
    )
    assert response.json() == {"read": 1, "unread": 0}
    assert tab.wait_for("notification:read") == {"unread": 0}
    assert writer.received("notification:read") == []


def test_a_refused_post_notifies_no_one(live, connect, world):
    author = connect(live.url, token=world.tokens["delegate"])
    observer = connect(live.url, token=world.tokens["observer"])
    # Observers may not post here: the post, and its mention, never happen.
    ack = observer.call("post", {"item": world.item.id, "body": "@Dee_Delegate hi", "parent": None})
    assert ack["ok"] is False
    assert author.received("notification:new") == []
