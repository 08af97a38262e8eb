"""Invitations: moderators invite by link; the link creates the account (or uses the
existing one) and the membership, once, within 14 days."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, csrf_token, login, make_member

from commonground.accounts import services
from commonground.accounts.models import Invitation, User
from commonground.db import db, utcnow
from commonground.deliberations.models import Membership
from commonground.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized

ROLES = ("anonymous", "observer", "delegate", "other_moderator", "moderator", "admin")
ALLOWED = {"moderator", "admin"}
NEW_PASSWORD = "a brand new password"


def invite(world, email="new@example.org", role="delegate", group="governments", weight=2):
    """An invitation made by the moderator, through the service; returns (invitation, path)."""
    invitation, token = services.invite_member(
        world.users["moderator"], world.deliberation, email, role, group, weight
    )
    db.session.commit()
    return invitation, f"/invitations/{token}"


def accept_form(client, path, name="Nia Newcomer", password=NEW_PASSWORD, confirm=None):
    token = csrf_token(client, path)
    return client.post(
        path,
        data={
            "name": name,
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": token,
        },
    )


def membership_of(email):
    return db.session.scalar(sa.select(Membership).join(User).where(User.email == email))


# --- the service ------------------------------------------------------------------------------


def test_invite_member_creates_a_14_day_invitation_and_nothing_else(app, world):
    users_before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    invitation, token = services.invite_member(
        world.users["moderator"],
        world.deliberation,
        "New@Example.org",
        "delegate",
        "governments",
        3,
    )
    db.session.commit()
    assert invitation.email == "new@example.org"
    assert invitation.role == "delegate" and invitation.group.key == "governments"
    assert invitation.weight == 3 and invitation.invited_by_id == world.users["moderator"].id
    lifetime = invitation.expires_at - utcnow()
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)
    assert token not in invitation.token_hash
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before
    assert membership_of("new@example.org") is None


def test_inviting_and_accepting_are_audited_without_the_invitees_address(app, world):
    from commonground.records.audit import audit_events, verify_deliberation_chain

    invitation, path = invite(world, email="secret.person@example.org")
    _user, membership = services.accept_invitation(path.rsplit("/", 1)[1], "Nia", NEW_PASSWORD)
    db.session.commit()
    events = [(e.action, e.target, e.payload) for e in audit_events(world.deliberation)]
    assert events[-2:] == [
        (
            "invitation.create",
            f"invitation:{invitation.id}",
            {"role": "delegate", "group": "governments", "weight": 2},
        ),
        (
            "invitation.accept",
            f"member:{membership.id}",
            {"invitation": invitation.id, "role": "delegate"},
        ),
    ]
    assert "secret.person" not in repr(events)
    assert verify_deliberation_chain(world.deliberation) is None


@pytest.mark.parametrize("role", ["observer", "delegate", "other_moderator", "outsider"])
def test_only_moderators_and_admins_may_invite(app, world, role):
    with pytest.raises(Forbidden):
        services.invite_member(world.users[role], world.deliberation, "x@example.org", "observer")


def test_the_anonymous_may_not_invite(app, world):
    from flask_login import AnonymousUserMixin

    with pytest.raises(Unauthorized):
        services.invite_member(
            AnonymousUserMixin(), world.deliberation, "x@example.org", "observer"
        )


@pytest.mark.parametrize(
    ("email", "role", "group", "weight", "field"),
    [
        ("not an email", "observer", None, 1, "email"),
        ("x@example.org", "chair", None, 1, "role"),
        ("x@example.org", "delegate", None, 1, "group"),
        ("x@example.org", "delegate", "no_such_group", 1, "group"),
        ("x@example.org", "delegate", "governments", 0, "weight"),
        ("x@example.org", "delegate", "governments", "heavy", "weight"),
        ("delegate@example.org", "observer", None, 1, "email"),
    ],
)
def test_invite_member_names_the_invalid_field(app, world, email, role, group, weight, field):
    with pytest.raises((Invalid, Conflict)) as refused:
        services.invite_member(
            world.users["moderator"], world.deliberation, email, role, group, weight
        )
    assert refused.value.field == field


def test_a_group_of_another_deliberation_is_refused(app, world):
    from conftest import make_group

    make_group(world.other, "elsewhere")
    with pytest.raises(Invalid) as refused:
        services.invite_member(
            world.users["admin"], world.deliberation, "x@example.org", "delegate", "elsewhere"
        )
    assert refused.value.field == "group"


def test_observers_and_moderators_need_no_group(app, world):
    observer, _ = services.invite_member(
        world.users["moderator"], world.deliberation, "o@example.org", "observer"
    )
    moderator, _ = services.invite_member(
        world.users["admin"], world.deliberation, "m@example.org", "moderator", "governments"
    )
    assert observer.group is None and moderator.group.key == "governments"


def test_accept_invitation_creates_the_account_and_the_membership(app, world):
    invitation, path = invite(world)
    token = path.rsplit("/", 1)[1]
    user, membership = services.accept_invitation(token, "Nia", NEW_PASSWORD)
    assert user.email == "new@example.org" and user.password_hash.startswith("$argon2id$")
    assert (membership.role, membership.group.key, membership.weight) == (
        "delegate",
        "governments",
        2,
    )
    assert invitation.accepted_at is not None and invitation.accepted_by_id == user.id


def test_accept_invitation_validates_the_new_account(app, world):
    _, path = invite(world)
    token = path.rsplit("/", 1)[1]
    with pytest.raises(Invalid) as refused:
        services.accept_invitation(token, "Nia", "short")
    assert refused.value.field == "password"
    with pytest.raises(Invalid) as refused:
        services.accept_invitation(token, "  ", NEW_PASSWORD)
    assert refused.value.field == "name"


def test_a_second_membership_in_the_same_deliberation_is_a_conflict(app, world):
    _, first = invite(world, "twice@example.org", "observer", None, 1)
    _, second = invite(world, "twice@example.org", "delegate", "governments", 1)
    user, _ = services.accept_invitation(first.rsplit("/", 1)[1], "Tw", NEW_PASSWORD)
    db.session.commit()
    with pytest.raises(Conflict):
        services.accept_invitation(second.rsplit("/", 1)[1], None, None, current_user=user)


def test_pending_invitations_leave_out_accepted_and_expired_ones(app, world):
    invite(world, "pending@example.org")
    expired, _ = invite(world, "expired@example.org")
    expired.expires_at = utcnow() - timedelta(seconds=1)
    _, accepted_path = invite(world, "accepted@example.org")
    services.accept_invitation(accepted_path.rsplit("/", 1)[1], "Acc", NEW_PASSWORD)
    db.session.commit()
    listed = services.pending_invitations(world.users["moderator"], world.deliberation)
    assert [i.email for i in listed] == ["pending@example.org"]


# --- the invitations page ---------------------------------------------------------------------


def client_as(app, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, app_user_email(role))
    return client


def app_user_email(role):
    return {
        "observer": "observer@example.org",
        "delegate": "delegate@example.org",
        "other_moderator": "othermod@example.org",
        "moderator": "mod@example.org",
        "admin": "admin@example.org",
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_invitations_page_is_for_moderators_and_admins(app, world, role):
    client = client_as(app, role)
    response = client.get("/d/ai-2026/invitations")
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=/d/ai-2026/invitations")
    elif role in ALLOWED:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'name="csrf_token"' in html and '<option value="governments"' in html
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_and_admins_can_invite_through_the_page(app, world, role):
    client = client_as(app, role)
    token = csrf_token(client, "/")
    response = client.post(
        "/d/ai-2026/invitations",
        data={
            "email": "new@example.org",
            "role": "observer",
            "group": "",
            "weight": "1",
            "csrf_token": token,
        },
    )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))
    if role in ALLOWED:
        assert response.status_code == 201 and count == 1
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert count == 0


def test_invitations_page_shows_the_link_once_and_lists_pending_invitations(app, world):
    client = client_as(app, "moderator")
    token = csrf_token(client, "/d/ai-2026/invitations")
    response = client.post(
        "/d/ai-2026/invitations",
        data={
            "email": "new@example.org",
            "role": "delegate",
            "group": "civil_society",
            "weight": "2",
            "csrf_token": token,
        },
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    link = re.search(r'class="token-once"><a href="([^"]+)"', html).group(1)
    assert link.startswith("http://localhost/invitations/")

    listing = client.get("/d/ai-2026/invitations").get_data(as_text=True)
    assert "new@example.org" in listing and "Civil Society" in listing
    assert link not in listing

    newcomer = app.test_client()
    assert newcomer.get(urlsplit(link).path).status_code == 200


def test_invitations_page_shows_field_errors(app, world):
    client = client_as(app, "moderator")
    token = csrf_token(client, "/d/ai-2026/invitations")
    response = client.post(
        "/d/ai-2026/invitations",
        data={
            "email": "new@example.org",
            "role": "delegate",
            "group": "",
            "weight": "1",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="group-error"' in html and 'value="new@example.org"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_invitations_page_needs_the_csrf_token(app, world):
    client = client_as(app, "moderator")
    response = client.post(
        "/d/ai-2026/invitations", data={"email": "new@example.org", "role": "observer"}
    )
    assert response.status_code == 400


def test_invitations_page_of_an_unknown_deliberation_is_404(app, world):
    assert client_as(app, "admin").get("/d/nowhere/invitations").status_code == 404


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_invitations_api_is_for_moderators_and_admins(client, world, role):
    headers = world.headers(role)
    created = client.post(
        "/api/v1/deliberations/ai-2026/invitations",
        json={"email": "new@example.org", "role": "delegate", "group": "governments", "weight": 2},
        headers=headers,
    )
    listed = client.get("/api/v1/deliberations/ai-2026/invitations", headers=headers)
    if role in ALLOWED:
        assert created.status_code == 201 and listed.status_code == 200
    else:
        expected = 401 if role == "anonymous" else 403
        assert created.status_code == listed.status_code == expected
        assert created.get_json()["error"]["code"] in ("unauthorized", "forbidden")


def test_invitations_api_answers_the_documented_shape(client, world):
    response = client.post(
        "/api/v1/deliberations/ai-2026/invitations",
        json={"email": "New@example.org", "role": "delegate", "group": "governments", "weight": 2},
        headers=world.headers("moderator"),
    )
    body = response.get_json()
    assert set(body) == {
        "id",
        "email",
        "role",
        "group",
        "weight",
        "created_at",
        "expires_at",
        "url",
    }
    assert (body["email"], body["role"], body["group"], body["weight"]) == (
        "new@example.org",
        "delegate",
        "governments",
        2,
    )
    assert body["expires_at"].endswith("Z")
    assert body["url"].startswith("http://localhost/invitations/")

    listed = client.get(
        "/api/v1/deliberations/ai-2026/invitations", headers=world.headers("admin")
    ).get_json()
    assert listed["items"] == [{k: v for k, v in body.items() if k != "url"}]


def test_invitations_api_reports_the_invalid_field(client, world):
    response = client.post(
        "/api/v1/deliberations/ai-2026/invitations",
        json={"email": "new@example.org", "role": "delegate"},
        headers=world.headers("moderator"),
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "group"


def test_invitations_api_needs_a_json_object(client, world):
    response = client.post(
        "/api/v1/deliberations/ai-2026/invitations",
        data="[]",
        content_type="application/json",
        headers=world.headers("moderator"),
    )
    assert response.status_code == 400


def test_invitations_api_with_a_session_needs_the_csrf_header(app, world):
    client = client_as(app, "moderator")
    payload = {"email": "new@example.org", "role": "observer"}
    url = "/api/v1/deliberations/ai-2026/invitations"
    assert client.post(url, json=payload).status_code == 400
    response = client.post(url, json=payload, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201


def test_invitations_api_of_an_unknown_deliberation_is_404(client, world):
    response = client.get(
        "/api/v1/deliberations/nowhere/invitations", headers=world.headers("admin")
    )
    assert response.status_code == 404


def test_openapi_document_describes_the_account_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/me"]
    assert {"get", "post"} <= set(paths["/api/v1/deliberations/{slug}/invitations"])


# --- accepting by link ------------------------------------------------------------------------


def test_accepting_creates_the_user_and_membership_and_signs_in(app, client, world):
    _, path = invite(world)
    page = client.get(path)
    assert page.status_code == 200
    assert "Deliberation ai-2026" in page.get_data(as_text=True)

    response = accept_form(client, path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/d/ai-2026"
    me = client.get("/api/v1/me").get_json()
    assert me["email"] == "new@example.org" and me["name"] == "Nia Newcomer"
    assert me["memberships"] == [
        {"deliberation": "ai-2026", "role": "delegate", "group": "governments", "weight": 2}
    ]
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert user.password_hash.startswith("$argon2id$")
    # The new password works on the sign-in form.
    other = app.test_client()
    login(other, "new@example.org", NEW_PASSWORD)


def test_accepting_renews_the_session(client, world):
    _, path = invite(world)
    csrf_token(client, path)
    with client.session_transaction() as session:
        session["planted"] = "before"
    accept_form(client, path)
    with client.session_transaction() as session:
        assert "planted" not in session and "_user_id" in session


def test_a_used_invitation_link_is_refused(app, client, world):
    _, path = invite(world)
    accept_form(client, path)
    again = app.test_client()
    response = again.get(path)
    assert response.status_code == 409
    assert "already been accepted" in response.get_data(as_text=True)
    assert accept_form_without_page(again, path).status_code == 409


def accept_form_without_page(client, path):
    token = csrf_token(client, "/")
    return client.post(
        path,
        data={"name": "X", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )


def test_an_expired_invitation_link_is_refused(client, world):
    invitation, path = invite(world)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 409
    assert "expired" in response.get_data(as_text=True)
    assert accept_form_without_page(client, path).status_code == 409
    assert membership_of("new@example.org") is None


def test_an_unknown_invitation_link_is_refused(client, world):
    response = client.get("/invitations/not-a-token")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)
    with pytest.raises(NotFound):
        services.find_invitation("not-a-token")


def test_accepting_needs_the_csrf_token(client, world):
    _, path = invite(world)
    response = client.post(
        path, data={"name": "Nia", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert membership_of("new@example.org") is None


@pytest.mark.parametrize(
    ("name", "password", "confirm", "field"),
    [
        ("Nia", NEW_PASSWORD, "something else entirely", "confirm"),
        ("Nia", "short", "short", "password"),
        ("", NEW_PASSWORD, NEW_PASSWORD, "name"),
    ],
)
def test_accepting_shows_the_invalid_field_and_creates_nothing(
    client, world, name, password, confirm, field
):
    _, path = invite(world)
    response = accept_form(client, path, name, password, confirm)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "new@example.org")) is None
    # The link still works after a mistake.
    assert accept_form(client, path).status_code == 302


def test_an_existing_account_must_sign_in_to_accept(app, client, world):
    _, path = invite(world, "outsider@example.org", "observer", None, 1)
    page = client.get(path).get_data(as_text=True)
    assert "Sign in" in page and 'name="password"' not in page
    response = accept_form(client, path)
    assert response.status_code == 401
    assert membership_of("outsider@example.org") is None
    # The outsider's password is untouched by the attempt.
    login(app.test_client(), "outsider@example.org", PASSWORD)


def test_an_existing_account_signed_in_joins_with_one_click(app, client, world):
    _, path = invite(world, "outsider@example.org", "observer", None, 1)
    login(client, "outsider@example.org")
    page = client.get(path).get_data(as_text=True)
    assert "Join the deliberation" in page
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.headers["Location"] == "/d/ai-2026"
    membership = membership_of("outsider@example.org")
    assert membership.role == "observer" and membership.group is None


def test_someone_signed_in_as_another_account_cannot_accept(client, world):
    _, path = invite(world, "outsider@example.org", "observer", None, 1)
    login(client, "delegate2@example.org")
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 403
    assert membership_of("outsider@example.org") is None


def test_an_invitation_into_a_deliberation_already_joined_is_a_conflict(app, client, world):
    _, path = invite(world, "outsider@example.org", "observer", None, 1)
    make_member(world.users["outsider"], world.deliberation, "observer")
    db.session.commit()
    login(client, "outsider@example.org")
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 409
