"""Engine tuning and start-up preparation (migrations, demo seeding)."""

import logging

import sqlalchemy as sa
from flask import Flask

from .extensions import db

logger = logging.getLogger(__name__)


def configure_database(app: Flask) -> None:
    """Tune SQLite for a web server: WAL, a busy timeout, immediate write transactions."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        # Take the write lock up front: a deferred transaction that later writes can fail
        # with "database is locked" without waiting, whatever the busy timeout says.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def prepare_database(app: Flask) -> None:
    """Apply migrations and seed the demo when the settings ask for it."""
    if app.config.get("AUTO_MIGRATE"):
        upgrade_database(app)
    if app.config.get("DEMO"):
        from .demo import seed_demo_if_empty

        with app.app_context():
            seed_demo_if_empty()


def upgrade_database(app: Flask) -> None:
    """Bring the schema to the latest migration."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
