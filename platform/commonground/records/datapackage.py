"""The record as a Frictionless Data Package (``record.zip``).

``datapackage.json`` (Data Package v1, profile ``tabular-data-package``) describes one UTF-8
CSV per table, each with a Table Schema: field types, primary key and foreign keys. The CSVs
load in pandas (``read_csv``) and R as they are: a header row, RFC 4180 quoting, empty cells
for missing values, ``true``/``false`` for booleans, JSON text for nested values (rules,
frozen results, audit payloads).

Integrity: every resource carries ``bytes`` and ``hash`` (``sha256:<hex>``, as Data Package
v1 allows), which ``frictionless validate`` checks; the descriptor carries an ``integrity``
member with the SHA-256 of its own canonical JSON without that member, and the head and
length of the audit chain, which ``audit_events.csv`` lets anyone recompute. The descriptor's
``log`` member holds the transparency log's signed head and the public key that signed it;
``log_leaves.csv`` holds the leaves up to that head. ``records verify`` checks all of it.

Deterministic: tables are written in a fixed order, the zip entries carry the time of the
deliberation's last audit event, fixed permissions and one compression level, so exports of
a closed deliberation are identical byte for byte. Tables are written to temporary files in
one pass over the database (memory stays flat), then stored in the zip.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import IO, TYPE_CHECKING, Any

from .chain import GENESIS_HASH, canonical_json

if TYPE_CHECKING:  # the verifier imports this module without the application's models
    from .collect import Progress, RecordSource

DESCRIPTOR = "datapackage.json"
#: The oldest time a zip entry can carry.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
RATIONAL = {"pattern": r"^-?\d+(/\d+)?$"}
SHA256 = {"pattern": "^[0-9a-f]{64}$"}


@dataclass
class Table:
    """One resource: a CSV file and its Table Schema."""

    name: str
    title: str
    description: str
    fields: list[dict]
    primary_key: list[str]
    foreign_keys: list[dict] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def schema(self) -> dict:
        schema = {"fields": self.fields, "primaryKey": self.primary_key, "missingValues": [""]}
        if self.foreign_keys:
            schema["foreignKeys"] = self.foreign_keys
        return schema


def f(name: str, type_: str, description: str, **constraints) -> dict:
    """A Table Schema field."""
    spec = {"name": name, "type": type_, "description": description}
    if constraints:
        spec["constraints"] = constraints
    return spec


def fk(fields_: str | list[str], resource: str, target: str | list[str]) -> dict:
    """A foreign key to ``resource``'s ``target`` field(s)."""
    as_list = [fields_] if isinstance(fields_, str) else fields_
    targets = [target] if isinstance(target, str) else target
    return {"fields": as_list, "reference": {"resource": resource, "fields": targets}}


def _id(name: str, description: str) -> dict:
    return f(name, "integer", description, required=True, minimum=1)


def _member(name: str, description: str, *, required: bool = False) -> dict:
    """A member's keyed pseudonym (``m-`` and 16 hex digits), never their database id."""
    constraints = {"required": True} if required else {}
    return f(name, "string", description, **constraints, pattern="^m-[0-9a-f]{16}$")


TABLES: list[Table] = [
    Table(
        "deliberation",
        "Deliberation",
        "The deliberation (one row) and what this record covers.",
        [
            f("slug", "string", "Unique name of the deliberation", required=True),
            f("title", "string", "Title"),
            f("description", "string", "Description (Markdown)"),
            f("source_language", "string", "Language the deliberation is held in"),
            f("languages", "array", "Content languages offered (JSON array)"),
            f("status", "string", "draft, open or closed", enum=["draft", "open", "closed"]),
            f("scheme", "string", "Voting scheme", enum=["members", "groups"]),
            f("observers_may_post", "boolean", "Whether observers may post"),
            f("is_public", "boolean", "Whether the published record is public"),
            f("created_at", "datetime", "Creation time (UTC)"),
            f("scope_item", "integer", "The agenda item this record covers; empty: all"),
            f("audience", "string", "readers or moderators", enum=["readers", "moderators"]),
            f("last_event_at", "datetime", "Time of the last audit event"),
            f("audit_head", "string", "Hash of the last audit event", **SHA256),
            f("audit_events", "integer", "Number of audit events"),
        ],
        ["slug"],
    ),
    Table(
        "groups",
        "Stakeholder groups",
        "Stakeholder groups with their shares in the groups voting scheme.",
        [
            f("key", "string", "Group key", required=True),
            f("name", "string", "Name"),
            f("name_translations", "object", "Names in other languages (JSON object)"),
            f("share", "integer", "Share s_g in the groups scheme", minimum=1),
            f("position", "integer", "Display order"),
        ],
        ["key"],
    ),
    Table(
        "members",
        "Members",
        "Members under keyed pseudonyms (as in the transparency log), with role, group and "
        "vote weight.",
        [
            _member("id", "The member's pseudonym", required=True),
            f("role", "string", "Role", enum=["moderator", "delegate", "observer"]),
            f("group", "string", "Stakeholder group key; empty: none"),
            f("weight", "integer", "Vote weight", minimum=1),
        ],
        ["id"],
        [fk("group", "groups", "key")],
    ),
    Table(
        "items",
        "Agenda items",
        "The agenda items this record covers, in agenda order.",
        [
            _id("id", "Item id"),
            f("position", "integer", "Position on the agenda"),
            f("numeral", "string", "Numeral shown before the title"),
            f("title", "string", "Title"),
            f("body", "string", "Text (Markdown)"),
            f("language", "string", "Language of title and text"),
            f("status", "string", "Status", enum=["pending", "open", "closed"]),
            f("locked", "boolean", "Whether the discussion is locked"),
            f("attribution", "string", "Attribution of imported content"),
            f("created_at", "datetime", "Creation time (UTC)"),
        ],
        ["id"],
    ),
    Table(
        "item_translations",
        "Agenda item translations",
        "Titles and texts of agenda items in other languages.",
        [
            _id("item", "Item id"),
            f("language", "string", "Language", required=True),
            f("title", "string", "Title"),
            f("body", "string", "Text (Markdown)"),
        ],
        ["item", "language"],
        [fk("item", "items", "id")],
    ),
    Table(
        "posts",
        "Posts",
        "Every post, item by item in thread order. A hidden post is flagged; in a readers' "
        "record its content is withheld (body empty, content_withheld true) and only the "
        "moderator's reason is given.",
        [
            _id("id", "Post id"),
            _id("item", "Item id"),
            f("parent", "integer", "The post this one replies to; empty: top level"),
            f("path", "string", "Materialised path; sorting by it gives thread order"),
            f("depth", "integer", "Reply depth (0: top level)", minimum=0),
            _member("author", "The author's pseudonym", required=True),
            f("group", "string", "The author's stakeholder group key"),
            f("language", "string", "Language of the body"),
            f("created_at", "datetime", "Time posted (UTC)"),
            f("edited_at", "datetime", "Time of the last edit"),
            f("floor_intervention", "boolean", "Spoken while holding the floor"),
            f("hidden", "boolean", "Hidden by a moderator"),
            f("hidden_reason", "string", "The moderator's reason for hiding"),
            f("hidden_at", "datetime", "When it was hidden"),
            _member("hidden_by", "The moderator's pseudonym (moderators' record)"),
            f("content_withheld", "boolean", "Whether body and translations are withheld"),
            f("redacted", "boolean", "Whether the text was removed at the author's request"),
            f("revision", "integer", "The current version's number (1 as written)"),
            f("body", "string", "Markdown source"),
        ],
        ["id"],
        [
            fk("item", "items", "id"),
            fk("parent", "", "id"),
            fk("author", "members", "id"),
            fk("group", "groups", "key"),
            fk("hidden_by", "members", "id"),
        ],
    ),
    Table(
        "post_translations",
        "Post translations",
        "Human translations of posts (withheld for hidden posts in a readers' record).",
        [
            _id("post", "Post id"),
            f("language", "string", "Language", required=True),
            f("body", "string", "Translated text (Markdown)"),
            _member("translator", "The translator's pseudonym"),
            f("created_at", "datetime", "Time translated (UTC)"),
            f("source_revision", "integer", "The post's revision it was made from"),
            f("outdated", "boolean", "Whether the post was edited since"),
        ],
        ["post", "language"],
        [fk("post", "posts", "id"), fk("translator", "members", "id")],
    ),
    Table(
        "post_revisions",
        "Post revisions",
        "Earlier bodies of edited posts, numbered from 1 (oldest).",
        [
            _id("post", "Post id"),
            _id("number", "Revision number, oldest first"),
            f("body", "string", "The body before the edit"),
            f("replaced_at", "datetime", "When it was replaced (UTC)"),
        ],
        ["post", "number"],
        [fk("post", "posts", "id")],
    ),
    Table(
        "reactions",
        "Reaction aggregates",
        "Per post: agree/disagree/pass counts over all members and the cross-group measures "
        "(DESIGN §4). Never who reacted. No row for a post whose content is withheld.",
        [
            _id("post", "Post id"),
            f("agree", "integer", "Agree reactions", minimum=0),
            f("disagree", "integer", "Disagree reactions", minimum=0),
            f("pass", "integer", "Pass reactions", minimum=0),
            f("min_agreement", "string", "Least-convinced group's A/(A+D)", **RATIONAL),
            f("group_informed_consensus", "string", "Pol.is group-informed consensus", **RATIONAL),
            f("group_informed_consensus_float", "number", "The same as a float"),
            f("majority_p", "string", "Pol.is majority p = (1+A)/(2+S)", **RATIONAL),
            f("majority_z", "number", "Pol.is majority z-score"),
            f("majority_qualifies", "boolean", "p > 1/2 and z > 1.2816"),
        ],
        ["post"],
        [fk("post", "posts", "id")],
    ),
    Table(
        "reactions_by_group",
        "Reaction aggregates by group",
        "Per post and stakeholder group: agree/disagree/pass counts (members without a group "
        "count only in reactions.csv).",
        [
            _id("post", "Post id"),
            f("group", "string", "Stakeholder group key", required=True),
            f("agree", "integer", "Agree reactions", minimum=0),
            f("disagree", "integer", "Disagree reactions", minimum=0),
            f("pass", "integer", "Pass reactions", minimum=0),
        ],
        ["post", "group"],
        [fk("post", "reactions", "post"), fk("group", "groups", "key")],
    ),
    Table(
        "opinion_groups",
        "Opinion groups",
        "Per item and opinion group emerging from the reactions (Pol.is classic; the "
        "algorithm and its parameters are in record.json): its size and centre on the opinion "
        "map. Never who is in it.",
        [
            _id("item", "Item id"),
            _id("group", "Opinion group, numbered from 0 in each item"),
            f("size", "integer", "Members in the group", minimum=1),
            f("centre_x", "number", "Centre on the first principal component"),
            f("centre_y", "number", "Centre on the second principal component"),
        ],
        ["item", "group"],
        [fk("item", "items", "id")],
    ),
    Table(
        "bridging",
        "Bridging figures",
        "Per visible post: how much the least convinced group agrees — declared groups with "
        "members and opinion groups — as the median and 95 % interval of the posterior of "
        "min over groups of Beta(A+1, D+1); whether it qualifies as common ground (the lower "
        "end above 1/2); how many groups responded, responded or were shown it, and count.",
        [
            _id("post", "Post id"),
            f("score", "number", "Median", minimum=0, maximum=1),
            f("low", "number", "2.5 % quantile", minimum=0, maximum=1),
            f("high", "number", "97.5 % quantile", minimum=0, maximum=1),
            f("qualifies", "boolean", "Common ground: low > 1/2"),
            f("responding", "integer", "Groups that responded", minimum=0),
            f("seen", "integer", "Groups that responded or were shown the post", minimum=0),
            f("total", "integer", "Groups counted", minimum=0),
        ],
        ["post"],
        [fk("post", "posts", "id")],
    ),
    Table(
        "motions",
        "Motions",
        "Motions with their rule and outcome: the frozen result once closed, the live "
        "aggregate tally while open (final false).",
        [
            _id("id", "Motion id"),
            _id("item", "Item id"),
            f("text", "string", "Text of the motion"),
            f("rule", "object", "Decision rule (JSON)"),
            f("scheme", "string", "Voting scheme copied at opening"),
            f("secret", "boolean", "Secret ballot: no individual ballots anywhere"),
            f("status", "string", "Status", enum=["draft", "open", "closed"]),
            f("created_at", "datetime", "Time created (UTC)"),
            f("opened_at", "datetime", "Time opened (UTC)"),
            f("closed_at", "datetime", "Time closed (UTC)"),
            f("voters", "integer", "Size of the electorate snapshot", minimum=0),
            f("final", "boolean", "Whether the figures are the frozen result"),
            f("outcome", "string", "adopted, rejected, blocked or no_quorum"),
            f("support", "string", "Support, exact", **RATIONAL),
            f("support_float", "number", "Support as a float"),
            f("participation", "string", "Weight cast over weight eligible", **RATIONAL),
            f("yes", "integer", "Summed weight of yes ballots"),
            f("no", "integer", "Summed weight of no ballots"),
            f("abstain", "integer", "Summed weight of abstentions"),
            f("block", "integer", "Summed weight of blocks"),
            f("min_agreement", "string", "Least-convinced group's agreement", **RATIONAL),
            f("group_informed_consensus", "string", "Pol.is group-informed consensus", **RATIONAL),
            f("receipts_digest", "string", "SHA-256 of the sorted receipts"),
            f("result", "object", "The whole frozen result or live tally (JSON)"),
        ],
        ["id"],
        [fk("item", "items", "id")],
    ),
    Table(
        "tallies",
        "Tallies per group",
        "Per motion and stakeholder group (as snapshotted when the motion opened): ballots, "
        "summed weights by choice, r_g and turnout.",
        [
            _id("motion", "Motion id"),
            f("group", "string", "Group key in the motion's snapshot", required=True),
            f("position", "integer", "Display order"),
            f("final", "boolean", "Whether the figures are the frozen result"),
            f("share", "integer", "Share s_g"),
            f("ballots", "integer", "Number of ballots", minimum=0),
            f("yes", "integer", "Summed weight of yes ballots"),
            f("no", "integer", "Summed weight of no ballots"),
            f("abstain", "integer", "Summed weight of abstentions"),
            f("block", "integer", "Summed weight of blocks"),
            f("agreement", "string", "r_g; empty: no yes/no/block ballot", **RATIONAL),
            f("agreement_float", "number", "r_g as a float"),
            f("participation", "string", "Group turnout by weight", **RATIONAL),
        ],
        ["motion", "group"],
        [fk("motion", "motions", "id")],
    ),
    Table(
        "ballots",
        "Ballots of open-ballot motions",
        "Individual ballots of motions that are not secret, by pseudonymous member id. Secret "
        "motions never appear here.",
        [
            _id("motion", "Motion id"),
            _member("member", "The voter's pseudonym", required=True),
            f("group", "string", "Group key in the motion's snapshot"),
            f("weight", "integer", "Weight in the motion's snapshot", minimum=1),
            f("choice", "string", "Choice", enum=["yes", "no", "abstain", "block"]),
            f("sequence", "integer", "How many times the ballot was cast or changed"),
            f("receipt", "string", "The voter's receipt"),
            f("cast_at", "datetime", "First cast (UTC)"),
            f("updated_at", "datetime", "Last change (UTC)"),
        ],
        ["motion", "member"],
        [fk("motion", "motions", "id"), fk("member", "members", "id")],
    ),
    Table(
        "receipts",
        "Ballot receipts",
        "Receipts of every counted ballot of each closed motion, secret or not, sorted. "
        "Keyed: they reveal no voter. Their digest is the motion's receipts_digest.",
        [
            _id("motion", "Motion id"),
            f("receipt", "string", "Receipt", required=True),
        ],
        ["motion", "receipt"],
        [fk("motion", "motions", "id")],
    ),
    Table(
        "summaries",
        "Consensus summaries",
        "Summary versions: published ones in a readers' record, every version in a "
        "moderators' record.",
        [
            _id("id", "Summary version id"),
            _id("item", "Item id"),
            f("version", "integer", "Version number within the item", minimum=1),
            f("language", "string", "Language"),
            f("status", "string", "Status", enum=["draft", "published"]),
            f("agreements", "string", "Agreements (Markdown)"),
            f("divergences", "string", "Divergences (Markdown)"),
            f("recommendations", "string", "Recommendations (Markdown)"),
            f("based_on", "integer", "Version continued or translated (may be a draft)"),
            _member("author", "The author's pseudonym"),
            f("created_at", "datetime", "Time saved (UTC)"),
            f("published_at", "datetime", "Time published (UTC)"),
            f("superseded_at", "datetime", "Time superseded by a later version"),
        ],
        ["id"],
        [fk("item", "items", "id"), fk("author", "members", "id")],
    ),
    Table(
        "participation",
        "Participation by group",
        "Activity by stakeholder group for the whole deliberation (scope 'deliberation') and "
        "for each item (scope 'item:<id>').",
        [
            f("scope", "string", "'deliberation' or 'item:<id>'", required=True),
            f("item", "integer", "Item id; empty for the whole deliberation"),
            f("group", "string", "Stakeholder group key", required=True),
            f("share", "integer", "Share s_g"),
            f("members", "integer", "Members of the group", minimum=0),
            f("expected", "string", "Share over the shares of groups with members", **RATIONAL),
            f("posts", "integer", "Posts", minimum=0),
            f("floor_interventions", "integer", "Posts made holding the floor", minimum=0),
            f("reactions", "integer", "Reactions", minimum=0),
            f("ballots", "integer", "Ballots", minimum=0),
        ],
        ["scope", "group"],
        [fk("item", "items", "id"), fk("group", "groups", "key")],
    ),
    Table(
        "participation_totals",
        "Participation totals",
        "Totals per scope, and the activity of members without a stakeholder group.",
        [
            f("scope", "string", "'deliberation' or 'item:<id>'", required=True),
            f("item", "integer", "Item id; empty for the whole deliberation"),
            f("members", "integer", "All members", minimum=0),
            f("posts", "integer", "All posts", minimum=0),
            f("floor_interventions", "integer", "All floor interventions", minimum=0),
            f("reactions", "integer", "All reactions", minimum=0),
            f("ballots", "integer", "All ballots", minimum=0),
            f("ungrouped_members", "integer", "Members without a group", minimum=0),
            f("ungrouped_posts", "integer", "Their posts", minimum=0),
            f("ungrouped_reactions", "integer", "Their reactions", minimum=0),
            f("ungrouped_ballots", "integer", "Their ballots", minimum=0),
        ],
        ["scope"],
        [fk("item", "items", "id")],
    ),
    Table(
        "announcements",
        "Announcements",
        "The moderators' announcements.",
        [
            _id("id", "Announcement id"),
            _member("author", "The author's pseudonym"),
            f("text", "string", "Text"),
            f("language", "string", "Language"),
            f("created_at", "datetime", "Time announced (UTC)"),
        ],
        ["id"],
        [fk("author", "members", "id")],
    ),
    Table(
        "audit_events",
        "Audit events",
        "The deliberation's whole audit hash chain: hash = sha256(prev_hash || "
        "canonical_json({deliberation, seq, actor, action, target, payload, created_at})), "
        "with created_at exactly as written here and payload as its JSON text. actor is a "
        "user id.",
        [
            _id("seq", "Position in the chain, from 1"),
            f("deliberation", "string", "Slug of the deliberation"),
            f("actor", "integer", "User id of the actor; empty: the system"),
            f("action", "string", "What was done"),
            f("target", "string", "What it was done to, as kind:id"),
            f("payload", "object", "Details (canonical JSON)"),
            f("created_at", "datetime", "Time (UTC), exactly as hashed"),
            f("prev_hash", "string", "Hash of the previous event", **SHA256),
            f("hash", "string", "Hash of this event", **SHA256),
        ],
        ["seq"],
    ),
    Table(
        "log_leaves",
        "Transparency log",
        "The deliberation's transparency log up to the signed head in datapackage.json's "
        "log member, leaf by leaf: entry is the canonical JSON the leaf hashes "
        "(SHA-256(0x00 || entry), RFC 9162), exactly as written here. Members appear under "
        "their pseudonyms; reaction.change leaves give each member's stances, from which the "
        "opinion groups can be recomputed.",
        [
            f("leaf", "integer", "Position in the log, from 0", required=True, minimum=0),
            f("event", "string", "What happened (post.create, reaction.change, …)"),
            f("subject", "string", "What it happened to, as kind:id"),
            f("entry", "string", "The leaf's entry, canonical JSON, exactly as hashed"),
        ],
        ["leaf"],
    ),
]
TABLE_NAMES = [table.name for table in TABLES]


# --- writing --------------------------------------------------------------------------------


def cell(value: Any) -> str:
    """A value as CSV text: empty for None, true/false, JSON for nested values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return canonical_json(value).decode()
    if isinstance(value, float):
        return repr(value)
    return str(value)


class _HashingText:
    """A text sink for ``csv.writer`` that writes UTF-8 to a binary file, hashing it."""

    def __init__(self, target: IO[bytes]):
        self.target = target
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.sha256.update(data)
        self.bytes += len(data)
        self.target.write(data)


class TableFiles:
    """One temporary CSV per table, written row by row."""

    def __init__(self, directory: str):
        self.directory = directory
        self._files: dict[str, IO[bytes]] = {}
        self._sinks: dict[str, _HashingText] = {}
        self._writers: dict[str, Any] = {}
        self.rows: dict[str, int] = {}
        for table in TABLES:
            handle = open(os.path.join(directory, table.path), "wb")  # noqa: SIM115
            sink = _HashingText(handle)
            writer = csv.writer(sink, lineterminator="\r\n")
            writer.writerow(table.columns)
            self._files[table.name] = handle
            self._sinks[table.name] = sink
            self._writers[table.name] = (writer, table.columns)
            self.rows[table.name] = 0

    def add(self, name: str, row: dict) -> None:
        writer, columns = self._writers[name]
        writer.writerow([cell(row.get(column)) for column in columns])
        self.rows[name] += 1

    def add_all(self, name: str, rows: Iterable[dict]) -> None:
        for row in rows:
            self.add(name, row)

    def close(self) -> dict[str, _HashingText]:
        for handle in self._files.values():
            handle.close()
        return self._sinks


def write_tables(source: RecordSource, tables: TableFiles, progress: Progress | None) -> dict:
    """Write every table from ``source``; returns what the descriptor needs to know."""
    deliberation = source.deliberation()
    scope = source.scope()
    tables.add_all("groups", source.groups())
    tables.add_all("members", source.members())
    _write_items(tables, source.items())
    _write_posts(tables, source.posts(progress))
    _write_motions(tables, source.motions())
    tables.add_all("ballots", source.ballots())
    tables.add_all("receipts", source.receipts())
    tables.add_all("summaries", source.summaries())
    _write_participation(tables, source.participation())
    _write_opinions(tables, source.opinions())
    tables.add_all("announcements", source.announcements())
    head, length = _write_audit_events(tables, source.audit_events())
    log = source.log()  # first: the leaves written stop at its head's size
    tables.add_all("log_leaves", source.log_leaf_rows())
    tables.add(
        "deliberation",
        {
            **deliberation,
            "scope_item": scope["item"],
            "audience": scope["audience"],
            "last_event_at": scope["last_event_at"],
            "audit_head": head,
            "audit_events": length,
        },
    )
    return {
        "deliberation": deliberation,
        "scope": scope,
        "audit_head": head,
        "audit_events": length,
        "log": log,
    }


def _write_items(tables: TableFiles, items: Iterable[dict]) -> None:
    """The agenda items and, in their own table, their translations."""
    for item in items:
        tables.add("items", item)
        for translation in item["translations"]:
            tables.add("item_translations", {"item": item["id"], **translation})


def _write_posts(tables: TableFiles, posts: Iterable[dict]) -> None:
    """The posts with their translations, numbered revisions and reactions (overall and by
    group), each in its own table."""
    for post in posts:
        tables.add("posts", post)
        for translation in post["translations"]:
            tables.add("post_translations", {"post": post["id"], **translation})
        for number, revision in enumerate(post["revisions"], start=1):
            tables.add("post_revisions", {"post": post["id"], "number": number, **revision})
        if post["reactions"] is not None:
            tables.add("reactions", _reaction_row(post["id"], post["reactions"]))
            for group in post["reactions"]["groups"]:
                tables.add(
                    "reactions_by_group", {**group, "post": post["id"], "group": group["key"]}
                )


def _write_motions(tables: TableFiles, motions: Iterable[dict]) -> None:
    """The motions and their per-group tallies: the frozen result once closed, else the
    live tally."""
    for motion in motions:
        figures = motion["result"] or motion["tally"]
        tables.add("motions", _motion_row(motion, figures))
        for position, group in enumerate((figures or {}).get("groups", [])):
            tables.add(
                "tallies",
                {
                    **group,
                    "motion": motion["id"],
                    "group": group["key"],
                    "position": position,
                    "final": motion["result"] is not None,
                },
            )


def _write_participation(tables: TableFiles, participation: dict) -> None:
    """Participation by group and in total, for the deliberation (when it has figures) and
    for each item."""
    scopes = [("deliberation", None, participation["overall"])] if participation["overall"] else []
    scopes += [(f"item:{p['item']}", p["item"], p) for p in participation["items"]]
    for name, item_id, figures in scopes:
        for group in figures["groups"]:
            tables.add(
                "participation", {**group, "scope": name, "item": item_id, "group": group["key"]}
            )
        ungrouped = figures.get("ungrouped", {})
        tables.add(
            "participation_totals",
            {
                **figures["totals"],
                "scope": name,
                "item": item_id,
                **{f"ungrouped_{key}": value for key, value in ungrouped.items()},
            },
        )


def _write_opinions(tables: TableFiles, opinions: list[dict]) -> None:
    """Opinion groups per item and bridging figures per visible post."""
    for item in opinions:
        for group in item["groups"]:
            x, y = group["centre"]
            tables.add(
                "opinion_groups",
                {
                    "item": item["item"],
                    "group": group["id"],
                    "size": group["size"],
                    "centre_x": x,
                    "centre_y": y,
                },
            )
        for row in item["posts"]:
            tables.add(
                "bridging",
                {
                    "post": row["post"],
                    **row["bridging"],
                    "qualifies": row["qualifies"],
                    **row["coverage"],
                },
            )


def _write_audit_events(tables: TableFiles, events: Iterable[dict]) -> tuple[str, int]:
    """The audit chain, event by event; returns its head and length."""
    head, length = GENESIS_HASH, 0
    for event in events:
        tables.add("audit_events", event)
        head, length = event["hash"], length + 1
    return head, length


def _reaction_row(post_id: int, reactions: dict) -> dict:
    majority = reactions["majority_consensus"]
    return {
        "post": post_id,
        "agree": reactions["agree"],
        "disagree": reactions["disagree"],
        "pass": reactions["pass"],
        "min_agreement": reactions["min_agreement"],
        "group_informed_consensus": reactions["group_informed_consensus"],
        "group_informed_consensus_float": float(Fraction(reactions["group_informed_consensus"])),
        "majority_p": majority["p"],
        "majority_z": majority["z"],
        "majority_qualifies": majority["qualifies"],
    }


def _motion_row(motion: dict, figures: dict | None) -> dict:
    figures = figures or {}
    row = {key: motion[key] for key in motion if key not in ("result", "tally")}
    row["final"] = motion["result"] is not None
    for key in (
        "outcome",
        "support",
        "support_float",
        "participation",
        "yes",
        "no",
        "abstain",
        "block",
        "min_agreement",
        "group_informed_consensus",
        "receipts_digest",
    ):
        row[key] = figures.get(key)
    row["result"] = figures or None
    return row


def descriptor(meta: dict, sinks: dict[str, _HashingText]) -> dict:
    """``datapackage.json``, with its integrity member."""
    deliberation, scope = meta["deliberation"], meta["scope"]
    name = f"{deliberation['slug']}-record"
    if scope["item"] is not None:
        name = f"{deliberation['slug']}-item-{scope['item']}-record"
    package = {
        "profile": "tabular-data-package",
        "name": name,
        "title": deliberation["title"],
        "description": (
            "Consensus record of a Common Ground deliberation "
            f"({scope['audience']}' record). One CSV per table; see each resource's schema."
        ),
        "version": "1",
        "resources": [
            {
                "name": table.name,
                "path": table.path,
                "title": table.title,
                "description": table.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": sinks[table.name].bytes,
                "hash": "sha256:" + sinks[table.name].sha256.hexdigest(),
                "schema": table.schema(),
            }
            for table in TABLES
        ],
        # What an offline verifier needs beside log_leaves.csv: the leaves' format, the
        # signed head they add up to, and the key that signed it.
        "log": meta["log"],
    }
    package["integrity"] = {
        "algorithm": "sha256",
        "descriptor_sha256": descriptor_digest(package),
        "audit_head": meta["audit_head"],
        "audit_events": meta["audit_events"],
    }
    return package


def descriptor_digest(package: dict) -> str:
    """SHA-256 of the descriptor's canonical JSON without its ``integrity`` member."""
    body = {key: value for key, value in package.items() if key != "integrity"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def descriptor_bytes(package: dict) -> bytes:
    """The descriptor as written: sorted keys, two-space indents, UTF-8, final newline."""
    return (json.dumps(package, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def zip_time(last_event_at: str | None, created_at: str) -> tuple:
    """The time every zip entry carries: the deliberation's last event (else its creation)."""
    moment = datetime.fromisoformat((last_event_at or created_at).replace("Z", "+00:00"))
    # Zip (DOS) times count seconds in twos: round down, so what is read back is what was set.
    second = moment.second - moment.second % 2
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, second)
    return max(stamp, ZIP_EPOCH)


def _entry(name: str, stamp: tuple) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def write_datapackage(
    source: RecordSource, target: IO[bytes], progress: Progress | None = None
) -> dict:
    """Write ``record.zip`` to the binary file ``target``; returns the descriptor."""
    with tempfile.TemporaryDirectory(prefix="cg-record-") as directory:
        tables = TableFiles(directory)
        try:
            meta = write_tables(source, tables, progress)
        finally:
            sinks = tables.close()
        package = descriptor(meta, sinks)
        stamp = zip_time(meta["scope"]["last_event_at"], meta["deliberation"]["created_at"])
        with zipfile.ZipFile(target, "w", compresslevel=6) as archive:
            archive.writestr(_entry(DESCRIPTOR, stamp), descriptor_bytes(package))
            for table in TABLES:
                path = os.path.join(directory, table.path)
                info = _entry(table.path, stamp)
                # Known in advance, so zipfile adds ZIP64 fields only to files that need them.
                info.file_size = os.path.getsize(path)
                with open(path, "rb") as csv_file, archive.open(info, "w") as entry:
                    shutil.copyfileobj(csv_file, entry, 1024 * 1024)
    return package


def stream_datapackage(source: RecordSource, progress: Progress | None = None) -> Iterator[bytes]:
    """``record.zip`` in chunks: built in a temporary file (a zip's directory comes last and
    needs every entry's offset), then read out."""
    with tempfile.TemporaryFile(prefix="cg-record-") as spool:
        write_datapackage(source, spool, progress)
        spool.seek(0)
        while chunk := spool.read(256 * 1024):
            yield chunk
