"""Every answer carries a strict Content-Security-Policy; HTTPS deployments get HSTS; what a
signed-in person sees is never stored by a cache."""

from conftest import base_config, fresh_g_per_request

from commonground import create_app
from commonground.db import db


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_the_policy_allows_this_origin_only(client):
    response = client.get("/")
    csp = directives(response)
    assert csp["connect-src"] == "connect-src 'self' ws://localhost"
    assert csp["base-uri"] == "base-uri 'none'"
    assert csp["form-action"] == "form-action 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert "Strict-Transport-Security" not in response.headers
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_sockets_of_the_allowed_origins_are_in_the_policy(database_path, tmp_path):
    config = base_config(f"sqlite:///{database_path}", tmp_path)
    app = create_app({**config, "SOCKETIO_ALLOWED_ORIGINS": ["https://forum.example.org"]})
    with app.app_context():
        csp = directives(app.test_client().get("/", base_url="https://cg.example.org"))
        db.session.remove()
        db.engine.dispose()
    assert csp["connect-src"] == (
        "connect-src 'self' wss://cg.example.org https://forum.example.org wss://forum.example.org"
    )


def test_https_gets_hsts_directly_or_through_a_trusted_proxy(database_path, tmp_path):
    config = base_config(f"sqlite:///{database_path}", tmp_path)
    app = create_app({**config, "TRUSTED_PROXIES": 1})
    fresh_g_per_request(app)
    with app.app_context():
        client = app.test_client()
        direct = client.get("/", base_url="https://cg.example.org")
        proxied = client.get("/", headers={"X-Forwarded-Proto": "https"})
        plain = client.get("/")
        db.session.remove()
        db.engine.dispose()
    for response in (direct, proxied):
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in plain.headers
    assert "wss://localhost" in directives(proxied)["connect-src"]


def test_a_secure_cookie_setting_means_hsts(database_path, tmp_path):
    config = base_config(f"sqlite:///{database_path}", tmp_path)
    app = create_app({**config, "SESSION_COOKIE_SECURE": True})
    with app.app_context():
        response = app.test_client().get("/")
        db.session.remove()
        db.engine.dispose()
    assert "Strict-Transport-Security" in response.headers


def test_what_a_signed_in_person_sees_is_not_stored(client, world):
    headers = world.headers("delegate")
    for path in ("/", f"/d/{world.deliberation.slug}", f"/api/v1/items/{world.item.id}/posts"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    static = client.get("/static/css/discussion.css", headers=headers)
    assert "no-store" not in static.headers.get("Cache-Control", "")
