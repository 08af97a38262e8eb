"""The database: the SQLAlchemy object and model base (with the constraint naming
convention), the column types and time helpers every model shares, and the engine tuning."""

import contextvars
import functools
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.visitors import InternalTraversal

T = TypeVar("T")

# Every constraint gets a predictable name, so Alembic can see, alter and drop each one
# and ``flask db check`` compares like with like on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model, carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class OpensAndCloses:
    """Status predicates of what opens and closes: deliberations, agenda items, motions.

    Pages, services and templates ask ``is_open`` rather than compare ``status`` with a
    string; SQL filters compare the column.
    """

    status: str

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored as naive UTC and always read back timezone-aware.

    SQLite keeps no time zone, PostgreSQL would convert to the session's zone; storing naive
    UTC everywhere makes both databases return the same instant.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use commonground.db.utcnow()")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None:
            value = value.replace(tzinfo=UTC)
        return value


def iso(value: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z``, as the API shapes require, or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


#: How long a transaction waits for SQLite's write lock before giving up ("database is
#: locked", which ``transactions.in_transaction`` retries).
SQLITE_LOCK_TIMEOUT = 10.0
#: The longest pause between two attempts to take the write lock.
SQLITE_LOCK_PAUSE = 0.02


def pool_options(config) -> dict:
    """The engine's connection pool as configured (``DATABASE_POOL_SIZE``,
    ``DATABASE_MAX_OVERFLOW``); none for an in-memory SQLite database, which keeps one
    connection."""
    url = sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return {}
    return {
        "pool_size": config["DATABASE_POOL_SIZE"],
        "max_overflow": config["DATABASE_MAX_OVERFLOW"],
    }


#: An execution option: send the statement's parameters to PostgreSQL in binary (psycopg's
#: ``%b`` placeholders). For arrays of text: the text format escapes every quote of every
#: element in Python (a log leaf's JSON is full of them), the binary one copies the bytes —
#: 100 leaves' entries: 3 ms of CPU in text, 0.08 ms in binary.
BINARY_PARAMETERS = "commonground_binary_parameters"


def configure_database(app: Flask) -> None:
    """Tune the engine: on PostgreSQL, parameters in binary where a statement asks for it
    (:data:`BINARY_PARAMETERS`); on SQLite, for a web server — WAL, immediate write
    transactions, and a wait for the write lock that never blocks the process."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "do_execute", _execute_in_binary)
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # No busy wait inside SQLite: it sleeps in C, which under gevent stops every
        # greenlet of the process — including the one holding the lock (issue 15). The only
        # statement that waits for the lock is BEGIN IMMEDIATE, in begin_immediately.
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        dbapi_connection = connection.connection.dbapi_connection
        if _reading_only.get():
            # A reader takes no lock: in WAL mode it reads its snapshot while writers go
            # ahead, and never waits for them.
            dbapi_connection.execute("BEGIN DEFERRED")
            return
        # Take the write lock up front: a deferred transaction that later writes can fail
        # with "database is locked" without waiting, whatever the busy timeout says.
        begin_immediately(dbapi_connection)


def _execute_in_binary(cursor, statement, parameters, context) -> bool:
    """Run a statement that asks for it with its parameters in binary (a ``do_execute``
    hook: True when it ran the statement itself)."""
    if not context.execution_options.get(BINARY_PARAMETERS):
        return False
    cursor.execute(_binary_placeholders(statement), parameters)
    return True


@functools.lru_cache(maxsize=64)
def _binary_placeholders(statement: str) -> str:
    """``statement`` with its ``%(name)s`` placeholders (psycopg: the format of the
    parameter's choosing, text for lists) made ``%(name)b`` (binary)."""
    return re.sub(r"(?<!%)%\((\w+)\)s", r"%(\1)b", statement)


#: Whether the transactions begun now only read (see ``read_only_transactions``).
_reading_only = contextvars.ContextVar("commonground_reading_only", default=False)


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Within the block, transactions only read: on SQLite they begin ``DEFERRED`` (no
    write lock) instead of ``IMMEDIATE``; on any database a flush is refused.

    Per greenlet (or thread): a context variable, so a read-only socket event never
    changes how another event's transactions begin.
    """
    token = _reading_only.set(True)
    try:
        yield
    finally:
        _reading_only.reset(token)


def reading_only() -> bool:
    """Whether the current transactions were declared read-only."""
    return _reading_only.get()


@sa.event.listens_for(Session, "before_flush")
def _refuse_writes_when_reading_only(session, flush_context, instances):
    # A write in a deferred SQLite transaction could fail for the lock instead of waiting
    # for it: an event that writes must not be declared read-only.
    if _reading_only.get():
        raise RuntimeError("a read-only transaction tried to write")


def commit_keeping_loaded() -> None:
    """Commit without expiring the objects the session holds, so what was just read (and
    decided on) is not read again by the next attribute access."""
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


def insert_rows(table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (plain dicts with the same keys) into ``table``: none of the ORM's
    bookkeeping, for the many rows of one action (a group's ballots, a log's leaves).

    On PostgreSQL one statement however many rows — each column sent as one array, the
    arrays unnested side by side — where psycopg's executemany has the server run one
    INSERT per row (200 leaves: 11 ms instead of 51); elsewhere (SQLite) executemany, which
    runs them all in one call."""
    if not rows:
        return
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(table.insert(), rows)
        return
    columns = tuple(rows[0])
    db.session.execute(_unnesting_insert(table, columns), _arrays(table, columns, rows))


def execute_after_inserts(
    statement: sa.Executable, parameters: dict, inserts: list[tuple[sa.Table, list[dict]]]
) -> None:
    """Insert the rows of each ``(table, rows)`` of ``inserts`` as :func:`insert_rows` does,
    then execute ``statement`` (built once, say an UPDATE) with ``parameters``: the writes
    of one action that always go together, such as a log's leaves, its subtrees and its new
    root.

    On PostgreSQL one statement, one round trip: the inserts are data-modifying CTEs of
    ``statement`` (PostgreSQL runs every one of them, in order, whatever the statement
    reads). Elsewhere (SQLite, where a statement costs no round trip) one after the other.
    """
    inserts = [(table, rows) for table, rows in inserts if rows]
    if db.session.get_bind().dialect.name != "postgresql":
        for table, rows in inserts:
            insert_rows(table, rows)
        db.session.execute(statement, parameters)
        return
    shapes = tuple((table, tuple(rows[0])) for table, rows in inserts)
    arrays = {}
    for (table, columns), (_, rows) in zip(shapes, inserts, strict=True):
        arrays.update(_arrays(table, columns, rows))
    db.session.execute(_with_unnesting_inserts(statement, shapes), {**parameters, **arrays})


def _arrays(table: sa.Table, columns: tuple[str, ...], rows: list[dict]) -> dict:
    """The parameters of :func:`_unnesting_insert`: each column's values as one list."""
    return {f"{table.name}__{column}": [row[column] for row in rows] for column in columns}


@functools.cache
def _unnesting_insert(table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    """``INSERT INTO table (columns) SELECT unnest(:table__column), …``: one array parameter
    per column, named after the table and the column. Built once per table and columns:
    built afresh, a statement of a dozen columns cost more CPU than the round trip it
    saves."""
    unnested = [
        sa.func.unnest(
            sa.bindparam(f"{table.name}__{column}", type_=postgresql.ARRAY(table.c[column].type))
        )
        for column in columns
    ]
    return (
        table.insert()
        .from_select(list(columns), sa.select(*unnested))
        .execution_options(**{BINARY_PARAMETERS: True})
    )


@functools.cache
def _with_unnesting_inserts(
    statement: sa.Executable, shapes: tuple[tuple[sa.Table, tuple[str, ...]], ...]
) -> sa.Executable:
    """``statement`` with an unnesting insert of each ``(table, columns)`` as a CTE."""
    return statement.add_cte(
        *(
            _unnesting_insert(table, columns).cte(f"{table.name}_inserted")
            for table, columns in shapes
        )
    ).execution_options(**{BINARY_PARAMETERS: True})


def next_ids(table: sa.Table, count: int) -> list[int]:
    """The ids the next ``count`` rows of ``table`` (an integer primary key ``id`` the
    database numbers) take, in increasing order, for an action that inserts them at once and
    needs their ids before: a post's path holds its own id.

    On PostgreSQL drawn from the column's sequence (one query). On SQLite the ones after the
    highest id, as SQLite itself numbers rows: only a write transaction may ask, and SQLite
    lets one write at a time (every write transaction begins IMMEDIATE), so no one else can
    take them before this transaction's commit.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return sorted(db.session.scalars(_NEXT_IDS, {"table": table.name, "count": count}))
    highest = db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + count + 1))


class OneOf(sa.sql.expression.ColumnElement):
    """``column`` is one of the values of the list given as parameter ``name``: ``= ANY
    (:name)`` on PostgreSQL, ``IN (…)`` elsewhere.

    For the many users, memberships or ballots of a group of requests carried out together:
    one statement text on PostgreSQL whatever the list's length, which psycopg parses once
    and can prepare, where ``IN`` writes a placeholder per value — a new statement, parsed
    anew, for every length.
    """

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]
    type = sa.Boolean()
    _is_implicitly_boolean = True

    def __init__(self, column: sa.ColumnElement, name: str):
        self.column = column
        self.name = name


@compiles(OneOf)
def _compile_in(element: OneOf, compiler, **kw) -> str:
    return compiler.process(element.column.in_(sa.bindparam(element.name, expanding=True)), **kw)


@compiles(OneOf, "postgresql")
def _compile_any(element: OneOf, compiler, **kw) -> str:
    array = sa.bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(array), **kw)


# Built once: it runs for every group of posts.
_NEXT_IDS = sa.select(
    sa.func.nextval(sa.func.pg_get_serial_sequence(sa.bindparam("table"), "id"))
).select_from(sa.func.generate_series(1, sa.bindparam("count")))


def lock_row(key: sa.Column, row_id: int) -> None:
    """Lock, until commit, the row whose primary key ``key`` is ``row_id`` (``SELECT …
    FOR UPDATE``), so that writers of what it stands for take turns.

    Run only where the database locks rows: SQLite does not (it drops the clause) — it
    serialises writers whole, every write transaction beginning IMMEDIATE (see
    :func:`configure_database`) — so the query would be a wasted statement there.
    """
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(sa.select(key).where(key == row_id).with_for_update())


#: Where a session keeps the rows its transaction read under lock (see :func:`held_lock`).
_HELD = "commonground_held_locks"


def held_lock(key: tuple, lock_and_read: Callable[[], T]) -> T:
    """What ``lock_and_read()`` returns — a row read under a lock held until commit — read
    once per transaction and kept for the rest of it under ``key``.

    No one else can change a row this transaction has locked, so a later action of the same
    transaction (the next request of a group carried out together, ``realtime.grouping``)
    takes the object as it stands instead of locking and reading it again. If a savepoint
    rolled back what created the row, the object is no longer in the database and is read
    again; changes taken back by a savepoint expire it, and it reloads on its next use.
    """
    session = db.session()
    held = session.info.setdefault(_HELD, {})
    kept = held.get(key)
    if kept is not None and sa.inspect(kept).persistent:
        return kept
    held[key] = kept = lock_and_read()
    return kept


@sa.event.listens_for(Session, "after_transaction_end")
def _release_held_locks(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)


def begin_immediately(dbapi_connection, timeout: float = SQLITE_LOCK_TIMEOUT) -> None:
    """``BEGIN IMMEDIATE`` on a sqlite3 connection, waiting for the write lock by sleeping
    in Python between attempts.

    Under gevent ``time.sleep`` yields, so the process keeps serving everyone else —
    among them whoever holds the lock — while this transaction waits its turn; in a CLI or
    a threaded server it sleeps as SQLite's own busy wait would. After ``timeout`` the
    error is SQLAlchemy's "database is locked", which ``in_transaction`` retries.
    """
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            message = str(error).lower()
            if ("locked" not in message and "busy" not in message) or (
                time.monotonic() >= deadline
            ):
                raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, error) from error
        time.sleep(pause)
        pause = min(pause * 2, SQLITE_LOCK_PAUSE)
