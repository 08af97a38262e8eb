"""Self-service accounts: the profile (name, language, password change proven by the current
password), password reset links (mailed when SMTP is configured, else issued by a moderator
or admin), single use, expiring and stored hashed; and the sign-in page saying how to get an
account."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, csrf_token, login, make_member, make_user

from commonground.accounts.auth import token_digest
from commonground.accounts.models import PasswordReset, User
from commonground.db import db, utcnow

NEW_PASSWORD = "a brand new passphrase"


def issue(client, world, role, member_role="delegate"):
    member = world.memberships[member_role].id
    return client.post(
        f"/api/v1/deliberations/ai-2026/members/{member}/password-reset",
        headers=world.headers(role),
    )


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def can_sign_in(app, email, password) -> bool:
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code in (302, 303)


# --- the sign-in page ------------------------------------------------------------------------


def test_the_sign_in_page_says_how_to_get_an_account_and_links_the_reset(client):
    html = client.get("/login").get_data(as_text=True)
    assert "How to get an account" in html
    assert "Accounts are made by invitation" in html
    assert 'href="/password/forgot"' in html
    french = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Comment obtenir un compte" in french


def test_the_members_page_leads_to_invitations_and_reset_links(client, world):
    login(client, "mod@example.org")
    html = client.get("/d/ai-2026/members").get_data(as_text=True)
    assert 'href="/d/ai-2026/invitations"' in html
    member = world.memberships["delegate"].id
    assert f'action="/d/ai-2026/members/{member}/password-reset"' in html


# --- the profile -----------------------------------------------------------------------------


def test_the_profile_page_changes_name_and_language(client, world):
    assert client.get("/account").status_code in (302, 401)
    login(client, "delegate@example.org")
    token = csrf_token(client, "/account")
    response = client.post(
        "/account", data={"form": "profile", "name": "Dee D.", "locale": "es", "csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, world.users["delegate"].id)
    assert (user.name, user.locale) == ("Dee D.", "es")
    assert "Su perfil" in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": "", "locale": "en"}, "name"), ({"name": "Dee", "locale": "xx"}, "locale")],
)
def test_a_bad_profile_is_refused_beside_its_field(client, world, data, field):
    login(client, "delegate@example.org")
    token = csrf_token(client, "/account")
    response = client.post("/account", data={"form": "profile", **data, "csrf_token": token})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_the_password_changes_only_with_the_current_one(app, client, world):
    login(client, "delegate@example.org")
    token = csrf_token(client, "/account")
    form = {"form": "password", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    wrong = client.post("/account", data={**form, "current_password": "guess", "csrf_token": token})
    assert wrong.status_code == 422
    assert 'id="current_password-error"' in wrong.get_data(as_text=True)
    other = app.test_client()
    login(other, "delegate@example.org")

    right = client.post(
        "/account", data={**form, "current_password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 302
    # This session goes on; the other one was signed out; the new password works.
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code in (302, 401)
    assert can_sign_in(app, "delegate@example.org", NEW_PASSWORD)
    assert not can_sign_in(app, "delegate@example.org", PASSWORD)


def test_the_api_changes_name_language_and_password(app, client, world):
    headers = world.headers("delegate")
    response = client.patch("/api/v1/me", json={"name": "Dee D.", "locale": "ar"}, headers=headers)
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["locale"]) == ("Dee D.", "ar")
    for body, field in [
        ({"name": ""}, "name"),
        ({"locale": "klingon"}, "locale"),
        ({"email": "x@example.org"}, "email"),
    ]:
        response = client.patch("/api/v1/me", json=body, headers=headers)
        assert response.status_code == 422
        assert response.get_json()["error"]["field"] == field
    assert client.patch("/api/v1/me", json={"name": "X"}).status_code == 401

    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "nope", "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["code"] == "wrong_password"
    short = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=headers,
    )
    assert short.status_code == 422
    assert short.get_json()["error"]["field"] == "password"
    done = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert done.status_code == 204
    assert can_sign_in(app, "delegate@example.org", NEW_PASSWORD)


# --- reset links issued by moderators ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("observer", 403),
        ("delegate2", 403),
        ("other_moderator", 403),
        ("outsider", 403),
        ("moderator", 201),
        ("admin", 201),
    ],
)
def test_who_may_issue_a_reset_link(client, world, role, status):
    response = issue(client, world, role)
    assert response.status_code == status, response.get_json()


def test_a_moderator_cannot_issue_a_link_for_an_account_with_more_rights(client, world):
    # The delegate also belongs to a deliberation this moderator does not run.
    make_member(world.users["delegate"], world.other, "observer")
    # An admin who is a member here.
    admin_member = make_member(world.users["admin"], world.deliberation, "observer").id
    db.session.commit()
    assert issue(client, world, "moderator").status_code == 403
    response = client.post(
        f"/api/v1/deliberations/ai-2026/members/{admin_member}/password-reset",
        headers=world.headers("moderator"),
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "reset_not_allowed"
    # Their own account: the profile's password change is the way.
    assert issue(client, world, "moderator", member_role="moderator").status_code == 403
    # An admin may issue any.
    assert issue(client, world, "admin").status_code == 201


def test_a_reset_link_works_once_signs_out_everywhere_and_is_stored_hashed(app, client, world):
    response = issue(client, world, "moderator")
    body = response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    token = token_of(body["url"])
    [stored] = db.session.scalars(sa.select(PasswordReset)).all()
    assert stored.token_hash == token_digest(token)
    assert token not in {stored.token_hash}
    old_session = app.test_client()
    login(old_session, "delegate@example.org")

    visitor = app.test_client()
    page = visitor.get(f"/password/reset/{token}")
    assert page.status_code == 200
    assert "delegate@example.org" in page.get_data(as_text=True)
    form_token = csrf_token(visitor, f"/password/reset/{token}")
    mismatch = visitor.post(
        f"/password/reset/{token}",
        data={"password": NEW_PASSWORD, "confirm": "other", "csrf_token": form_token},
    )
    assert mismatch.status_code == 422
    done = visitor.post(
        f"/password/reset/{token}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": form_token},
    )
    assert done.status_code == 302
    assert visitor.get("/account").status_code == 200  # signed in with the new password
    assert old_session.get("/account").status_code in (302, 401)
    assert can_sign_in(app, "delegate@example.org", NEW_PASSWORD)
    # Single use.
    assert app.test_client().get(f"/password/reset/{token}").status_code == 404


def test_an_expired_or_unknown_link_is_refused(app, client, world):
    token = token_of(issue(client, world, "moderator").get_json()["url"])
    db.session.execute(sa.update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get(f"/password/reset/{token}").status_code == 404
    assert client.get("/password/reset/not-a-token").status_code == 404


def test_using_one_link_voids_the_others(app, client, world):
    first = token_of(issue(client, world, "moderator").get_json()["url"])
    second = token_of(issue(client, world, "admin").get_json()["url"])
    visitor = app.test_client()
    form_token = csrf_token(visitor, f"/password/reset/{first}")
    visitor.post(
        f"/password/reset/{first}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": form_token},
    )
    assert app.test_client().get(f"/password/reset/{second}").status_code == 404


def test_the_members_page_issues_a_link_shown_once(client, world):
    login(client, "mod@example.org")
    token = csrf_token(client, "/d/ai-2026/members")
    member = world.memberships["delegate"].id
    response = client.post(
        f"/d/ai-2026/members/{member}/password-reset", data={"csrf_token": token}
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert "/password/reset/" in response.get_data(as_text=True)


# --- reset links by e-mail -----------------------------------------------------------------


def test_without_smtp_the_forgotten_password_page_points_to_a_moderator(client, world):
    html = client.get("/password/forgot").get_data(as_text=True)
    assert "This server sends no e-mail" in html
    assert 'name="email"' not in html
    token = csrf_token(client, "/password/forgot")
    response = client.post(
        "/password/forgot", data={"email": "delegate@example.org", "csrf_token": token}
    )
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(PasswordReset.id))) == 0


def test_with_smtp_a_link_is_mailed_and_unknown_addresses_look_the_same(
    app, client, world, smtp_inbox
):
    smtp_inbox.configure(app)
    token = csrf_token(client, "/password/forgot")
    answers = []
    for email in ("Delegate@Example.org", "nobody@example.org"):
        response = client.post(
            "/password/forgot", data={"email": email, "csrf_token": token}, follow_redirects=True
        )
        answers.append(
            (
                response.status_code,
                "a link to set a new password is on its way" in response.get_data(as_text=True),
            )
        )
    assert answers == [(200, True), (200, True)]
    [message] = smtp_inbox.parsed()
    assert message["To"] == "delegate@example.org"
    assert message["Subject"] == "Common Ground: set a new password"
    link = next(line for line in message.get_content().splitlines() if "/password/reset/" in line)
    reset_token = token_of(link.strip())
    visitor = app.test_client()
    form_token = csrf_token(visitor, f"/password/reset/{reset_token}")
    done = visitor.post(
        f"/password/reset/{reset_token}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": form_token},
    )
    assert done.status_code == 302
    assert can_sign_in(app, "delegate@example.org", NEW_PASSWORD)


def test_a_mailed_link_is_in_the_users_language(app, client, world, smtp_inbox):
    smtp_inbox.configure(app)
    make_user("lea@example.org", "Léa", locale="fr")
    db.session.commit()
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"email": "lea@example.org", "csrf_token": token})
    [message] = smtp_inbox.parsed()
    assert message["Subject"] == "Common Ground : choisir un nouveau mot de passe"
