"""Alembic environment: the app's engine and metadata, batch mode for SQLite."""

import logging

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")

config = context.config
db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def include_object(object, name, type_, reflected, compare_to):
    # SQLite keeps its own bookkeeping tables; they are not part of our schema.
    if type_ == "table" and name.startswith("sqlite_"):
        return False
    # The search index (an FTS5 table and its shadow tables on SQLite; trigram, character-pair
    # and creation-time indexes on PostgreSQL) is made by its migrations, not by the models:
    # see the "search index" and "search by recency and character pairs" revisions.
    return not (reflected and type_ in ("table", "index") and (name or "").startswith("search_"))


def render_item(type_, obj, autogen_context):
    # Migrations must not import the app: our UTC timestamp type is a plain DateTime column.
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    """Emit SQL to stdout without a database connection."""
    context.configure(
        url=str(db.engine.url).replace("%", "%%"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations against the app's database."""

    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, DROP, rename); with foreign keys enforced,
            # dropping a table other rows refer to fails. SQLite's own advice: switch them off
            # outside the transaction, then check every reference before switching them on.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            render_item=render_item,
            **conf_args,
        )
        try:
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                broken = connection.connection.dbapi_connection.execute(
                    "PRAGMA foreign_key_check"
                ).fetchall()
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
        if sqlite and broken:
            raise RuntimeError(f"the migration left rows whose references are broken: {broken}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
