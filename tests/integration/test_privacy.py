"""Privacy (Action VI of the Plan, issue 14 item 4): a person downloads everything stored
about them and erases their account; the records stay whole and verifiable, the member shown
as "Former member" under their pseudonym; their posts' text is removed only when they ask and
a moderator agrees. And (issue 12 item 5) the moderators' key from pseudonyms back to names."""

import json

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, csrf_token, login
from test_records_world import build_record_world

from commonground.accounts.models import ApiToken, User
from commonground.db import db
from commonground.discussion.models import (
    REDACTED_BODY,
    Post,
    PostRevision,
    PostTranslation,
    RedactionRequest,
)
from commonground.records.models import AuditEvent
from commonground.records.pseudonyms import member_pseudonym


def erase(client, world, role="delegate", **body):
    return client.delete("/api/v1/me", json=body, headers=world.headers(role))


def posts_of(client, world, role="observer"):
    response = client.get(f"/api/v1/items/{world.item.id}/posts", headers=world.headers(role))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def post(client, world, role="delegate", body="A contribution.", **extra):
    response = client.post(
        f"/api/v1/items/{world.item.id}/posts",
        json={"body": body, **extra},
        headers=world.headers(role),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- the export ---------------------------------------------------------------------------


def test_the_export_holds_everything_stored_about_me_and_nobody_else(client, world):
    mine = post(client, world, body="My first words.")
    client.patch(
        f"/api/v1/posts/{mine['id']}",
        json={"body": "My better words."},
        headers=world.headers("delegate"),
    )
    theirs = post(client, world, "delegate2", body="Someone else's words.")
    client.post(
        f"/api/v1/posts/{theirs['id']}/translations",
        json={"language": "fr", "body": "Les mots de quelqu'un."},
        headers=world.headers("delegate"),
    )
    client.put(
        f"/api/v1/posts/{theirs['id']}/reaction",
        json={"stance": "agree"},
        headers=world.headers("delegate"),
    )

    response = client.get("/api/v1/me/export", headers=world.headers("delegate"))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["format"] == "commonground-personal-data/1"
    assert data["account"]["email"] == "delegate@example.org"
    assert data["account"]["name"] == "Dee Delegate"
    assert [m["deliberation"] for m in data["memberships"]] == ["ai-2026"]
    assert data["memberships"][0]["group"] == "governments"
    assert [p["id"] for p in data["posts"]] == [mine["id"]]
    assert data["posts"][0]["body"] == "My better words."
    assert [r["body"] for r in data["posts"][0]["revisions"]] == ["My first words."]
    assert data["posts"][0]["revision"] == 2
    assert [(t["post"], t["language"]) for t in data["translations_made"]] == [(theirs["id"], "fr")]
    assert data["reactions"] == [
        {
            "post": theirs["id"],
            "stance": "agree",
            "updated_at": data["reactions"][0]["updated_at"],
            "before_edit": False,
        }
    ]
    assert data["ballots"] == []
    pseudonym = member_pseudonym(world.deliberation.id, world.memberships["delegate"].id)
    assert data["pseudonyms"] == [{"deliberation": "ai-2026", "pseudonym": pseudonym}]
    # The token's secret never leaves; its name and prefix do.
    assert data["api_tokens"] and "token_hash" not in data["api_tokens"][0]
    assert "Someone else" not in json.dumps(data)


def test_the_export_carries_ballots_and_their_receipts(client, world):
    from commonground.voting import services as voting

    motion = voting.create_motion(
        world.users["moderator"], world.item, text="Adopt", rule={"kind": "majority"}, secret=True
    )
    voting.open_motion(world.users["moderator"], motion)
    ballot = voting.cast_ballot(world.users["delegate"], motion, "yes")
    db.session.commit()
    data = client.get("/api/v1/me/export", headers=world.headers("delegate")).get_json()
    assert [(b["motion"], b["choice"], b["secret"]) for b in data["ballots"]] == [
        (motion.id, "yes", True)
    ]
    assert data["ballots"][0]["receipt"] == ballot.receipt


def test_the_export_is_refused_without_an_account(client, world):
    assert client.get("/api/v1/me/export").status_code == 401


def test_the_privacy_page_downloads_the_same_export(client, world):
    login(client, "delegate@example.org")
    page = client.get("/account/privacy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/account/export"' in html and 'name="password"' in html
    download = client.get("/account/export")
    assert download.status_code == 200
    assert download.get_json()["account"]["email"] == "delegate@example.org"
    assert "attachment" in download.headers["Content-Disposition"]
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert "/login" in client.get("/account/privacy").headers["Location"]


# --- erasure: refusals lose nothing ---------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"confirm": False}, {"confirm": "yes"}, {"confirm": 1}])
def test_erasure_without_an_explicit_confirm_is_refused_and_changes_nothing(client, world, body):
    response = erase(client, world, **body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "confirmation_required"
    assert response.get_json()["error"]["field"] == "confirm"
    user = db.session.get(User, world.users["delegate"].id)
    db.session.refresh(user)
    assert user.email == "delegate@example.org" and user.erased_at is None
    assert client.get("/api/v1/me", headers=world.headers("delegate")).status_code == 200


def test_erasure_with_a_wrong_password_is_refused_and_changes_nothing(client, world):
    response = erase(client, world, confirm=True, password="not my password at all")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "wrong_password"
    assert (
        client.get("/api/v1/me", headers=world.headers("delegate")).get_json()["name"]
        == "Dee Delegate"
    )


def test_erasure_is_refused_without_an_account(client, world):
    assert client.delete("/api/v1/me", json={"confirm": True}).status_code == 401


def test_a_body_that_is_not_json_is_refused(client, world):
    response = client.delete("/api/v1/me", data="confirm", headers=world.headers("delegate"))
    assert response.status_code == 400


# --- erasure --------------------------------------------------------------------------------


def test_erasure_removes_email_name_password_and_every_way_in(client, world):
    mine = post(client, world, body="Words that stay in the record.")
    delegate = world.users["delegate"]
    pseudonym = member_pseudonym(world.deliberation.id, world.memberships["delegate"].id)

    response = erase(client, world, confirm=True, password=PASSWORD)
    assert response.status_code == 200
    assert response.get_json()["erased"] is True

    user = db.session.get(User, delegate.id)
    db.session.refresh(user)
    assert user.name == "" and user.password_hash is None and user.locale is None
    assert "delegate" not in user.email and user.email.endswith("@erased.invalid")
    assert user.erased_at is not None
    assert db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id)) is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.actor_name == "Dee Delegate")
        )
        == 0
    )
    # The token is dead, and nobody can sign in with the old address and password.
    assert client.get("/api/v1/me", headers=world.headers("delegate")).status_code == 401
    page = client.post(
        "/login",
        data={
            "email": "delegate@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert page.status_code == 401

    # The post stays, its author "Former member" under the pseudonym of the record.
    [shown] = [p for p in posts_of(client, world) if p["id"] == mine["id"]]
    assert shown["body"] == "Words that stay in the record."
    assert shown["author"]["name"] == f"Former member {pseudonym}"
    assert shown["author"]["former"] is True
    members = client.get(
        "/api/v1/deliberations/ai-2026/members", headers=world.headers("moderator")
    ).get_json()["items"]
    [former] = [m for m in members if m["id"] == world.memberships["delegate"].id]
    assert former["user"]["name"] == f"Former member {pseudonym}"
    assert "email" not in former["user"]
    html = client.get(f"/d/ai-2026/items/{world.item.id}", headers=world.headers("observer"))
    assert f"Former member {pseudonym}" in html.get_data(as_text=True)
    assert "Dee Delegate" not in html.get_data(as_text=True)


def test_erasure_through_the_page_asks_for_the_password(client, world):
    login(client, "delegate@example.org")
    token = csrf_token(client, "/account/privacy")
    wrong = client.post(
        "/account/erase", data={"csrf_token": token, "password": "nope-nope-nope", "confirm": "yes"}
    )
    assert wrong.status_code == 422
    assert "This is not your password" in wrong.get_data(as_text=True)
    unconfirmed = client.post("/account/erase", data={"csrf_token": token, "password": PASSWORD})
    assert unconfirmed.status_code == 422
    assert db.session.get(User, world.users["delegate"].id).erased_at is None

    done = client.post(
        "/account/erase", data={"csrf_token": token, "password": PASSWORD, "confirm": "yes"}
    )
    assert done.status_code == 302
    user = db.session.get(User, world.users["delegate"].id)
    db.session.refresh(user)
    assert user.erased_at is not None
    # Signed out: the session no longer reaches the account's pages.
    assert "/login" in client.get("/account/privacy").headers["Location"]


def test_an_erased_account_cannot_be_erased_twice(client, world, app):
    from commonground.accounts import services

    user = world.users["delegate"]
    services.erase_account(user, confirm=True)
    db.session.commit()
    from commonground.errors import Conflict

    with pytest.raises(Conflict):
        services.erase_account(user, confirm=True)


# --- the record after erasure ---------------------------------------------------------------


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def export_and_verify(runner, client, world, tmp_path, head=None, audience="readers"):
    path = tmp_path / f"record-{audience}.json"
    result = runner.invoke(
        args=["records", "export", "ai-2026", "-o", str(path), "-q", "--audience", audience]
    )
    assert result.exit_code == 0, result.output
    options = []
    if head is not None:
        key = client.get("/api/v1/log/key").get_json()
        (tmp_path / "key.json").write_text(json.dumps(key))
        options = ["--head", str(head), "--key", str(tmp_path / "key.json")]
    verified = runner.invoke(args=["records", "verify", str(path), *options])
    return verified.exit_code, verified.stdout + verified.stderr, json.loads(path.read_bytes())


def saved_head(client, world, tmp_path):
    head = client.get(
        "/api/v1/deliberations/ai-2026/log/head", headers=world.headers("observer")
    ).get_json()
    path = tmp_path / "head.json"
    path.write_text(json.dumps(head))
    return path, head


def test_a_record_exported_after_erasure_still_verifies_with_the_same_log(
    client, world, runner, tmp_path
):
    built = build_record_world(world, close=True)
    assert built
    before_path, before = saved_head(client, world, tmp_path)
    _code, _out, record_before = export_and_verify(runner, client, world, tmp_path)

    from commonground.accounts import services

    services.erase_account(world.users["delegate"], confirm=True)
    db.session.commit()

    code, output, record = export_and_verify(runner, client, world, tmp_path, head=before_path)
    assert code == 0, output
    _path, after = saved_head(client, world, tmp_path)
    # Erasure writes nothing into the log: same size, same root; tallies unchanged.
    assert (after["size"], after["root"]) == (before["size"], before["root"])
    assert record["motions"] == record_before["motions"]
    assert record["members"] == record_before["members"]
    assert "Dee Delegate" not in json.dumps(record)


# --- text removal: asked by the member, decided by a moderator -----------------------------


def test_text_removal_is_asked_at_erasure_and_decided_by_a_moderator_only(
    client, world, runner, tmp_path
):
    build_record_world(world, close=False)
    before_path, _ = saved_head(client, world, tmp_path)
    assert erase(client, world, confirm=True, redact_posts=True).status_code == 200
    [request] = db.session.scalars(sa.select(RedactionRequest)).all()

    listed = client.get("/api/v1/deliberations/ai-2026/redactions", headers=world.headers("admin"))
    assert [r["id"] for r in listed.get_json()["items"]] == [request.id]
    for role, status in (("anonymous", 401), ("observer", 403), ("delegate2", 403)):
        assert (
            client.get(
                "/api/v1/deliberations/ai-2026/redactions", headers=world.headers(role)
            ).status_code
            == status
        )
        assert (
            client.post(
                f"/api/v1/deliberations/ai-2026/redactions/{request.id}/approve",
                headers=world.headers(role),
            ).status_code
            == status
        )
    # Until a moderator agrees, the text stays.
    authored = sa.select(Post).where(Post.author_id == world.memberships["delegate"].id)
    assert all(p.redacted_at is None for p in db.session.scalars(authored))

    approved = client.post(
        f"/api/v1/deliberations/ai-2026/redactions/{request.id}/approve",
        headers=world.headers("moderator"),
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved" and approved.get_json()["posts"] >= 1
    again = client.post(
        f"/api/v1/deliberations/ai-2026/redactions/{request.id}/refuse",
        headers=world.headers("moderator"),
    )
    assert again.status_code == 409

    posts = list(db.session.scalars(authored.execution_options(populate_existing=True)))
    assert posts and all(p.body == REDACTED_BODY and p.redacted_at for p in posts)
    ids = [p.id for p in posts]
    assert not db.session.scalar(sa.select(PostRevision.id).where(PostRevision.post_id.in_(ids)))
    assert not db.session.scalar(
        sa.select(PostTranslation.id).where(PostTranslation.post_id.in_(ids))
    )
    shown = {p["id"]: p for p in posts_of(client, world, "moderator")}
    for post_id in ids:
        assert shown[post_id]["redacted"] is True
        assert shown[post_id]["body"].startswith("Text removed at the author's request")

    # The removal is a logged event verify understands; the old head is still extended.
    for audience in ("readers", "moderators"):
        code, output, record = export_and_verify(
            runner, client, world, tmp_path, head=before_path, audience=audience
        )
        assert code == 0, output
        redacted = [p for p in record["posts"] if p["id"] in ids and not p["content_withheld"]]
        assert redacted and all(p["redacted"] and p["body"] == REDACTED_BODY for p in redacted)
    # The Data Package carries the same log and says which posts lost their text.
    package = tmp_path / "record.zip"
    exported = runner.invoke(
        args=["records", "export", "ai-2026", "--format", "zip", "-o", str(package), "-q"]
    )
    assert exported.exit_code == 0, exported.output
    verified = runner.invoke(args=["records", "verify", str(package)])
    assert verified.exit_code == 0, verified.stdout + verified.stderr


def test_a_refused_removal_keeps_the_posts(client, world):
    mine = post(client, world, body="Kept words.")
    assert erase(client, world, confirm=True, redact_posts=True).status_code == 200
    [request] = db.session.scalars(sa.select(RedactionRequest)).all()
    refused = client.post(
        f"/api/v1/deliberations/ai-2026/redactions/{request.id}/refuse",
        headers=world.headers("moderator"),
    )
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    [shown] = [p for p in posts_of(client, world) if p["id"] == mine["id"]]
    assert shown["body"] == "Kept words." and shown["redacted"] is False


def test_no_removal_is_asked_unless_the_member_asks(client, world):
    post(client, world, body="Kept words.")
    assert erase(client, world, confirm=True).status_code == 200
    assert db.session.scalar(sa.select(RedactionRequest.id)) is None


def test_the_moderators_page_lists_and_decides_requests(client, world):
    post(client, world, body="Words to remove.")
    assert erase(client, world, confirm=True, redact_posts=True).status_code == 200
    [request] = db.session.scalars(sa.select(RedactionRequest)).all()
    pseudonym = member_pseudonym(world.deliberation.id, world.memberships["delegate"].id)
    login(client, "mod@example.org")
    page = client.get("/d/ai-2026/redactions")
    assert page.status_code == 200
    assert f"Former member {pseudonym}" in page.get_data(as_text=True)
    done = client.post(
        f"/d/ai-2026/redactions/{request.id}",
        data={"csrf_token": csrf_token(client, "/d/ai-2026/redactions"), "decision": "approve"},
    )
    assert done.status_code == 302
    db.session.refresh(request)
    assert request.status == "approved"


def test_the_moderators_page_is_refused_to_others(client, world):
    login(client, "delegate2@example.org")
    assert client.get("/d/ai-2026/redactions").status_code == 403


# --- the moderators' key from pseudonyms back to names (issue 12 item 5) ---------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("observer", 403),
        ("delegate", 403),
        ("other_moderator", 403),
        ("moderator", 200),
        ("admin", 200),
    ],
)
def test_only_moderators_map_pseudonyms_back_to_names(client, world, role, status):
    post(client, world, body="Starts the log.")
    response = client.get("/api/v1/deliberations/ai-2026/pseudonyms", headers=world.headers(role))
    assert response.status_code == status
    if status == 200:
        by_name = {m["name"]: m for m in response.get_json()["items"]}
        pseudonym = member_pseudonym(world.deliberation.id, world.memberships["delegate"].id)
        assert by_name["Dee Delegate"]["pseudonym"] == pseudonym
        assert by_name["Dee Delegate"]["group"] == "governments"


def test_the_key_names_an_erased_member_as_former_member(client, world):
    post(client, world, body="Starts the log.")
    erase(client, world, confirm=True)
    items = client.get(
        "/api/v1/deliberations/ai-2026/pseudonyms", headers=world.headers("moderator")
    ).get_json()["items"]
    pseudonym = member_pseudonym(world.deliberation.id, world.memberships["delegate"].id)
    [former] = [m for m in items if m["pseudonym"] == pseudonym]
    assert former["former"] is True and former["name"] == f"Former member {pseudonym}"


def test_a_record_that_removes_text_the_log_never_removed_fails_verify(
    client, world, runner, tmp_path
):
    """A forger cannot pass off a text removal: without the log's ``post.redact`` leaf, a
    post shown as removed (or with another notice) fails, naming the post."""
    from test_records_log_verify import redigested

    mine = post(client, world, body="Words a forger would like gone.")
    code, output, _record = export_and_verify(runner, client, world, tmp_path)
    assert code == 0, output
    path = tmp_path / "record-readers.json"

    def remove(record):
        for element in record["posts"]:
            if element["id"] == mine["id"]:
                element["redacted"] = True
                element["body"] = REDACTED_BODY

    redigested(path, remove)
    verified = runner.invoke(args=["records", "verify", str(path)])
    assert verified.exit_code == 1
    assert f"post {mine['id']} says its text was removed" in verified.stdout + verified.stderr


def test_an_erased_member_leaves_the_speakers_queue(client, world):
    from test_live_api import ask, make_current, ok, state_of

    make_current(client, world)
    ok(ask(client, world, "delegate"))
    ok(ask(client, world, "delegate2"))
    queue = state_of(client, world)["queue"]
    assert [entry["member"] for entry in queue] == [
        world.memberships["delegate"].id,
        world.memberships["delegate2"].id,
    ]
    assert erase(client, world, confirm=True).status_code == 200
    queue = state_of(client, world)["queue"]
    assert [entry["member"] for entry in queue] == [world.memberships["delegate2"].id]


def test_the_printable_record_shows_the_notice_instead_of_removed_text(client, world):
    mine = post(client, world, body="Words to be removed from print.")
    assert erase(client, world, confirm=True, redact_posts=True).status_code == 200
    [request] = db.session.scalars(sa.select(RedactionRequest)).all()
    client.post(
        f"/api/v1/deliberations/ai-2026/redactions/{request.id}/approve",
        headers=world.headers("moderator"),
    )
    html = client.get(
        "/api/v1/deliberations/ai-2026/record.html", headers=world.headers("observer")
    ).get_data(as_text=True)
    assert f'id="post-{mine["id"]}"' in html
    assert "Words to be removed" not in html
    assert "Text removed at the author" in html


def test_a_read_only_token_cannot_erase_the_account(client, world):
    from conftest import make_token

    token = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    response = client.delete(
        "/api/v1/me", json={"confirm": True}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert db.session.get(User, world.users["delegate"].id).erased_at is None


def test_a_thread_of_former_members_costs_as_many_queries_as_any(client, world):
    from conftest import make_post
    from test_discussion_queries import statements_for

    from commonground.accounts import services

    url = f"/api/v1/items/{world.item.id}/posts"
    post(client, world, body="Starts the log, and its pseudonym key.")

    def thread_of(count):
        db.session.execute(sa.delete(Post))
        for number in range(count):
            author = world.memberships["delegate" if number % 2 else "delegate2"]
            make_post(world.item, author, body=f"Post {number}")
        db.session.commit()
        return statements_for(client, url, headers=world.headers("observer"))

    before, _ = thread_of(4)
    services.erase_account(world.users["delegate"], confirm=True)
    services.erase_account(world.users["delegate2"], confirm=True)
    db.session.commit()
    small, _ = thread_of(4)
    large, body = thread_of(40)
    assert body.count("Former member m-") == 40
    # The item's deliberation and its pseudonym key, read once whatever the thread's size.
    assert large == small == before + 2


def test_an_erased_delegate_is_not_in_the_electorate_of_later_motions(client, world):
    def open_motion() -> dict:
        response = client.post(
            f"/api/v1/items/{world.item.id}/motions",
            json={"text": "Adopt it.", "rule": {"kind": "majority"}},
            headers=world.headers("moderator"),
        )
        assert response.status_code == 201, response.get_json()
        motion_id = response.get_json()["id"]
        opened = client.post(
            f"/api/v1/motions/{motion_id}/open", headers=world.headers("moderator")
        )
        assert opened.status_code == 200, opened.get_json()
        return opened.get_json()

    before = open_motion()
    assert erase(client, world, confirm=True).status_code == 200
    after = open_motion()
    assert after["voters"] == before["voters"] - 1
    tally = client.get(
        f"/api/v1/motions/{after['id']}/tally", headers=world.headers("observer")
    ).get_json()
    governments = next(g for g in tally["groups"] if g["key"] == "governments")
    assert governments["eligible_weight"] == 0  # Dee was the governments' only delegate
    # The motion opened before the erasure keeps the electorate it was opened with.
    earlier = client.get(f"/api/v1/motions/{before['id']}", headers=world.headers("observer"))
    assert earlier.get_json()["voters"] == before["voters"]
