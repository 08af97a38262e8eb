"""Translations that stay true (issue 14 item 5): an edit makes a post's translations
`outdated` — with the revision they were made from — until a translator updates them, in the
API, the page and the record; a reaction given before an edit says so ("before the edit")
until the member confirms it."""

import json

import pytest
from test_privacy import post

from commonground.db import db


def edit(client, world, post_id, body, role="delegate"):
    response = client.patch(
        f"/api/v1/posts/{post_id}", json={"body": body}, headers=world.headers(role)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def translate(client, world, post_id, body, role="delegate2", language="fr"):
    response = client.post(
        f"/api/v1/posts/{post_id}/translations",
        json={"language": language, "body": body},
        headers=world.headers(role),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def react(client, world, post_id, stance, role="delegate2"):
    response = client.put(
        f"/api/v1/posts/{post_id}/reaction", json={"stance": stance}, headers=world.headers(role)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_edit_makes_translations_outdated_until_a_translator_updates_them(client, world):
    original = post(client, world)
    assert original["revision"] == 1
    translated = translate(client, world, original["id"], "Le texte original.")
    assert translated["translations"]["fr"]["outdated"] is False
    assert translated["translations"]["fr"]["source_revision"] == 1

    edited = edit(client, world, original["id"], "The corrected text.")
    assert edited["revision"] == 2
    assert edited["translations"]["fr"]["outdated"] is True
    assert edited["translations"]["fr"]["source_revision"] == 1
    for role in ("observer", "moderator", "anonymous"):
        response = client.get(f"/api/v1/posts/{original['id']}", headers=world.headers(role))
        if role == "anonymous":
            assert response.status_code == 401  # a private deliberation
            continue
        assert response.get_json()["translations"]["fr"]["outdated"] is True

    updated = translate(client, world, original["id"], "Le texte corrigé.")
    assert updated["translations"]["fr"]["outdated"] is False
    assert updated["translations"]["fr"]["source_revision"] == 2


def test_the_page_marks_an_outdated_translation(client, world):
    from conftest import login

    original = post(client, world)
    translate(client, world, original["id"], "Le texte original.")
    edit(client, world, original["id"], "The corrected text.")
    login(client, "observer@example.org")
    html = client.get(f"/d/ai-2026/items/{world.item.id}?lang=fr").get_data(as_text=True)
    assert 'class="post-translation-outdated" data-outdated="1"' in html
    english = client.get(f"/d/ai-2026/items/{world.item.id}?lang=en").get_data(as_text=True)
    assert "post-translation-outdated" not in english  # the English reader reads the original


def test_the_record_carries_outdated_translations_and_the_revisions(client, world, app):
    original = post(client, world)
    translate(client, world, original["id"], "Le texte original.")
    edit(client, world, original["id"], "The corrected text.")
    record = client.get(
        "/api/v1/deliberations/ai-2026/record.json", headers=world.headers("observer")
    )
    assert record.status_code == 200
    [exported] = [p for p in json.loads(record.data)["posts"] if p["id"] == original["id"]]
    assert exported["revision"] == 2
    assert exported["translations"][0]["outdated"] is True
    assert exported["translations"][0]["source_revision"] == 1
    runner = app.test_cli_runner()
    path = app.instance_path + "/outdated-record.json"
    with open(path, "wb") as handle:
        handle.write(record.data)
    result = runner.invoke(args=["records", "verify", path])
    assert result.exit_code == 0, result.output


def test_a_reaction_given_before_an_edit_says_so_until_confirmed(client, world):
    original = post(client, world)
    assert react(client, world, original["id"], "agree")["before_edit"] is False
    edit(client, world, original["id"], "A different claim now.")
    own = client.get(f"/api/v1/posts/{original['id']}/reaction", headers=world.headers("delegate2"))
    assert own.get_json()["before_edit"] is True
    # Confirming the same stance on the new text clears it; the counts do not double.
    confirmed = react(client, world, original["id"], "agree")
    assert confirmed["before_edit"] is False
    assert confirmed["reactions"]["agree"] == 1
    export = client.get("/api/v1/me/export", headers=world.headers("delegate2")).get_json()
    assert export["reactions"][0]["before_edit"] is False


def test_the_page_marks_the_readers_reaction_given_before_the_edit(client, world):
    from conftest import login

    original = post(client, world)
    react(client, world, original["id"], "disagree")
    edit(client, world, original["id"], "A different claim now.")
    login(client, "delegate2@example.org")
    html = client.get(f"/d/ai-2026/items/{world.item.id}").get_data(as_text=True)
    assert "Your reaction was given before the edit." in html
    login(client, "observer@example.org")
    html = client.get(f"/d/ai-2026/items/{world.item.id}").get_data(as_text=True)
    assert "before the edit" not in html


@pytest.mark.parametrize("role", ["delegate2", "moderator"])
def test_a_removed_text_cannot_be_edited_or_translated(client, world, role):
    from commonground.accounts import services

    original = post(client, world)
    services.erase_account(world.users["delegate"], confirm=True, redact=True)
    db.session.commit()
    from commonground.discussion.models import RedactionRequest

    request = db.session.query(RedactionRequest).one()
    approved = client.post(
        f"/api/v1/deliberations/ai-2026/redactions/{request.id}/approve",
        headers=world.headers("moderator"),
    )
    assert approved.status_code == 200
    refused = client.post(
        f"/api/v1/posts/{original['id']}/translations",
        json={"language": "fr", "body": "Traduction."},
        headers=world.headers(role),
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "redacted"


def test_the_printable_record_marks_outdated_translations(client, world):
    original = post(client, world)
    translate(client, world, original["id"], "Le texte original.")
    edit(client, world, original["id"], "The corrected text.")
    html = client.get(
        "/api/v1/deliberations/ai-2026/record.html?lang=fr", headers=world.headers("observer")
    ).get_data(as_text=True)
    assert '<p class="meta outdated">' in html
