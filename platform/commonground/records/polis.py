"""Import a Pol.is open-data export as one agenda item (DESIGN §7, issue 5).

``flask --app app polis import DIR --deliberation SLUG`` reads ``comments.csv``,
``votes.csv``, ``participants-votes.csv`` and ``summary.csv`` (see
``shared/data/polis/README.md``) and makes of them:

- the deliberation SLUG, created when it does not exist, with one stakeholder group per Pol.is
  opinion group (``group-0``, ``group-1``, …) and, for participants Pol.is placed in none, a
  group keyed ``ungrouped``;
- one agenda item titled by the conversation's topic (closed: the conversation is over), with
  the CC BY attribution the data's licence asks for;
- every participant as a delegate (an account that cannot sign in:
  ``polis-<conversation>-<participant>@import.invalid``, no password);
- every comment as a post (comments moderated out, ``moderated = -1``, as hidden posts);
- every participant's latest vote on a comment (by timestamp) as a reaction: 1 agree,
  -1 disagree, 0 pass. The ``agrees``/``disagrees`` columns of ``comments.csv`` also count
  superseded votes and are ignored.

Two passes over the files, both streaming (``csv`` module, one row at a time):

1. **check** every file completely — columns, numbers, references between files. The first
   problem stops the import with a message naming the file and the line; nothing is written.
2. **write**, in the caller's transaction. Votes go to the database in batches: each batch is
   merged with the reactions already stored (the later timestamp wins), so memory stays flat
   however many votes there are — only the participant and comment id maps grow, with the
   conversation's size.

Idempotent: participants and comments are found again by ``Membership.external_id`` /
``Post.external_id``, reactions by (post, member) and compared before writing, so a second run
changes nothing (and writes no audit event).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import gettext as _

from .. import fields
from ..accounts.auth import new_session_nonce
from ..accounts.models import User
from ..db import db
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..discussion.models import Post, Reaction
from ..discussion.rules import MAX_BODY_LENGTH, child_path
from ..errors import Conflict, Invalid, ServiceError
from .audit import record_event

logger = logging.getLogger(__name__)

FILES = ("summary.csv", "comments.csv", "participants-votes.csv", "votes.csv")
UNGROUPED = "ungrouped"
#: The licence's attribution (from the data's README), kept with the imported item.
ATTRIBUTION = (
    "Data was gathered using the Polis software (compdemocracy.org/polis) and is sub-licensed "
    "under CC BY 4.0 with Attribution to The Computational Democracy Project."
)
STANCE_OF_VOTE = {"1": "agree", "-1": "disagree", "0": "pass"}
MODERATED = {"-1", "0", "1"}
#: Votes merged with the database per round trip.
BATCH_SIZE = 2_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ID_RE = re.compile(r"^\d{1,15}$")
_TIMESTAMP_RE = re.compile(r"^\d{1,16}$")

Progress = Callable[[int], None]


class PolisFormatError(ServiceError):
    """A file of the export is malformed: the message names the file and the line."""

    status = 422
    code = "polis_format"

    def __init__(self, path: Path, line: int | None, problem: str):
        self.path = path
        self.line = line
        if line:
            message = _(
                "%(file)s, line %(line)s: %(problem)s", file=path, line=line, problem=problem
            )
        else:
            message = _("%(file)s: %(problem)s", file=path, problem=problem)
        super().__init__(message)


# --- pass 1: checking --------------------------------------------------------------------------


@dataclass
class Conversation:
    """What checking an export learned: enough to write it, without keeping any vote."""

    directory: Path
    key: str
    topic: str
    description: str
    url: str
    #: participant id → Pol.is group id (None: in no opinion group), for every participant,
    #: comment author and voter.
    participants: dict[str, int | None] = field(default_factory=dict)
    comments: int = 0
    votes: int = 0

    def path(self, name: str) -> Path:
        return self.directory / name

    @property
    def group_ids(self) -> list[int]:
        return sorted({g for g in self.participants.values() if g is not None})

    @property
    def has_ungrouped(self) -> bool:
        return any(g is None for g in self.participants.values())


def conversation_key(directory: Path) -> str:
    """The conversation's name in emails and external ids: the folder's name, slugged
    (at most 40 characters; a longer name keeps a hash of itself)."""
    name = re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower()).strip("-") or "polis"
    if len(name) > 40:
        name = f"{name[:31]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return name


def _lines(path: Path, progress: Progress | None) -> Iterator[str]:
    """The lines of a UTF-8 file, decoded one at a time (so a bad byte is reported on its
    own line), reporting their size in bytes to ``progress``."""
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if progress:
                progress(len(raw))
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise PolisFormatError(path, number, _("not valid UTF-8 text.")) from None
            yield line.removeprefix("\ufeff") if number == 1 else line


def _csv(path: Path, progress: Progress | None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every record of a CSV file; the number is the line the
    record starts on (a quoted field may span lines)."""
    if not path.is_file():
        raise PolisFormatError(path, None, _("the file is missing."))
    reader = csv.reader(_lines(path, progress), strict=True)
    line = 1
    try:
        for row in reader:
            yield line, row
            line = reader.line_num + 1
    except csv.Error as error:
        raise PolisFormatError(path, line, _("not valid CSV (%(error)s).", error=error)) from None


def _rows(
    path: Path, required: tuple[str, ...] = (), progress: Progress | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file with a header, one at a time.

    Checks that the file exists, that the header names the ``required`` columns and that
    every row has as many fields as the header. ``progress`` receives the bytes read.
    """
    records = _csv(path, progress)
    first = next(records, None)
    if first is None:
        raise PolisFormatError(path, 1, _("the file is empty."))
    header = [name.strip() for name in first[1]]
    missing = [name for name in required if name not in header]
    if missing:
        raise PolisFormatError(
            path, 1, _("the header lacks the column(s) %(columns)s.", columns=", ".join(missing))
        )
    for line, row in records:
        if not row:  # a blank line
            continue
        if len(row) != len(header):
            raise PolisFormatError(
                path,
                line,
                _(
                    "expected %(expected)s fields, found %(found)s.",
                    expected=len(header),
                    found=len(row),
                ),
            )
        yield line, dict(zip(header, row, strict=True))


def _identifier(path: Path, line: int, row: dict, column: str) -> str:
    value = row[column].strip()
    if not _ID_RE.match(value):
        raise PolisFormatError(
            path,
            line,
            _("“%(column)s” must be a whole number, not “%(value)s”.", column=column, value=value),
        )
    return str(int(value))


def _timestamp(path: Path, line: int, row: dict) -> int:
    value = row["timestamp"].strip()
    if not _TIMESTAMP_RE.match(value):
        raise PolisFormatError(
            path,
            line,
            _("“timestamp” must be milliseconds since 1970, not “%(value)s”.", value=value),
        )
    return int(value)


def _vote(path: Path, line: int, value: str, column: str = "vote") -> str:
    value = value.strip()
    if value not in STANCE_OF_VOTE:
        raise PolisFormatError(
            path,
            line,
            _("“%(column)s” must be 1, -1 or 0, not “%(value)s”.", column=column, value=value),
        )
    return value


def _check_summary(conversation: Conversation, progress: Progress | None) -> None:
    path = conversation.path("summary.csv")
    values: dict[str, str] = {}
    for line, row in _csv(path, progress):
        if not row:
            continue
        if len(row) < 2:
            raise PolisFormatError(
                path, line, _("expected a name and a value separated by a comma.")
            )
        values.setdefault(row[0].strip(), ",".join(row[1:]).strip())
    if not values.get("topic"):
        raise PolisFormatError(path, None, _("the conversation's “topic” is missing."))
    conversation.topic = values["topic"]
    conversation.description = values.get("conversation-description", "")
    conversation.url = values.get("url", "")


def _check_comments(
    conversation: Conversation, comment_ids: set[str], progress: Progress | None
) -> None:
    path = conversation.path("comments.csv")
    required = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
    for line, row in _rows(path, required, progress):
        comment = _identifier(path, line, row, "comment-id")
        if comment in comment_ids:
            raise PolisFormatError(
                path, line, _("comment %(id)s appears a second time.", id=comment)
            )
        comment_ids.add(comment)
        _timestamp(path, line, row)
        author = _identifier(path, line, row, "author-id")
        conversation.participants.setdefault(author, None)
        if row["moderated"].strip() not in MODERATED:
            raise PolisFormatError(
                path,
                line,
                _("“moderated” must be 1, 0 or -1, not “%(value)s”.", value=row["moderated"]),
            )
        body = row["comment-body"].strip()
        if not body:
            raise PolisFormatError(path, line, _("the comment's text is empty."))
        if len(body) > MAX_BODY_LENGTH:
            raise PolisFormatError(
                path,
                line,
                _("the comment is longer than %(count)s characters.", count=MAX_BODY_LENGTH),
            )
        conversation.comments += 1


def _check_participants(
    conversation: Conversation, comment_ids: set[str], progress: Progress | None
) -> None:
    path = conversation.path("participants-votes.csv")
    seen: set[str] = set()
    for line, row in _rows(path, ("participant", "group-id"), progress):
        if not seen:
            # Every column after the counts is a comment id holding that participant's vote.
            for column in row:
                if _ID_RE.match(column) and str(int(column)) not in comment_ids:
                    raise PolisFormatError(
                        path, 1, _("column %(id)s names no comment of comments.csv.", id=column)
                    )
        participant = _identifier(path, line, row, "participant")
        if participant in seen:
            raise PolisFormatError(
                path, line, _("participant %(id)s appears a second time.", id=participant)
            )
        seen.add(participant)
        group = row["group-id"].strip()
        if group and not _ID_RE.match(group):
            raise PolisFormatError(
                path,
                line,
                _("“group-id” must be a whole number or empty, not “%(value)s”.", value=group),
            )
        for column, value in row.items():
            if _ID_RE.match(column) and value.strip():
                _vote(path, line, value, column)
        conversation.participants[participant] = int(group) if group else None


def _check_votes(
    conversation: Conversation, comment_ids: set[str], progress: Progress | None
) -> None:
    path = conversation.path("votes.csv")
    for line, row in _rows(path, ("timestamp", "comment-id", "voter-id", "vote"), progress):
        _timestamp(path, line, row)
        comment = _identifier(path, line, row, "comment-id")
        if comment not in comment_ids:
            raise PolisFormatError(
                path, line, _("comment %(id)s is not in comments.csv.", id=comment)
            )
        voter = _identifier(path, line, row, "voter-id")
        _vote(path, line, row["vote"])
        conversation.participants.setdefault(voter, None)
        conversation.votes += 1


def check_export(directory: Path, progress: Progress | None = None) -> Conversation:
    """Read every file of the export once, streaming, and check it completely.

    Raises :class:`PolisFormatError` naming the file and line of the first problem.
    ``progress`` is called with the bytes read (see :func:`export_size`).
    """
    directory = Path(directory)
    conversation = Conversation(
        directory=directory, key=conversation_key(directory), topic="", description="", url=""
    )
    comment_ids: set[str] = set()
    _check_summary(conversation, progress)
    _check_comments(conversation, comment_ids, progress)
    _check_participants(conversation, comment_ids, progress)
    _check_votes(conversation, comment_ids, progress)
    return conversation


# --- pass 2: writing ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import created or changed (all zeros: the data was there already)."""

    deliberation: str
    item: int
    deliberation_created: bool = False
    item_created: bool = False
    groups_created: int = 0
    users_created: int = 0
    members_created: int = 0
    members_changed: int = 0
    posts_created: int = 0
    posts_changed: int = 0
    reactions_created: int = 0
    reactions_changed: int = 0
    votes_read: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.deliberation_created,
                self.item_created,
                self.groups_created,
                self.users_created,
                self.members_created,
                self.members_changed,
                self.posts_created,
                self.posts_changed,
                self.reactions_created,
                self.reactions_changed,
            )
        )


def _moment(milliseconds: int) -> datetime:
    # Exact (no float): a stored timestamp compares equal to the same vote read again.
    return _EPOCH + timedelta(milliseconds=milliseconds)


def _group_key(group_id: int | None) -> str:
    return UNGROUPED if group_id is None else f"group-{group_id}"


def _group_name(group_id: int | None) -> str:
    if group_id is None:
        return "Not in an opinion group"
    # Pol.is labels its opinion groups A, B, C …
    letter = chr(ord("A") + group_id) if group_id < 26 else str(group_id)
    return f"Pol.is opinion group {letter}"


def _deliberation(slug: str, conversation: Conversation, language: str, report: ImportReport):
    deliberation = db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == slug))
    if deliberation is None:
        deliberation = Deliberation(
            slug=slug,
            title=conversation.topic[:200],
            description=conversation.description,
            source_language=language,
            languages=[language],
            status="open",
            scheme="groups",
        )
        db.session.add(deliberation)
        db.session.flush()
        report.deliberation_created = True
    elif deliberation.is_closed:
        raise Conflict(
            _("The deliberation %(slug)s is closed: nothing can be imported into it.", slug=slug)
        )
    return deliberation


def _groups(deliberation: Deliberation, conversation: Conversation, report: ImportReport):
    """group id (None: ungrouped) → StakeholderGroup, creating the missing ones."""
    existing = {group.key: group for group in deliberation.groups}
    wanted: list[int | None] = [*conversation.group_ids]
    if conversation.has_ungrouped:
        wanted.append(None)
    position = max((group.position for group in existing.values()), default=-1) + 1
    groups = {}
    for group_id in wanted:
        key = _group_key(group_id)
        group = existing.get(key)
        if group is None:
            group = StakeholderGroup(
                deliberation=deliberation,
                key=key,
                name=_group_name(group_id),
                share=1,
                position=position,
            )
            db.session.add(group)
            position += 1
            report.groups_created += 1
        groups[group_id] = group
    db.session.flush()
    return groups


def _item(deliberation: Deliberation, conversation: Conversation, language: str, report):
    title = conversation.topic[:300]
    item = db.session.scalar(
        sa.select(AgendaItem).where(
            AgendaItem.deliberation_id == deliberation.id, AgendaItem.title == title
        )
    )
    if item is None:
        position = (
            db.session.scalar(
                sa.select(sa.func.max(AgendaItem.position)).where(
                    AgendaItem.deliberation_id == deliberation.id
                )
            )
            or 0
        ) + 1
        source = f" Source: {conversation.url}" if conversation.url else ""
        item = AgendaItem(
            deliberation=deliberation,
            position=position,
            title=title,
            body=conversation.description,
            language=language,
            status="closed",
            attribution=ATTRIBUTION + source,
        )
        db.session.add(item)
        db.session.flush()
        report.item_created = True
    return item


def _members(
    deliberation: Deliberation, conversation: Conversation, groups: dict, report: ImportReport
) -> dict[str, int]:
    """participant id → membership id, creating accounts and memberships as needed."""
    prefix = f"polis:{conversation.key}:"
    memberships = {
        m.external_id: m
        for m in db.session.scalars(
            sa.select(Membership).where(
                Membership.deliberation_id == deliberation.id,
                Membership.external_id.startswith(prefix, autoescape=True),
            )
        )
    }
    missing = [p for p in conversation.participants if prefix + p not in memberships]
    emails = {p: f"polis-{conversation.key}-{p}@import.invalid" for p in missing}
    users: dict[str, User] = {}
    for start in range(0, len(missing), 500):
        chunk = [emails[p] for p in missing[start : start + 500]]
        for user in db.session.scalars(sa.select(User).where(User.email.in_(chunk))):
            users[user.email] = user
    for participant in missing:
        if emails[participant] not in users:
            user = User(
                email=emails[participant],
                name=f"Pol.is participant {participant}",
                password_hash=None,
                session_nonce=new_session_nonce(),
            )
            db.session.add(user)
            users[emails[participant]] = user
            report.users_created += 1
    db.session.flush()
    # An account may already be a member (imported before without an external id).
    by_user = {
        m.user_id: m
        for m in db.session.scalars(
            sa.select(Membership).where(
                Membership.deliberation_id == deliberation.id,
                Membership.user_id.in_([users[emails[p]].id for p in missing] or [0]),
            )
        )
    }
    for participant in missing:
        user = users[emails[participant]]
        membership = by_user.get(user.id)
        if membership is None:
            membership = Membership(
                deliberation=deliberation, user_id=user.id, role="delegate", weight=1
            )
            db.session.add(membership)
            report.members_created += 1
        else:
            report.members_changed += 1
        membership.external_id = prefix + participant
        membership.group_id = groups[conversation.participants[participant]].id
        memberships[prefix + participant] = membership
    for participant, group_id in conversation.participants.items():
        membership = memberships[prefix + participant]
        group = groups[group_id]
        if membership.group_id != group.id:
            membership.group_id = group.id
            report.members_changed += 1
    db.session.flush()
    return {p: memberships[prefix + p].id for p in conversation.participants}


def _posts(
    item: AgendaItem,
    conversation: Conversation,
    members: dict[str, int],
    language: str,
    report: ImportReport,
) -> dict[str, int]:
    """comment id → post id, creating the missing posts."""
    prefix = f"polis:{conversation.key}:"
    posts = {
        post.external_id: post
        for post in db.session.scalars(
            sa.select(Post).where(
                Post.item_id == item.id, Post.external_id.startswith(prefix, autoescape=True)
            )
        )
    }
    reason = _("Moderated out in Pol.is")
    created = []
    for _line, row in _rows(conversation.path("comments.csv")):
        comment = str(int(row["comment-id"]))
        hidden = row["moderated"].strip() == "-1"
        post = posts.get(prefix + comment)
        if post is None:
            moment = _moment(int(row["timestamp"]))
            post = Post(
                item_id=item.id,
                author_id=members[str(int(row["author-id"]))],
                body=row["comment-body"].strip(),
                language=language,
                path="",
                created_at=moment,
                hidden=hidden,
                hidden_reason=reason if hidden else None,
                hidden_at=moment if hidden else None,
                external_id=prefix + comment,
            )
            db.session.add(post)
            posts[prefix + comment] = post
            created.append(post)
        elif post.hidden != hidden and post.hidden_by_id is None:
            # Moderated in Pol.is since the last import (a moderator's hiding here stays).
            post.hidden = hidden
            post.hidden_reason = reason if hidden else None
            post.hidden_at = post.created_at if hidden else None
            report.posts_changed += 1
    db.session.flush()  # ids first: they are the paths
    for post in created:
        post.path = child_path(None, post.id)
    db.session.flush()
    report.posts_created = len(created)
    return {external[len(prefix) :]: post.id for external, post in posts.items()}


def _merge_votes(batch: dict[tuple[int, int], tuple[int, str]], report: ImportReport) -> None:
    """Store a batch of latest votes: new reactions inserted, later ones updated."""
    post_ids = {post for post, _ in batch}
    member_ids = {member for _, member in batch}
    stored = {}
    for reaction_id, post_id, member_id, stance, updated_at in db.session.execute(
        sa.select(
            Reaction.id,
            Reaction.post_id,
            Reaction.membership_id,
            Reaction.stance,
            Reaction.updated_at,
        ).where(Reaction.post_id.in_(post_ids), Reaction.membership_id.in_(member_ids))
    ):
        if (post_id, member_id) in batch:
            stored[(post_id, member_id)] = (reaction_id, stance, updated_at)
    inserts, updates = [], []
    for (post_id, member_id), (milliseconds, stance) in batch.items():
        moment = _moment(milliseconds)
        known = stored.get((post_id, member_id))
        if known is None:
            inserts.append(
                {
                    "post_id": post_id,
                    "membership_id": member_id,
                    "stance": stance,
                    "updated_at": moment,
                }
            )
        elif moment >= known[2] and (stance, moment) != (known[1], known[2]):
            updates.append({"id": known[0], "stance": stance, "updated_at": moment})
    if inserts:
        db.session.execute(sa.insert(Reaction), inserts)
    if updates:
        db.session.execute(sa.update(Reaction), updates)
    report.reactions_created += len(inserts)
    report.reactions_changed += len(updates)


def _reactions(
    conversation: Conversation,
    members: dict[str, int],
    posts: dict[str, int],
    report: ImportReport,
    progress: Progress | None,
) -> None:
    """Every participant's latest vote per comment as their reaction, in batches.

    Within a batch the later timestamp wins (on equal timestamps, the later row); against
    the database, a stored reaction changes only for a vote at least as late as it.
    """
    batch: dict[tuple[int, int], tuple[int, str]] = {}
    for _line, row in _rows(conversation.path("votes.csv")):
        key = (posts[str(int(row["comment-id"]))], members[str(int(row["voter-id"]))])
        vote = (int(row["timestamp"]), STANCE_OF_VOTE[row["vote"].strip()])
        if key not in batch or vote[0] >= batch[key][0]:
            batch[key] = vote
        report.votes_read += 1
        if progress:
            progress(1)
        if len(batch) >= BATCH_SIZE:
            _merge_votes(batch, report)
            batch = {}
    if batch:
        _merge_votes(batch, report)


def write_conversation(
    conversation: Conversation,
    slug: str,
    *,
    language: str = "en",
    progress: Progress | None = None,
) -> ImportReport:
    """Write a checked export into deliberation ``slug`` (flushed; the caller commits).

    ``progress`` is called with 1 per vote row stored.
    """
    slug = fields.slug(slug, "deliberation")
    language = fields.language(language)
    report = ImportReport(slug, 0)
    deliberation = _deliberation(slug, conversation, language, report)
    groups = _groups(deliberation, conversation, report)
    item = _item(deliberation, conversation, language, report)
    report.item = item.id
    members = _members(deliberation, conversation, groups, report)
    posts = _posts(item, conversation, members, language, report)
    _reactions(conversation, members, posts, report, progress)
    db.session.flush()
    if report.changed:
        record_event(
            deliberation,
            None,
            "polis.import",
            f"item:{item.id}",
            {
                "conversation": conversation.key,
                "url": conversation.url,
                "members_created": report.members_created,
                "posts_created": report.posts_created,
                "reactions_created": report.reactions_created,
                "reactions_changed": report.reactions_changed,
            },
        )
    logger.info("Pol.is %s imported into %s: %s", conversation.key, slug, report)
    return report


def import_conversation(
    directory: Path, slug: str, *, language: str = "en", progress: Progress | None = None
) -> ImportReport:
    """Check an export completely, then write it (the caller commits)."""
    fields.slug(slug, "deliberation")
    fields.language(language)
    conversation = check_export(Path(directory))
    return write_conversation(conversation, slug, language=language, progress=progress)


# --- the command -------------------------------------------------------------------------------

polis_cli = AppGroup("polis", help="Import Pol.is conversations.")


@polis_cli.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--deliberation",
    "slug",
    required=True,
    help="Slug of the deliberation to import into (created if missing).",
)
@click.option(
    "--language", default="en", show_default=True, help="Language of the comments (BCP 47)."
)
def import_command(directory: Path, slug: str, language: str) -> None:
    """Import the Pol.is open-data export in DIRECTORY as one agenda item.

    Progress goes to standard error; the summary to standard output. Nothing is imported
    when any file is malformed.
    """
    stderr = sys.stderr  # looked up now: a test runner may have replaced it
    try:
        fields.slug(slug, "deliberation")
        fields.language(language)
        with click.progressbar(
            length=export_size(directory),
            label=_("Checking %(directory)s", directory=directory),
            file=stderr,
        ) as bar:
            conversation = check_export(directory, bar.update)
        with click.progressbar(
            length=conversation.votes, label=_("Importing votes"), file=stderr
        ) as bar:
            report = write_conversation(conversation, slug, language=language, progress=bar.update)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        message = str(error.message)
        if isinstance(error, Invalid) and error.field:
            message = f"{error.field}: {message}"
        raise click.ClickException(message) from None
    except BaseException:
        db.session.rollback()
        raise
    click.echo(
        _(
            "Imported “%(topic)s” into %(slug)s, item %(item)s: %(members)s new members, "
            "%(posts)s new posts, %(reactions)s new and %(changed)s changed reactions "
            "(from %(votes)s votes).",
            topic=conversation.topic,
            slug=report.deliberation,
            item=report.item,
            members=report.members_created,
            posts=report.posts_created,
            reactions=report.reactions_created,
            changed=report.reactions_changed,
            votes=report.votes_read,
        )
    )
    if not report.changed:
        click.echo(_("Everything was already imported: nothing changed."))


def export_size(directory: Path) -> int:
    """Bytes of the export's files (those present), the length of the checking bar."""
    total = 0
    for name in FILES:
        path = Path(directory) / name
        if path.is_file():
            total += path.stat().st_size
    return max(total, 1)
