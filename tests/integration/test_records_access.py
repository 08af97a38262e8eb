"""Who may download a record, in which edition, through which credentials."""

import json

import pytest
from conftest import ROLES, login, make_token
from jsonschema import Draft202012Validator
from test_records_world import DRAFT_MARKER, HIDDEN_MARKERS, build_record_world

from commonground.db import db

FORMATS = ("record.json", "record.zip", "record.html")
BASE = "/api/v1/deliberations/ai-2026/"

#: Status for each role on a private (not public) open deliberation.
PRIVATE = {
    "anonymous": 401,
    "observer": 200,
    "delegate": 200,
    "other_moderator": 403,
    "moderator": 200,
    "admin": 200,
}


def get(client, path, headers=None):
    response = client.get(path, headers=headers or {})
    return response, response.get_data()


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("role", ROLES)
def test_members_and_admins_may_export_a_private_deliberation(client, world, role, name):
    response, body = get(client, BASE + name, world.headers(role))
    assert response.status_code == PRIVATE[role], body[:200]
    if response.status_code != 200:
        assert json.loads(body)["error"]["code"] in ("unauthorized", "forbidden")


def test_an_outsider_may_not_export_a_private_deliberation(client, world):
    headers = {"Authorization": f"Bearer {world.tokens['outsider']}"}
    response, _ = get(client, BASE + "record.json", headers)
    assert response.status_code == 403


def test_a_read_only_token_serves_scripts(client, world):
    build_record_world(world)
    token = make_token(world.users["observer"], scope="read")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for name in FORMATS:
        response, _ = get(client, BASE + name, headers)
        assert response.status_code == 200, name


def test_a_revoked_or_unknown_token_is_refused(client, world):
    response, _ = get(client, BASE + "record.json", {"Authorization": "Bearer cg_nope"})
    assert response.status_code == 401


def test_a_browser_session_may_export(client, world):
    login(client, "delegate@example.org")
    response, body = get(client, BASE + "record.json")
    assert response.status_code == 200
    assert json.loads(body)["scope"]["audience"] == "readers"


def test_a_public_deliberations_published_record_downloads_without_an_account(client, world):
    built = build_record_world(world)
    world.deliberation.is_public = True
    db.session.commit()
    for name in FORMATS:
        response, body = get(client, BASE + name)
        assert response.status_code == 200, name
    response, body = get(client, BASE + "record.json")
    record = json.loads(body)
    assert record["scope"]["audience"] == "readers"
    assert [s["status"] for s in record["summaries"]] == ["published"]
    for marker in (*HIDDEN_MARKERS, DRAFT_MARKER):
        assert marker.encode() not in body
    assert built.draft_motion not in [m["id"] for m in record["motions"]]
    # A signed-in stranger reads the same public edition.
    response, body = get(client, BASE + "record.json", world.headers("other_moderator"))
    assert json.loads(body)["scope"]["audience"] == "readers"


def test_a_draft_deliberation_is_exported_only_by_its_moderators(client, world):
    world.deliberation.status = "draft"
    world.deliberation.is_public = True
    db.session.commit()
    expected = {**PRIVATE, "anonymous": 401, "observer": 403, "delegate": 403}
    for role in ROLES:
        response, _ = get(client, BASE + "record.json", world.headers(role))
        assert response.status_code == expected[role], role


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?item=abc", 422, "invalid"),
        ("?item=0", 422, "invalid"),
        ("?item=999999", 404, "not_found"),
    ],
)
def test_a_bad_item_is_refused(client, world, query, status, code):
    response, body = get(client, BASE + "record.json" + query, world.headers("moderator"))
    assert response.status_code == status
    error = json.loads(body)["error"]
    assert error["code"] == code
    if status == 422:
        assert error["field"] == "item"


def test_an_item_of_another_deliberation_is_not_found(client, world):
    from conftest import make_item

    foreign = make_item(world.other, "Elsewhere")
    db.session.commit()
    response, _ = get(client, BASE + f"record.json?item={foreign.id}", world.headers("admin"))
    assert response.status_code == 404


def test_an_unknown_deliberation_is_not_found(client, world):
    response, body = get(client, "/api/v1/deliberations/nope/record.zip", world.headers("admin"))
    assert response.status_code == 404
    assert json.loads(body)["error"]["code"] == "not_found"


def test_the_schema_is_served_to_anyone_and_is_valid_json_schema(client):
    response, body = get(client, "/api/v1/schemas/record.json")
    assert response.status_code == 200
    assert response.mimetype == "application/schema+json"
    schema = json.loads(body)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_ships_in_the_package():
    from importlib.resources import files

    shipped = files("commonground").joinpath("schemas/record.schema.json")
    assert json.loads(shipped.read_text(encoding="utf-8"))["title"].startswith("Common Ground")


def test_downloads_are_named_and_not_cached(client, world):
    response, _ = get(client, BASE + f"record.zip?item={world.item.id}", world.headers("admin"))
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="ai-2026-item-{world.item.id}-record.zip"'
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    response, _ = get(client, BASE + "record.html", world.headers("admin"))
    assert response.headers["Content-Disposition"].startswith("inline;")


def test_the_openapi_document_describes_the_record_endpoints(client):
    document = json.loads(get(client, "/api/v1/openapi.json")[1])
    for path in ("record.json", "record.zip", "record.html"):
        operation = document["paths"][f"/api/v1/deliberations/{{slug}}/{path}"]["get"]
        assert {p["name"] for p in operation["parameters"]} == {"slug", "item"}
    assert "/api/v1/schemas/record.json" in document["paths"]
