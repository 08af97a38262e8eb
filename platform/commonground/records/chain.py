"""The audit log's hash chain: pure functions over plain values (no database, no Flask).

Each event of a deliberation links to the one before it::

    hash = sha256(prev_hash || canonical_json(body))

where ``prev_hash`` is the previous event's hash as 64 lower-case hex characters (ASCII;
64 zeros for the first event), ``||`` is byte concatenation, and ``body`` is the event
without its hashes: ``{deliberation, seq, actor, action, target, payload, created_at}``.
Anyone holding an export can recompute the chain with nothing but ``hashlib`` and ``json``.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

#: The ``prev_hash`` of a deliberation's first event.
GENESIS_HASH = "0" * 64

#: The fields of an event that its hash covers, in the order they are documented.
BODY_FIELDS = ("deliberation", "seq", "actor", "action", "target", "payload", "created_at")


def canonical_json(value: Any) -> bytes:
    """The one byte representation hashed: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_body(
    *,
    deliberation: str,
    seq: int,
    actor: int | None,
    action: str,
    target: str,
    payload: Mapping[str, Any],
    created_at: str,
) -> dict:
    """The hashed part of an event, from plain values (``created_at`` as ISO 8601 text)."""
    return {
        "deliberation": deliberation,
        "seq": seq,
        "actor": actor,
        "action": action,
        "target": target,
        "payload": dict(payload),
        "created_at": created_at,
    }


def link_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """``sha256(prev_hash || canonical_json(body))`` as lower-case hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(dict(body))).hexdigest()


def first_broken_link(events: Sequence[Mapping[str, Any]]) -> int | None:
    """The index of the first event that does not verify, or None when the chain holds.

    Each event is a mapping with the ``BODY_FIELDS`` plus ``prev_hash`` and ``hash``. An
    event breaks the chain when its ``seq`` is not the next number (1, 2, …), its
    ``prev_hash`` is not the previous event's hash (the genesis hash for the first), or its
    ``hash`` differs from the hash recomputed over its body.
    """
    expected_prev = GENESIS_HASH
    for index, event in enumerate(events):
        try:
            body = {name: event[name] for name in BODY_FIELDS}
            prev_hash, stated_hash = event["prev_hash"], event["hash"]
            recomputed = link_hash(str(prev_hash), body)
        except (KeyError, TypeError, ValueError, UnicodeEncodeError):
            return index
        if (
            body["seq"] != index + 1
            or isinstance(body["seq"], bool)
            or prev_hash != expected_prev
            or stated_hash != recomputed
        ):
            return index
        expected_prev = stated_hash
    return None


def verify_chain(events: Sequence[Mapping[str, Any]]) -> bool:
    """Whether every event links correctly to the one before it."""
    return first_broken_link(events) is None


def chain_head(events: Sequence[Mapping[str, Any]]) -> str:
    """The hash of the last event (the genesis hash for an empty chain)."""
    return str(events[-1]["hash"]) if events else GENESIS_HASH
