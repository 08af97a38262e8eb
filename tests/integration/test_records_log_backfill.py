"""The migration that creates the transparency log backfills the history of deliberations
that existed before it: their records then verify against the backfilled log."""

import importlib.util
import json
from pathlib import Path

import sqlalchemy as sa
from test_records_world import build_record_world

from commonground.db import db
from commonground.records import log as transparency_log
from commonground.records.merkle import root_of
from commonground.records.models import LogLeaf, LogNode, LogState

MIGRATION = next(
    (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("*_transparency_log.py")
)


def migration():
    spec = importlib.util.spec_from_file_location("transparency_log_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def forget_logs() -> None:
    """The database as it was before the log existed: history, but no leaves."""
    for model in (LogLeaf, LogNode, LogState):
        db.session.execute(sa.delete(model))
    db.session.commit()


def test_the_backfilled_log_holds_the_history_and_the_record_verifies(app, world, tmp_path):
    built = build_record_world(world, close=True)
    live = list(db.session.scalars(sa.select(LogLeaf.event).order_by(LogLeaf.leaf_index)))
    forget_logs()

    migration().backfill(db.session.connection())
    db.session.commit()

    rows = list(
        db.session.scalars(
            sa.select(LogLeaf)
            .where(LogLeaf.deliberation_id == world.deliberation.id)
            .order_by(LogLeaf.leaf_index)
        )
    )
    head = transparency_log.tree_head(world.deliberation)
    assert head.size == len(rows) > 0
    assert head.root == root_of([bytes.fromhex(row.hash) for row in rows]).hex()
    events = [row.event for row in rows]
    # Everything the database still holds: edits and audit events all; the latest reaction
    # and ballot of each member, the current translation per language.
    assert events.count("post.edit") == live.count("post.edit")
    assert events.count("motion.close") == live.count("motion.close")
    assert events.count("reaction.change") == live.count("reaction.change")
    assert events.count("ballot.cast") == live.count("ballot.cast")
    secret = [
        json.loads(row.entry)["data"]
        for row in rows
        if row.event == "ballot.cast"
        and json.loads(row.entry)["data"]["motion"] == built.secret_motion
    ]
    assert secret and all(sorted(data) == ["motion", "receipt"] for data in secret)

    runner = app.test_cli_runner()
    record = tmp_path / "record.json"
    result = runner.invoke(args=["records", "export", "ai-2026", "-o", str(record), "-q"])
    assert result.exit_code == 0, result.output
    key = tmp_path / "key.json"
    key.write_text(json.dumps(app.test_client().get("/api/v1/log/key").get_json()))
    verified = runner.invoke(args=["records", "verify", str(record), "--key", str(key)])
    assert verified.exit_code == 0, verified.output


def test_the_backfill_leaves_logged_deliberations_alone_and_appends_continue(app, world):
    build_record_world(world)
    before = transparency_log.tree_head(world.deliberation)
    migration().backfill(db.session.connection())
    assert transparency_log.tree_head(world.deliberation) == before

    forget_logs()
    migration().backfill(db.session.connection())
    db.session.commit()
    backfilled = transparency_log.tree_head(world.deliberation)
    from commonground.discussion import services as discussion

    discussion.create_post(world.users["delegate"], world.item, body="After", rate_limited=False)
    db.session.commit()
    after = transparency_log.tree_head(world.deliberation)
    assert after.size == backfilled.size + 1
    hashes = db.session.scalars(
        sa.select(LogLeaf.hash)
        .where(LogLeaf.deliberation_id == world.deliberation.id)
        .order_by(LogLeaf.leaf_index)
    )
    assert after.root == root_of([bytes.fromhex(h) for h in hashes]).hex()
