"""Migrations go up and down cleanly and match the models, on SQLite and on PostgreSQL.

Each database starts empty: every revision is applied, then undone one at a time down to
nothing, then applied again; after that ``flask db check`` must find no difference between
the models and the migrated schema.
"""

import re
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from conftest import base_config

from commonground import create_app
from commonground.db import db

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ROOT / "migrations" / "versions"


def revisions_in_order() -> list[str]:
    """The revision ids from the first to the head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(ROOT / "migrations"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def table_names() -> set[str]:
    names = set(sa.inspect(db.engine).get_table_names())
    return {name for name in names if not name.startswith("sqlite_")}


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        if "alembic_version" not in sa.inspect(conn).get_table_names():
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def assert_round_trip_and_no_drift() -> None:
    """Upgrade, downgrade step by step to base, upgrade again, then ``db check``."""
    revisions = revisions_in_order()
    model_tables = set(db.metadata.tables)

    flask_migrate.upgrade()
    assert current_revision() == revisions[-1]
    assert model_tables <= table_names()

    for expected in reversed([None, *revisions[:-1]]):
        flask_migrate.downgrade(revision="-1")
        assert current_revision() == expected
    assert table_names() <= {"alembic_version"}, "downgrade to base left tables behind"

    flask_migrate.upgrade()
    assert current_revision() == revisions[-1]
    assert model_tables <= table_names()

    # `flask db check`: exits non-zero (SystemExit) on any drift, see test_db_check_reports_drift.
    flask_migrate.check()


def test_migration_files_have_dated_names_and_real_downgrades():
    files = sorted(VERSIONS.glob("*.py"))
    assert files
    for path in files:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_[0-9a-f]{12}_\w+\.py", path.name), path.name
        source = path.read_text()
        downgrade = source.split("def downgrade", 1)[-1]
        assert "def downgrade" in source and "op." in downgrade, f"{path.name}: no downgrade"


def test_the_history_is_one_line_without_branches():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1
    assert len(revisions_in_order()) == len(list(VERSIONS.glob("*.py")))


def test_migrations_round_trip_on_sqlite(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path))
    with app.app_context():
        assert table_names() == set()
        assert_round_trip_and_no_drift()
        db.engine.dispose()


@pytest.mark.postgres
def test_migrations_round_trip_on_postgresql(postgres_url, tmp_path):
    url = fresh_postgres_database(postgres_url, "migrations")
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        assert table_names() == set()
        assert_round_trip_and_no_drift()
        db.engine.dispose()
    drop_postgres_database(postgres_url, url)


def test_db_check_reports_drift(tmp_path):
    """The check above would notice: a table the models do not know makes it fail."""
    app = create_app(base_config(f"sqlite:///{tmp_path / 'drift.db'}", tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        with pytest.raises(SystemExit) as exit_info:
            flask_migrate.check()
        assert exit_info.value.code != 0
        db.engine.dispose()


def fresh_postgres_database(postgres_url: str, suffix: str) -> str:
    """An empty database beside the session's test database (which other tests share)."""
    base = sa.make_url(postgres_url)
    url = base.set(database=f"{base.database}_{suffix}")
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def drop_postgres_database(postgres_url: str, url: str) -> None:
    admin = sa.create_engine(
        sa.make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
    admin.dispose()
