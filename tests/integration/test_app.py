"""The application starts, reports health, and keeps its settings."""

import stat

import pytest
import sqlalchemy as sa

from commonground import create_app
from commonground.db import begin_immediately, db, read_only_transactions


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


def test_sqlite_runs_in_wal_mode_and_never_busy_waits_inside_sqlite(app):
    from commonground.db import db

    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        # SQLite's own busy wait would sleep in C, stopping every greenlet of the process:
        # the wait for the write lock is begin_immediately's, in Python.
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_transaction_waits_for_the_write_lock_then_begins(app, database_path):
    import sqlite3
    import threading

    from commonground.db import db

    holder = sqlite3.connect(database_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    waited = threading.Event()

    def release():
        waited.wait()
        holder.rollback()

    releaser = threading.Thread(target=release)
    releaser.start()
    waiter = sqlite3.connect(database_path, isolation_level=None)
    waiter.execute("PRAGMA busy_timeout=0")
    # Refused while the lock is held, after the timeout, with the error that is retried.
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        begin_immediately(waiter, timeout=0.05)
    waited.set()
    begin_immediately(waiter)
    assert waiter.in_transaction
    waiter.rollback()
    releaser.join()
    holder.close()
    waiter.close()
    assert db.session.execute(sa.text("SELECT 1")).scalar() == 1


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


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_each_process_keeps_the_pool_of_connections_it_is_given(
    database, tmp_path, monkeypatch, request
):
    """A burst of events past the pool opens at most ``DATABASE_MAX_OVERFLOW`` more
    connections, and those close again as they come back: a room joining at once does not
    open and close a connection per socket."""
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'pool.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "2")
    monkeypatch.setenv("AUTO_MIGRATE", "0")
    app = create_app()
    # Readers: on SQLite, five writers at once would wait for each other's lock.
    with app.app_context(), read_only_transactions():
        pool = db.engine.pool
        held = [db.engine.connect() for _ in range(5)]
        for connection in held:
            connection.execute(sa.text("SELECT 1"))
        assert (pool.size(), pool.checkedout(), pool.overflow()) == (3, 5, 2)
        for connection in held:
            connection.close()
        assert (pool.checkedin(), pool.checkedout()) == (3, 0)
        db.engine.dispose()


def test_an_in_memory_database_keeps_its_one_connection():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.app_context():
        assert isinstance(db.engine.pool, sa.pool.StaticPool)
