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
