"""One request of a group carried out together fails alone (issue 15, group commit):
``realtime.emitting.savepoint`` takes back what the failing block wrote and the live events
and after-commit callbacks it queued, and nothing else."""

import pytest
import sqlalchemy as sa
from conftest import make_post

from commonground.db import db
from commonground.discussion.models import Post
from commonground.errors import Invalid
from commonground.realtime.emitting import (
    call_after_commit,
    emit_after_commit,
    pending_emits,
    savepoint,
)
from commonground.transactions import in_transaction


def count_posts() -> int:
    return db.session.scalar(sa.select(sa.func.count(Post.id)))


def test_a_failing_savepoint_takes_back_its_writes_and_its_events_only(app, world):
    author = world.memberships["delegate"]
    called = []

    def group():
        make_post(world.item, author, "Kept, before.")
        emit_after_commit("post:new", {"n": 1}, to="item:1")
        call_after_commit(lambda: called.append("before"))
        with pytest.raises(Invalid), savepoint():
            make_post(world.item, author, "Taken back.")
            emit_after_commit("post:new", {"n": 2}, to="item:1")
            call_after_commit(lambda: called.append("taken back"))
            raise Invalid("refused alone")
        with savepoint():
            make_post(world.item, author, "Kept, after.")
            emit_after_commit("post:new", {"n": 3}, to="item:1")
        assert [data for _, data, *_ in pending_emits()] == [{"n": 1}, {"n": 3}]

    in_transaction(group)
    assert sorted(db.session.scalars(sa.select(Post.body))) == ["Kept, after.", "Kept, before."]
    assert called == ["before"]
    assert pending_emits() == []


def test_a_savepoint_that_succeeds_keeps_everything(app, world):
    def group():
        with savepoint():
            make_post(world.item, world.memberships["delegate"], "Kept.")
            emit_after_commit("post:new", {"n": 1}, to="item:1")
        assert len(pending_emits()) == 1

    before = count_posts()
    in_transaction(group)
    assert count_posts() == before + 1


def test_a_post_taken_back_after_its_leaf_leaves_the_log_whole(app, world):
    """The log's state is locked and read once per transaction (``db.held_lock``): a post
    whose savepoint is rolled back after its leaf was appended takes the leaf back, and the
    next post of the group appends where the log really ends."""
    from commonground.discussion.services import create_post
    from commonground.records import log
    from commonground.records.merkle import root_of
    from commonground.records.models import LogLeaf, LogState

    delegate = world.users["delegate"]

    def group():
        create_post(delegate, world.item, body="First.", language="en")
        with pytest.raises(RuntimeError), savepoint():
            create_post(delegate, world.item, body="Taken back.", language="en")
            raise RuntimeError("failed after its leaf")
        create_post(delegate, world.item, body="Second.", language="en")

    in_transaction(group)
    leaves = db.session.execute(
        sa.select(LogLeaf.leaf_index, LogLeaf.hash)
        .where(LogLeaf.deliberation_id == world.deliberation.id)
        .order_by(LogLeaf.leaf_index)
    ).all()
    assert [index for index, _ in leaves] == list(range(len(leaves)))
    state = db.session.get(LogState, world.deliberation.id)
    assert state.size == len(leaves)
    assert state.root == root_of([bytes.fromhex(digest) for _, digest in leaves]).hex()
    assert log.root_at(world.deliberation, state.size).hex() == state.root
    assert sorted(db.session.scalars(sa.select(Post.body))) == ["First.", "Second."]
