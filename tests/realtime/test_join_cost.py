"""What a socket's connect and ``join`` cost the server, counted in SQL statements on a real
server (issue 15: a room of 1,000 delegates joining at once), and that reading events take
no write lock on SQLite, so a writer holding it never holds them up."""

import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import make_item, make_post

from commonground.accounts.models import ApiToken
from commonground.db import db, utcnow

from .test_discussion_sockets import join


@contextmanager
def served_statements(live):
    """The SQL statements the live server runs in the block."""
    with live.app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_a_token_connect_reads_the_token_and_its_user_once(live, connect, world):
    with served_statements(live) as first:
        connect(live.url, token=world.tokens["delegate"])
    # The token with its user, and the use recorded (at most once a minute); not read again
    # after that commit.
    assert len(first) == 2, first
    assert first[1].startswith("UPDATE api_tokens")
    with served_statements(live) as again:
        connect(live.url, token=world.tokens["delegate"])
    assert len(again) == 1, again
    # Stored as every timestamp is (naive UTC), and read back as the moment of the connect.
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.user_id == world.users["delegate"].id)
    )
    db.session.refresh(token)
    assert timedelta(0) <= utcnow() - token.last_used_at < timedelta(minutes=1)
    stored = db.session.execute(
        sa.text("SELECT last_used_at, created_at FROM api_tokens WHERE id = :id"),
        {"id": token.id},
    ).one()
    assert len(stored.last_used_at) == len(stored.created_at)


@pytest.mark.parametrize("role", ["delegate", "observer", "moderator", "admin"])
def test_joining_an_empty_item_costs_three_statements(live, connect, world, role):
    client = connect(live.url, token=world.tokens[role])
    with served_statements(live) as run:
        ack = join(client, world.item)
    # The token and user, the item with its deliberation and the membership with its group
    # (one statement, read once), and the thread's newest post and window start: empty,
    # nothing more to read.
    assert len(run) == 3, run
    assert ack["posts"] == [] and ack["older"] is False


def test_joining_with_the_newest_post_already_read_costs_three_statements(live, connect, world):
    posts = [make_post(world.item, world.memberships["delegate2"], f"Post {n}") for n in range(3)]
    db.session.commit()
    client = connect(live.url, token=world.tokens["delegate"])
    with served_statements(live) as run:
        ack = join(client, world.item, after=posts[-1].id)
    # The posts above ``after``: none, so their translations are not read.
    assert len(run) == 3, run
    assert ack["posts"] == []
    with served_statements(live) as run:
        ack = join(client, world.item, after=posts[0].id)
    assert len(run) == 4, run
    assert [p["id"] for p in ack["posts"]] == [p.id for p in posts[1:]]


def test_joining_a_thread_costs_the_same_whatever_its_size(live, connect, world):
    small = world.item
    large = make_item(world.deliberation, "A long debate")
    make_post(small, world.memberships["delegate2"], "Alone")
    for n in range(120):
        make_post(large, world.memberships["delegate2"], f"Post {n}")
    db.session.commit()
    client = connect(live.url, token=world.tokens["delegate"])
    with served_statements(live) as one:
        join(client, small)
    with served_statements(live) as many:
        ack = join(client, large)
    # ... and the window's posts, then their translations.
    assert len(one) == len(many) == 5, many
    assert ack["older"] is True


@contextmanager
def write_lock_held(database_path):
    """Hold SQLite's write lock from another connection, as a writer mid-transaction does."""
    writer = sqlite3.connect(database_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_reading_events_go_ahead_while_a_writer_holds_the_lock(live, connect, world, database_path):
    make_post(world.item, world.memberships["delegate2"], "Said before the lock")
    db.session.commit()
    delegate = connect(live.url, token=world.tokens["delegate"])
    observer = connect(live.url, token=world.tokens["observer"])
    with write_lock_held(database_path):
        ack = join(delegate, world.item)
        assert [p["body"] for p in ack["posts"]] == ["Said before the lock"]
        assert join(observer, world.item)["presence"]["online"] == 2
        assert delegate.call("presence:members", {"item": world.item.id})["ok"]
        assert delegate.call("typing", {"item": world.item.id})["ok"]
        assert observer.wait_for("typing")["name"] == "Dee Delegate"
        assert delegate.call("leave", {"item": world.item.id})["ok"]


def test_rights_are_still_read_at_every_reading_event(live, connect, world):
    client = connect(live.url, token=world.tokens["delegate"])
    join(client, world.item)
    db.session.delete(world.memberships["delegate"])
    db.session.commit()
    ack = client.call("join", {"item": world.item.id})
    assert ack["error"]["code"] == "forbidden"
