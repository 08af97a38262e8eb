"""Checking a record against its transparency log, offline (``records verify``).

The record carries the log's leaves (``log_leaves``), its signed head and the key that
signed it (``log``). The check:

1. recomputes every leaf hash from its entry and the tree's root from the leaves (keeping
   only the tree's frontier: memory stays flat in the number of leaves), and requires the
   head's size and root to be those, and its signature to hold — under the key given with
   ``--key``, else under the key the record carries (which only proves the record agrees
   with itself);
2. with a head saved earlier (``--head``): its signature, and that the root of the record's
   first ``size`` leaves is that head's root — the record's log extends it, so no leaf the
   head covered was changed, removed or reordered since;
3. compares the record's content with what the leaves committed to: every version of each
   post's body and each translation hashes to its leaf's ``body_sha256``, each post's
   author is the pseudonym its creation's leaf names; its reaction counts (overall and per
   group) are those of each member's latest stance in the log; every audit event
   is folded in with its hash; each ballot and receipt appears in its motion's leaves (open
   ballots with the same choice and sequence); each whole-deliberation record holds every
   post the log created.

The content of a record re-exported after someone rewrote a post in the database no longer
hashes to its leaf; a rewritten log no longer extends the heads published before.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Any

from .leaves import (
    BALLOT_CAST,
    LEAF_FORMAT,
    POST_CREATE,
    POST_EDIT,
    POST_REDACT,
    POST_TRANSLATE,
    REACTION_CHANGE,
    content_sha256,
    entry_hash,
)
from .merkle import EMPTY_ROOT, append_to_frontier, frontier_root
from .signing import verify_head

#: Posts checked together against the log's state: one query per table per batch.
POST_BATCH = 500
#: Leaves written to the state together.
LEAF_BATCH = 5000

_STATE_SCHEMA = """
CREATE TABLE bodies (post INTEGER, leaf INTEGER, digest TEXT, author TEXT,
                     PRIMARY KEY (post, leaf)) WITHOUT ROWID;
CREATE TABLE translations (post INTEGER, language TEXT, leaf INTEGER, digest TEXT,
                           PRIMARY KEY (post, language)) WITHOUT ROWID;
CREATE TABLE stances (post INTEGER, member TEXT, stance TEXT,
                      PRIMARY KEY (post, member)) WITHOUT ROWID;
CREATE TABLE redactions (post INTEGER PRIMARY KEY, leaf INTEGER, digest TEXT);
CREATE TABLE seen (post INTEGER PRIMARY KEY);
"""


class LogCheck:
    """What the leaves committed to, gathered as they are read, and the checks of the
    record's content against it.

    Memory stays flat in the size of the record: of the tree only the frontier is kept
    (O(log n) hashes); what the leaves say about each post (its bodies' hashes, author,
    translations, every member's latest stance) goes to a private temporary SQLite
    database on disk, and the posts are compared with it in batches of
    :data:`POST_BATCH`. Ballots, audit events and members stay in memory: they grow with
    the number of motions and members, not with the discussion."""

    def __init__(self, saved_head: dict | None = None, key: dict | None = None) -> None:
        self.saved_head = saved_head
        self.key = key
        self.size = 0
        self.frontier: list[bytes] = []
        self.saved_root: bytes | None = None
        self.slugs: set[str] = set()
        #: motion id → {receipt: data} of its ballots.
        self.ballots: dict[int, dict[str, dict]] = defaultdict(dict)
        #: audit seq → (leaf, audit hash).
        self.audit: dict[int, tuple[int, str]] = {}
        #: member pseudonym → stakeholder group key (from the record's ``members``).
        self.groups: dict[str, str | None] = {}
        #: What the posts' checks found, reported once the record is known to carry a log.
        self.post_problems: list[str] = []
        # "": a private temporary database on disk, deleted when closed.
        self.state = sqlite3.connect("")
        self.state.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -4096;"
            + _STATE_SCHEMA
        )
        self._pending: dict[str, list[tuple]] = defaultdict(list)
        self._posts: list[dict] = []

    # --- reading ------------------------------------------------------------------------------

    def leaf(self, index: int, entry: Any, report) -> None:
        """One element of ``log_leaves``."""
        if not isinstance(entry, dict) or entry.get("leaf") != index:
            report.fail(f"log leaf {index} does not name its own place in the log")
        self.frontier, _ = append_to_frontier(self.frontier, self.size, entry_hash(entry))
        self.size += 1
        if self.saved_head is not None and self.size == self.saved_head.get("size"):
            self.saved_root = frontier_root(self.frontier)
        self.slugs.add(entry.get("deliberation"))
        event, data = entry.get("event"), entry.get("data") or {}
        subject = str(entry.get("subject", ""))
        pending = self._pending
        if event in (POST_CREATE, POST_EDIT):
            author = _text(data.get("author")) if event == POST_CREATE else None
            pending["bodies"].append((_id(subject), index, _text(data.get("body_sha256")), author))
        elif event == POST_REDACT:
            pending["redactions"].append((_id(subject), index, _text(data.get("body_sha256"))))
        elif event == POST_TRANSLATE:
            pending["translations"].append(
                (_id(subject), _text(data.get("language")), index, _text(data.get("body_sha256")))
            )
        elif event == REACTION_CHANGE:
            pending["stances"].append(
                (_int(data.get("post")), _text(data.get("member")), _text(data.get("stance")))
            )
        elif event == BALLOT_CAST:
            self.ballots[data.get("motion")][data.get("receipt")] = data
        elif "audit_seq" in data:
            self.audit[data["audit_seq"]] = (index, data.get("audit_hash"))
        if self.size % LEAF_BATCH == 0:
            self._write_leaves()

    def _write_leaves(self) -> None:
        """Store what the leaves read since the last call said (later leaves win)."""
        pending, self._pending = self._pending, defaultdict(list)
        # A leaf that names no post (or no language, no member) cannot vouch for anything:
        # left out, so whatever the record says there is reported as missing from the log.
        for table, marks in (("bodies", 4), ("translations", 4), ("stances", 3), ("redactions", 3)):
            self.state.executemany(
                f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' * marks)})",
                [row for row in pending[table] if row[0] is not None and row[1] is not None],
            )

    def member(self, member: dict) -> None:
        """One element of ``members`` (read before the posts): the member's group."""
        self.groups[member["id"]] = member.get("group")

    def post(self, post: dict) -> None:
        """One element of ``posts``, read after every leaf: its bodies and translations
        against the hashes the log committed to (checked a batch at a time)."""
        if not isinstance(post["id"], int):
            self.post_problems.append(f"a post's id is not a number: {post['id']!r}")
            return
        self._posts.append(post)
        if len(self._posts) >= POST_BATCH:
            self._check_posts()

    def _check_posts(self) -> None:
        """The posts gathered so far against the leaves' state."""
        self._write_leaves()
        posts, self._posts = self._posts, []
        if not posts:
            return
        ids = [post["id"] for post in posts]
        self.state.executemany("INSERT OR IGNORE INTO seen VALUES (?)", [(i,) for i in ids])
        bodies, translations, stances, redactions = (
            self._state_of(table, columns, ids)
            for table, columns in (
                ("bodies", "leaf, digest, author"),
                ("translations", "language, leaf, digest"),
                ("stances", "member, stance"),
                ("redactions", "leaf, digest"),
            )
        )
        for post in posts:
            post_id = post["id"]
            self._check_post(
                post,
                bodies.get(post_id, []),
                {
                    language: (leaf, digest)
                    for language, leaf, digest in translations.get(post_id, [])
                },
                dict(stances.get(post_id, [])),
                next(iter(redactions.get(post_id, [])), None),
            )

    def _state_of(self, table: str, columns: str, ids: list[int]) -> dict[int, list[tuple]]:
        """Post id → rows of ``table`` (ordered by its key) for the posts ``ids``."""
        found: dict[int, list[tuple]] = defaultdict(list)
        marks = ",".join("?" * len(ids))
        for post_id, *row in self.state.execute(
            f"SELECT post, {columns} FROM {table} WHERE post IN ({marks}) ORDER BY 1, 2",
            ids,
        ):
            found[post_id].append(tuple(row))
        return found

    def _check_post(
        self,
        post: dict,
        logged: list,
        translations: dict,
        stances: dict,
        redaction: tuple[int, str] | None,
    ) -> None:
        """One post against its creation and edits (``logged``: (leaf, digest, author) in
        order), its translations' latest leaves, its members' latest stances and the
        removal of its text (``redaction``: (leaf, digest of the notice)), if any."""
        fail = self.post_problems.append
        post_id = post["id"]
        if not logged:
            fail(f"post {post_id} is not in the log")
            return
        leaf, _, author = next((row for row in logged if row[2] is not None), logged[0])
        if author != post.get("author"):
            fail(f"post {post_id}: its author differs from the one leaf {leaf} of the log names")
        if post.get("content_withheld"):
            return
        self._check_reactions(post, stances, fail)
        if redaction is not None or post.get("redacted"):
            self._check_redaction(post, redaction, fail)
            return
        versions = [revision["body"] for revision in post.get("revisions", [])]
        versions.append(post["body"])
        if len(versions) != len(logged):
            fail(f"post {post_id} has {len(versions)} versions, the log recorded {len(logged)}")
        for number, (body, (leaf, digest, _)) in enumerate(zip(versions, logged, strict=False), 1):
            if content_sha256(body) != digest:
                fail(
                    f"post {post_id}: the text of version {number} differs from the one "
                    f"leaf {leaf} of the log committed to"
                )
        for translation in post.get("translations", []):
            found = translations.get(translation["language"])
            if found is None:
                fail(f"post {post_id}: its {translation['language']} translation is not in the log")
            elif content_sha256(translation["body"]) != found[1]:
                fail(
                    f"post {post_id}: its {translation['language']} translation differs from "
                    f"the one leaf {found[0]} of the log committed to"
                )

    def _check_redaction(self, post: dict, redaction: tuple[int, str] | None, fail) -> None:
        """A post whose text was removed at its author's request: the log must say so, and
        the record must hold the notice the log committed to — and nothing of the text."""
        post_id = post["id"]
        if redaction is None:
            fail(f"post {post_id} says its text was removed, but the log holds no redaction")
            return
        leaf, digest = redaction
        if not post.get("redacted"):
            fail(f"post {post_id}: leaf {leaf} of the log removed its text, the record does not")
        elif content_sha256(post.get("body") or "") != digest:
            fail(f"post {post_id}: its notice differs from the one leaf {leaf} committed to")
        elif post.get("revisions") or post.get("translations"):
            fail(f"post {post_id}: its text was removed (leaf {leaf}) but versions remain")

    def _check_reactions(self, post: dict, stances: dict, fail) -> None:
        """The post's reaction counts, overall and per group, against the latest stance of
        each member the log recorded (counted in the member's group as the record lists
        it)."""
        reactions = post.get("reactions")
        if not isinstance(reactions, dict):
            return
        totals: dict[str, int] = defaultdict(int)
        by_group: dict = defaultdict(lambda: defaultdict(int))
        for member, stance in stances.items():
            totals[stance] += 1
            by_group[self.groups.get(member)][stance] += 1
        counted = [(None, reactions, totals)] + [
            (group.get("key"), group, by_group.get(group.get("key"), {}))
            for group in reactions.get("groups", [])
        ]
        for key, recorded, logged in counted:
            for stance in ("agree", "disagree", "pass"):
                if recorded.get(stance) != logged.get(stance, 0):
                    where = f" in group {key}" if key is not None else ""
                    fail(
                        f"post {post['id']}: {recorded.get(stance)} {stance}{where} in the "
                        f"record, {logged.get(stance, 0)} in the log's reactions"
                    )

    def _unseen_posts(self) -> list[int]:
        """Posts the log created that the record does not hold."""
        return [
            post_id
            for (post_id,) in self.state.execute(
                "SELECT DISTINCT post FROM bodies WHERE post IS NOT NULL "
                "AND post NOT IN (SELECT post FROM seen) ORDER BY post"
            )
        ]

    # --- the end ------------------------------------------------------------------------------

    def finish(
        self,
        report,
        *,
        log: Any,
        slug: str | None,
        whole: bool,
        audit_events: list,
        ballots: dict,
        receipts: dict,
    ) -> None:
        """The head, the saved head, and the cross-checks that need the whole record."""
        try:
            self._finish(report, log, slug, whole, audit_events, ballots, receipts)
        finally:
            self.state.close()

    def _finish(self, report, log, slug, whole, audit_events, ballots, receipts) -> None:
        self._check_posts()
        if log is None and not self.size and self.saved_head is None and self.key is None:
            report.note(
                "the record carries no transparency log (exported before logs existed): "
                "only its own digests and audit chain were checked"
            )
            return
        if not isinstance(log, dict) or log.get("format") != LEAF_FORMAT:
            report.fail("the record carries no transparency log in a known format")
            return
        for problem in self.post_problems:
            report.fail(problem)
        root = frontier_root(self.frontier).hex()
        self._check_head(report, log.get("head"), log.get("key"), root, slug)
        self._check_saved_head(report, slug)
        if self.slugs - {slug}:
            report.fail("some log leaves belong to another deliberation's log")
        self._check_audit(report, audit_events)
        self._check_ballots(report, ballots, receipts)
        if whole:
            for post_id in self._unseen_posts():
                report.fail(f"post {post_id} is in the log but missing from the record")

    def _check_head(self, report, head, carried_key, root: str, slug) -> None:
        key = self.key if self.key is not None else carried_key
        if not isinstance(head, dict):
            report.fail("the record's log has no head")
            return
        problem = verify_head(head, key)
        if problem:
            report.fail(f"the record's log head: {problem}")
        if head.get("size") != self.size or head.get("root") != root:
            report.fail(
                f"the record's log head (size {head.get('size')}, root {head.get('root')}) is "
                f"not the tree of its {self.size} leaves (root {root})"
            )
        if head.get("deliberation") != slug:
            report.fail("the record's log head is another deliberation's")
        if self.key is None:
            report.note(
                "the log head was checked with the key the record carries; pass --key "
                "(GET /api/v1/log/key, saved beforehand) to check it against the platform's"
            )
        elif not problem:
            report.note(f"log of {self.size} leaves, root {root}, signed by {head['key_id']}")

    def _check_saved_head(self, report, slug) -> None:
        saved = self.saved_head
        if saved is None:
            return
        key = self.key
        if key is None:
            report.fail("--head needs --key: the saved head is checked with the platform's key")
            return
        problem = verify_head(saved, key)
        if problem:
            report.fail(f"the saved head: {problem}")
        if saved.get("deliberation") != slug:
            report.fail(f"the saved head is of {saved.get('deliberation')!r}, not of {slug!r}")
        size = saved.get("size")
        if not isinstance(size, int) or size > self.size:
            report.fail(
                f"the saved head covers {size} leaves, the record's log only {self.size}: the "
                "log was cut short"
            )
            return
        root = EMPTY_ROOT if size == 0 else self.saved_root
        if root is None or root.hex() != saved.get("root"):
            report.fail(
                f"the record's log does not extend the saved head: its first {size} leaves "
                f"give the root {root.hex() if root else None}, the saved head says "
                f"{saved.get('root')} — history the head covered was rewritten"
            )
        elif not problem:
            report.note(f"the log extends the saved head of {size} leaves")

    def _check_audit(self, report, events: list) -> None:
        for event in events:
            if not isinstance(event, dict):
                continue
            found = self.audit.get(event.get("seq"))
            if found is None:
                report.fail(f"audit event {event.get('seq')} is not in the log")
            elif found[1] != event.get("hash"):
                report.fail(
                    f"audit event {event.get('seq')} differs from the one leaf {found[0]} of "
                    "the log committed to"
                )
        if len(self.audit) != len(events):
            report.fail(
                f"the log folds in {len(self.audit)} audit events, the record holds {len(events)}"
            )

    def _check_ballots(self, report, ballots: dict, receipts: dict) -> None:
        for motion_id, rows in ballots.items():
            logged = self.ballots.get(motion_id, {})
            for ballot in rows:
                data = logged.get(ballot.get("receipt"))
                if data is None:
                    report.fail(f"motion {motion_id}: a ballot's receipt is not in the log")
                elif (data.get("choice"), data.get("sequence")) != (
                    ballot.get("choice"),
                    ballot.get("sequence"),
                ):
                    report.fail(
                        f"motion {motion_id}: ballot {ballot.get('receipt')} differs from the "
                        "one the log recorded"
                    )
        for motion_id, listed in receipts.items():
            missing = [r for r in listed if r not in self.ballots.get(motion_id, {})]
            if missing:
                report.fail(f"motion {motion_id}: {len(missing)} receipts are not in the log")


def _text(value: Any) -> str | None:
    """A value stored as text in the state (what a tampered leaf holds may be anything)."""
    return value if value is None or isinstance(value, str) else repr(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _id(subject: str) -> int | None:
    """The id of a ``"kind:id"`` subject."""
    try:
        return int(subject.split(":", 1)[1])
    except (IndexError, ValueError):
        return None
