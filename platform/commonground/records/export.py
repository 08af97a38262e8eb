"""The record as JSON (``record.json``), streamed, with its integrity block.

The body is canonical JSON — ``json.dumps(body, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8 — written part by part in sorted key order, so it can
stream (a deliberation of 100,000 posts never sits in memory) while a SHA-256 of exactly
those bytes is updated as they leave. The file is the body with one more member appended
before its closing brace::

    {<canonical body members>,"integrity":{...}}

``integrity`` is not part of the hashed body. It holds the body's SHA-256, the digest of each
top-level member's canonical value (so a verifier can say *what* differs), and the head and
length of the deliberation's audit hash chain. Nothing in the body depends on the moment of
export, so two exports of a closed deliberation are identical byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .chain import GENESIS_HASH
from .collect import Progress, RecordSource

#: What the integrity block says about how the digest was made.
CANONICAL_FORM = (
    "UTF-8 JSON of the record without its integrity member: keys sorted, separators ',' "
    "and ':', no whitespace, non-ASCII characters unescaped"
)

#: Bytes gathered before a chunk is handed to the writer.
CHUNK_BYTES = 64 * 1024


class Stream:
    """A JSON array whose elements come from an iterable, written without holding it."""

    def __init__(self, items: Iterable[Any]):
        self.items = items


class Lazy:
    """A value computed only when its turn to be written comes (e.g. after a stream)."""

    def __init__(self, compute: Callable[[], Any]):
        self.compute = compute


class Canonical(str):
    """JSON text already in canonical form (a log entry as stored), written as it is."""


def record_members(source: RecordSource, progress: Progress | None = None) -> dict:
    """The top-level members of the record body, each a callable giving its value (called
    only when its turn to be written comes, in sorted key order)."""
    return {
        "announcements": source.announcements,
        "audit": source.audit_events,
        "ballots": lambda: Stream(source.ballots()),
        "deliberation": source.deliberation,
        "format": source.format,
        "groups": source.groups,
        "items": source.items,
        "log": source.log,
        # Stored in canonical form: written as stored, never parsed and dumped again.
        "log_leaves": lambda: Stream(map(Canonical, source.log_leaves())),
        "members": lambda: Stream(source.members()),
        "motions": source.motions,
        "opinions": source.opinions,
        "participation": source.participation,
        "posts": lambda: Stream(source.posts(progress)),
        "receipts": lambda: Stream(source.receipts()),
        "scope": source.scope,
        "summaries": source.summaries,
    }


def canonical_chunks(value: Any) -> Iterator[str]:
    """The canonical JSON text of ``value`` in pieces; :class:`Stream` arrays are written
    element by element. Joined, the pieces equal :func:`~.chain.canonical_json` of the
    value with every stream expanded into a list."""
    if isinstance(value, Lazy):
        value = value.compute()
    if isinstance(value, Canonical):
        yield value
    elif isinstance(value, Stream):
        yield "["
        first = True
        for element in value.items:
            if not first:
                yield ","
            first = False
            yield from canonical_chunks(element)
        yield "]"
    elif isinstance(value, dict) and any(isinstance(v, Stream | Lazy) for v in value.values()):
        yield "{"
        for index, key in enumerate(sorted(value)):
            yield ("," if index else "") + _dumps(key) + ":"
            yield from canonical_chunks(value[key])
        yield "}"
    else:
        yield _dumps(value)


def _dumps(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


class RecordWriter:
    """Writes a record body member by member, hashing the body as a whole and each member
    on its own; :meth:`finish` appends the integrity block."""

    def __init__(self) -> None:
        self.body = hashlib.sha256()
        self.sections: dict[str, str] = {}
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._count = 0

    def _emit(self, data: bytes, section=None) -> Iterator[bytes]:
        self.body.update(data)
        if section is not None:
            section.update(data)
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= CHUNK_BYTES:
            yield from self.flush()

    def flush(self) -> Iterator[bytes]:
        if self._buffer:
            yield b"".join(self._buffer)
            self._buffer.clear()
            self._buffered = 0

    def member(self, key: str, value: Any) -> Iterator[bytes]:
        """Write ``"key":value`` (with the separating comma after the first member)."""
        prefix = ("," if self._count else "{") + _dumps(key) + ":"
        self._count += 1
        yield from self._emit(prefix.encode())
        section = hashlib.sha256()
        for piece in canonical_chunks(value):
            yield from self._emit(piece.encode(), section)
        self.sections[key] = section.hexdigest()

    def finish(self, audit_head: str, audit_events: int) -> Iterator[bytes]:
        """Close the body (hashing its ``}``) and write ``integrity`` in its place."""
        self.body.update(b"}")
        integrity = integrity_block(self.body.hexdigest(), self.sections, audit_head, audit_events)
        tail = ',"integrity":' + _dumps(integrity) + "}"
        self._buffer.append(tail.encode())
        yield from self.flush()
        self.integrity = integrity


def integrity_block(body_sha256: str, sections: dict, audit_head: str, events: int) -> dict:
    """The ``integrity`` member: how to check the record, and what it must match."""
    return {
        "algorithm": "sha256",
        "canonical_form": CANONICAL_FORM,
        "body_sha256": body_sha256,
        "sections": dict(sorted(sections.items())),
        "audit_head": audit_head,
        "audit_events": events,
    }


def stream_record_json(
    source: RecordSource,
    progress: Progress | None = None,
    on_integrity: Callable[[dict], None] | None = None,
) -> Iterator[bytes]:
    """``record.json`` in chunks of about :data:`CHUNK_BYTES`.

    ``progress(n)`` is called as posts are written; ``on_integrity(block)`` once at the end
    with the integrity block (e.g. to print the digest). The audit head is read as the chain
    is written, so it always matches the events in the file.
    """
    writer = RecordWriter()
    members = record_members(source, progress)
    chain = {"head": GENESIS_HASH, "length": 0}

    def watched(events: Iterable[dict]) -> Iterator[dict]:
        for event in events:
            chain["head"], chain["length"] = event["hash"], chain["length"] + 1
            yield event

    for key in sorted(members):
        value = members[key]()
        if key == "audit":
            # The head is the last event written, so it always matches the file's events.
            value = {
                "events": Stream(watched(value)),
                "head": Lazy(lambda: chain["head"]),
                "length": Lazy(lambda: chain["length"]),
            }
        yield from writer.member(key, value)
    yield from writer.finish(chain["head"], chain["length"])
    if on_integrity is not None:
        on_integrity(writer.integrity)


def record_digest(source: RecordSource, progress: Progress | None = None) -> dict:
    """The integrity block of ``source``'s JSON record, computed without keeping the file
    (the printable record cites it)."""
    found: dict = {}
    for _ in stream_record_json(source, progress, on_integrity=found.update):
        pass
    return found
