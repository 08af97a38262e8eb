"""The /api/v1 endpoints of deliberations, groups, members and agenda items (DESIGN §6).

The world fixture: `ai-2026` is a private, open deliberation (groups scheme) with groups
`governments` (share 2) and `civil_society`, one open item, and a member of every role;
`other_moderator` moderates only `other-forum`.
"""

import pytest
import sqlalchemy as sa
from conftest import ROLES, make_deliberation, make_item, make_token, make_user

from commonground.db import db
from commonground.deliberations.models import (
    AgendaItem,
    Deliberation,
    Membership,
    StakeholderGroup,
)
from commonground.records.audit import audit_events, verify_deliberation_chain
from commonground.records.models import AuditEvent
from commonground.voting.models import Motion

API = "/api/v1"
READERS = {"observer", "delegate", "moderator", "admin"}
MODERATORS = {"moderator", "admin"}


def call(client, world, role, method, path, body=None, **kwargs):
    """Call the API as ``role`` (a bearer token; nothing for anonymous)."""
    return client.open(API + path, method=method, json=body, headers=world.headers(role), **kwargs)


def expected_read_status(role: str) -> int:
    return 200 if role in READERS else 401 if role == "anonymous" else 403


def expected_write_status(role: str, ok: int) -> int:
    return ok if role in MODERATORS else 401 if role == "anonymous" else 403


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- reading: who sees what -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path",
    [
        "/deliberations/ai-2026",
        "/deliberations/ai-2026/groups",
        "/deliberations/ai-2026/members",
        "/deliberations/ai-2026/items",
        "/items/{item}",
    ],
)
def test_members_and_admins_read_a_private_deliberation_others_are_refused(
    client, world, role, path
):
    response = call(client, world, role, "GET", path.format(item=world.item.id))
    assert response.status_code == expected_read_status(role)
    if response.status_code != 200:
        assert response.get_json()["error"]["code"] in ("unauthorized", "forbidden")


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("anonymous", {"public-forum"}),
        ("observer", {"ai-2026", "public-forum"}),
        ("delegate", {"ai-2026", "public-forum"}),
        ("other_moderator", {"other-forum", "public-forum"}),
        ("moderator", {"ai-2026", "public-forum", "draft-forum"}),
        ("admin", {"ai-2026", "other-forum", "public-forum", "draft-forum"}),
    ],
)
def test_the_list_holds_only_the_deliberations_the_caller_may_read(client, world, role, visible):
    make_deliberation("public-forum", public=True)
    draft = make_deliberation("draft-forum", status="draft", public=True)
    db.session.add(Membership(user=world.users["moderator"], deliberation=draft, role="moderator"))
    db.session.commit()
    response = call(client, world, role, "GET", "/deliberations")
    assert response.status_code == 200
    assert {d["slug"] for d in response.get_json()["items"]} == visible


@pytest.mark.parametrize("role", ROLES)
def test_a_public_open_deliberation_is_readable_by_anyone(client, world, role):
    public = make_deliberation("public-forum", public=True)
    item = make_item(public, "Public item")
    db.session.commit()
    for path in ("/deliberations/public-forum", "/deliberations/public-forum/items"):
        assert call(client, world, role, "GET", path).status_code == 200
    assert call(client, world, role, "GET", f"/items/{item.id}").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_only_by_its_moderators_and_admins(client, world, role):
    world.deliberation.status = "draft"
    db.session.commit()
    response = call(client, world, role, "GET", "/deliberations/ai-2026")
    expected = 200 if role in MODERATORS else 401 if role == "anonymous" else 403
    assert response.status_code == expected


def test_a_deliberation_comes_in_the_shape_of_the_design(client, world):
    body = call(client, world, "delegate", "GET", "/deliberations/ai-2026").get_json()
    assert body["slug"] == "ai-2026"
    assert body["status"] == "open"
    assert body["scheme"] == "groups"
    assert body["languages"] == ["en", "fr"]
    assert body["created_at"].endswith("Z")
    assert body["groups"] == [
        {
            "key": "governments",
            "name": "Governments",
            "name_translations": {},
            "share": 2,
            "position": 0,
        },
        {
            "key": "civil_society",
            "name": "Civil Society",
            "name_translations": {},
            "share": 1,
            "position": 1,
        },
    ]


@pytest.mark.parametrize("role", sorted(READERS))
def test_member_emails_are_shown_to_moderators_only(client, world, role):
    members = call(client, world, role, "GET", "/deliberations/ai-2026/members").get_json()
    delegate = next(m for m in members["items"] if m["user"]["name"] == "Dee Delegate")
    assert delegate == {
        "id": world.memberships["delegate"].id,
        "user": {"id": world.users["delegate"].id, "name": "Dee Delegate"}
        | ({"email": "delegate@example.org"} if role in MODERATORS else {}),
        "role": "delegate",
        "group": "governments",
        "weight": 1,
        "muted": False,
    }


def test_an_item_comes_with_its_translations(client, world):
    world.item.translations  # noqa: B018  (load before appending)
    from commonground.deliberations.models import AgendaItemTranslation

    world.item.translations.append(
        AgendaItemTranslation(language="fr", title="Premier point", body="Le texte.")
    )
    db.session.commit()
    item = call(client, world, "observer", "GET", f"/items/{world.item.id}").get_json()
    assert item == {
        "id": world.item.id,
        "deliberation": "ai-2026",
        "position": 1,
        "numeral": "",
        "title": "First item",
        "body": "The text of the first item.",
        "language": "en",
        "status": "open",
        "locked": False,
        "attribution": None,
        "translations": {"fr": {"title": "Premier point", "body": "Le texte."}},
        "created_at": item["created_at"],
    }
    listed = call(client, world, "observer", "GET", "/deliberations/ai-2026/items").get_json()
    assert listed == {"items": [item]}


# --- writing: who may change what --------------------------------------------------------


def _spare_group(world):
    group = StakeholderGroup(
        deliberation=world.deliberation, key="spare", name="Spare", share=1, position=9
    )
    db.session.add(group)
    db.session.commit()
    return group


WRITES = {
    "update deliberation": ("PATCH", "/deliberations/ai-2026", {"title": "Renamed"}, 200),
    "add group": (
        "POST",
        "/deliberations/ai-2026/groups",
        {"key": "enterprises", "name": "Enterprises", "share": 1},
        201,
    ),
    "update group": ("PATCH", "/deliberations/ai-2026/groups/governments", {"share": 3}, 200),
    "remove group": ("DELETE", "/deliberations/ai-2026/groups/spare", None, 204),
    "add member": (
        "POST",
        "/deliberations/ai-2026/members",
        {"email": "outsider@example.org", "role": "observer"},
        201,
    ),
    "update member": ("PATCH", "/deliberations/ai-2026/members/{delegate2}", {"weight": 2}, 200),
    "remove member": ("DELETE", "/deliberations/ai-2026/members/{delegate2}", None, 204),
    "add item": ("POST", "/deliberations/ai-2026/items", {"title": "Second item"}, 201),
    "update item": ("PATCH", "/items/{item}", {"status": "closed"}, 200),
    "translate item": ("PUT", "/items/{item}/translations/fr", {"title": "Premier"}, 201),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", WRITES)
def test_only_moderators_and_admins_change_a_deliberation(client, world, role, action):
    _spare_group(world)
    method, path, body, ok = WRITES[action]
    path = path.format(item=world.item.id, delegate2=world.memberships["delegate2"].id)
    events_before = count(AuditEvent)
    response = call(client, world, role, method, path, body)
    assert response.status_code == expected_write_status(role, ok), response.get_json()
    db.session.rollback()
    if role in MODERATORS:
        assert count(AuditEvent) == events_before + 1
        assert verify_deliberation_chain(world.deliberation) is None
    else:
        assert count(AuditEvent) == events_before
        code = "unauthorized" if role == "anonymous" else "forbidden"
        assert response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_create_deliberations(client, world, role):
    response = call(
        client, world, role, "POST", "/deliberations", {"slug": "new-one", "title": "New"}
    )
    expected = 201 if role == "admin" else 401 if role == "anonymous" else 403
    assert response.status_code == expected
    db.session.rollback()
    exists = db.session.scalar(sa.select(Deliberation.id).where(Deliberation.slug == "new-one"))
    assert bool(exists) is (role == "admin")


def test_an_anonymous_write_is_refused_before_its_body_is_read(client, world):
    response = client.post(f"{API}/deliberations", data="not json")
    assert response.status_code == 401


def test_a_read_only_token_may_not_write(client, world):
    token = make_token(world.users["moderator"], scope="read")
    db.session.commit()
    response = client.patch(
        f"{API}/deliberations/ai-2026",
        json={"title": "Renamed"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403


# --- the lifecycle as a script drives it -------------------------------------------------


def create_and_run_a_deliberation(client, headers) -> None:
    """The DESIGN §6 flow: create, open, add members and items, open an item."""
    created = client.post(
        f"{API}/deliberations",
        json={
            "slug": "ai-2027",
            "title": "Gouvernance de l'IA",
            "scheme": "groups",
            "languages": ["en", "fr"],
            "groups": [
                {"key": "governments", "name": "Governments", "share": 2},
                {"key": "civil_society", "name": "Civil society", "share": 1},
            ],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["slug"], body["status"], body["scheme"]) == ("ai-2027", "draft", "groups")
    assert [(g["key"], g["share"]) for g in body["groups"]] == [
        ("governments", 2),
        ("civil_society", 1),
    ]

    opened = client.patch(f"{API}/deliberations/ai-2027", json={"status": "open"}, headers=headers)
    assert opened.status_code == 200
    assert opened.get_json()["status"] == "open"

    member = client.post(
        f"{API}/deliberations/ai-2027/members",
        json={
            "email": "Delegate@Example.org",
            "role": "delegate",
            "group": "governments",
            "weight": 2,
        },
        headers=headers,
    )
    assert member.status_code == 201, member.get_json()
    assert member.get_json()["group"] == "governments"
    assert member.get_json()["weight"] == 2

    item = client.post(
        f"{API}/deliberations/ai-2027/items",
        json={"title": "Action 1", "body": "Text"},
        headers=headers,
    )
    assert item.status_code == 201
    assert item.get_json()["status"] == "pending"
    assert item.get_json()["numeral"] == "1"
    item_id = item.get_json()["id"]

    opened_item = client.patch(f"{API}/items/{item_id}", json={"status": "open"}, headers=headers)
    assert opened_item.status_code == 200
    assert opened_item.get_json()["status"] == "open"

    share = client.patch(
        f"{API}/deliberations/ai-2027/groups/civil_society", json={"share": 3}, headers=headers
    )
    assert share.get_json()["share"] == 3

    translated = client.put(
        f"{API}/items/{item_id}/translations/fr",
        json={"title": "Action 1 (fr)", "body": "Texte"},
        headers=headers,
    )
    assert translated.status_code == 201
    again = client.put(
        f"{API}/items/{item_id}/translations/fr",
        json={"title": "Action un", "body": "Texte"},
        headers=headers,
    )
    assert again.status_code == 200
    assert again.get_json()["translations"] == {"fr": {"title": "Action un", "body": "Texte"}}

    db.session.rollback()
    deliberation = db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == "ai-2027"))
    assert [e.action for e in audit_events(deliberation)] == [
        "deliberation.create",
        "deliberation.status",
        "member.add",
        "item.add",
        "item.status",
        "group.update",
        "item.translation",
        "item.translation",
    ]
    assert verify_deliberation_chain(deliberation) is None


def test_an_admin_creates_opens_and_fills_a_deliberation(client, world):
    create_and_run_a_deliberation(client, world.headers("admin"))


@pytest.mark.postgres
def test_the_same_flow_works_on_postgresql(pg_app):
    admin = make_user("admin@example.org", admin=True)
    make_user("delegate@example.org")
    token = make_token(admin)
    db.session.commit()
    create_and_run_a_deliberation(pg_app.test_client(), {"Authorization": f"Bearer {token}"})


@pytest.mark.postgres
def test_postgresql_refuses_a_half_valid_deliberation_without_leaving_rows(pg_app):
    admin = make_user("admin@example.org", admin=True)
    token = make_token(admin)
    db.session.commit()
    response = pg_app.test_client().post(
        f"{API}/deliberations",
        json={"slug": "x", "title": "X", "groups": [{"key": "a", "name": "A", "share": 0}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "groups[0].share"
    db.session.rollback()
    assert count(Deliberation) == 0


# --- refusals: unknown, invalid, conflicting ---------------------------------------------


@pytest.mark.parametrize("role", ["moderator", "admin"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/deliberations/nowhere"),
        ("PATCH", "/deliberations/nowhere"),
        ("GET", "/deliberations/nowhere/groups"),
        ("POST", "/deliberations/nowhere/groups"),
        ("PATCH", "/deliberations/ai-2026/groups/nowhere"),
        ("DELETE", "/deliberations/ai-2026/groups/nowhere"),
        ("GET", "/deliberations/nowhere/members"),
        ("POST", "/deliberations/nowhere/members"),
        ("PATCH", "/deliberations/ai-2026/members/999999"),
        ("DELETE", "/deliberations/ai-2026/members/999999"),
        ("PATCH", "/deliberations/ai-2026/members/{other_member}"),
        ("GET", "/deliberations/nowhere/items"),
        ("POST", "/deliberations/nowhere/items"),
        ("GET", "/items/999999"),
        ("PATCH", "/items/999999"),
        ("PUT", "/items/999999/translations/fr"),
        ("GET", "/items/99999999999999999999"),
        ("DELETE", "/deliberations/ai-2026/members/99999999999999999999"),
    ],
)
def test_unknown_resources_are_404(client, world, role, method, path):
    path = path.format(other_member=world.memberships["other_moderator"].id)
    response = call(client, world, role, method, path, {} if method != "GET" else None)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/deliberations"),
        ("PATCH", "/deliberations/ai-2026"),
        ("POST", "/deliberations/ai-2026/groups"),
        ("PATCH", "/deliberations/ai-2026/groups/governments"),
        ("POST", "/deliberations/ai-2026/members"),
        ("PATCH", "/deliberations/ai-2026/members/{delegate}"),
        ("POST", "/deliberations/ai-2026/items"),
        ("PATCH", "/items/{item}"),
        ("PUT", "/items/{item}/translations/fr"),
    ],
)
@pytest.mark.parametrize("body", ["[1, 2]", "not json", '"text"', ""])
def test_a_body_that_is_not_a_json_object_is_400(client, world, method, path, body):
    path = path.format(item=world.item.id, delegate=world.memberships["delegate"].id)
    response = client.open(
        API + path,
        method=method,
        data=body,
        content_type="application/json",
        headers=world.headers("admin"),
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"


INVALID = [
    ("POST", "/deliberations", {"title": "No slug"}, "slug"),
    ("POST", "/deliberations", {"slug": "Bad Slug", "title": "X"}, "slug"),
    ("POST", "/deliberations", {"slug": "ok", "title": ""}, "title"),
    ("POST", "/deliberations", {"slug": "ok", "title": "X" * 201}, "title"),
    ("POST", "/deliberations", {"slug": "ok", "title": "X", "scheme": "votes"}, "scheme"),
    ("POST", "/deliberations", {"slug": "ok", "title": "X", "languages": "en"}, "languages"),
    (
        "POST",
        "/deliberations",
        {"slug": "ok", "title": "X", "languages": ["en", "??"]},
        "languages[1]",
    ),
    ("POST", "/deliberations", {"slug": "ok", "title": "X", "groups": {}}, "groups"),
    ("POST", "/deliberations", {"slug": "ok", "title": "X", "groups": ["g"]}, "groups[0]"),
    ("POST", "/deliberations", {"slug": "ok", "title": "X", "is_public": "maybe"}, "is_public"),
    ("POST", "/deliberations", {"slug": "ok", "title": "X", "colour": "red"}, "colour"),
    (
        "POST",
        "/deliberations",
        {
            "slug": "ok",
            "title": "X",
            "groups": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}],
        },
        "groups[1].key",
    ),
    (
        "POST",
        "/deliberations",
        {"slug": "ok", "title": "X", "groups": [{"key": "a", "name": "A", "share": -1}]},
        "groups[0].share",
    ),
    ("PATCH", "/deliberations/ai-2026", {"status": "archived"}, "status"),
    ("PATCH", "/deliberations/ai-2026", {"scheme": 3}, "scheme"),
    ("PATCH", "/deliberations/ai-2026", {"slug": "renamed"}, "slug"),
    ("PATCH", "/deliberations/ai-2026", {"title": None}, "title"),
    ("PATCH", "/deliberations/ai-2026", {"languages": ["de"]}, "languages"),
    ("POST", "/deliberations/ai-2026/groups", {"key": "Has Space", "name": "X"}, "key"),
    ("POST", "/deliberations/ai-2026/groups", {"key": "x", "name": "X", "share": 0}, "share"),
    ("POST", "/deliberations/ai-2026/groups", {"key": "x", "name": "X", "share": 1.5}, "share"),
    ("POST", "/deliberations/ai-2026/groups", {"key": "x", "name": "X", "share": True}, "share"),
    ("POST", "/deliberations/ai-2026/groups", {"key": "x"}, "name"),
    (
        "POST",
        "/deliberations/ai-2026/groups",
        {"key": "x", "name": "X", "name_translations": {"fr": 1}},
        "name_translations.fr",
    ),
    ("PATCH", "/deliberations/ai-2026/groups/governments", {"share": "two"}, "share"),
    ("PATCH", "/deliberations/ai-2026/groups/governments", {"key": "gov"}, "key"),
    ("POST", "/deliberations/ai-2026/members", {"email": "nobody", "role": "observer"}, "email"),
    (
        "POST",
        "/deliberations/ai-2026/members",
        {"email": "outsider@example.org", "role": "king"},
        "role",
    ),
    (
        "POST",
        "/deliberations/ai-2026/members",
        {"email": "outsider@example.org", "role": "delegate"},
        "group",
    ),
    (
        "POST",
        "/deliberations/ai-2026/members",
        {"email": "outsider@example.org", "role": "delegate", "group": "nowhere"},
        "group",
    ),
    (
        "POST",
        "/deliberations/ai-2026/members",
        {"email": "outsider@example.org", "role": "observer", "weight": 0},
        "weight",
    ),
    ("PATCH", "/deliberations/ai-2026/members/{delegate}", {"group": None}, "group"),
    ("PATCH", "/deliberations/ai-2026/members/{delegate}", {"muted": "loud"}, "muted"),
    ("PATCH", "/deliberations/ai-2026/members/{delegate}", {"weight": -3}, "weight"),
    ("POST", "/deliberations/ai-2026/items", {"body": "No title"}, "title"),
    ("POST", "/deliberations/ai-2026/items", {"title": "X", "numeral": "X" * 17}, "numeral"),
    ("POST", "/deliberations/ai-2026/items", {"title": "X", "language": "english"}, "language"),
    ("PATCH", "/items/{item}", {"status": "done"}, "status"),
    ("PATCH", "/items/{item}", {"locked": "perhaps"}, "locked"),
    ("PATCH", "/items/{item}", {"position": 3}, "position"),
    ("PUT", "/items/{item}/translations/fr", {"body": "no title"}, "title"),
    ("PUT", "/items/{item}/translations/en", {"title": "Own language"}, "language"),
    ("PUT", "/items/{item}/translations/x!", {"title": "Bad code"}, "language"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), INVALID)
def test_an_invalid_field_is_422_naming_the_field_and_changes_nothing(
    client, world, method, path, body, field
):
    path = path.format(item=world.item.id, delegate=world.memberships["delegate"].id)
    events_before = count(AuditEvent)
    response = call(client, world, "admin", method, path, body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid", field)
    assert error["message"]
    db.session.rollback()
    assert count(AuditEvent) == events_before


def test_an_email_without_an_account_is_404_naming_the_field(client, world):
    response = call(
        client,
        world,
        "moderator",
        "POST",
        "/deliberations/ai-2026/members",
        {"email": "stranger@example.org", "role": "observer"},
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["field"] == "email"


def test_a_deliberation_with_one_invalid_group_leaves_nothing_behind(client, world):
    before = count(Deliberation), count(StakeholderGroup), count(AuditEvent)
    response = call(
        client,
        world,
        "admin",
        "POST",
        "/deliberations",
        {
            "slug": "half-valid",
            "title": "Half valid",
            "groups": [
                {"key": "good", "name": "Good", "share": 1},
                {"key": "bad", "name": "Bad", "share": "lots"},
            ],
        },
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "groups[1].share"
    # Whatever the request left in the session must not reach the database.
    db.session.commit()
    assert (count(Deliberation), count(StakeholderGroup), count(AuditEvent)) == before


CONFLICTS = [
    ("POST", "/deliberations", {"slug": "ai-2026", "title": "Again"}, "slug"),
    ("PATCH", "/deliberations/ai-2026", {"status": "draft"}, "status"),
    ("POST", "/deliberations/ai-2026/groups", {"key": "governments", "name": "Again"}, "key"),
    ("DELETE", "/deliberations/ai-2026/groups/governments", None, "key"),
    (
        "POST",
        "/deliberations/ai-2026/members",
        {"email": "delegate@example.org", "role": "observer"},
        "email",
    ),
    ("PATCH", "/items/{item}", {"status": "pending"}, "status"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), CONFLICTS)
def test_what_the_current_state_forbids_is_409(client, world, method, path, body, field):
    path = path.format(item=world.item.id)
    response = call(client, world, "admin", method, path, body)
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"] == {
        "code": "conflict",
        "message": response.get_json()["error"]["message"],
        "field": field,
    }


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("draft", "open", True),
        ("draft", "closed", False),
        ("open", "closed", True),
        ("open", "draft", False),
        ("closed", "open", True),
        ("closed", "draft", False),
    ],
)
def test_a_deliberation_moves_only_along_its_lifecycle(client, world, start, target, allowed):
    world.deliberation.status = start
    db.session.commit()
    response = call(
        client, world, "moderator", "PATCH", "/deliberations/ai-2026", {"status": target}
    )
    assert response.status_code == (200 if allowed else 409)


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("pending", "open", True),
        ("pending", "closed", False),
        ("open", "closed", True),
        ("open", "pending", False),
        ("closed", "open", True),
        ("closed", "pending", False),
    ],
)
def test_an_item_moves_only_along_its_lifecycle(client, world, start, target, allowed):
    world.item.status = start
    db.session.commit()
    response = call(
        client, world, "moderator", "PATCH", f"/items/{world.item.id}", {"status": target}
    )
    assert response.status_code == (200 if allowed else 409)


def test_setting_the_current_status_again_changes_nothing(client, world):
    response = call(
        client, world, "moderator", "PATCH", "/deliberations/ai-2026", {"status": "open"}
    )
    assert response.status_code == 200
    db.session.rollback()
    assert audit_events(world.deliberation) == []


def _open_motion(world):
    motion = Motion(item_id=world.item.id, text="Adopt", rule={"kind": "majority"}, status="open")
    db.session.add(motion)
    db.session.commit()
    return motion


def test_the_scheme_cannot_change_while_a_motion_is_open(client, world):
    motion = _open_motion(world)
    response = call(
        client, world, "moderator", "PATCH", "/deliberations/ai-2026", {"scheme": "members"}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "scheme"
    motion.status = "closed"
    db.session.commit()
    response = call(
        client, world, "moderator", "PATCH", "/deliberations/ai-2026", {"scheme": "members"}
    )
    assert response.status_code == 200
    assert response.get_json()["scheme"] == "members"


def test_a_draft_may_change_its_scheme_even_with_an_open_motion(client, world):
    world.deliberation.status = "draft"
    _open_motion(world)
    response = call(
        client, world, "moderator", "PATCH", "/deliberations/ai-2026", {"scheme": "members"}
    )
    assert response.status_code == 200


def test_a_closed_deliberation_is_an_archive_that_may_still_be_published(client, world):
    world.deliberation.status = "closed"
    db.session.commit()
    for method, path, body in [
        ("PATCH", "/deliberations/ai-2026", {"title": "Rewritten"}),
        ("POST", "/deliberations/ai-2026/items", {"title": "Late"}),
        ("POST", "/deliberations/ai-2026/groups", {"key": "late", "name": "Late"}),
        ("PATCH", f"/items/{world.item.id}", {"title": "Rewritten"}),
    ]:
        assert call(client, world, "moderator", method, path, body).status_code == 409
    published = call(
        client, world, "moderator", "PATCH", "/deliberations/ai-2026", {"is_public": True}
    )
    assert published.status_code == 200
    assert call(client, world, "anonymous", "GET", "/deliberations/ai-2026").status_code == 200


def test_a_member_who_has_taken_part_is_kept(client, world):
    from commonground.discussion.models import Post

    db.session.add(
        Post(
            item_id=world.item.id,
            author_id=world.memberships["delegate"].id,
            body="Hello",
            language="en",
        )
    )
    db.session.commit()
    path = f"/deliberations/ai-2026/members/{world.memberships['delegate'].id}"
    response = call(client, world, "moderator", "DELETE", path)
    assert response.status_code == 409
    assert call(client, world, "moderator", "PATCH", path, {"muted": True}).status_code == 200


def test_a_moderator_may_also_be_a_delegate_of_a_group(client, world):
    path = f"/deliberations/ai-2026/members/{world.memberships['moderator'].id}"
    response = call(client, world, "moderator", "PATCH", path, {"group": "civil_society"})
    assert response.get_json()["role"] == "moderator"
    assert response.get_json()["group"] == "civil_society"
    db.session.rollback()
    assert world.memberships["moderator"].can_vote


def test_items_are_appended_to_the_agenda_and_numbered(client, world):
    first = call(client, world, "moderator", "POST", "/deliberations/ai-2026/items", {"title": "B"})
    second = call(
        client,
        world,
        "moderator",
        "POST",
        "/deliberations/ai-2026/items",
        {"title": "C", "numeral": "III", "language": "fr"},
    )
    assert (first.get_json()["position"], first.get_json()["numeral"]) == (2, "2")
    assert (second.get_json()["position"], second.get_json()["numeral"]) == (3, "III")
    assert second.get_json()["language"] == "fr"
    db.session.rollback()
    assert [
        i.title
        for i in db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.deliberation_id == world.deliberation.id)
            .order_by(AgendaItem.position)
        )
    ] == ["First item", "B", "C"]
