"""The application starts, reports health, and keeps its settings."""

import stat

from commonground import create_app


def test_healthz_reports_ok_once_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_reports_unavailable_when_the_message_queue_is_down(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["message_queue"] == "unreachable"


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    from commonground.config import settings_from_environment

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = settings_from_environment(tmp_path)["SECRET_KEY"]
    second = settings_from_environment(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from commonground.db import db

    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_environment_settings_are_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("PORT", "5123")
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("AUTO_MIGRATE", "0")
    app = create_app()
    assert app.config["PORT"] == 5123
    assert app.config["HOST"] == "0.0.0.0"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    assert app.config["AUTO_MIGRATE"] is False
