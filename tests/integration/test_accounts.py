"""Accounts: password sign-in and sign-out, sessions, API tokens, and /api/v1/me."""

import hashlib
import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, csrf_token, login, make_user

from commonground.accounts import services
from commonground.accounts.auth import verify_password
from commonground.accounts.models import ApiToken, User
from commonground.db import db
from commonground.errors import Conflict, Invalid, NotFound, Unauthorized

ROLES = ("observer", "delegate", "other_moderator", "moderator", "admin")


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def me(client, headers=None):
    return client.get("/api/v1/me", headers=headers or {})


# --- creating users ---------------------------------------------------------------------------


def test_create_user_stores_an_argon2id_hash_and_a_lower_cased_email(app):
    user = services.create_user("  Ana@Example.ORG ", "Ana", "a long enough password")
    db.session.commit()
    assert user.email == "ana@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in user.password_hash
    assert verify_password(user, "a long enough password")
    assert not user.is_admin


def test_create_user_refuses_a_taken_email_in_any_case(app):
    services.create_user("ana@example.org", "Ana", "a long enough password")
    with pytest.raises(Conflict) as refused:
        services.create_user("ANA@example.org", "Ana Again", "another long password")
    assert refused.value.field == "email"


@pytest.mark.parametrize(
    ("email", "name", "password", "field"),
    [
        ("not-an-email", "Ana", "a long enough password", "email"),
        ("ana@example.org", "", "a long enough password", "name"),
        ("ana@example.org", "Ana", "short", "password"),
        ("ana@example.org", "Ana", "123456789", "password"),
        ("ana@example.org", "Ana", "x" * 1025, "password"),
    ],
)
def test_create_user_names_the_invalid_field(app, email, name, password, field):
    with pytest.raises(Invalid) as refused:
        services.create_user(email, name, password)
    assert refused.value.field == field


def test_authenticate_ignores_the_case_of_the_email(app):
    user = make_user("ana@example.org")
    assert services.authenticate("ANA@Example.org", PASSWORD) == user


def test_authenticate_gives_the_same_answer_for_unknown_email_and_wrong_password(app):
    make_user("ana@example.org")
    with pytest.raises(Unauthorized) as wrong_password:
        services.authenticate("ana@example.org", "not the password")
    with pytest.raises(Unauthorized) as unknown_email:
        services.authenticate("nobody@example.org", PASSWORD)
    assert str(wrong_password.value.message) == str(unknown_email.value.message)
    assert wrong_password.value.code == unknown_email.value.code == "invalid_credentials"


def test_an_account_without_password_cannot_sign_in(app):
    user = make_user("imported@example.org")
    user.password_hash = None
    with pytest.raises(Unauthorized):
        services.authenticate("imported@example.org", PASSWORD)


# --- signing in -------------------------------------------------------------------------------


def test_login_page_has_a_labelled_form_with_a_csrf_token(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert '<label for="email">' in html and '<label for="password">' in html


def test_login_signs_in_and_goes_home(app, client, world):
    response = login(client, "mod@example.org")
    assert response.headers["Location"] == "/"
    assert me(client).get_json()["email"] == "mod@example.org"


def test_login_accepts_the_email_in_any_case(app, client, world):
    login(client, "MOD@Example.Org")
    assert me(client).get_json()["email"] == "mod@example.org"


@pytest.mark.parametrize(
    ("email", "password"),
    [("mod@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)],
)
def test_failed_login_rerenders_the_form_with_one_generic_error(client, world, email, password):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "The email address or the password is not correct." in html
    assert 'role="alert"' in html and f'value="{email}"' in html
    assert me(client).status_code == 401


def test_login_follows_a_same_site_next_page(client, world):
    token = csrf_token(client, "/login?next=/account/tokens")
    response = client.post(
        "/login?next=/account/tokens",
        data={"email": "mod@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/account/tokens"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
    ],
)
def test_login_refuses_to_redirect_off_site(client, world, target):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "email": "mod@example.org",
            "password": PASSWORD,
            "next": target,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_without_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"email": "mod@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert me(client).status_code == 401


def test_login_renews_the_session_and_drops_what_was_in_it(client, world):
    csrf_token(client, "/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone who knew the anonymous cookie"
        session["locale"] = "fr"
    anonymous_cookie = session_cookie(client)

    login(client, "mod@example.org")

    assert session_cookie(client) != anonymous_cookie
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "fr"  # the chosen interface language is kept
    # Whoever held the pre-login cookie is still anonymous.
    fixated = client.application.test_client()
    fixated.set_cookie("session", anonymous_cookie)
    assert me(fixated).status_code == 401


def test_a_rehash_is_saved_when_argon2_parameters_change(app, client, world):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    world.users["delegate"].password_hash = weak.hash(PASSWORD)
    db.session.commit()
    login(client, "delegate@example.org")
    db.session.expire_all()
    stored = db.session.get(User, world.users["delegate"].id).password_hash
    assert stored.startswith("$argon2id$") and "m=8," not in stored


# --- signing out ------------------------------------------------------------------------------


def test_logout_signs_out_and_kills_a_copied_session_cookie(app, client, world):
    login(client, "mod@example.org")
    copied = session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert me(thief).status_code == 200

    response = client.post("/logout", data={"csrf_token": csrf_token(client)})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert me(client).status_code == 401
    assert me(thief).status_code == 401
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert me(replay).status_code == 401
    assert "Sign in" in replay.get("/").get_data(as_text=True)


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(client, world):
    login(client, "mod@example.org")
    assert client.post("/logout").status_code == 400
    assert me(client).status_code == 200


def test_signing_in_again_after_logout_works(client, world):
    login(client, "mod@example.org")
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "mod@example.org")
    assert me(client).status_code == 200


def test_logout_when_anonymous_just_goes_home(client):
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302


# --- /api/v1/me -------------------------------------------------------------------------------


def test_me_is_401_for_the_anonymous(client, world):
    response = me(client)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role", ROLES)
def test_me_describes_the_user_and_their_memberships(client, world, role):
    body = me(client, world.headers(role)).get_json()
    user = world.users[role]
    assert body["id"] == user.id and body["email"] == user.email and body["name"] == user.name
    assert body["is_admin"] is (role == "admin")
    assert body["locale"] is None
    expected = {
        "observer": [{"deliberation": "ai-2026", "role": "observer", "group": None, "weight": 1}],
        "delegate": [
            {"deliberation": "ai-2026", "role": "delegate", "group": "governments", "weight": 1}
        ],
        "other_moderator": [
            {"deliberation": "other-forum", "role": "moderator", "group": None, "weight": 1}
        ],
        "moderator": [{"deliberation": "ai-2026", "role": "moderator", "group": None, "weight": 1}],
        "admin": [],
    }[role]
    assert body["memberships"] == expected


def test_me_refuses_an_unknown_bearer_token_even_with_a_session(client, world):
    login(client, "mod@example.org")
    response = me(client, {"Authorization": "Bearer cg_not-a-real-token"})
    assert response.status_code == 401


# --- API tokens: services -------------------------------------------------------------------


def test_api_tokens_are_stored_hashed_and_shown_once(app, world):
    user = world.users["delegate"]
    api_token, plaintext = services.create_api_token(user, "export script", "read")
    db.session.commit()
    assert plaintext.startswith("cg_") and len(plaintext) > 40
    assert api_token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert api_token.prefix == plaintext[:10]
    rows = db.session.execute(sa.text("SELECT * FROM api_tokens")).all()
    assert not any(plaintext in str(value) for row in rows for value in row)


@pytest.mark.parametrize(
    ("name", "scope", "field"),
    [("", "read", "name"), ("x", "admin", "scope"), ("x" * 101, "read", "name")],
)
def test_create_api_token_names_the_invalid_field(app, world, name, scope, field):
    with pytest.raises(Invalid) as refused:
        services.create_api_token(world.users["delegate"], name, scope)
    assert refused.value.field == field


def test_a_user_cannot_revoke_someone_elses_token(app, world):
    api_token, _ = services.create_api_token(world.users["delegate"], "mine", "write")
    with pytest.raises(NotFound):
        services.revoke_api_token(world.users["observer"], api_token.id)
    with pytest.raises(NotFound):
        services.revoke_api_token(world.users["observer"], 999_999)
    assert api_token.revoked_at is None


# --- API tokens: the page ---------------------------------------------------------------------


def create_token_on_page(client, name="nightly export", scope="read"):
    token = csrf_token(client, "/account/tokens")
    return client.post("/account/tokens", data={"name": name, "scope": scope, "csrf_token": token})


def shown_token(response) -> str:
    match = re.search(r'class="token-once"><code>([^<]+)</code>', response.get_data(as_text=True))
    assert match, "the page shows no new token"
    return match.group(1)


def test_tokens_page_sends_the_anonymous_to_sign_in(client):
    response = client.get("/account/tokens")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_tokens_page_creates_a_token_shown_once_that_works(client, world):
    login(client, "delegate@example.org")
    response = create_token_on_page(client, "nightly export", "read")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    plaintext = shown_token(response)

    other = client.application.test_client()
    assert me(other, {"Authorization": f"Bearer {plaintext}"}).get_json()["email"] == (
        "delegate@example.org"
    )
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "nightly export" in listing and plaintext[:10] in listing
    assert plaintext not in listing
    assert 'class="token-once"' not in listing


def test_tokens_page_shows_the_error_of_a_bad_token_name(client, world):
    login(client, "delegate@example.org")
    response = create_token_on_page(client, name="   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "This is required." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == len(world.tokens)


def test_revoked_token_is_refused_by_the_api(client, world):
    login(client, "delegate@example.org")
    plaintext = shown_token(create_token_on_page(client))
    api_token = db.session.scalar(sa.select(ApiToken).where(ApiToken.prefix == plaintext[:10]))
    response = client.post(
        f"/account/tokens/{api_token.id}/revoke", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/tokens"

    bearer = client.application.test_client()
    refused = me(bearer, {"Authorization": f"Bearer {plaintext}"})
    assert refused.status_code == 401
    assert "Revoked on" in client.get("/account/tokens").get_data(as_text=True)


def test_revoking_another_users_token_is_404(client, world):
    login(client, "observer@example.org")
    delegate_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.user_id == world.users["delegate"].id)
    )
    response = client.post(
        f"/account/tokens/{delegate_token.id}/revoke", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 404
    assert me(client, world.headers("delegate")).status_code == 200


def test_token_forms_need_the_csrf_token(client, world):
    login(client, "delegate@example.org")
    assert client.post("/account/tokens", data={"name": "x", "scope": "read"}).status_code == 400
    token_id = db.session.scalar(
        sa.select(ApiToken.id).where(ApiToken.user_id == world.users["delegate"].id)
    )
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 400
    assert me(client, world.headers("delegate")).status_code == 200


def test_a_read_only_token_may_read_but_not_write(client, world):
    login(client, "mod@example.org")
    plaintext = shown_token(create_token_on_page(client, "reader", "read"))
    headers = {"Authorization": f"Bearer {plaintext}"}
    api = client.application.test_client()
    assert api.get("/api/v1/deliberations/ai-2026/invitations", headers=headers).status_code == 200
    response = api.post(
        "/api/v1/deliberations/ai-2026/invitations",
        json={"email": "new@example.org", "role": "observer"},
        headers=headers,
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_token_use_is_remembered(client, world):
    me(client, world.headers("observer"))
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.user_id == world.users["observer"].id)
    )
    db.session.refresh(api_token)
    assert api_token.last_used_at is not None
