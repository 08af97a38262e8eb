"""The transparency log: every event of a deliberation becomes a leaf in the transaction of
the change, the stored tree matches a recomputation, and secret ballots stay secret."""

import hashlib
import json

import pytest
import sqlalchemy as sa
from test_records_world import build_record_world

from commonground.db import db
from commonground.discussion import services as discussion
from commonground.records import leaves
from commonground.records import log as transparency_log
from commonground.records.merkle import (
    inclusion_proof,
    leaf_hash,
    root_of,
    subtree_of,
    verify_consistency,
    verify_inclusion,
)
from commonground.records.models import AuditEvent, LogLeaf, LogNode


def stored_leaves(deliberation) -> list[LogLeaf]:
    return list(
        db.session.scalars(
            sa.select(LogLeaf)
            .where(LogLeaf.deliberation_id == deliberation.id)
            .order_by(LogLeaf.leaf_index)
        )
    )


@pytest.fixture
def built(app, world):
    return build_record_world(world, close=True)


def test_every_event_of_the_record_world_is_a_leaf(world, built):
    rows = stored_leaves(world.deliberation)
    events = [row.event for row in rows]
    for name in (
        "post.create",
        "post.edit",
        "post.translate",
        "post.hide",
        "reaction.change",
        "ballot.cast",
        "motion.open",
        "motion.close",
        "summary.publish",
        "deliberation.status",
    ):
        assert name in events, name
    assert events.count("reaction.change") == 6
    assert events.count("ballot.cast") == 4
    # Every audit event is folded in, committing to its chain hash.
    audit = list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.deliberation_id == world.deliberation.id)
            .order_by(AuditEvent.seq)
        )
    )
    folded = [json.loads(row.entry)["data"] for row in rows]
    hashes = [data["audit_hash"] for data in folded if "audit_hash" in data]
    assert hashes == [event.hash for event in audit]


def test_each_entry_is_canonical_json_naming_its_place_and_hashed_with_the_leaf_prefix(
    world, built
):
    for index, row in enumerate(stored_leaves(world.deliberation)):
        entry = json.loads(row.entry)
        assert row.leaf_index == entry["leaf"] == index
        assert entry["deliberation"] == "ai-2026"
        assert row.entry == json.dumps(
            entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert row.hash == hashlib.sha256(b"\x00" + row.entry.encode()).hexdigest()


def test_a_posts_leaves_commit_to_each_revision_of_its_body(world, built):
    rows = [
        row for row in stored_leaves(world.deliberation) if row.subject == f"post:{built.top_post}"
    ]
    bodies = [json.loads(row.entry)["data"].get("body_sha256") for row in rows]
    first = hashlib.sha256(b"We **agree** on transparency.").hexdigest()
    second = hashlib.sha256(b"We **agree** on transparency, mostly.").hexdigest()
    assert bodies[:2] == [first, second]
    assert [row.event for row in rows][:3] == ["post.create", "post.edit", "post.translate"]


def test_members_appear_under_keyed_pseudonyms_never_their_ids(world, built):
    created = json.loads(
        next(
            row
            for row in stored_leaves(world.deliberation)
            if row.event == "post.create" and row.subject == f"post:{built.top_post}"
        ).entry
    )
    author = created["data"]["author"]
    delegate_id = world.memberships["delegate"].id
    assert author == transparency_log.member_pseudonym(world.deliberation.id, delegate_id)
    assert author.startswith("m-") and str(delegate_id) != author[2:]


def test_a_secret_ballots_leaf_holds_the_receipt_only(world, built):
    casts = [
        json.loads(row.entry)["data"]
        for row in stored_leaves(world.deliberation)
        if row.event == "ballot.cast"
    ]
    secret = [data for data in casts if data["motion"] == built.secret_motion]
    open_ = [data for data in casts if data["motion"] == built.open_motion]
    assert len(secret) == 2 and all(sorted(data) == ["motion", "receipt"] for data in secret)
    assert {data["choice"] for data in open_} == {"yes", "no"}


def test_the_stored_tree_equals_a_recomputation_and_proves_every_leaf(world, built):
    deliberation = world.deliberation
    hashes = [bytes.fromhex(row.hash) for row in stored_leaves(deliberation)]
    head = transparency_log.tree_head(deliberation)
    assert head.size == len(hashes)
    assert head.root == root_of(hashes).hex()
    for index in range(len(hashes)):
        proof = transparency_log.inclusion(deliberation, index, head.size)
        assert proof == inclusion_proof(index, head.size, subtree_of(hashes))
        assert verify_inclusion(index, head.size, hashes[index], proof, bytes.fromhex(head.root))
    for old in range(head.size + 1):
        proof = transparency_log.consistency(deliberation, old, head.size)
        old_root = transparency_log.root_at(deliberation, old)
        assert old_root == root_of(hashes[:old])
        assert verify_consistency(old, head.size, old_root, bytes.fromhex(head.root), proof)


def test_an_append_writes_at_most_log2_n_plus_one_subtree_hashes(world, built):
    deliberation = world.deliberation
    before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LogNode)
        .where(LogNode.deliberation_id == deliberation.id)
    )
    size = transparency_log.tree_head(deliberation).size
    assert before == sum(size >> level for level in range(size.bit_length()))
    assert db.session.get(LogNode, (deliberation.id, 0, 0)).hash == leaf_hash(
        stored_leaves(deliberation)[0].entry.encode()
    )


def test_a_change_that_rolls_back_leaves_no_leaf(world):
    deliberation = world.deliberation
    size = transparency_log.tree_head(deliberation).size
    discussion.create_post(world.users["delegate"], world.item, body="Not kept", rate_limited=False)
    assert transparency_log.tree_head(deliberation).size == size + 1
    db.session.rollback()
    assert transparency_log.tree_head(deliberation).size == size
    assert len(stored_leaves(deliberation)) == size


def assert_tree_is_recomputed(deliberation):
    hashes = [bytes.fromhex(row.hash) for row in stored_leaves(deliberation)]
    head = transparency_log.tree_head(deliberation)
    assert (head.size, head.root) == (len(hashes), root_of(hashes).hex())
    for old in range(head.size + 1):
        proof = transparency_log.consistency(deliberation, old, head.size)
        old_root = transparency_log.root_at(deliberation, old)
        assert verify_consistency(old, head.size, old_root, bytes.fromhex(head.root), proof)


def test_appends_after_a_rollback_or_another_processs_append_keep_the_tree_exact(world):
    """The frontier an append remembers is used only while the log's state still says the
    size and root that append left; otherwise the stored subtrees are read."""
    deliberation, user = world.deliberation, world.users["delegate"]

    def post(body):
        discussion.create_post(user, world.item, body=body, rate_limited=False)

    post("Kept")
    db.session.commit()
    remembered = transparency_log._last_frontiers[deliberation.id]
    post("Rolled back")
    db.session.rollback()
    post("After the rollback")
    db.session.commit()
    # As if another process had appended since: this process remembers an older state.
    transparency_log._last_frontiers[deliberation.id] = remembered
    post("After another process")
    db.session.commit()
    # And a remembered frontier that the state does not vouch for is never used.
    size, _, frontier = transparency_log._last_frontiers[deliberation.id]
    forged = tuple(bytes(32) for _ in frontier)
    transparency_log._last_frontiers[deliberation.id] = (size, "0" * 64, forged)
    post("After a stale memory")
    db.session.commit()

    bodies = [json.loads(row.entry)["subject"] for row in stored_leaves(deliberation)[-4:]]
    assert len(set(bodies)) == 4
    assert_tree_is_recomputed(deliberation)


def test_the_leaf_shapes_are_the_documented_ones():
    value = leaves.entry(
        deliberation="d", leaf=0, event="post.create", subject="post:1", at="t", data={}
    )
    assert sorted(value) == ["at", "data", "deliberation", "event", "leaf", "subject"]
