"""Passwords cannot be guessed at speed: sign-in attempts are rate-limited."""

from conftest import PASSWORD, csrf_token

from commonground import create_app


def attempt(client, email, password="wrong password", **environ):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def test_an_address_gets_a_limited_number_of_attempts(app, world):
    app.config["LOGIN_RATE_LIMIT"] = "3/300"
    client = app.test_client()
    assert [attempt(client, "delegate@example.org").status_code for _ in range(3)] == [401] * 3
    refused = attempt(client, "Delegate@Example.org", PASSWORD)
    assert refused.status_code == 429
    assert "too often" in refused.get_data(as_text=True)
    # Other accounts are not affected.
    assert attempt(client, "observer@example.org", PASSWORD).status_code == 302


def test_a_client_trying_many_addresses_is_slowed_down(app, world):
    app.config["LOGIN_CLIENT_RATE_LIMIT"] = "4/300"
    client = app.test_client()
    for n in range(4):
        assert attempt(client, f"nobody{n}@example.org").status_code == 401
    assert attempt(client, "delegate@example.org", PASSWORD).status_code == 429
    other_client = app.test_client()
    signed_in = attempt(other_client, "delegate@example.org", PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert signed_in.status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_client_address_counts(database_path, tmp_path):
    from conftest import base_config

    app = create_app(
        {
            **base_config(f"sqlite:///{database_path}", tmp_path),
            "TRUSTED_PROXIES": 1,
            "LOGIN_CLIENT_RATE_LIMIT": "2/300",
        }
    )
    client = app.test_client()
    for n in range(2):
        response = client.post(
            "/login",
            data={"email": f"x{n}@example.org", "password": "x", "csrf_token": csrf_token(client)},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        assert response.status_code == 401
    limited = client.post(
        "/login",
        data={"email": "y@example.org", "password": "x", "csrf_token": csrf_token(client)},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert limited.status_code == 429
    other = client.post(
        "/login",
        data={"email": "y@example.org", "password": "x", "csrf_token": csrf_token(client)},
        headers={"X-Forwarded-For": "203.0.113.8"},
    )
    assert other.status_code == 401


def test_an_address_counts_failures_only_and_a_success_clears_them(app, world):
    app.config["LOGIN_RATE_LIMIT"] = "3/300"
    app.config["LOGIN_CLIENT_RATE_LIMIT"] = "0/300"
    client = app.test_client()
    # Signing in again and again is no guessing: successes never use up the limit.
    assert [attempt(client, "delegate@example.org", PASSWORD).status_code for _ in range(5)] == [
        302
    ] * 5
    # Two failures, then the right password: the run of failures is over.
    assert [attempt(client, "delegate@example.org").status_code for _ in range(2)] == [401] * 2
    assert attempt(client, "delegate@example.org", PASSWORD).status_code == 302
    assert [attempt(client, "delegate@example.org").status_code for _ in range(3)] == [401] * 3
    # Now the failures are used up: even the right password waits (a guess must not be
    # confirmed by its success).
    assert attempt(client, "delegate@example.org", PASSWORD).status_code == 429


def test_the_client_limit_still_counts_every_attempt(app, world):
    app.config["LOGIN_CLIENT_RATE_LIMIT"] = "3/300"
    client = app.test_client()
    for _ in range(3):
        assert attempt(client, "delegate@example.org", PASSWORD).status_code == 302
    assert attempt(client, "delegate@example.org", PASSWORD).status_code == 429
