"""Whole numbers from outside that no database column can hold are answered cleanly: a 404
for an id in a path, a 422 naming the field otherwise — never a 500 — on SQLite and
PostgreSQL alike."""

import pytest
from conftest import make_deliberation, make_group, make_item, make_member, make_token, make_user
from werkzeug.exceptions import NotFound

from commonground.db import db
from commonground.errors import Invalid
from commonground.fields import MAX_ID, RowIdConverter, integer, is_row_id

HUGE = [2**31, 2**63 - 1, 2**63, 2**64, 10**20]


def test_integer_refuses_what_no_column_holds_and_names_the_field():
    for value in (*HUGE, str(2**63), -(2**31) - 1):
        with pytest.raises(Invalid) as refused:
            integer(value, "after")
        assert refused.value.field == "after"
    assert integer(str(MAX_ID), "after") == MAX_ID
    assert integer(5, "count", minimum=1, maximum=10) == 5


def test_a_row_id_is_a_positive_number_within_the_column():
    assert is_row_id(1) and is_row_id(MAX_ID)
    assert not any(is_row_id(v) for v in (0, -1, MAX_ID + 1, True, "3", 2**64, None))


def test_the_route_converter_matches_no_id_past_the_column():
    converter = RowIdConverter(None)
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    for value in HUGE:
        with pytest.raises(NotFound):
            converter.to_python(str(value))


def small_world():
    deliberation = make_deliberation("ai-2026")
    group = make_group(deliberation, "governments")
    delegate = make_user("delegate@example.org", "Dee Delegate")
    moderator = make_user("mod@example.org", "Mo Moderator")
    make_member(delegate, deliberation, "delegate", group)
    make_member(moderator, deliberation, "moderator")
    item = make_item(deliberation, "First item")
    tokens = {"delegate": make_token(delegate), "moderator": make_token(moderator)}
    db.session.commit()
    return item, {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}


def probe(client):
    item, headers = small_world()
    for method, path in (
        ("GET", f"/api/v1/posts/{2**63}"),
        ("PATCH", f"/api/v1/posts/{2**63}"),
        ("GET", f"/api/v1/motions/{2**64}/tally"),
        ("GET", f"/api/v1/items/{10**20}"),
        ("POST", f"/api/v1/summaries/{2**63}/publish"),
        ("PATCH", f"/api/v1/deliberations/ai-2026/members/{2**63}"),
        ("DELETE", f"/api/v1/deliberations/ai-2026/members/{2**63}"),
    ):
        response = client.open(path, method=method, headers=headers["moderator"])
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"]["code"] == "not_found", (method, path)
    for path in (f"/motions/{10**20}", f"/d/ai-2026/items/{2**63}", f"/summaries/{2**64}"):
        assert client.get(path, headers=headers["moderator"]).status_code == 404, path

    after = client.get(f"/api/v1/items/{item.id}/posts?after={10**19 + 1}")
    assert after.status_code == 401 or after.get_json()["error"]["field"] == "after"
    after = client.get(
        f"/api/v1/items/{item.id}/posts?after={10**19 + 1}", headers=headers["delegate"]
    )
    assert after.status_code == 422 and after.get_json()["error"]["field"] == "after"
    for body, field in (
        ({"body": "Hello", "parent": 2**63}, "parent"),
        ({"body": "Hello", "parent": 2**31}, "parent"),
    ):
        response = client.post(
            f"/api/v1/items/{item.id}/posts", json=body, headers=headers["delegate"]
        )
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["field"] == field
    weight = client.patch(
        "/api/v1/deliberations/ai-2026/members/1",
        json={"weight": 2**40},
        headers=headers["moderator"],
    )
    assert weight.status_code in (404, 422)
    if weight.status_code == 422:
        assert weight.get_json()["error"]["field"] == "weight"
    # Nothing was stored by any of it.
    assert (
        client.get(f"/api/v1/items/{item.id}/posts", headers=headers["delegate"]).get_json()[
            "items"
        ]
        == []
    )


def test_out_of_range_numbers_are_clean_errors_on_sqlite(client):
    probe(client)


@pytest.mark.postgres
def test_out_of_range_numbers_are_clean_errors_on_postgresql(pg_app):
    with pg_app.app_context():
        probe(pg_app.test_client())
