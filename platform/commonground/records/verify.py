"""Checking an exported record: ``flask --app app records verify FILE``.

Needs nothing but the file (no database, no application): anyone holding a record can run
the same checks with ``hashlib`` and ``json``.

``record.json``:

1. the file is canonical JSON byte for byte — the body is written with sorted keys and no
   whitespace, so any changed, added or removed character shows;
2. the SHA-256 of the body (the file without its ``integrity`` member) and of each of its
   members equal the digests ``integrity`` records — a mismatch names the member;
3. the audit hash chain recomputes from its events (``chain.first_broken_link``), and its
   head and length equal those the body and ``integrity`` state;
4. the transparency log: its leaves, root and signed head, a head saved earlier, and the
   record's content against what the leaves committed to (``verify_log.py``);
5. cross-checks against the chain: each closed motion's frozen result has the SHA-256 and
   receipts digest its ``motion.close`` event recorded; each published summary has the
   digest of its ``summary.publish`` event; each hidden post the reason of its ``post.hide``
   event; the receipts listed give each result's ``receipts_digest``; and the result of each
   open-ballot motion follows from its ballots under its rule.

``record.zip`` (Data Package): every file's size and SHA-256 equal the descriptor's, the
descriptor's own digest holds, the chain recomputes from ``audit_events.csv``, and the same
cross-checks run on the CSV tables; the transparency log (step 4) is checked from
``log_leaves.csv`` and the head and key of the descriptor's ``log`` member, the posts put
back together from their tables (written in the same order, so read side by side).

A record's integrity block only proves the record is unchanged *since the digest was
taken*: someone who alters a record can recompute its digests. Compare ``body_sha256`` (or
the audit head) with the one published by the platform or cited with the record, e.g. with
``--digest``.

Reading is flat in memory: the JSON file is read once, front to back, value by value (the
arrays element by element) through a window of about a megabyte, hashed as it is read; what
the log's leaves say about each post is kept on disk (``verify_log.py``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..voting.receipts import receipts_digest
from ..voting.rules import GroupInfo, Rule, tally
from .chain import GENESIS_HASH, canonical_json, first_broken_link
from .datapackage import DESCRIPTOR, descriptor_bytes, descriptor_digest, zip_time
from .export import integrity_block
from .verify_log import LogCheck

INTEGRITY_KEY = b'"integrity"'


class NotCanonical(ValueError):
    """The file is not the canonical JSON the exporter writes."""


@dataclass
class Report:
    """What a verification found: ``problems`` (the record fails), ``notes`` (checked, or
    could not be checked), and the digests it recomputed."""

    path: str
    kind: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    body_sha256: str | None = None
    audit_head: str | None = None
    audit_events: int | None = None
    #: The file is not written as the exporter writes it (it may only be re-formatted).
    reformatted: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def note(self, message: str) -> None:
        self.notes.append(message)


def verify_file(
    path: str | Path,
    *,
    digest: str | None = None,
    audit_head: str | None = None,
    head: dict | None = None,
    key: dict | None = None,
) -> Report:
    """Verify a ``record.json`` or ``record.zip`` (told apart by content, not name).

    ``digest`` / ``audit_head``: values published elsewhere that the record must match;
    ``head`` / ``key``: a signed log head saved earlier and the platform's public key
    (``verify_log.py``).
    """
    path = Path(path)
    report = Report(str(path))
    if not path.is_file():
        report.fail(f"{path} is not a file")
        return report
    report.kind = "record.zip" if zipfile.is_zipfile(path) else "record.json"
    try:
        if report.kind == "record.zip":
            verify_datapackage(path, report, LogCheck(head, key))
        else:
            verify_json(path, report, LogCheck(head, key))
            if not report.ok and report.reformatted:
                _tell_reformatting_apart(path, report, head, key)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, zlib.error) as error:
        # Content a tamperer made up can break any expectation; none may crash the check.
        report.fail(f"the record does not have the expected structure ({error!r})")
    recorded = report.body_sha256
    if digest is not None and recorded != digest.lower():
        report.fail(f"the record's digest is {recorded}, not the expected {digest.lower()}")
    if audit_head is not None and report.audit_head != audit_head.lower():
        report.fail(
            f"the audit chain's head is {report.audit_head}, not the expected {audit_head.lower()}"
        )
    return report


# --- record.json ------------------------------------------------------------------------------


def _strict_loads(data) -> Any:
    """``json.loads`` that refuses duplicate keys and non-finite numbers."""
    return json.loads(data, object_pairs_hook=_unique_pairs, parse_constant=_no_constant)


class _Cursor:
    """Reads canonical JSON from a (mapped) byte buffer one value at a time, with the C
    parser, through a decoded window of about :data:`WINDOW` bytes: memory stays flat and
    no Python loop runs per token."""

    WINDOW = 1 << 20

    def __init__(self, source):
        if hasattr(source, "read"):  # a binary file: read window by window
            self.size = source.seek(0, 2)
            self._read = lambda start, end: (source.seek(start), source.read(end - start))[1]
        else:
            self.size = len(source)
            self._read = lambda start, end: bytes(source[start:end])
        #: Hashes fed every byte the cursor consumes (the body's, a member's).
        self.sinks: list = []
        self.byte = 0  # offset in the file of text[idx]
        self.text = ""
        self.idx = 0
        self.window = self.WINDOW
        self.decoder = json.JSONDecoder(
            object_pairs_hook=_unique_pairs, parse_constant=_no_constant
        )

    def _fill(self) -> None:
        end = min(self.size, self.byte + self.window)
        raw = self._read(self.byte, end)
        for trim in range(4):  # the window may end inside a multi-byte character
            try:
                self.text = raw[: len(raw) - trim].decode("utf-8")
                break
            except UnicodeDecodeError:
                if end == self.size and trim == 0:
                    raise NotCanonical(f"invalid UTF-8 after offset {self.byte}") from None
        else:
            raise NotCanonical(f"invalid UTF-8 after offset {self.byte}")
        self.idx = 0

    @property
    def exhausted(self) -> bool:
        return self.byte >= self.size

    def _text_end_byte(self) -> int:
        return self.byte + len(self.text[self.idx :].encode("utf-8"))

    def peek(self) -> str:
        if self.idx >= len(self.text):
            if self.exhausted:
                return ""
            self._fill()
        return self.text[self.idx]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise NotCanonical(f"expected {char!r} at offset {self.byte}")
        self.idx += 1
        self.byte += 1
        for sink in self.sinks:
            sink.update(char.encode())

    def value(self) -> tuple[Any, int, int, bytes]:
        """The next JSON value, with its start and end offsets in the file and its bytes."""
        if len(self.text) - self.idx < self.WINDOW // 16 and not self._window_reaches_end():
            self._fill()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.idx)
                break
            except json.JSONDecodeError as error:
                if self._window_reaches_end():
                    raise NotCanonical(f"invalid JSON near offset {self.byte}") from error
                self.window *= 2  # a value longer than the window: read a larger one
                self._fill()
            except ValueError as error:  # a duplicate key or a non-finite number
                raise NotCanonical(f"invalid JSON near offset {self.byte}: {error}") from None
        start = self.byte
        raw = self.text[self.idx : end].encode("utf-8")
        self.byte += len(raw)
        self.idx = end
        self.window = self.WINDOW
        for sink in self.sinks:
            sink.update(raw)
        return value, start, self.byte, raw

    def _window_reaches_end(self) -> bool:
        return self._text_end_byte() >= self.size


def _unique_pairs(items):
    result = {}
    for key, value in items:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def read_members(
    source, on_element=None, on_problem=None, digests: dict | None = None
) -> list[tuple[str, int, int, Any]]:
    """The top-level members of the canonical JSON object in ``source`` (bytes, or a binary
    file read window by window) as (key, value start, value end, value) — ``None`` for
    arrays, whose elements go to ``on_element(key, index, element)`` one by one instead.

    Every value is checked to be written exactly as the exporter writes it; a value that is
    valid JSON but not canonical goes to ``on_problem(message)`` and reading goes on.
    Anything else the exporter never writes raises :class:`NotCanonical` with its offset.

    ``digests``, when given, receives the SHA-256 of each member's value (``sections``) and
    the running SHA-256 of the file up to the end of each member (``through``), computed
    from the bytes as they are read: the file is read once.
    """
    cursor = _Cursor(source)
    body = hashlib.sha256()
    cursor.sinks.append(body)
    sections: dict[str, str] = {}
    through: dict[str | None, Any] = {}

    def canonical(value, raw, where):
        if canonical_json(value) != raw and on_problem is not None:
            on_problem(f"{where} is not in canonical form (altered or reformatted)")

    members = []
    cursor.expect("{")
    through[None] = body.copy()
    while True:
        key, start, _, raw = cursor.value()
        if not isinstance(key, str):
            raise NotCanonical(f"expected a member name at offset {start}")
        if any(key == member[0] for member in members):
            raise NotCanonical(f"member {key!r} appears twice")
        canonical(key, raw, f"the name of member {len(members) + 1}")
        cursor.expect(":")
        if cursor.peek() == "[":
            value_start = cursor.byte
            section = hashlib.sha256()
            cursor.sinks.append(section)
            cursor.expect("[")
            index = 0
            if cursor.peek() != "]":
                while True:
                    element, _, _, raw = cursor.value()
                    canonical(element, raw, f"{key}[{index}]")
                    if on_element is not None:
                        on_element(key, index, element)
                    index += 1
                    if cursor.peek() != ",":
                        break
                    cursor.expect(",")
            cursor.expect("]")
            cursor.sinks.remove(section)
            members.append((key, value_start, cursor.byte, None))
        else:
            value, v_start, v_end, raw = cursor.value()
            canonical(value, raw, key)
            section = hashlib.sha256(raw)
            members.append((key, v_start, v_end, value))
        sections[key] = section.hexdigest()
        through[key] = body.copy()
        if cursor.peek() != ",":
            break
        cursor.expect(",")
    cursor.expect("}")
    if not cursor.exhausted:
        raise NotCanonical(f"unexpected bytes after the record at offset {cursor.byte}")
    if digests is not None:
        digests.update(sections=sections, through=through)
    return members


def verify_json(path: Path, report: Report, log_check: LogCheck | None = None) -> None:
    """Check a ``record.json`` (see the module docstring), against its log too. The file is
    read once, front to back, through a window of about a megabyte."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            report.fail("the file is empty")
            return
        _verify_json_file(handle, report, log_check or LogCheck())


def _verify_json_file(handle, report: Report, log_check: LogCheck) -> None:
    content = _RecordContent()

    def on_element(key, index, element):
        try:
            content.element(key, element)
            if key == "log_leaves":
                log_check.leaf(index, element, report)
            elif key == "posts":
                log_check.post(element)
            elif key == "members":
                log_check.member(element)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            report.fail(f"{key}[{index}] does not have the record's structure ({error!r})")

    def not_canonical(message):
        report.fail(message)
        report.reformatted = True

    try:
        digests: dict = {}
        members = read_members(handle, on_element, not_canonical, digests)
    except NotCanonical as error:
        report.fail(f"the file is not the record as exported: {error}")
        report.reformatted = True
        return
    keys = [key for key, _, _, _ in members]
    if keys[-1] != "integrity":
        report.fail("the record has no integrity member at its end")
        return
    if keys[:-1] != sorted(keys[:-1]):
        report.fail("the record's members are not in canonical (sorted) order")
        report.reformatted = True
    integrity = members[-1][3]
    if not isinstance(integrity, dict):
        report.fail("integrity is not an object")
        return
    for key, _, _, value in members[:-1]:
        if value is not None:
            content.member(key, value)

    # Steps 2 (digests), 3 (the chain), 4 (the log) and 5 (cross-checks) of the docstring.
    _check_json_digests(digests, members, integrity, report)
    events = content.audit.get("events") if isinstance(content.audit, dict) else None
    if not isinstance(events, list):
        report.fail("the record holds no audit chain")
        return
    _check_chain(events, report, integrity, content.audit)
    content.cross_check(report)
    values = {key: value for key, _, _, value in members}
    deliberation, scope = values.get("deliberation") or {}, values.get("scope") or {}
    log_check.finish(
        report,
        log=values.get("log"),
        slug=deliberation.get("slug"),
        whole=scope.get("item") is None,
        audit_events=events,
        ballots=content.ballots,
        receipts=content.receipts,
    )


def _tell_reformatting_apart(path: Path, report: Report, head, key) -> None:
    """A file that is not canonical JSON: re-serialise it canonically and check that. If the
    content then verifies, the file was only re-saved with other formatting — say so, and
    still fail (it is not the file as exported, and its digest is not the one cited)."""
    try:
        record = _strict_loads(path.read_bytes())
        integrity = record.pop("integrity")
        canonical = canonical_json(record)[:-1] + b',"integrity":' + canonical_json(integrity)
    except (ValueError, KeyError, AttributeError, TypeError, UnicodeDecodeError):
        return  # not even JSON of the record's shape: the problems found stand
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "record.json"
        copy.write_bytes(canonical + b"}")
        again = Report(str(copy))
        verify_json(copy, again, LogCheck(head, key))
    if again.ok:
        report.problems = [
            "the file was re-saved with other JSON formatting: re-serialised canonically "
            f"(sorted keys, no whitespace) its content verifies intact, SHA-256 "
            f"{again.body_sha256}, but it is not the record as exported"
        ]
        report.body_sha256 = again.body_sha256
    else:
        report.note(
            "re-serialised canonically the record still fails: its content was altered, "
            "not only its formatting"
        )


def _check_json_digests(
    digests: dict, members: list[tuple[str, int, int, Any]], integrity: dict, report: Report
) -> None:
    """Compare the body's and each member's SHA-256 with those ``integrity`` records, and the
    rest of the block with what the exporter writes; sets ``report.body_sha256``."""
    # The body is the file up to the comma before "integrity", plus "}".
    body = digests["through"][members[-2][0] if len(members) > 1 else None].copy()
    body.update(b"}")
    report.body_sha256 = body.hexdigest()
    if integrity.get("algorithm") != "sha256":
        report.fail(f"unknown digest algorithm {integrity.get('algorithm')!r}")
    if integrity.get("body_sha256") != report.body_sha256:
        report.fail(
            "the body's SHA-256 differs from integrity.body_sha256: recorded "
            f"{integrity.get('body_sha256')}, computed {report.body_sha256}"
        )
    recorded_sections = integrity.get("sections")
    if not isinstance(recorded_sections, dict):
        report.fail("integrity.sections is missing")
        recorded_sections = {}
    body_keys = [key for key, _, _, _ in members[:-1]]
    sections = {}
    for key, _, _, _ in members[:-1]:
        sections[key] = digests["sections"][key]
        if recorded_sections.get(key) != sections[key]:
            report.fail(f"member {key!r} differs from its recorded digest")
    for key in sorted(set(recorded_sections) - set(body_keys)):
        report.fail(f"member {key!r} is recorded in integrity but missing from the body")
    # Everything else in the block must be exactly what the exporter writes.
    expected = integrity_block(
        report.body_sha256, sections, integrity.get("audit_head"), integrity.get("audit_events")
    )
    for key in sorted(set(expected) | set(integrity)):
        if key not in ("body_sha256", "sections") and integrity.get(key) != expected.get(key):
            report.fail(f"integrity.{key} is not what the exporter writes")


class _RecordContent:
    """The parts of a record the cross-checks use, gathered as the file is read."""

    def __init__(self) -> None:
        self.audit: Any = {}
        self.motions: list[dict] = []
        self.summaries: list[dict] = []
        self.ballots: dict[int, list[dict]] = defaultdict(list)
        self.receipts: dict[int, list[str]] = defaultdict(list)
        self.hidden: dict[int, str | None] = {}
        self.counts: dict[str, int] = defaultdict(int)

    def member(self, key: str, value: Any) -> None:
        if key == "audit":
            self.audit = value

    def element(self, key: str, value: Any) -> None:
        self.counts[key] += 1
        if key == "motions":
            self.motions.append(value)
        elif key == "summaries":
            self.summaries.append(value)
        elif key == "ballots":
            self.ballots[value["motion"]].append(value)
        elif key == "receipts":
            self.receipts[value["motion"]].append(value["receipt"])
        elif key == "posts" and value.get("hidden"):
            self.hidden[value["id"]] = value.get("hidden_reason")

    def cross_check(self, report: Report) -> None:
        events = self.audit["events"]
        cross_check(
            report,
            events,
            motions=[
                (m["id"], m["status"], m.get("result"), m.get("secret"), m) for m in self.motions
            ],
            summaries=self.summaries,
            hidden=self.hidden,
            receipts=self.receipts,
            ballots=self.ballots,
        )
        report.note(
            "checked " + ", ".join(f"{self.counts[key]} {key}" for key in sorted(self.counts))
        )


def _check_chain(events: list, report: Report, integrity: dict, audit: dict | None) -> None:
    broken = first_broken_link(events)
    last = events[-1] if events else None
    head = str(last.get("hash")) if isinstance(last, dict) else GENESIS_HASH
    report.audit_head, report.audit_events = head, len(events)
    if broken is not None:
        seq = events[broken].get("seq") if isinstance(events[broken], dict) else None
        report.fail(f"the audit chain is broken at event {broken + 1} (seq {seq})")
    if integrity.get("audit_head") != head:
        report.fail(
            f"the audit head differs: integrity records {integrity.get('audit_head')}, the "
            f"chain ends with {head}"
        )
    if integrity.get("audit_events") != len(events):
        report.fail(
            f"integrity records {integrity.get('audit_events')} audit events, the record "
            f"holds {len(events)}"
        )
    if audit is not None:
        if audit.get("head") != head:
            report.fail("audit.head is not the hash of the last audit event")
        if audit.get("length") != len(events):
            report.fail("audit.length is not the number of audit events")
    if broken is None:
        report.note(f"audit chain of {len(events)} events intact, head {head}")


def cross_check(report: Report, events, *, motions, summaries, hidden, receipts, ballots):
    """Compare the record's results, summaries and hidden posts with what the audit chain
    recorded when they happened, and each result with its receipts and ballots."""
    by_target: dict[tuple[str, str], dict] = {}
    for event in events:
        if isinstance(event, dict):
            by_target[(event.get("action"), event.get("target"))] = event.get("payload") or {}
    unconfirmed = 0
    for motion_id, status, result, secret, motion in motions:
        if status != "closed" or not isinstance(result, dict):
            continue
        payload = by_target.get(("motion.close", f"motion:{motion_id}"))
        if payload is None:
            unconfirmed += 1
        elif payload.get("result_sha256") not in (None, _sha256(result)):
            report.fail(
                f"motion {motion_id}: the frozen result differs from the one its "
                "motion.close audit event recorded"
            )
        if (
            "receipts_digest" in result
            and receipts_digest(receipts.get(motion_id, [])) != result["receipts_digest"]
        ):
            report.fail(
                f"motion {motion_id}: the receipts listed do not give the result's receipts_digest"
            )
        if not secret:
            problem = _recount(motion, result, ballots.get(motion_id, []))
            if problem:
                report.fail(f"motion {motion_id}: {problem}")
    for summary in summaries:
        if summary.get("status") != "published":
            continue
        payload = by_target.get(("summary.publish", f"summary:{summary['id']}"))
        if payload is None:
            unconfirmed += 1
        elif payload.get("digest") not in (None, summary_digest(summary)):
            report.fail(
                f"summary {summary['id']}: the text differs from the one its "
                "summary.publish audit event recorded"
            )
    for post_id, reason in hidden.items():
        payload = by_target.get(("post.hide", f"post:{post_id}"))
        if payload is None:
            unconfirmed += 1
        elif payload.get("reason") != reason:
            report.fail(f"post {post_id}: the reason for hiding differs from the audit chain's")
    if unconfirmed:
        report.note(
            f"{unconfirmed} results, summaries or hidden posts have no audit event to "
            "compare with (made outside the services?)"
        )


def summary_digest(summary: dict) -> str:
    """The digest ``summary.publish`` records: SHA-256 of the canonical JSON of language and
    sections (as ``consensus.services.content_digest`` computes it)."""
    body = {
        "language": summary["language"],
        "agreements": summary["agreements"],
        "divergences": summary["divergences"],
        "recommendations": summary["recommendations"],
    }
    return _sha256(body)


def _sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _recount(motion: dict, result: dict, ballots: list[dict]) -> str | None:
    """Recompute an open-ballot motion's tally from its ballots; a description of the first
    difference from the frozen result, or None."""
    try:
        groups = [GroupInfo(g["key"], g["share"], g["eligible_weight"]) for g in result["groups"]]
        recount = tally(
            result["scheme"],
            Rule.from_json(motion["rule"]),
            groups,
            [(b["group"], b["weight"], b["choice"]) for b in ballots],
        ).to_json()
    except (KeyError, TypeError, ValueError) as error:
        return f"its result cannot be recomputed from its ballots ({error})"
    for key in ("outcome", "support", "yes", "no", "abstain", "block", "participation"):
        if recount.get(key) != result.get(key):
            return f"its {key} does not follow from its ballots"
    return None


# --- record.zip -------------------------------------------------------------------------------


def verify_datapackage(path: Path, report: Report, log_check: LogCheck | None = None) -> None:
    """Check a ``record.zip`` (see the module docstring), against its log too."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        report.fail(f"not a readable zip file ({error})")
        return
    with archive:
        descriptor = _read_descriptor(archive, report)
        if descriptor is None:
            return
        package, raw = descriptor
        integrity = _check_descriptor(package, raw, report)
        _check_resources(archive, package, report)
        if report.problems:
            return
        checked = _check_tables(archive, report, integrity)
        _check_archive_layout(archive, package, report)
        if checked is not None:
            _check_package_log(archive, package, report, log_check or LogCheck(), *checked)


def _read_descriptor(archive: zipfile.ZipFile, report: Report) -> tuple[dict, bytes] | None:
    """The archive's descriptor, parsed and as written; None (the problem reported) when the
    zip has none, or one that cannot be read or describes no resources."""
    names = archive.namelist()
    if len(names) != len(set(names)):
        report.fail("the zip holds two files of the same name")
    if DESCRIPTOR not in names:
        report.fail(f"the zip holds no {DESCRIPTOR}")
        return None
    try:
        raw = archive.read(DESCRIPTOR)
        package = _strict_loads(raw)
    except (ValueError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        report.fail(f"{DESCRIPTOR} cannot be read ({error})")
        return None
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        report.fail(f"{DESCRIPTOR} is not a data package descriptor")
        return None
    return package, raw


def _check_descriptor(package: dict, raw: bytes, report: Report) -> dict:
    """Check that the descriptor is written as exported and that its own digest holds; sets
    ``report.body_sha256`` and returns the descriptor's integrity member."""
    if descriptor_bytes(package) != raw:
        report.fail(f"{DESCRIPTOR} is not written as exported (altered or reformatted)")
    integrity = package.get("integrity") or {}
    if sorted(integrity) != ["algorithm", "audit_events", "audit_head", "descriptor_sha256"]:
        report.fail(f"{DESCRIPTOR}'s integrity member is not what the exporter writes")
    if integrity.get("algorithm") != "sha256":
        report.fail(f"unknown digest algorithm {integrity.get('algorithm')!r}")
    report.body_sha256 = descriptor_digest(package)
    if integrity.get("descriptor_sha256") != report.body_sha256:
        report.fail(
            f"{DESCRIPTOR} differs from its recorded digest: recorded "
            f"{integrity.get('descriptor_sha256')}, computed {report.body_sha256}"
        )
    return integrity


def _check_resources(archive: zipfile.ZipFile, package: dict, report: Report) -> None:
    """Check that the zip holds exactly the files the descriptor lists, each with the size
    and SHA-256 it records."""
    names = archive.namelist()
    resources = {}
    for resource in package["resources"]:
        if not isinstance(resource, dict) or "path" not in resource:
            report.fail(f"{DESCRIPTOR} lists a resource without a path")
            continue
        resources[resource["path"]] = resource
    extra = sorted(set(names) - set(resources) - {DESCRIPTOR})
    if extra:
        report.fail(f"files not described by {DESCRIPTOR}: {', '.join(extra)}")
    for name, resource in sorted(resources.items()):
        if name not in names:
            report.fail(f"{name} is missing from the zip")
            continue
        digest, size = hashlib.sha256(), 0
        try:
            with archive.open(name) as entry:
                while chunk := entry.read(1024 * 1024):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            report.fail(f"{name} cannot be read ({error})")
            continue
        if resource.get("hash") != "sha256:" + digest.hexdigest():
            report.fail(f"{name} differs from its recorded SHA-256")
        if resource.get("bytes") != size:
            report.fail(f"{name} has {size} bytes, {DESCRIPTOR} records {resource.get('bytes')}")


def _check_archive_layout(archive: zipfile.ZipFile, package: dict, report: Report) -> None:
    """The archive's own metadata as the exporter writes it: entry order, one fixed time
    (the last audit event), permissions, compression, no comment."""
    deliberation = next(_rows(archive, "deliberation.csv"))
    stamp = zip_time(deliberation["last_event_at"] or None, deliberation["created_at"])
    expected = [DESCRIPTOR] + [resource["path"] for resource in package["resources"]]
    if archive.namelist() != expected:
        report.fail("the zip's files are not in the order the exporter writes them")
    for info in archive.infolist():
        if (
            info.date_time != stamp
            or info.compress_type != zipfile.ZIP_DEFLATED
            or info.external_attr != 0o100644 << 16
            or info.comment
        ):
            report.fail(f"{info.filename}: zip metadata changed")
    if archive.comment:
        report.fail("the zip carries a comment the exporter never writes")


def _rows(archive: zipfile.ZipFile, name: str):
    with archive.open(name) as entry:
        yield from csv.DictReader(io.TextIOWrapper(entry, encoding="utf-8", newline=""))


def _int(text: str) -> int | None:
    return int(text) if text != "" else None


def _check_tables(archive: zipfile.ZipFile, report: Report, integrity: dict) -> None:
    try:
        events = [
            {
                "deliberation": row["deliberation"],
                "seq": int(row["seq"]),
                "actor": _int(row["actor"]),
                "action": row["action"],
                "target": row["target"],
                "payload": _strict_loads(row["payload"]),
                "created_at": row["created_at"],
                "prev_hash": row["prev_hash"],
                "hash": row["hash"],
            }
            for row in _rows(archive, "audit_events.csv")
        ]
        deliberation = next(_rows(archive, "deliberation.csv"))
        motions, results = [], {}
        for row in _rows(archive, "motions.csv"):
            result = _strict_loads(row["result"]) if row["result"] else None
            motion = {"id": int(row["id"]), "rule": _strict_loads(row["rule"])}
            final = row["final"] == "true"
            motions.append(
                (
                    motion["id"],
                    row["status"],
                    result if final else None,
                    row["secret"] == "true",
                    motion,
                )
            )
            results[motion["id"]] = result
        summaries = [{**row, "id": int(row["id"])} for row in _rows(archive, "summaries.csv")]
        hidden = {
            int(row["id"]): row["hidden_reason"]
            for row in _rows(archive, "posts.csv")
            if row["hidden"] == "true"
        }
        receipts: dict[int, list[str]] = defaultdict(list)
        for row in _rows(archive, "receipts.csv"):
            receipts[int(row["motion"])].append(row["receipt"])
        ballots: dict[int, list[dict]] = defaultdict(list)
        for row in _rows(archive, "ballots.csv"):
            ballots[int(row["motion"])].append(
                {
                    "group": row["group"],
                    "weight": int(row["weight"]),
                    "choice": row["choice"],
                    "receipt": row["receipt"],
                    "sequence": _int(row["sequence"]),
                }
            )
    except (KeyError, ValueError, StopIteration) as error:
        report.fail(f"the tables do not have the record's structure ({error})")
        return None
    _check_chain(events, report, integrity, None)
    if deliberation.get("audit_head") != report.audit_head:
        report.fail("deliberation.csv's audit_head is not the hash of the last audit event")
    cross_check(
        report,
        events,
        motions=motions,
        summaries=summaries,
        hidden=hidden,
        receipts=receipts,
        ballots=ballots,
    )
    return deliberation, events, ballots, receipts


def _check_package_log(
    archive: zipfile.ZipFile,
    package: dict,
    report: Report,
    log_check: LogCheck,
    deliberation: dict,
    events: list,
    ballots: dict,
    receipts: dict,
) -> None:
    """The transparency log of a ``record.zip``: ``log_leaves.csv`` against the head and key
    of the descriptor's ``log`` member (or those given), and the tables' posts, members,
    ballots and audit events against what the leaves committed to — the checks
    ``records verify`` runs on ``record.json`` (``verify_log.py``)."""
    names = set(archive.namelist())
    try:
        if "log_leaves.csv" in names:
            for row in _rows(archive, "log_leaves.csv"):
                index, text = int(row["leaf"]), row["entry"]
                entry = _strict_loads(text)
                if canonical_json(entry) != text.encode("utf-8"):
                    report.fail(f"log leaf {index} is not written as the log hashes it")
                log_check.leaf(index, entry, report)
        for row in _rows(archive, "members.csv"):
            log_check.member({"id": row["id"], "group": row["group"] or None})
        for post in _package_posts(archive):
            log_check.post(post)
    except (KeyError, ValueError, TypeError) as error:
        report.fail(f"the log's tables do not have the record's structure ({error!r})")
        return
    log_check.finish(
        report,
        log=package.get("log"),
        slug=deliberation.get("slug"),
        whole=deliberation.get("scope_item") == "",
        audit_events=events,
        ballots=ballots,
        receipts=receipts,
    )


def _package_posts(archive: zipfile.ZipFile) -> Iterator[dict]:
    """Each post of ``posts.csv`` as ``record.json`` holds it — with its translations,
    revisions and reaction counts (overall and by group) from their own tables, which the
    exporter writes in the posts' order: one pass over each, side by side."""
    children = {
        name: _Grouped(_rows(archive, f"{name}.csv"))
        for name in ("post_translations", "post_revisions", "reactions", "reactions_by_group")
    }
    for row in _rows(archive, "posts.csv"):
        post_id = row["id"]
        reactions = children["reactions"].take(post_id)
        counts = {}
        if reactions:
            counts = {stance: int(reactions[0][stance]) for stance in ("agree", "disagree", "pass")}
            counts["groups"] = [
                {"key": g["group"], **{s: int(g[s]) for s in ("agree", "disagree", "pass")}}
                for g in children["reactions_by_group"].take(post_id)
            ]
        yield {
            "id": int(post_id),
            "author": row["author"],
            "content_withheld": row["content_withheld"] == "true",
            "redacted": row.get("redacted") == "true",
            "body": row["body"],
            "revisions": children["post_revisions"].take(post_id),
            "translations": children["post_translations"].take(post_id),
            "reactions": counts or None,
        }


class _Grouped:
    """The rows of a table that belong to one post after another (by their ``post``
    column), read once, in order."""

    def __init__(self, rows: Iterator[dict]) -> None:
        self.rows = rows
        self.next = next(rows, None)

    def take(self, post_id: str) -> list[dict]:
        taken = []
        while self.next is not None and self.next["post"] == post_id:
            taken.append(self.next)
            self.next = next(self.rows, None)
        return taken
