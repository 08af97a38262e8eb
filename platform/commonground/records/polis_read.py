"""Read and check a Pol.is open-data export (DESIGN §7, issue 5): the first pass of the import.

An export is a folder of four CSV files (see ``shared/data/polis/README.md``):
``summary.csv``, ``comments.csv``, ``participants-votes.csv`` and ``votes.csv``.
:func:`check_export` reads every file completely, streaming (``csv`` module, one row at a
time) — columns, numbers, references between files. The first problem raises
:class:`PolisFormatError` naming the file and the line. What it learns, a
:class:`Conversation`, is enough to write the export without keeping any vote in memory:
the writing pass (:mod:`.polis_import`) reads the comments and votes again through
:func:`read_comments` and :func:`read_votes`.

No database and no application: messages are translated when an app is there.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from flask_babel import gettext as _

from ..discussion.rules import MAX_BODY_LENGTH
from ..errors import ServiceError

FILES = ("summary.csv", "comments.csv", "participants-votes.csv", "votes.csv")
STANCE_OF_VOTE = {"1": "agree", "-1": "disagree", "0": "pass"}
MODERATED = {"-1", "0", "1"}
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


def export_size(directory: Path) -> int:
    """Bytes of the export's files (those present), the length of the checking bar."""
    total = 0
    for name in FILES:
        path = Path(directory) / name
        if path.is_file():
            total += path.stat().st_size
    return max(total, 1)


# --- CSV, line by line -------------------------------------------------------------------------


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


# --- pass 1: checking --------------------------------------------------------------------------


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


# --- pass 2: reading again what was checked ----------------------------------------------------


class Comment(NamedTuple):
    """A comment of ``comments.csv``, as the writing pass stores it."""

    id: str
    author: str
    #: Milliseconds since 1970.
    timestamp: int
    #: ``moderated = -1``: a moderator took the comment out of the conversation.
    moderated_out: bool
    body: str


class Vote(NamedTuple):
    """A row of ``votes.csv``: one vote, perhaps superseded by a later one."""

    comment: str
    voter: str
    #: Milliseconds since 1970.
    timestamp: int
    stance: str


def read_comments(conversation: Conversation) -> Iterator[Comment]:
    """The comments of a checked export, one at a time, in the file's order."""
    for _line, row in _rows(conversation.path("comments.csv")):
        yield Comment(
            id=str(int(row["comment-id"])),
            author=str(int(row["author-id"])),
            timestamp=int(row["timestamp"]),
            moderated_out=row["moderated"].strip() == "-1",
            body=row["comment-body"].strip(),
        )


def read_votes(conversation: Conversation) -> Iterator[Vote]:
    """The votes of a checked export, one at a time, in the file's order (not by time)."""
    for _line, row in _rows(conversation.path("votes.csv")):
        yield Vote(
            comment=str(int(row["comment-id"])),
            voter=str(int(row["voter-id"])),
            timestamp=int(row["timestamp"]),
            stance=STANCE_OF_VOTE[row["vote"].strip()],
        )
