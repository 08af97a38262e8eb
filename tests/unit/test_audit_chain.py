"""The audit hash chain: every event commits to the one before it, so no change goes unseen."""

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from commonground.records.chain import (
    BODY_FIELDS,
    GENESIS_HASH,
    canonical_json,
    chain_head,
    event_body,
    first_broken_link,
    link_hash,
    verify_chain,
)


def build_chain(specs) -> list[dict]:
    """Events linked from plain (actor, action, target, payload) tuples."""
    events, prev = [], GENESIS_HASH
    for seq, (actor, action, target, payload) in enumerate(specs, start=1):
        body = event_body(
            deliberation="ai-2026",
            seq=seq,
            actor=actor,
            action=action,
            target=target,
            payload=payload,
            created_at=f"2026-01-01T00:00:{seq % 60:02d}.000Z",
        )
        digest = link_hash(prev, body)
        events.append({**body, "prev_hash": prev, "hash": digest})
        prev = digest
    return events


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
event_specs = st.tuples(
    st.none() | st.integers(min_value=1, max_value=10**6),
    st.sampled_from(["deliberation.create", "item.status", "member.add", "group.update"]),
    st.text(max_size=20),
    st.dictionaries(st.text(max_size=6), json_values, max_size=4),
)


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_unicode():
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'.encode()


def test_the_first_hash_is_sha256_of_64_zeros_then_the_canonical_body():
    body = event_body(
        deliberation="ai-2026",
        seq=1,
        actor=3,
        action="deliberation.create",
        target="deliberation:1",
        payload={"title": "Gouvernance"},
        created_at="2026-01-01T00:00:00.000Z",
    )
    expected = hashlib.sha256(
        b"0" * 64
        + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert link_hash(GENESIS_HASH, body) == expected


def test_an_empty_chain_verifies_and_its_head_is_the_genesis_hash():
    assert verify_chain([])
    assert chain_head([]) == GENESIS_HASH


@given(st.lists(event_specs, min_size=1, max_size=8))
def test_an_untouched_chain_verifies(specs):
    events = build_chain(specs)
    assert first_broken_link(events) is None
    assert chain_head(events) == events[-1]["hash"]


@given(
    st.lists(event_specs, min_size=1, max_size=8),
    st.data(),
)
def test_changing_any_field_of_any_event_breaks_verification_at_that_event(specs, data):
    events = build_chain(specs)
    index = data.draw(st.integers(min_value=0, max_value=len(events) - 1), label="event")
    name = data.draw(st.sampled_from((*BODY_FIELDS, "prev_hash", "hash")), label="field")
    replacement = data.draw(
        json_values.filter(
            lambda v: v != events[index][name] or type(v) is not type(events[index][name])
        ),
        label="new value",
    )
    events[index] = {**events[index], name: replacement}
    assert not verify_chain(events)
    assert first_broken_link(events) == index


@given(st.lists(event_specs, min_size=2, max_size=8), st.data())
def test_dropping_or_swapping_events_breaks_verification(specs, data):
    events = build_chain(specs)
    dropped = data.draw(st.integers(min_value=0, max_value=len(events) - 2))
    assert not verify_chain(events[:dropped] + events[dropped + 1 :])
    swapped = [*events]
    swapped[dropped], swapped[dropped + 1] = swapped[dropped + 1], swapped[dropped]
    assert not verify_chain(swapped)


@given(st.lists(event_specs, min_size=1, max_size=6))
def test_rehashing_a_forged_event_still_breaks_the_next_link(specs):
    events = build_chain([*specs, (None, "item.status", "item:1", {})])
    forged = {**events[0], "payload": {"forged": True}}
    forged["hash"] = link_hash(forged["prev_hash"], {k: forged[k] for k in BODY_FIELDS})
    assert first_broken_link([forged, *events[1:]]) == 1


def test_an_event_missing_a_field_does_not_verify():
    events = build_chain([(1, "item.status", "item:1", {})])
    del events[0]["payload"]
    assert first_broken_link(events) == 0
