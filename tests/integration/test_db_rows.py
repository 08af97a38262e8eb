"""Rows written together (``db.insert_rows``, ``db.execute_after_inserts``): what goes in
comes back the same on SQLite and on PostgreSQL, where every column travels as one array
in binary — text with quotes, backslashes, braces and commas, NULLs, bytes, booleans, times."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from conftest import counted_statements
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.db import OneOf, UTCDateTime, db, execute_after_inserts, insert_rows

scratch = sa.MetaData()
notes = sa.Table(
    "scratch_notes",
    scratch,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("body", sa.Text, nullable=True),
    sa.Column("label", sa.String(40), nullable=True),
    sa.Column("digest", sa.LargeBinary, nullable=True),
    sa.Column("flag", sa.Boolean, nullable=True),
    sa.Column("at", UTCDateTime, nullable=True),
    sa.Column("big", sa.BigInteger, nullable=True),
)
counts = sa.Table(
    "scratch_counts",
    scratch,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("total", sa.Integer),
)
_BUMP = (
    sa.update(counts)
    .where(counts.c.id == sa.bindparam("count_id"))
    .values(total=counts.c.total + sa.bindparam("by", type_=sa.Integer))
)

AWKWARD = [
    'a "quoted" {brace}, a comma\\ and a backslash',
    "",
    "NULL",
    '{"entry": "json", "list": [1, 2]}',
    "ligne française — عربي — 中文 — русский",
    " leading and trailing ",
]


@pytest.fixture
def tables(any_app):
    with db.engine.begin() as connection:
        scratch.create_all(connection)
    yield
    db.session.rollback()
    with db.engine.begin() as connection:
        scratch.drop_all(connection)


def stored_notes() -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(sa.select(notes).order_by("id"))]


def test_awkward_values_come_back_as_they_went_in(tables):
    rows = [
        {
            "id": n,
            "body": body,
            "label": body[:40] if n % 2 else None,
            "digest": bytes([0, n, 255, 92, 34]),
            "flag": n % 3 == 0 if n != 4 else None,
            "at": datetime(2026, 12, 5, 12, 0, n, 123456, tzinfo=UTC),
            "big": 2**40 + n if n != 2 else None,
        }
        for n, body in enumerate(AWKWARD)
    ]
    insert_rows(notes, rows)
    db.session.commit()
    assert stored_notes() == rows


def test_a_column_of_nulls_alone_goes_in(tables):
    rows = [
        dict.fromkeys(("body", "label", "digest", "flag", "at", "big"), None) | {"id": n}
        for n in range(3)
    ]
    insert_rows(notes, rows)
    db.session.commit()
    assert stored_notes() == rows


def test_the_statement_runs_after_its_inserts_and_both_roll_back_together(tables):
    db.session.execute(sa.insert(counts), [{"id": 1, "total": 10}])
    db.session.commit()
    rows = [{"id": n, "body": f'"{n}"'} for n in range(4)]
    execute_after_inserts(_BUMP, {"count_id": 1, "by": 5}, [(notes, rows), (counts, [])])
    assert db.session.scalar(sa.select(counts.c.total)) == 15
    assert [note["body"] for note in stored_notes()] == ['"0"', '"1"', '"2"', '"3"']
    db.session.rollback()
    assert db.session.scalar(sa.select(counts.c.total)) == 10
    assert stored_notes() == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")),
        min_size=1,
        max_size=12,
    )
)
def test_any_text_comes_back_the_same(tables, bodies):
    db.session.execute(sa.delete(notes))
    rows = [{"id": n, "body": body} for n, body in enumerate(bodies)]
    insert_rows(notes, rows)
    assert [note["body"] for note in stored_notes()] == bodies
    db.session.rollback()


def test_one_of_a_list_of_any_length_finds_exactly_its_rows(tables):
    insert_rows(notes, [{"id": n, "big": 100 + n} for n in range(6)])
    by_id = sa.select(notes.c.id).where(OneOf(notes.c.id, "wanted")).order_by(notes.c.id)
    by_big = sa.select(notes.c.id).where(OneOf(notes.c.big, "wanted")).order_by(notes.c.id)
    for wanted, found in (([], []), ([3], [3]), ([5, 1, 3, 99], [1, 3, 5])):
        assert db.session.scalars(by_id, {"wanted": wanted}).all() == found
    # Another column, same parameter name: a statement of its own, not the first one's.
    assert db.session.scalars(by_big, {"wanted": [101, 104]}).all() == [1, 4]


def test_one_of_is_one_statement_text_on_postgresql_whatever_the_length(tables):
    by_id = sa.select(notes.c.id).where(OneOf(notes.c.id, "wanted"))
    with counted_statements() as run:
        for wanted in ([1], [1, 2, 3], list(range(100))):
            db.session.scalars(by_id, {"wanted": wanted}).all()
    if db.engine.dialect.name == "postgresql":
        assert len(set(run)) == 1 and "= ANY" in run[0]
    else:
        assert len(set(run)) == 3 and " IN (" in run[0]
