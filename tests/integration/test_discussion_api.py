"""The discussion through /api/v1 (DESIGN §6): posts, replies, edits, hiding, translations,
the lock, rate limits, and who may do each."""

import pytest
import sqlalchemy as sa
from conftest import counted_statements, make_item, make_user

from commonground.db import db
from commonground.discussion.models import Post, PostRevision
from commonground.records.models import AuditEvent


def post(client, world, role="delegate", item=None, **body):
    body.setdefault("body", "A contribution.")
    item_id = (item or world.item).id
    return client.post(f"/api/v1/items/{item_id}/posts", json=body, headers=world.headers(role))


def posts_of(client, world, role="delegate", item=None, query=""):
    item_id = (item or world.item).id
    response = client.get(f"/api/v1/items/{item_id}/posts{query}", headers=world.headers(role))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


# --- posting and reading ----------------------------------------------------------------------


def test_a_delegate_posts_and_replies_and_the_thread_reads_in_order(client, world):
    first = post(client, world, body="**First** point").get_json()
    second = post(client, world, "delegate2", body="Second point").get_json()
    reply = post(client, world, "delegate2", body="A reply", parent=first["id"], language="fr")
    assert reply.status_code == 201
    reply = reply.get_json()

    assert first["html"] == "<p><strong>First</strong> point</p>"
    assert first["author"] == {
        "id": world.memberships["delegate"].id,
        "user": world.users["delegate"].id,
        "name": "Dee Delegate",
        "group": "governments",
        "group_name": "Governments",
    }
    assert reply["parent"] == first["id"] and reply["depth"] == 1 and reply["language"] == "fr"
    assert reply["path"] == f"{first['path']}/{reply['id']:010d}"
    for key in ("created_at", "edited_at", "hidden", "translations", "item"):
        assert key in first
    assert first["created_at"].endswith("Z") and first["edited_at"] is None

    thread = posts_of(client, world, "observer")
    assert [p["id"] for p in thread] == [first["id"], reply["id"], second["id"]]
    assert [p["id"] for p in posts_of(client, world, query=f"?after={first['id']}")] == [
        reply["id"],
        second["id"],
    ]


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, "unauthorized"),
        ("outsider", 403, "forbidden"),
        ("other_moderator", 403, "forbidden"),
        ("observer", 403, "observer"),
        ("admin", 403, "not_a_member"),  # an admin posts only as a member
        ("delegate", 201, None),
        ("moderator", 201, None),
    ],
)
def test_who_may_post(client, world, role, status, code):
    response = post(client, world, role)
    assert response.status_code == status, response.get_json()
    if code:
        assert response.get_json()["error"]["code"] == code


def test_observers_post_where_the_deliberation_allows_it(client, world):
    world.deliberation.observers_may_post = True
    db.session.commit()
    assert post(client, world, "observer").status_code == 201


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("other_moderator", 403),
        ("observer", 200),
        ("delegate", 200),
        ("moderator", 200),
        ("admin", 200),
    ],
)
def test_who_may_read_a_thread(client, world, role, status):
    post(client, world)
    response = client.get(f"/api/v1/items/{world.item.id}/posts", headers=world.headers(role))
    assert response.status_code == status


def test_anyone_reads_the_thread_of_a_public_deliberation(client, world):
    post(client, world)
    world.deliberation.is_public = True
    db.session.commit()
    assert len(posts_of(client, world, "anonymous")) == 1


def test_the_language_defaults_to_the_authors_locale(client, world):
    world.users["delegate"].locale = "es"
    db.session.commit()
    assert post(client, world).get_json()["language"] == "es"


# --- bad input --------------------------------------------------------------------------------


def test_a_body_of_20000_characters_is_accepted_and_one_more_is_refused_clearly(client, world):
    assert post(client, world, body="x" * 20_000).status_code == 201
    response = post(client, world, body="é" * 20_001)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "body" and "20000" in error["message"].replace(",", "")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": 42}, "body"),
        ({"body": "ok", "language": "not a language"}, "language"),
        ({"body": "ok", "parent": "first"}, "parent"),
        ({"body": "ok", "parent": 999}, "parent"),
    ],
)
def test_bad_posts_are_refused_naming_the_field(client, world, body, field):
    response = client.post(
        f"/api/v1/items/{world.item.id}/posts", json=body, headers=world.headers("delegate")
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_a_body_that_is_not_a_json_object_is_refused(client, world):
    response = client.post(
        f"/api/v1/items/{world.item.id}/posts",
        data="body=hi",
        headers={**world.headers("delegate"), "Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"


def test_a_reply_must_answer_a_post_of_the_same_item(client, world):
    other_item = make_item(world.deliberation, "Second item")
    db.session.commit()
    elsewhere = post(client, world, item=other_item).get_json()
    response = post(client, world, parent=elsewhere["id"])
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "parent"


def test_unknown_items_and_posts_are_404(client, world):
    assert client.get("/api/v1/items/999/posts", headers=world.headers("admin")).status_code == 404
    response = client.patch("/api/v1/posts/999", json={"body": "x"}, headers=world.headers("admin"))
    assert response.status_code == 404


def test_browser_sessions_need_the_csrf_token_to_post(client, world):
    from conftest import login

    login(client, "delegate@example.org")
    response = client.post(f"/api/v1/items/{world.item.id}/posts", json={"body": "hi"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 0


def test_read_only_tokens_may_read_but_not_post(client, world):
    from conftest import make_token

    token = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/items/{world.item.id}/posts", headers=headers).status_code == 200
    response = client.post(
        f"/api/v1/items/{world.item.id}/posts", json={"body": "x"}, headers=headers
    )
    assert response.status_code == 403


# --- when posting is closed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda w: setattr(w.item, "status", "closed"), 409, "item_closed"),
        (lambda w: setattr(w.item, "status", "pending"), 409, "item_not_open"),
        (lambda w: setattr(w.item, "locked", True), 409, "item_locked"),
        (lambda w: setattr(w.deliberation, "status", "closed"), 409, "deliberation_closed"),
        (lambda w: setattr(w.memberships["delegate"], "muted", True), 403, "muted"),
    ],
    ids=["closed item", "pending item", "locked item", "closed deliberation", "muted member"],
)
def test_posting_is_refused_with_a_clear_message(client, world, change, status, code):
    first = post(client, world, "delegate2").get_json()
    change(world)
    db.session.commit()
    for response in (post(client, world), post(client, world, parent=first["id"])):
        assert response.status_code == status
        error = response.get_json()["error"]
        assert error["code"] == code and error["message"]
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 1


# --- editing ----------------------------------------------------------------------------------


def test_the_author_edits_and_the_previous_body_is_kept(client, world):
    created = post(client, world, body="Version one").get_json()
    response = client.patch(
        f"/api/v1/posts/{created['id']}",
        json={"body": "Version *two*", "language": "fr"},
        headers=world.headers("delegate"),
    )
    assert response.status_code == 200
    edited = response.get_json()
    assert edited["html"] == "<p>Version <em>two</em></p>" and edited["language"] == "fr"
    assert edited["edited_at"] is not None

    client.patch(
        f"/api/v1/posts/{created['id']}",
        json={"body": "Version three"},
        headers=world.headers("delegate"),
    )
    revisions = client.get(
        f"/api/v1/posts/{created['id']}/revisions", headers=world.headers("observer")
    ).get_json()["items"]
    assert [r["body"] for r in revisions] == ["Version *two*", "Version one"]


def test_an_unchanged_edit_keeps_no_revision(client, world):
    created = post(client, world, body="Same").get_json()
    client.patch(
        f"/api/v1/posts/{created['id']}", json={"body": "Same"}, headers=world.headers("delegate")
    )
    assert db.session.scalar(sa.select(sa.func.count(PostRevision.id))) == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("other_moderator", 403),
        ("observer", 403),
        ("delegate2", 403),
        ("moderator", 403),
        ("admin", 403),
        ("delegate", 200),
    ],
)
def test_only_the_author_edits_a_post(client, world, role, status):
    created = post(client, world).get_json()
    response = client.patch(
        f"/api/v1/posts/{created['id']}", json={"body": "Changed"}, headers=world.headers(role)
    )
    assert response.status_code == status


def test_a_muted_author_cannot_edit(client, world):
    created = post(client, world).get_json()
    world.memberships["delegate"].muted = True
    db.session.commit()
    response = client.patch(
        f"/api/v1/posts/{created['id']}",
        json={"body": "Changed"},
        headers=world.headers("delegate"),
    )
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "muted"


# --- hiding -----------------------------------------------------------------------------------


def hide(client, world, post_id, role="moderator", reason="Personal attack"):
    return client.post(
        f"/api/v1/posts/{post_id}/hide", json={"reason": reason}, headers=world.headers(role)
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("other_moderator", 403),
        ("observer", 403),
        ("delegate", 403),
        ("moderator", 200),
        ("admin", 200),
    ],
)
def test_only_moderators_hide_posts(client, world, role, status):
    created = post(client, world).get_json()
    assert hide(client, world, created["id"], role).status_code == status


def test_a_hidden_post_shows_only_the_reason_except_to_moderators(client, world):
    created = post(client, world, body="Something offensive").get_json()
    client.post(
        f"/api/v1/posts/{created['id']}/translations",
        json={"language": "fr", "body": "Quelque chose"},
        headers=world.headers("delegate2"),
    )
    response = hide(client, world, created["id"])
    assert response.status_code == 200

    for role in ("observer", "delegate", "delegate2"):
        seen = posts_of(client, world, role)[0]
        assert seen["hidden"] is True and seen["hidden_reason"] == "Personal attack"
        assert seen["body"] == "Hidden by moderator: Personal attack"
        assert "offensive" not in str(seen) and "Quelque" not in str(seen)
        assert "hidden_by" not in seen
        single = client.get(f"/api/v1/posts/{created['id']}", headers=world.headers(role))
        assert "offensive" not in single.get_data(as_text=True)
        revisions = client.get(
            f"/api/v1/posts/{created['id']}/revisions", headers=world.headers(role)
        )
        assert revisions.status_code == 403

    for role in ("moderator", "admin"):
        seen = posts_of(client, world, role)[0]
        assert seen["body"] == "Something offensive" and seen["hidden"] is True
        assert seen["hidden_by"] == "Mo Moderator" and seen["translations"]["fr"]

    # Kept in the database and the record.
    stored = db.session.get(Post, created["id"])
    assert stored.body == "Something offensive" and stored.hidden_reason == "Personal attack"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "post.hide"))
    assert event.target == f"post:{created['id']}" and event.payload["reason"] == "Personal attack"


def test_hiding_needs_a_reason_and_happens_once(client, world):
    created = post(client, world).get_json()
    response = hide(client, world, created["id"], reason="  ")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "reason"
    assert hide(client, world, created["id"]).status_code == 200
    assert hide(client, world, created["id"]).status_code == 409


def test_a_hidden_post_can_be_neither_edited_nor_answered_nor_translated(client, world):
    created = post(client, world).get_json()
    hide(client, world, created["id"])
    assert (
        client.patch(
            f"/api/v1/posts/{created['id']}", json={"body": "x"}, headers=world.headers("delegate")
        ).status_code
        == 409
    )
    assert post(client, world, "delegate2", parent=created["id"]).status_code == 409
    response = client.post(
        f"/api/v1/posts/{created['id']}/translations",
        json={"language": "fr", "body": "x"},
        headers=world.headers("delegate2"),
    )
    assert response.status_code == 409


# --- translations -----------------------------------------------------------------------------


def translate(client, world, post_id, role="delegate2", language="fr", body="Bonjour"):
    return client.post(
        f"/api/v1/posts/{post_id}/translations",
        json={"language": language, "body": body},
        headers=world.headers(role),
    )


def test_a_delegate_adds_a_translation_that_readers_get_beside_the_original(client, world):
    created = post(client, world, body="Hello", language="en").get_json()
    response = translate(client, world, created["id"])
    assert response.status_code == 201
    translation = response.get_json()["translations"]["fr"]
    assert translation["body"] == "Bonjour" and translation["html"] == "<p>Bonjour</p>"
    assert translation["translator"] == {
        "id": world.memberships["delegate2"].id,
        "name": "Dora Delegate",
    }
    seen = posts_of(client, world, "observer")[0]
    assert seen["body"] == "Hello" and seen["translations"]["fr"]["body"] == "Bonjour"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("other_moderator", 403),
        ("observer", 403),
        ("admin", 403),
        ("delegate", 201),
        ("moderator", 201),
    ],
)
def test_who_may_translate(client, world, role, status):
    created = post(client, world, "delegate2").get_json()
    assert translate(client, world, created["id"], role).status_code == status


def test_translations_into_the_posts_own_language_or_a_taken_one_are_refused(client, world):
    created = post(client, world, body="Hello", language="en").get_json()
    response = translate(client, world, created["id"], language="en")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "language"
    assert translate(client, world, created["id"], "delegate2").status_code == 201
    # Someone else's translation is not overwritten; the translator and moderators may.
    taken = translate(client, world, created["id"], "delegate", body="Salut")
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "translation_exists"
    assert translate(client, world, created["id"], "delegate2", body="Bonjour !").status_code == 201
    assert translate(client, world, created["id"], "moderator", body="Bonjour.").status_code == 201
    assert posts_of(client, world)[0]["translations"]["fr"]["body"] == "Bonjour."


def test_closed_and_locked_items_still_take_translations(client, world):
    created = post(client, world).get_json()
    world.item.status = "closed"
    db.session.commit()
    assert translate(client, world, created["id"]).status_code == 201
    world.deliberation.status = "closed"
    db.session.commit()
    assert translate(client, world, created["id"], language="es").status_code == 409


def test_the_thread_filters_by_language_written_or_translated(client, world):
    english = post(client, world, body="Hello", language="en").get_json()
    french = post(client, world, body="Bonjour", language="fr").get_json()
    post(client, world, body="Hola", language="es")
    translate(client, world, english["id"], language="fr", body="Salut")
    assert [p["id"] for p in posts_of(client, world, query="?language=fr")] == [
        english["id"],
        french["id"],
    ]
    response = client.get(
        f"/api/v1/items/{world.item.id}/posts?language=no%20way",
        headers=world.headers("delegate"),
    )
    assert response.status_code == 422


# --- locking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("other_moderator", 403),
        ("observer", 403),
        ("delegate", 403),
        ("moderator", 200),
        ("admin", 200),
    ],
)
def test_only_moderators_lock_an_item(client, world, role, status):
    response = client.post(
        f"/api/v1/items/{world.item.id}/lock", json={"locked": True}, headers=world.headers(role)
    )
    assert response.status_code == status


def test_a_locked_item_takes_no_posts_until_unlocked(client, world):
    lock = client.post(
        f"/api/v1/items/{world.item.id}/lock",
        json={"locked": True},
        headers=world.headers("moderator"),
    )
    assert lock.get_json() == {"id": world.item.id, "status": "open", "locked": True}
    assert post(client, world).status_code == 409
    assert post(client, world, "moderator").status_code == 409
    client.post(
        f"/api/v1/items/{world.item.id}/lock",
        json={"locked": False},
        headers=world.headers("moderator"),
    )
    assert post(client, world).status_code == 201
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-2:] == ["item.lock", "item.unlock"]


# --- rate limit -------------------------------------------------------------------------------


def test_posting_too_often_is_refused_with_429_per_member(app, client, world):
    app.config["POST_RATE_LIMIT"] = "2/60"
    assert post(client, world).status_code == 201
    assert post(client, world).status_code == 201
    response = post(client, world)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert post(client, world, "delegate2").status_code == 201  # someone else still may


def test_a_rate_limit_of_zero_turns_limiting_off(app, client, world):
    app.config["POST_RATE_LIMIT"] = "0/60"
    for _ in range(15):
        assert post(client, world).status_code == 201


# --- events only after commit -----------------------------------------------------------------


def test_live_events_leave_only_when_the_transaction_commits(app, world):
    from commonground.discussion import services
    from commonground.extensions import socketio

    watcher = socketio.test_client(app, auth={"token": world.tokens["observer"]})
    assert watcher.is_connected()
    joined = watcher.emit("join", {"item": world.item.id}, callback=True)
    assert joined["ok"] and joined["posts"] == []
    watcher.get_received()

    user = world.users["delegate"]
    services.create_post(user, world.item, body="Not yet", rate_limited=False)
    assert watcher.get_received() == []  # flushed, not committed
    db.session.rollback()
    assert watcher.get_received() == []  # rolled back: never announced

    services.create_post(user, world.item, body="Now", rate_limited=False)
    db.session.commit()
    events = [e for e in watcher.get_received() if e["name"] == "post:new"]
    assert [e["args"][0]["body"] for e in events] == ["Now"]
    watcher.disconnect()


# --- the API description ----------------------------------------------------------------------


def test_the_openapi_document_describes_the_discussion_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/items/{item_id}/posts"])
    assert "patch" in paths["/api/v1/posts/{post_id}"]
    for path in (
        "/api/v1/posts/{post_id}/hide",
        "/api/v1/posts/{post_id}/translations",
        "/api/v1/items/{item_id}/lock",
    ):
        assert "post" in paths[path]
    post_schema = document["components"]["schemas"]["Post"]
    assert {"id", "item", "parent", "author", "body", "html", "language"} <= set(
        post_schema["required"]
    )


def test_a_posted_reply_validates_against_the_documented_schema(client, world):
    import jsonschema

    document = client.get("/api/v1/openapi.json").get_json()
    first = post(client, world).get_json()
    translate(client, world, first["id"])
    reply = post(client, world, "delegate2", parent=first["id"]).get_json()
    schema = {**document["components"]["schemas"]["Post"], "components": document["components"]}
    resolver_doc = {"components": document["components"], **schema}
    for body in (posts_of(client, world)[0], reply):
        jsonschema.validate(body, resolver_doc)


def test_an_outsider_can_not_learn_that_a_post_exists_in_another_forum(client, world):
    outsider_item = make_item(world.other, "Elsewhere")
    author = make_user("author@example.org")
    from conftest import make_member

    make_member(author, world.other, "delegate")
    db.session.commit()
    created = client.post(
        f"/api/v1/items/{outsider_item.id}/posts",
        json={"body": "Secret"},
        headers={**world.headers("other_moderator")},
    ).get_json()
    response = client.get(f"/api/v1/posts/{created['id']}", headers=world.headers("delegate"))
    assert response.status_code == 403 and "Secret" not in response.get_data(as_text=True)


def test_posts_say_whether_they_were_floor_interventions(client, world):
    written = post(client, world, body="Written").get_json()
    assert written["floor_intervention"] is False
    db.session.get(Post, written["id"]).floor_intervention = True
    db.session.commit()
    (read,) = posts_of(client, world, "observer")
    assert read["floor_intervention"] is True


# --- the cost of a post -----------------------------------------------------------------------


def test_a_socket_post_costs_a_fixed_handful_of_statements_and_announces_what_a_read_shows(
    app, world
):
    """Issue 15: the token and user, the item with its deliberation (locked), the membership
    with its group (read once for every check), the post's id, the post with its path, the
    live session, and the log's state, leaf, node and new root (posts that arrive together
    are written together: ``test_discussion_groups``). The post sent to the room is built
    from what the action holds; it is what reading the post back gives."""
    from commonground.discussion.queries import PUBLIC, post_view
    from commonground.extensions import socketio

    group = world.groups["governments"]
    group.name_translations = {"fr": "Gouvernements"}
    db.session.commit()
    poster = socketio.test_client(app, auth={"token": world.tokens["delegate"]})
    moderator = socketio.test_client(app, auth={"token": world.tokens["moderator"]})

    item_id = world.item.id

    def post(client, body, **extra):
        with counted_statements() as statements:
            ack = client.emit("post", {"item": item_id, "body": body, **extra}, callback=True)
        assert ack["ok"], ack
        return ack["post"], statements

    post(poster, "Warm-up: the log's frontier is remembered from here on.")
    first, statements = post(poster, "A **plain** post.")
    assert len(statements) == 10, statements
    assert sum("FROM memberships" in s for s in statements) == 1
    reply, _ = post(moderator, "A reply by a member without a group.", parent=first["id"])
    for sent in (first, reply):
        db.session.rollback()
        assert sent == post_view(db.session.get(Post, sent["id"]), PUBLIC).to_json()
    assert first["author"]["group"] == "governments"
    assert reply["author"]["group"] is None
    poster.disconnect()
    moderator.disconnect()
