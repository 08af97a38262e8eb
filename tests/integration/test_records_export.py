"""record.json through the API: valid against the published JSON Schema for every audience
and scope, verifiable, deterministic for a closed deliberation, and never leaking what its
audience may not see (hidden posts' text, secret ballots, drafts)."""

import json
import re

import pytest
from jsonschema import Draft202012Validator
from test_records_world import DRAFT_MARKER, HIDDEN_MARKERS, HIDE_REASON, build_record_world

from commonground.records.api import record_schema
from commonground.records.chain import canonical_json
from commonground.records.collect import operator_source
from commonground.records.export import stream_record_json
from commonground.records.log import member_pseudonym
from commonground.records.verify import verify_file

URL = "/api/v1/deliberations/ai-2026/record.json"


def fetch(client, headers, url=URL) -> bytes:
    response = client.get(url, headers=headers)
    body = response.get_data()
    assert response.status_code == 200, body[:300]
    assert response.mimetype == "application/json"
    return body


def validate(record: dict) -> None:
    validator = Draft202012Validator(
        record_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def built(app, world):
    return build_record_world(world)


@pytest.mark.parametrize("role", ["observer", "delegate", "moderator", "admin"])
def test_every_export_validates_against_the_published_schema(client, world, built, role):
    record = json.loads(fetch(client, world.headers(role)))
    validate(record)
    expected = "moderators" if role in ("moderator", "admin") else "readers"
    assert record["scope"]["audience"] == expected


@pytest.mark.parametrize("role", ["delegate", "moderator"])
def test_an_items_record_validates_and_holds_only_that_item(client, world, built, role):
    record = json.loads(fetch(client, world.headers(role), f"{URL}?item={built.second_item}"))
    validate(record)
    assert record["scope"]["item"] == built.second_item
    assert [item["id"] for item in record["items"]] == [built.second_item]
    assert record["posts"] == [] and record["motions"] == [] and record["summaries"] == []
    assert record["participation"]["overall"] is None
    # The whole chain, even for one item: only a whole chain can be verified.
    assert record["audit"]["length"] == len(record["audit"]["events"]) > 0


def test_an_empty_deliberation_exports_a_valid_record(client, world):
    record = json.loads(fetch(client, world.headers("moderator")))
    validate(record)
    assert record["posts"] == [] and record["audit"]["events"] == []
    assert record["integrity"]["audit_head"] == "0" * 64


def test_the_body_digest_is_the_sha256_of_the_canonical_body(client, world, built, tmp_path):
    raw = fetch(client, world.headers("observer"))
    record = json.loads(raw)
    integrity = record.pop("integrity")
    import hashlib

    assert integrity["body_sha256"] == hashlib.sha256(canonical_json(record)).hexdigest()
    assert raw.startswith(canonical_json(record)[:-1])
    assert (
        integrity["audit_head"] == record["audit"]["head"] == record["audit"]["events"][-1]["hash"]
    )
    path = tmp_path / "record.json"
    path.write_bytes(raw)
    report = verify_file(path)
    assert report.ok, report.problems


def test_records_verify_rejects_a_one_character_change_in_body_integrity_and_audit(
    client, world, built, tmp_path
):
    raw = fetch(client, world.headers("moderator"))
    path = tmp_path / "record.json"
    record = json.loads(raw)
    positions = {
        "a post's text": raw.index(b"transparency, mostly") + 3,
        "a motion's result": raw.index(b'"support":"2/3"') + 11,
        "a summary": raw.index(b"How fast") + 1,
        "the integrity digest": raw.rindex(record["integrity"]["body_sha256"].encode()) + 10,
        "an audit event": raw.index(b'"action":"motion.close"') + 12,
        "an audit event's hash": raw.index(record["audit"]["events"][2]["hash"].encode()),
        "the framing": raw.index(b'"deliberation":{') - 1,
    }
    for where, offset in positions.items():
        original = raw[offset : offset + 1]
        path.write_bytes(raw[:offset] + (b"7" if original != b"7" else b"8") + raw[offset + 1 :])
        report = verify_file(path)
        assert not report.ok, where
    path.write_bytes(raw)
    assert verify_file(path).ok


def test_the_frozen_results_and_published_summaries_match_the_audit_chain(
    client, world, built, tmp_path
):
    """verify cross-checks results and summaries with the digests their events recorded:
    a forger who also recomputes the record's own digests is still caught."""
    record = json.loads(fetch(client, world.headers("moderator")))
    record.pop("integrity")
    motion = next(m for m in record["motions"] if m["id"] == built.open_motion)
    motion["result"]["outcome"] = "rejected"
    forged = tmp_path / "forged.json"
    forged.write_bytes(b"".join(_rewrite(record)))
    report = verify_file(forged)
    assert any(f"motion {built.open_motion}" in p for p in report.problems), report.problems


def _rewrite(record: dict):
    """Write a (forged) record body with freshly computed digests, as a forger would."""
    from commonground.records.export import RecordWriter

    writer = RecordWriter()
    for key in sorted(record):
        yield from writer.member(key, record[key])
    yield from writer.finish(record["audit"]["head"], record["audit"]["length"])


def test_two_exports_of_a_closed_deliberation_are_identical(app, client, world, tmp_path):
    build_record_world(world, close=True)
    for role in ("observer", "moderator"):
        first = fetch(client, world.headers(role))
        second = fetch(client, world.headers(role))
        assert first == second
    source = operator_source("ai-2026")
    assert b"".join(stream_record_json(source)) == fetch(client, world.headers("observer"))


def test_a_readers_record_withholds_hidden_text_drafts_and_secret_ballots(client, world, built):
    raw = fetch(client, world.headers("delegate"))
    text = raw.decode()
    for marker in (*HIDDEN_MARKERS, DRAFT_MARKER):
        assert marker not in text, marker
    record = json.loads(raw)
    hidden = next(p for p in record["posts"] if p["id"] == built.hidden_post)
    assert hidden["hidden"] and hidden["content_withheld"]
    assert hidden["body"] is None and hidden["translations"] == [] and hidden["revisions"] == []
    assert hidden["reactions"] is None and hidden["hidden_by"] is None
    assert hidden["hidden_reason"] == HIDE_REASON
    assert [s["status"] for s in record["summaries"]] == ["published"]
    assert {m["status"] for m in record["motions"]} == {"closed"}
    assert_no_secret_ballots(record, built)


def test_the_draft_motion_text_reaches_readers_only_through_the_audit_chain(client, world, built):
    record = json.loads(fetch(client, world.headers("observer")))
    assert built.draft_motion not in [m["id"] for m in record["motions"]]
    without_audit = {k: v for k, v in record.items() if k not in ("audit", "integrity")}
    assert "A motion still in draft" not in json.dumps(without_audit)


def test_a_moderators_record_holds_hidden_text_flagged_and_every_summary_version(
    client, world, built
):
    record = json.loads(fetch(client, world.headers("moderator")))
    hidden = next(p for p in record["posts"] if p["id"] == built.hidden_post)
    assert hidden["hidden"] and not hidden["content_withheld"]
    assert hidden["body"] == HIDDEN_MARKERS[0]
    assert [r["body"] for r in hidden["revisions"]] == [HIDDEN_MARKERS[1]]
    assert [t["body"] for t in hidden["translations"]] == [HIDDEN_MARKERS[2]]
    assert hidden["hidden_by"] == alias(world, "moderator")
    assert [(s["version"], s["status"]) for s in record["summaries"]] == [
        (1, "draft"),
        (2, "published"),
    ]
    assert built.draft_motion in [m["id"] for m in record["motions"]]
    assert_no_secret_ballots(record, built)


def assert_no_secret_ballots(record: dict, built) -> None:
    """No individual ballot of the secret motion, for any audience; its totals only."""
    assert {b["motion"] for b in record["ballots"]} == {built.open_motion}
    secret = next(m for m in record["motions"] if m["id"] == built.secret_motion)
    assert secret["secret"] and secret["result"]["ballots"] == 2
    # Receipts of the secret motion are listed, sorted, and tie to no member.
    receipts = [r for r in record["receipts"] if r["motion"] == built.secret_motion]
    assert len(receipts) == 2 and set(receipts[0]) == {"motion", "receipt"}
    assert [r["receipt"] for r in receipts] == sorted(r["receipt"] for r in receipts)


def alias(world, role: str) -> str:
    """The pseudonym under which a role's member appears in records."""
    return member_pseudonym(world.deliberation.id, world.memberships[role].id)


def test_members_are_pseudonymous(client, world, built):
    raw = fetch(client, world.headers("moderator")).decode()
    for user in world.users.values():
        assert user.email not in raw
        assert user.name not in raw
    record = json.loads(raw)
    assert set(record["members"][0]) == {"id", "role", "group", "weight"}
    # Keyed pseudonyms, never the sequential ids that would name a group's only delegate.
    ids = {member["id"] for member in record["members"]}
    assert ids == {
        alias(world, role) for role in ("moderator", "delegate", "delegate2", "observer")
    }
    assert all(re.fullmatch(r"m-[0-9a-f]{16}", member_id) for member_id in ids)
    assert {post["author"] for post in record["posts"]} <= ids
    again = json.loads(fetch(client, world.headers("observer")))
    assert {member["id"] for member in again["members"]} == ids  # stable across exports


def test_reaction_aggregates_and_open_ballots_are_in_the_record(client, world, built):
    record = json.loads(fetch(client, world.headers("observer")))
    top = next(p for p in record["posts"] if p["id"] == built.top_post)
    assert (top["reactions"]["agree"], top["reactions"]["pass"]) == (2, 1)
    assert {g["key"]: g["agree"] for g in top["reactions"]["groups"]} == {
        "governments": 1,
        "civil_society": 1,
    }
    assert [t["language"] for t in top["translations"]] == ["fr"]
    reply = next(p for p in record["posts"] if p["id"] == built.reply)
    assert (reply["parent"], reply["depth"]) == (built.top_post, 1)
    ballots = {(b["member"], b["choice"]) for b in record["ballots"]}
    assert ballots == {
        (alias(world, "delegate"), "yes"),
        (alias(world, "delegate2"), "no"),
    }


@pytest.mark.postgres
def test_records_export_and_verify_on_postgresql(pg_app, tmp_path):
    """The same export on PostgreSQL: valid, verifiable."""
    from conftest import World, make_deliberation, make_group, make_item, make_member, make_user

    from commonground.db import db

    deliberation = make_deliberation("ai-2026", scheme="groups")
    gov = make_group(deliberation, "governments", share=2)
    civ = make_group(deliberation, "civil_society", share=1, position=1)
    users = {
        role: make_user(f"{role}@example.org")
        for role in ("moderator", "delegate", "delegate2", "observer")
    }
    memberships = {
        "moderator": make_member(users["moderator"], deliberation, "moderator"),
        "delegate": make_member(users["delegate"], deliberation, "delegate", gov),
        "delegate2": make_member(users["delegate2"], deliberation, "delegate", civ),
        "observer": make_member(users["observer"], deliberation, "observer"),
    }
    item = make_item(deliberation, "First item")
    db.session.commit()
    world = World(deliberation, None, {}, item, users, memberships, {})
    build_record_world(world, close=True)
    path = tmp_path / "record.json"
    path.write_bytes(
        b"".join(stream_record_json(operator_source("ai-2026", audience="moderators")))
    )
    validate(json.loads(path.read_bytes()))
    report = verify_file(path)
    assert report.ok, report.problems
