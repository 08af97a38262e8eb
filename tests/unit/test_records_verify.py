"""``records verify`` on record.json, without a database: an untouched record passes; any
one-character change anywhere — in the body, in the integrity block, in an audit event, in
the framing — fails and says what differs."""

import json

import pytest

from commonground.records.chain import GENESIS_HASH, canonical_json, event_body, link_hash
from commonground.records.export import RecordWriter, Stream
from commonground.records.verify import NotCanonical, read_members, verify_file


def chain(n: int) -> list[dict]:
    events, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        body = event_body(
            deliberation="d",
            seq=seq,
            actor=1,
            action="post.hide" if seq == 2 else "note",
            target="post:7" if seq == 2 else "",
            payload={"n": seq, "reason": "rude"} if seq == 2 else {"n": seq},
            created_at=f"2026-01-0{seq}T10:00:00.000Z",
        )
        events.append({**body, "prev_hash": prev, "hash": (prev := link_hash(prev, body))})
    return events


def record(events=None) -> dict:
    events = chain(3) if events is None else events
    return {
        "audit": {
            "events": Stream(events),
            "head": events[-1]["hash"] if events else GENESIS_HASH,
            "length": len(events),
        },
        "posts": Stream(
            [
                {"id": 7, "hidden": True, "hidden_reason": "rude", "body": None},
                {"id": 8, "hidden": False, "hidden_reason": None, "body": "Ünïcode ✓ «ok»"},
            ]
        ),
        "scope": {"deliberation": "d", "item": None},
        "z": 0.1,
    }


def write(path, body, events=None) -> bytes:
    events = chain(3) if events is None else events
    writer = RecordWriter()
    chunks = []
    for key in sorted(body):
        chunks.extend(writer.member(key, body[key]))
    chunks.extend(writer.finish(events[-1]["hash"] if events else GENESIS_HASH, len(events)))
    data = b"".join(chunks)
    path.write_bytes(data)
    return data


@pytest.fixture
def exported(tmp_path):
    path = tmp_path / "record.json"
    return path, write(path, record())


def test_an_untouched_record_verifies(exported):
    path, _ = exported
    report = verify_file(path)
    assert report.ok, report.problems
    assert report.audit_events == 3
    assert report.kind == "record.json"


def mutate(path, data: bytes, offset: int, replacement: bytes | None = None):
    original = data[offset : offset + 1]
    if replacement is None:
        replacement = b"1" if original != b"1" else b"2"
    path.write_bytes(data[:offset] + replacement + data[offset + 1 :])
    return verify_file(path)


def test_every_one_character_change_anywhere_is_rejected(exported):
    path, data = exported
    for offset in range(len(data)):
        for replacement in (b"x", b" ", b"0"):
            if data[offset : offset + 1] == replacement:
                continue
            report = mutate(path, data, offset, replacement)
            assert not report.ok, (offset, replacement, data[offset - 10 : offset + 10])


def test_a_changed_post_names_the_member_that_differs(exported):
    path, data = exported
    offset = data.index("Ünïcode".encode()) + len("Ünï".encode())
    report = mutate(path, data, offset, b"u")
    assert any("'posts'" in problem for problem in report.problems), report.problems
    assert any("body's SHA-256" in problem for problem in report.problems)


def test_a_changed_integrity_digest_is_reported(exported):
    path, data = exported
    integrity = json.loads(data)["integrity"]
    offset = data.rindex(integrity["body_sha256"].encode())
    report = mutate(path, data, offset, b"f" if data[offset : offset + 1] != b"f" else b"e")
    assert any("integrity.body_sha256" in problem for problem in report.problems)


def test_a_changed_audit_event_breaks_the_chain(exported):
    path, data = exported
    offset = data.index(b'"n":2') + 4
    report = mutate(path, data, offset, b"5")
    assert any("audit chain is broken at event 2" in problem for problem in report.problems)


def test_a_reformatted_record_is_not_accepted_as_the_export(exported):
    path, data = exported
    path.write_bytes(json.dumps(json.loads(data), indent=1, ensure_ascii=False).encode())
    report = verify_file(path)
    assert not report.ok
    assert "not the record as exported" in report.problems[0]


def test_a_truncated_or_extended_record_is_rejected(exported):
    path, data = exported
    for damaged in (data[:-1], data + b"\n", data + b"{}", b"", b"[]", data[1:]):
        path.write_bytes(damaged)
        assert not verify_file(path).ok, damaged[-20:]


def test_a_record_whose_digests_were_recomputed_fails_the_expected_digest(tmp_path, exported):
    _, original = exported
    body = record()
    body["z"] = 0.2
    forged = tmp_path / "forged.json"
    write(forged, body)
    assert verify_file(forged).ok  # self-consistent: the forger recomputed the digests
    expected = json.loads(original)["integrity"]["body_sha256"]
    report = verify_file(forged, digest=expected)
    assert not report.ok
    assert "not the expected" in report.problems[-1]


def test_a_reason_for_hiding_that_differs_from_the_audit_chain_is_reported(tmp_path):
    body = record()
    body["posts"] = Stream([{"id": 7, "hidden": True, "hidden_reason": "spam", "body": None}])
    path = tmp_path / "record.json"
    write(path, body)
    report = verify_file(path)
    assert any("post 7" in problem for problem in report.problems), report.problems


def test_the_reader_gives_members_and_array_elements_one_by_one():
    text = b'{"a":[1,{"b":[2,3]},"x,]"],"c":{"d":[]},"e":[]}'
    elements = []
    members = read_members(text, lambda key, index, element: elements.append((key, element)))
    assert [(k, text[s:e], v) for k, s, e, v in members] == [
        ("a", b'[1,{"b":[2,3]},"x,]"]', None),
        ("c", b'{"d":[]}', {"d": []}),
        ("e", b"[]", None),
    ]
    assert elements == [("a", 1), ("a", {"b": [2, 3]}), ("a", "x,]")]


def test_the_reader_reads_values_longer_than_its_window(monkeypatch):
    monkeypatch.setattr("commonground.records.verify._Cursor.WINDOW", 64)
    long_text = "é" * 500
    text = canonical_json({"a": [long_text, "ok"], "b": long_text})
    elements = []
    members = read_members(text, lambda k, i, e: elements.append(e))
    assert elements == [long_text, "ok"]
    assert members[1][3] == long_text


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 1}',
        b' {"a":1}',
        b'{"a":1} ',
        b'{"a":1',
        b'["a"]',
        b'{"a":1}}',
        b'{"a":[1 ,2]}',
        b'{"a":1,"a":2}',
        b'{"a":NaN}',
        b"{}",
    ],
)
def test_the_reader_refuses_what_canonical_json_cannot_be(text):
    problems = []
    try:
        read_members(text, on_problem=problems.append)
    except NotCanonical:
        return
    assert problems, text
