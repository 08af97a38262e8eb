"""Consensus summaries (issue 5, DESIGN §2): versions, publishing (immutable afterwards),
superseding, translations, the diff between versions, the editor with its evidence and
citations — over the API and as pages, for every role, with bad input and audit events.

Roles (the ``world`` fixture): moderators and admins write, publish and read drafts;
delegates and observers read published versions only; ``other_moderator`` moderates another
deliberation and may read nothing here; the anonymous are asked to sign in.
"""

import pytest
import sqlalchemy as sa
from conftest import ROLES, csrf_token
from test_reactions import make_post, react, signed_in

from commonground.consensus.models import ConsensusSummary
from commonground.consensus.services import content_digest
from commonground.db import db
from commonground.records.audit import audit_events, verify_deliberation_chain

TEXT = {
    "language": "en",
    "agreements": "Every group supports **public audits**.",
    "divergences": "Funding splits governments and civil society.",
    "recommendations": "Start with a pilot.",
}


def create(client, world, role="moderator", **body):
    return client.post(
        f"/api/v1/items/{world.item.id}/summaries",
        json={**TEXT, **body},
        headers=world.headers(role),
    )


def created(client, world, **body) -> dict:
    response = create(client, world, **body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def publish(client, world, summary_id, role="moderator"):
    return client.post(f"/api/v1/summaries/{summary_id}/publish", headers=world.headers(role))


def patch(client, world, summary_id, role="moderator", **body):
    return client.patch(f"/api/v1/summaries/{summary_id}", json=body, headers=world.headers(role))


def listed(client, world, role) -> list[dict]:
    response = client.get(f"/api/v1/items/{world.item.id}/summaries", headers=world.headers(role))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def error(response) -> dict:
    return response.get_json()["error"]


def actions(world) -> list[tuple[str, str]]:
    return [(e.action, e.target) for e in audit_events(world.deliberation)]


# --- who may do what over the API ------------------------------------------------------------

WRITE = {
    "anonymous": 401,
    "observer": 403,
    "delegate": 403,
    "other_moderator": 403,
    "moderator": 201,
    "admin": 201,
}
READ = {
    "anonymous": 401,
    "observer": 200,
    "delegate": 200,
    "other_moderator": 403,
    "moderator": 200,
    "admin": 200,
}
#: A draft is "not found" for those who may read only published versions.
ON_DRAFT = {**WRITE, "observer": 404, "delegate": 404, "moderator": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_moderators_and_admins_write_summaries(client, world, role):
    response = create(client, world, role)
    assert response.status_code == WRITE[role], response.get_json()
    stored = db.session.scalar(sa.select(sa.func.count(ConsensusSummary.id)))
    assert stored == (1 if WRITE[role] == 201 else 0)


@pytest.mark.parametrize("role", ROLES)
def test_drafts_are_read_by_moderators_only(client, world, role):
    draft = created(client, world)
    listing = client.get(f"/api/v1/items/{world.item.id}/summaries", headers=world.headers(role))
    assert listing.status_code == READ[role]
    if READ[role] == 200:
        ids = [s["id"] for s in listing.get_json()["items"]]
        assert ids == ([draft["id"]] if role in ("moderator", "admin") else [])
    one = client.get(f"/api/v1/summaries/{draft['id']}", headers=world.headers(role))
    assert one.status_code == {**READ, "observer": 404, "delegate": 404}[role]


@pytest.mark.parametrize("role", ROLES)
def test_published_versions_are_read_by_every_reader(client, world, role):
    draft = created(client, world)
    assert publish(client, world, draft["id"]).status_code == 200
    response = client.get(f"/api/v1/summaries/{draft['id']}", headers=world.headers(role))
    assert response.status_code == READ[role]
    if READ[role] == 200:
        assert [s["id"] for s in listed(client, world, role)] == [draft["id"]]


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_publish(client, world, role):
    draft = created(client, world)
    response = publish(client, world, draft["id"], role)
    assert response.status_code == ON_DRAFT[role], response.get_json()
    status = db.session.get(ConsensusSummary, draft["id"]).status
    assert status == ("published" if ON_DRAFT[role] == 200 else "draft")


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_edit_drafts(client, world, role):
    draft = created(client, world)
    response = patch(client, world, draft["id"], role, agreements="Changed.")
    assert response.status_code == ON_DRAFT[role], response.get_json()


def test_the_public_reads_published_summaries_of_a_public_deliberation(client, world):
    world.deliberation.is_public = True
    db.session.commit()
    draft = created(client, world)
    assert client.get(f"/api/v1/items/{world.item.id}/summaries").get_json()["items"] == []
    publish(client, world, draft["id"])
    assert len(client.get(f"/api/v1/items/{world.item.id}/summaries").get_json()["items"]) == 1
    assert create(client, world, "anonymous").status_code == 401


# --- the life cycle --------------------------------------------------------------------------


def test_every_save_is_a_new_version_with_author_and_time(client, world):
    first = created(client, world)
    assert (first["version"], first["status"], first["based_on"]) == (1, "draft", None)
    assert first["author"] == {"id": world.memberships["moderator"].id, "name": "Mo Moderator"}
    assert first["created_at"].endswith("Z")
    assert (
        first["html"]["agreements"] == "<p>Every group supports <strong>public audits</strong>.</p>"
    )
    second = patch(client, world, first["id"], recommendations="Start with two pilots.").get_json()
    assert (second["version"], second["based_on"]) == (2, first["id"])
    assert second["id"] != first["id"]
    assert second["agreements"] == TEXT["agreements"]  # kept from the draft
    assert second["recommendations"] == "Start with two pilots."
    by_admin = created(client, world, role="admin")
    assert by_admin["version"] == 3
    assert by_admin["author"] == {"id": None, "name": None}  # admins need no membership
    stored = db.session.scalars(sa.select(ConsensusSummary.version).order_by(ConsensusSummary.id))
    assert list(stored) == [1, 2, 3]
    assert [a for a, _ in actions(world)] == ["summary.save"] * 3


def test_saving_an_unchanged_draft_creates_nothing(client, world):
    draft = created(client, world)
    same = patch(client, world, draft["id"], agreements=TEXT["agreements"])
    assert (same.status_code, same.get_json()["id"]) == (200, draft["id"])
    assert db.session.scalar(sa.select(sa.func.count(ConsensusSummary.id))) == 1


def test_a_revised_draft_is_outdated(client, world):
    draft = created(client, world)
    assert patch(client, world, draft["id"], agreements="One.").status_code == 200
    again = patch(client, world, draft["id"], agreements="Two.")
    assert (again.status_code, error(again)["code"]) == (409, "outdated")


def test_a_published_version_never_changes(client, world):
    draft = created(client, world)
    published = publish(client, world, draft["id"]).get_json()
    assert published["status"] == "published" and published["current"]
    assert published["published_at"]
    refused = patch(client, world, draft["id"], agreements="Rewritten.")
    assert (refused.status_code, error(refused)["code"]) == (409, "published")
    twice = publish(client, world, draft["id"])
    assert (twice.status_code, error(twice)["code"]) == (409, "already_published")
    row = db.session.get(ConsensusSummary, draft["id"])
    db.session.refresh(row)
    assert row.agreements == TEXT["agreements"]


def test_the_database_layer_refuses_to_alter_a_published_text(client, world):
    draft = created(client, world)
    publish(client, world, draft["id"])
    row = db.session.get(ConsensusSummary, draft["id"])
    row.agreements = "Tampered."
    with pytest.raises(ValueError, match="published"):
        db.session.flush()
    db.session.rollback()


def test_a_later_version_supersedes_the_published_one_of_its_language(client, world):
    v1 = created(client, world)
    publish(client, world, v1["id"])
    v2 = created(client, world, based_on=v1["id"], agreements="Every group supports audits.")
    assert v2["based_on"] == v1["id"]
    answer = publish(client, world, v2["id"]).get_json()
    assert answer["current"]
    old = client.get(f"/api/v1/summaries/{v1['id']}", headers=world.headers("delegate")).get_json()
    assert old["status"] == "published" and not old["current"] and old["superseded_at"]
    assert [(s["version"], s["current"]) for s in listed(client, world, "delegate")] == [
        (2, True),
        (1, False),
    ]
    assert actions(world)[-3:] == [
        ("summary.save", f"summary:{v2['id']}"),
        ("summary.publish", f"summary:{v2['id']}"),
        ("summary.supersede", f"summary:{v1['id']}"),
    ]
    events = audit_events(world.deliberation)
    publish_event = next(
        e for e in events if e.target == f"summary:{v2['id']}" and e.action == "summary.publish"
    )
    assert publish_event.payload["supersedes"] == v1["id"]
    assert publish_event.payload["digest"] == content_digest(
        db.session.get(ConsensusSummary, v2["id"])
    )
    assert verify_deliberation_chain(world.deliberation) is None


def test_an_older_draft_cannot_replace_a_later_published_version(client, world):
    old_draft = created(client, world)
    newer = created(client, world, agreements="Newer text.")
    publish(client, world, newer["id"])
    refused = publish(client, world, old_draft["id"])
    assert (refused.status_code, error(refused)["code"]) == (409, "outdated")


def test_translations_are_versions_in_other_languages(client, world):
    english = created(client, world)
    publish(client, world, english["id"])
    french = created(
        client,
        world,
        language="fr",
        based_on=english["id"],
        agreements="Tous les groupes soutiennent des **audits publics**.",
    )
    assert (french["version"], french["language"], french["based_on"]) == (2, "fr", english["id"])
    publish(client, world, french["id"])
    current = {s["language"]: s["current"] for s in listed(client, world, "observer")}
    assert current == {"en": True, "fr": True}  # one language never supersedes another
    assert [a for a, _ in actions(world)].count("summary.supersede") == 0


def test_a_closed_deliberation_takes_no_new_summary_work(client, world):
    draft = created(client, world)
    world.deliberation.status = "closed"
    db.session.commit()
    for response in (
        create(client, world),
        patch(client, world, draft["id"], agreements="Late."),
        publish(client, world, draft["id"]),
    ):
        assert (response.status_code, error(response)["code"]) == (409, "deliberation_closed")
    assert listed(client, world, "moderator")[0]["id"] == draft["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "not a language"}, "language"),
        ({"language": None}, "language"),
        ({"agreements": "", "divergences": "", "recommendations": ""}, "agreements"),
        ({"agreements": 12}, "agreements"),
        ({"divergences": "x" * 50_001}, "divergences"),
        ({"based_on": "first"}, "based_on"),
        ({"based_on": 999999}, "based_on"),
    ],
)
def test_bad_input_is_refused_naming_the_field(client, world, body, field):
    response = create(client, world, **body)
    assert (response.status_code, error(response)["field"]) == (422, field)
    assert db.session.scalar(sa.select(sa.func.count(ConsensusSummary.id))) == 0


def test_a_summary_of_another_item_is_no_basis(client, world):
    from conftest import make_item

    other_item = make_item(world.deliberation, "Second item")
    db.session.commit()
    elsewhere = client.post(
        f"/api/v1/items/{other_item.id}/summaries", json=TEXT, headers=world.headers("moderator")
    ).get_json()
    response = create(client, world, based_on=elsewhere["id"])
    assert (response.status_code, error(response)["field"]) == (422, "based_on")


def test_requests_need_json_and_existing_things(client, world):
    headers = world.headers("moderator")
    bad = client.post(f"/api/v1/items/{world.item.id}/summaries", data="x", headers=headers)
    assert (bad.status_code, error(bad)["code"]) == (400, "bad_json")
    assert (
        client.post("/api/v1/items/999999/summaries", json=TEXT, headers=headers).status_code == 404
    )
    assert client.get("/api/v1/summaries/999999", headers=headers).status_code == 404
    assert client.post("/api/v1/summaries/999999/publish", headers=headers).status_code == 404
    assert client.patch("/api/v1/summaries/999999", json={}, headers=headers).status_code == 404


# --- diff and citations ----------------------------------------------------------------------


def test_the_diff_between_versions_is_word_by_word(client, world):
    v1 = created(client, world)
    v2 = patch(client, world, v1["id"], agreements="Every group supports **public audits** now.")
    body = client.get(
        f"/api/v1/summaries/{v2.get_json()['id']}/diff", headers=world.headers("moderator")
    ).get_json()
    assert (body["from"], body["to"]) == (v1["id"], v2.get_json()["id"])
    assert body["sections"]["agreements"] == [
        {"op": "equal", "text": "Every group supports **public "},
        {"op": "delete", "text": "audits**."},
        {"op": "insert", "text": "audits** now."},
    ]
    assert body["sections"]["recommendations"] == [{"op": "equal", "text": "Start with a pilot."}]
    first = client.get(f"/api/v1/summaries/{v1['id']}/diff", headers=world.headers("moderator"))
    assert (first.status_code, error(first)["field"]) == (422, "from")


def test_delegates_compare_only_published_versions(client, world):
    v1 = created(client, world)
    v2 = created(client, world, agreements="Second.")
    publish(client, world, v2["id"])
    response = client.get(
        f"/api/v1/summaries/{v2['id']}/diff?from={v1['id']}", headers=world.headers("delegate")
    )
    assert response.status_code == 404  # the draft v1 does not exist for them


def test_citations_of_the_items_evidence_become_links(client, world):
    post = make_post(world, body="Audits for all.")
    summary = created(
        client,
        world,
        agreements=f"As [post #{post.id}] says; see also [post #999999] and [motion #5].",
    )
    html = summary["html"]["agreements"]
    link = f"/d/{world.deliberation.slug}/items/{world.item.id}?focus={post.id}#post-{post.id}"
    assert f'<a href="{link}" rel="nofollow noopener ugc">[post #{post.id}]</a>' in html
    assert "[post #999999]" in html and "[motion #5]" in html  # not this item's: plain text
    assert summary["citations"] == [
        {"kind": "post", "id": post.id, "url": link},
        {"kind": "post", "id": 999999, "url": None},
        {"kind": "motion", "id": 5, "url": None},
    ]


def test_the_lifecycle_is_described_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/items/{item_id}/summaries"])
    assert {"get", "patch"} <= set(paths["/api/v1/summaries/{summary_id}"])
    assert "post" in paths["/api/v1/summaries/{summary_id}/publish"]
    assert "get" in paths["/api/v1/summaries/{summary_id}/diff"]


# --- pages -----------------------------------------------------------------------------------


def base(world) -> str:
    return f"/d/{world.deliberation.slug}"


def items_url(world) -> str:
    return f"{base(world)}/items/{world.item.id}/summaries"


PAGE_READ = {
    "anonymous": 302,
    "observer": 200,
    "delegate": 200,
    "other_moderator": 403,
    "moderator": 200,
    "admin": 200,
}
PAGE_WRITE = {**PAGE_READ, "observer": 403, "delegate": 403}


def browser(app, role):
    return app.test_client() if role == "anonymous" else signed_in(app, role)


@pytest.mark.parametrize("role", ROLES)
def test_the_summaries_page_per_role(app, client, world, role):
    draft = created(client, world)
    published = created(client, world, agreements="Published text.")
    publish(client, world, published["id"])
    response = browser(app, role).get(items_url(world))
    assert response.status_code == PAGE_READ[role]
    if response.status_code == 200:
        html = response.get_data(as_text=True)
        assert f'data-summary="{published["id"]}"' in html
        assert (f'data-summary="{draft["id"]}"' in html) == (role in ("moderator", "admin"))
        assert ("Write a new version" in html) == (role in ("moderator", "admin"))


@pytest.mark.parametrize("role", ROLES)
def test_the_editor_per_role(app, world, role):
    response = browser(app, role).get(f"{items_url(world)}/new")
    assert response.status_code == PAGE_WRITE[role]


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_page_is_not_found_for_readers_of_published_versions(app, client, world, role):
    draft = created(client, world)
    response = browser(app, role).get(f"{base(world)}/summaries/{draft['id']}")
    assert response.status_code == {**PAGE_READ, "observer": 404, "delegate": 404}[role]


def test_the_whole_life_cycle_in_the_browser(app, client, world):
    post = make_post(world, body="Public audits for all models.")
    react(client, world, post.id, "delegate", "agree")
    react(client, world, post.id, "delegate2", "agree")
    moderator = signed_in(app, "moderator")
    editor = moderator.get(f"{items_url(world)}/new").get_data(as_text=True)
    # The evidence beside the text, with the reference to cite.
    assert "Public audits for all models." in editor
    assert f"<code>[post #{post.id}]</code>" in editor
    assert f'data-cite="[post #{post.id}]"' in editor
    assert "No motion on this item has been closed yet." in editor

    token = csrf_token(moderator, f"{items_url(world)}/new")
    saved = moderator.post(
        f"{items_url(world)}/new",
        data={
            "csrf_token": token,
            "language": "en",
            "agreements": f"All agree on audits [post #{post.id}].",
            "divergences": "",
            "recommendations": "Pilot first.",
        },
    )
    assert saved.status_code == 303
    v1 = db.session.scalar(sa.select(ConsensusSummary).order_by(ConsensusSummary.id.desc()))
    assert saved.headers["Location"].endswith(f"/summaries/{v1.id}")
    page = moderator.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Version 1 was saved as a draft." in page
    assert f'href="{base(world)}/items/{world.item.id}?focus={post.id}#post-{post.id}"' in page

    edit = moderator.get(f"{base(world)}/summaries/{v1.id}/edit").get_data(as_text=True)
    assert "Pilot first." in edit
    revised = moderator.post(
        f"{base(world)}/summaries/{v1.id}/edit",
        data={
            "csrf_token": token,
            "language": "en",
            "agreements": f"All agree on public audits [post #{post.id}].",
            "divergences": "",
            "recommendations": "Pilot first.",
        },
    )
    assert revised.status_code == 303
    v2 = db.session.scalar(sa.select(ConsensusSummary).order_by(ConsensusSummary.id.desc()))
    assert (v2.version, v2.based_on_id) == (2, v1.id)

    diff = moderator.get(f"{base(world)}/summaries/{v2.id}/diff").get_data(as_text=True)
    assert '<ins><span class="visually-hidden">[added: </span>public ' in diff

    published = moderator.post(
        f"{base(world)}/summaries/{v2.id}/publish", data={"csrf_token": token}
    )
    assert published.status_code == 303
    assert "Version 2 is published." in moderator.get(published.headers["Location"]).get_data(
        as_text=True
    )
    # Published: editing is now a new version based on it.
    again = moderator.get(f"{base(world)}/summaries/{v2.id}/edit")
    assert again.status_code == 303 and f"based_on={v2.id}" in again.headers["Location"]

    # Readers see it on the item page and in the list; never the draft.
    delegate = signed_in(app, "delegate")
    item_page = delegate.get(f"{base(world)}/items/{world.item.id}").get_data(as_text=True)
    assert "All agree on public audits" in item_page
    listing = delegate.get(items_url(world)).get_data(as_text=True)
    assert f'data-summary="{v2.id}"' in listing and f'data-summary="{v1.id}"' not in listing


def test_a_refused_editor_form_keeps_the_text_and_names_the_field(app, world):
    moderator = signed_in(app, "moderator")
    token = csrf_token(moderator, f"{items_url(world)}/new")
    response = moderator.post(
        f"{items_url(world)}/new",
        data={
            "csrf_token": token,
            "language": "xx yy",
            "agreements": "Kept text.",
            "divergences": "",
            "recommendations": "",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kept text." in html
    assert 'id="summary-language-error"' in html
    assert db.session.scalar(sa.select(sa.func.count(ConsensusSummary.id))) == 0


def test_forms_need_the_csrf_token(app, client, world):
    draft = created(client, world)
    moderator = signed_in(app, "moderator")
    assert moderator.post(f"{base(world)}/summaries/{draft['id']}/publish").status_code == 400
    assert moderator.post(f"{items_url(world)}/new", data=TEXT).status_code == 400


def test_delegates_may_not_publish_through_the_form(app, client, world):
    draft = created(client, world)
    publish(client, world, draft["id"])
    later = created(client, world, agreements="Later.")
    delegate = signed_in(app, "delegate")
    token = csrf_token(delegate)
    # A draft does not exist for them; a published version may not be touched.
    assert (
        delegate.post(
            f"{base(world)}/summaries/{later['id']}/publish", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        delegate.post(
            f"{base(world)}/summaries/{draft['id']}/publish", data={"csrf_token": token}
        ).status_code
        == 403
    )


def test_publishing_an_outdated_draft_in_the_browser_says_why(app, client, world):
    old = created(client, world)
    newer = created(client, world, agreements="Newer.")
    publish(client, world, newer["id"])
    moderator = signed_in(app, "moderator")
    response = moderator.post(
        f"{base(world)}/summaries/{old['id']}/publish",
        data={"csrf_token": csrf_token(moderator)},
        follow_redirects=True,
    )
    assert "A later version (2) is already published in this language." in response.get_data(
        as_text=True
    )


def test_the_editor_offers_the_items_closed_motions_as_evidence(app, client, world):
    headers = world.headers("moderator")
    motion = client.post(
        f"/api/v1/items/{world.item.id}/motions",
        json={"text": "Adopt public audits.", "rule": {"kind": "majority"}},
        headers=headers,
    ).get_json()
    assert client.post(f"/api/v1/motions/{motion['id']}/open", headers=headers).status_code == 200
    for role in ("delegate", "delegate2"):
        client.put(
            f"/api/v1/motions/{motion['id']}/ballot",
            json={"choice": "yes"},
            headers=world.headers(role),
        )
    assert client.post(f"/api/v1/motions/{motion['id']}/close", headers=headers).status_code == 200
    editor = signed_in(app, "moderator").get(f"{items_url(world)}/new").get_data(as_text=True)
    assert "Adopt public audits." in editor
    assert "Adopted" in editor and "support 100%" in editor
    assert f"<code>[motion #{motion['id']}]</code>" in editor


def test_translating_starts_from_the_source_text_in_another_language(app, client, world):
    english = created(client, world)
    publish(client, world, english["id"])
    html = (
        signed_in(app, "moderator")
        .get(f"{items_url(world)}/new?based_on={english['id']}&translate=1")
        .get_data(as_text=True)
    )
    assert '<option value="fr" selected>' in html
    assert "Every group supports **public audits**." in html  # the textarea starts from it


@pytest.mark.postgres
def test_the_summary_life_cycle_on_postgresql(pg_app):
    from conftest import make_deliberation, make_item, make_member, make_token, make_user

    deliberation = make_deliberation("pg-summaries")
    item = make_item(deliberation, "Item")
    moderator = make_user("moderator@example.org")
    make_member(moderator, deliberation, "moderator")
    headers = {"Authorization": f"Bearer {make_token(moderator)}"}
    db.session.commit()
    client = pg_app.test_client()
    v1 = client.post(f"/api/v1/items/{item.id}/summaries", json=TEXT, headers=headers).get_json()
    v2 = client.patch(f"/api/v1/summaries/{v1['id']}", json={"agreements": "New."}, headers=headers)
    assert v2.status_code == 200 and v2.get_json()["version"] == 2
    assert client.post(f"/api/v1/summaries/{v1['id']}/publish", headers=headers).status_code == 200
    v2_id = v2.get_json()["id"]
    assert client.post(f"/api/v1/summaries/{v2_id}/publish", headers=headers).status_code == 200
    refused = client.patch(f"/api/v1/summaries/{v2_id}", json={"agreements": "x"}, headers=headers)
    assert refused.status_code == 409
    db.session.rollback()
    assert [e.action for e in audit_events(deliberation)][-2:] == [
        "summary.publish",
        "summary.supersede",
    ]
    assert verify_deliberation_chain(deliberation) is None


@pytest.mark.parametrize("role", ROLES)
def test_the_diff_of_published_versions_per_role(client, world, role):
    v1 = created(client, world)
    publish(client, world, v1["id"])
    v2 = created(client, world, based_on=v1["id"], agreements="Second.")
    publish(client, world, v2["id"])
    api = client.get(f"/api/v1/summaries/{v2['id']}/diff", headers=world.headers(role))
    assert api.status_code == READ[role]
    page = browser(client.application, role).get(f"{base(world)}/summaries/{v2['id']}/diff")
    assert page.status_code == PAGE_READ[role]
    if page.status_code == 200:
        assert "From version 1 to version 2" in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_a_published_version_page_per_role(app, client, world, role):
    draft = created(client, world)
    publish(client, world, draft["id"])
    response = browser(app, role).get(f"{base(world)}/summaries/{draft['id']}")
    assert response.status_code == PAGE_READ[role]
    if response.status_code == 200:
        html = response.get_data(as_text=True)
        assert "public audits" in html
        assert ("Write a new version based on this one" in html) == (role in ("moderator", "admin"))


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_page_of_a_draft_per_role(app, client, world, role):
    draft = created(client, world)
    response = browser(app, role).get(f"{base(world)}/summaries/{draft['id']}/edit")
    assert response.status_code == {**PAGE_WRITE, "observer": 404, "delegate": 404}[role]
