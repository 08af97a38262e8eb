"""The `users` and `tokens` command groups of `flask --app app`."""

import sqlalchemy as sa
from conftest import login, make_user

from commonground.accounts.models import ApiToken, User
from commonground.db import db

PASSWORD = "a password from stdin"


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def user(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_users_create_reads_the_password_from_stdin(app):
    result = run(
        app,
        "users",
        "create",
        "Ana@Example.org",
        "--name",
        "Ana",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "ana@example.org" in result.stdout
    created = user("ana@example.org")
    assert created.name == "Ana" and not created.is_admin
    assert created.password_hash.startswith("$argon2id$")
    login(app.test_client(), "ana@example.org", PASSWORD)


def test_users_create_prompts_twice_without_password_stdin(app):
    result = run(
        app,
        "users",
        "create",
        "ana@example.org",
        "--name",
        "Ana",
        "--admin",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert user("ana@example.org").is_admin


def test_users_create_refuses_a_prompt_confirmation_that_differs(app):
    result = run(
        app,
        "users",
        "create",
        "ana@example.org",
        "--name",
        "Ana",
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0
    assert "do not match" in result.output.lower()


def test_users_create_refuses_a_duplicate_email(app):
    make_user("ana@example.org")
    db.session.commit()
    result = run(
        app,
        "users",
        "create",
        "ANA@example.org",
        "--name",
        "Ana 2",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert "email" in result.stderr and "already exists" in result.stderr
    assert result.stdout == ""


def test_users_create_refuses_a_short_password(app):
    result = run(
        app,
        "users",
        "create",
        "ana@example.org",
        "--name",
        "Ana",
        "--password-stdin",
        input="short\n",
    )
    assert result.exit_code == 1
    assert "password" in result.stderr
    assert user("ana@example.org") is None


def test_users_create_refuses_a_bad_email(app):
    result = run(
        app, "users", "create", "nope", "--name", "Ana", "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 1 and "email" in result.stderr


def test_tokens_create_prints_a_working_token_as_the_last_line(app, world):
    result = run(app, "tokens", "create", "MOD@example.org")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "mod@example.org"
    stored = db.session.scalar(sa.select(ApiToken).where(ApiToken.prefix == token[:10]))
    assert stored.scope == "write" and stored.name == "cli"
    assert token not in stored.token_hash


def test_tokens_create_with_read_scope_cannot_write(app, world):
    result = run(app, "tokens", "create", "mod@example.org", "--name", "reader", "--scope", "read")
    token = result.stdout.strip().splitlines()[-1]
    response = app.test_client().post(
        "/api/v1/deliberations/ai-2026/invitations",
        json={"email": "x@example.org", "role": "observer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403


def test_tokens_create_for_an_unknown_email_fails(app):
    result = run(app, "tokens", "create", "nobody@example.org")
    assert result.exit_code == 1
    assert "nobody@example.org" in result.stderr


def test_tokens_create_refuses_an_unknown_scope(app, world):
    result = run(app, "tokens", "create", "mod@example.org", "--scope", "admin")
    assert result.exit_code == 2


def test_tokens_list_and_revoke(app, world):
    token = run(app, "tokens", "create", "mod@example.org", "--name", "ci").stdout.split()[-1]
    listing = run(app, "tokens", "list", "mod@example.org").stdout
    assert token[:10] in listing and "ci" in listing and token not in listing

    result = run(app, "tokens", "revoke", "mod@example.org", token[:10])
    assert result.exit_code == 0, result.output
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "revoked" in run(app, "tokens", "list", "mod@example.org").stdout


def test_tokens_revoke_of_an_unknown_prefix_fails(app, world):
    result = run(app, "tokens", "revoke", "mod@example.org", "cg_nothing")
    assert result.exit_code == 1
    assert "cg_nothing" in result.stderr
