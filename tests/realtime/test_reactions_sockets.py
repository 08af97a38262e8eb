"""Common ground over Socket.IO (DESIGN §5), python-socketio clients against a real server:
the ``react {post, stance}`` event and its ack, the ``reactions`` counts sent to the item's
room (whichever channel the reaction came through), and ``summary:published`` — aggregates
only, never who reacted how."""

import json

import requests
import sqlalchemy as sa
from conftest import make_token

from commonground.db import db, utcnow
from commonground.discussion.models import Post, Reaction
from commonground.discussion.rules import child_path


def make_post(world, author="delegate", body="A post.", **extra) -> Post:
    """A top-level post in the world's item, committed for the live server to see."""
    post = Post(
        item_id=world.item.id,
        author_id=world.memberships[author].id,
        body=body,
        language="en",
        path="",
        created_at=utcnow(),
        **extra,
    )
    db.session.add(post)
    db.session.flush()
    post.path = child_path(None, post.id)
    db.session.commit()
    return post


def api(live, world, method, path, role="moderator", **kwargs):
    return requests.request(
        method, f"{live.url}/api/v1{path}", headers=world.headers(role), timeout=10, **kwargs
    )


def watch(client, world):
    """Join the world's item room, as the pages do."""
    ack = client.call("join", {"item": world.item.id, "after": 2147483647})
    assert ack["ok"], ack


def stored_reactions() -> list[tuple]:
    db.session.rollback()  # see the live server's commits
    rows = db.session.execute(sa.select(Reaction.post_id, Reaction.membership_id, Reaction.stance))
    return [tuple(row) for row in rows]


def test_a_reaction_through_the_socket_is_acked_and_counted_for_the_room(live, connect, world):
    post = make_post(world)
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    delegate = connect(live.url, token=world.tokens["delegate"])
    ack = delegate.call("react", {"post": post.id, "stance": "agree"})
    assert ack["ok"], ack
    assert ack["reaction"]["stance"] == "agree"
    assert ack["reaction"]["reactions"]["agree"] == 1
    event = observer.wait_for("reactions", lambda e: e["post"] == post.id)
    assert (event["item"], event["agree"], event["disagree"], event["pass"]) == (
        world.item.id,
        1,
        0,
        0,
    )
    assert event["groups"] == [
        {"key": "governments", "agree": 1, "disagree": 0, "pass": 0},
        {"key": "civil_society", "agree": 0, "disagree": 0, "pass": 0},
    ]
    assert event["group_informed_consensus"] == "1/3"  # (1+1)/(1+2) · 1/2
    assert event["as_of"].endswith("Z")
    assert stored_reactions() == [(post.id, world.memberships["delegate"].id, "agree")]


def test_the_latest_reaction_wins_and_the_room_sees_the_new_counts(live, connect, world):
    post = make_post(world)
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    delegate = connect(live.url, token=world.tokens["delegate"])
    delegate.call("react", {"post": post.id, "stance": "agree"})
    observer.wait_for("reactions", lambda e: e["agree"] == 1)
    delegate.call("react", {"post": post.id, "stance": "disagree"})
    event = observer.wait_for("reactions", lambda e: e["disagree"] == 1)
    assert event["agree"] == 0
    assert len(stored_reactions()) == 1


def test_reactions_over_http_reach_the_room_too(live, connect, world):
    post = make_post(world)
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    response = api(
        live, world, "PUT", f"/posts/{post.id}/reaction", "delegate2", json={"stance": "pass"}
    )
    assert response.status_code == 200, response.text
    event = observer.wait_for("reactions", lambda e: e["post"] == post.id)
    assert event["groups"][1] == {"key": "civil_society", "agree": 0, "disagree": 0, "pass": 1}


def test_the_room_never_learns_who_reacted_how(live, connect, world):
    post = make_post(world)
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    delegate = connect(live.url, token=world.tokens["delegate"])
    delegate.call("react", {"post": post.id, "stance": "agree"})
    event = observer.wait_for("reactions")
    text = json.dumps(event)
    assert set(event) == {
        "item",
        "post",
        "agree",
        "disagree",
        "pass",
        "groups",
        "ungrouped",
        "min_agreement",
        "group_informed_consensus",
        "majority_consensus",
        "as_of",
    }
    assert "Dee Delegate" not in text and "delegate@example.org" not in text
    assert str(world.memberships["delegate"].id) not in json.dumps(event["groups"])


def test_socket_refusals_come_back_in_the_ack_and_change_nothing(live, connect, world):
    post = make_post(world)
    hidden = make_post(world, hidden=True, hidden_reason="Off topic")
    delegate = connect(live.url, token=world.tokens["delegate"])
    admin = connect(live.url, token=world.tokens["admin"])
    outsider = connect(live.url, token=world.tokens["other_moderator"])
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)

    def error(ack):
        assert ack["ok"] is False, ack
        return ack["error"]

    bad = error(delegate.call("react", {"post": post.id, "stance": "love"}))
    assert (bad["code"], bad["field"]) == ("invalid", "stance")
    assert error(delegate.call("react", {"post": "one", "stance": "agree"}))["field"] == "post"
    assert error(delegate.call("react", ["not", "an", "object"]))["code"] == "bad_payload"
    assert error(delegate.call("react", {"post": 999999, "stance": "agree"}))["code"] == "not_found"
    assert error(delegate.call("react", {"post": hidden.id, "stance": "agree"}))["code"] == "hidden"
    assert (
        error(admin.call("react", {"post": post.id, "stance": "agree"}))["code"] == "not_a_member"
    )
    assert (
        error(outsider.call("react", {"post": post.id, "stance": "agree"}))["code"] == "forbidden"
    )
    assert stored_reactions() == []
    assert observer.received("reactions") == []


def test_a_reaction_another_writer_always_beats_is_a_conflict_as_over_http(live, connect, world):
    """Whenever the member's reaction is written, another writer has just written one for
    the same member and post (a trigger plays that writer): the unique constraint refuses
    every attempt, and the socket answers ``conflict`` as the API answers 409 — not
    ``server_error`` — leaving nothing behind."""
    post = make_post(world)
    db.session.execute(
        sa.text(
            "CREATE TRIGGER concurrent_writer BEFORE INSERT ON reactions BEGIN "
            "INSERT INTO reactions (post_id, membership_id, stance, updated_at) "
            "VALUES (NEW.post_id, NEW.membership_id, 'pass', NEW.updated_at); END"
        )
    )
    db.session.commit()
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    delegate = connect(live.url, token=world.tokens["delegate"])

    ack = delegate.call("react", {"post": post.id, "stance": "agree"})
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == "conflict"
    response = api(
        live, world, "PUT", f"/posts/{post.id}/reaction", "delegate", json={"stance": "agree"}
    )
    assert response.status_code == 409, response.text
    assert response.json()["error"] == ack["error"]
    assert stored_reactions() == []
    assert observer.received("reactions") == []


def test_a_read_only_token_cannot_react_through_the_socket(live, connect, world):
    post = make_post(world)
    token = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    client = connect(live.url, token=token)
    ack = client.call("react", {"post": post.id, "stance": "agree"})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


def test_publishing_a_summary_is_announced_to_the_item_room(live, connect, world):
    delegate = connect(live.url, token=world.tokens["delegate"])
    watch(delegate, world)
    draft = api(
        live,
        world,
        "POST",
        f"/items/{world.item.id}/summaries",
        json={"language": "en", "agreements": "Audits for all."},
    ).json()
    assert delegate.received("summary:published") == []  # a draft is not announced
    published = api(live, world, "POST", f"/summaries/{draft['id']}/publish")
    assert published.status_code == 200, published.text
    event = delegate.wait_for("summary:published")
    assert (event["item"], event["supersedes"]) == (world.item.id, None)
    assert event["summary"]["id"] == draft["id"]
    assert event["summary"]["status"] == "published"
    assert event["summary"]["html"]["agreements"] == "<p>Audits for all.</p>"

    later = api(
        live,
        world,
        "POST",
        f"/items/{world.item.id}/summaries",
        json={"language": "en", "agreements": "Audits for all models.", "based_on": draft["id"]},
    ).json()
    api(live, world, "POST", f"/summaries/{later['id']}/publish")
    event = delegate.wait_for("summary:published", lambda e: e["summary"]["id"] == later["id"])
    assert event["supersedes"] == draft["id"]


def test_a_new_opinion_result_computed_in_the_background_is_announced_to_the_room(
    serve, connect, world
):
    """Reactions have the item's opinion groups and bridging recomputed in the background;
    when that gives a new result, the item's room hears ``opinions:updated {item}`` (and the
    open pages fetch their figures again) — nothing else, never who reacted."""
    live = serve(OPINIONS_INTERVAL=0.05)
    post = make_post(world)
    observer = connect(live.url, token=world.tokens["observer"])
    watch(observer, world)
    response = api(
        live, world, "PUT", f"/posts/{post.id}/reaction", "delegate", json={"stance": "agree"}
    )
    assert response.status_code == 200, response.text
    assert observer.wait_for("opinions:updated") == {"item": world.item.id}
    page = requests.get(
        f"{live.url}/d/{world.deliberation.slug}/items/{world.item.id}/common-ground",
        headers=world.headers("observer"),
        timeout=10,
    ).text
    assert f'id="cg-bridging-{post.id}" data-live-opinions' in page
    opinions = requests.get(
        f"{live.url}/d/{world.deliberation.slug}/items/{world.item.id}/opinions",
        headers=world.headers("observer"),
        timeout=10,
    ).text
    assert 'id="opinions-live" data-live-opinions' in opinions
    assert '"recomputed":' in opinions  # the words the page announces it with
