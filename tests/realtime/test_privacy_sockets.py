"""Privacy and translations that stay true over Socket.IO, real clients against a real server:
an erasure closes the person's sockets (and they cannot come back), an edit's ``post:edit``
event marks translations outdated, and the ``react`` ack says when a stance predates an
edit."""

import threading

import pytest
import socketio

from commonground.db import db
from commonground.discussion.models import PostTranslation, Reaction

from .conftest import EVENT_TIMEOUT
from .test_reactions_sockets import api, make_post


def test_an_erasure_closes_the_persons_sockets_for_good(live, connect, world):
    delegate = connect(live.url, token=world.tokens["delegate"])
    closed = threading.Event()
    delegate.sio.on("disconnect", lambda *args: closed.set())
    ack = delegate.call("join", {"item": world.item.id, "after": 0})
    assert ack["ok"], ack
    observer = connect(live.url, token=world.tokens["observer"])
    assert observer.call("join", {"item": world.item.id, "after": 0})["ok"]

    erased = api(live, world, "DELETE", "/me", "delegate", json={"confirm": True})
    assert erased.status_code == 200, erased.text
    assert closed.wait(EVENT_TIMEOUT), "the erased person's socket stayed open"
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live.url, token=world.tokens["delegate"])
    # Others stay connected.
    assert observer.sio.connected


def test_a_refused_erasure_leaves_the_socket_open(live, connect, world):
    delegate = connect(live.url, token=world.tokens["delegate"])
    assert delegate.call("join", {"item": world.item.id, "after": 0})["ok"]
    refused = api(live, world, "DELETE", "/me", "delegate", json={})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "confirmation_required"
    ack = delegate.call("join", {"item": world.item.id, "after": 0})
    assert ack["ok"], ack


def test_an_edit_announces_outdated_translations_to_the_room(live, connect, world):
    post = make_post(world)
    db.session.add(
        PostTranslation(post_id=post.id, language="fr", body="Un message.", source_revision=1)
    )
    db.session.commit()
    observer = connect(live.url, token=world.tokens["observer"])
    assert observer.call("join", {"item": world.item.id, "after": 0})["ok"]
    edited = api(live, world, "PATCH", f"/posts/{post.id}", "delegate", json={"body": "Changed."})
    assert edited.status_code == 200, edited.text
    event = observer.wait_for("post:edit", lambda e: e["id"] == post.id)
    assert event["revision"] == 2
    assert event["translations"]["fr"]["outdated"] is True
    assert event["translations"]["fr"]["source_revision"] == 1


def test_the_react_ack_says_when_a_stance_predates_the_edit(live, connect, world):
    post = make_post(world)
    db.session.add(
        Reaction(post_id=post.id, membership_id=world.memberships["delegate2"].id, stance="agree")
    )
    db.session.commit()
    edited = api(live, world, "PATCH", f"/posts/{post.id}", "delegate", json={"body": "Changed."})
    assert edited.status_code == 200
    own = api(live, world, "GET", f"/posts/{post.id}/reaction", "delegate2")
    assert own.json()["before_edit"] is True
    delegate2 = connect(live.url, token=world.tokens["delegate2"])
    ack = delegate2.call("react", {"post": post.id, "stance": "agree"})
    assert ack["ok"], ack
    assert ack["reaction"]["before_edit"] is False
    assert ack["reaction"]["reactions"]["agree"] == 1
