"""Reading a deliberation's record from the database as plain, JSON-ready rows.

Every export format (JSON, Data Package, HTML) reads through one :class:`RecordSource`, so
the formats can never disagree about what a reader may see:

- members appear under keyed pseudonyms only (``leaves.pseudonym``: no names, no e-mail
  addresses, never the sequential membership id, which with one delegate per group would
  name the person), the same as in the transparency log's leaves;
- a hidden post's text, translations, earlier versions and reactions are withheld from
  readers, who see that it was hidden and the moderator's reason; moderators (and admins)
  get the text, flagged ``hidden``;
- individual ballots appear only for motions that are not secret; a secret motion shows its
  aggregates and its (anonymous, keyed) receipts only;
- readers see published summaries only; moderators every version, drafts included;
- draft motions appear to moderators only.

Large parts stream: posts are read in batches of :data:`BATCH` by keyset pagination on their
materialised path, with their translations, revisions and reaction counts read per batch, so
memory stays flat whatever the size of the deliberation. After each batch the read
transaction ends, so a long export never holds SQLite's write lock (every transaction here
begins IMMEDIATE) against the people still debating; callers therefore commit their own
work before exporting.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..consensus.metrics import GroupCounts
from ..consensus.models import ConsensusSummary
from ..consensus.reactions import score_json
from ..consensus.rules import score_post
from ..consensus.schemas import opinions_record_json
from ..db import db, iso
from ..deliberations.access import can_moderate, get_deliberation, get_item_of, require_reader
from ..deliberations.models import (
    AgendaItem,
    AgendaItemTranslation,
    Deliberation,
    Membership,
    StakeholderGroup,
)
from ..discussion.models import Post, PostRevision, PostTranslation, Reaction
from ..discussion.rules import path_depth
from ..live.models import Announcement
from ..live.participation import participation
from ..voting.models import Ballot, Motion, MotionVoter
from ..voting.queries import live_tally
from . import log as transparency_log
from . import signing
from .audit import chain_link
from .chain import GENESIS_HASH
from .leaves import LEAF_FORMAT, pseudonym
from .models import AuditEvent, LogLeaf

logger = logging.getLogger(__name__)

#: Rows read per query when streaming posts, ballots and audit events.
BATCH = 1000

#: The two audiences of a record (see the module docstring).
MODERATORS = "moderators"
READERS = "readers"
AUDIENCES = (READERS, MODERATORS)

#: Version of the record's structure; part of every export and of the JSON Schema.
RECORD_FORMAT = "commonground-record"
RECORD_VERSION = 1
SCHEMA_PATH = "/api/v1/schemas/record.json"

Progress = Callable[[int], None]


@dataclass
class RecordSource:
    """What one export covers and for whom: a deliberation (or one of its items) as read by
    ``audience``. Build it with :func:`record_source` (authorising a user) or
    :func:`operator_source` (the command line)."""

    deliberation_id: int
    slug: str
    item_id: int | None
    audience: str
    #: Group keys in display order, read once (they feed every reaction score).
    group_keys: list[str] = field(default_factory=list)
    #: Agenda item ids in scope, in agenda order.
    item_ids: list[int] = field(default_factory=list)
    #: The size of the log's head once :meth:`log` has read it.
    log_size: int | None = None
    #: The secret of the members' pseudonyms (``leaves.pseudonym``).
    pseudonym_key: str = ""

    def alias(self, membership_id: int | None) -> str | None:
        """A member's pseudonym in this deliberation, as its log's leaves name them."""
        return None if membership_id is None else pseudonym(self.pseudonym_key, membership_id)

    @property
    def moderator(self) -> bool:
        return self.audience == MODERATORS

    # --- small parts (read whole) -----------------------------------------------------------

    def deliberation(self) -> dict:
        """The deliberation's own fields."""
        d = db.session.get(Deliberation, self.deliberation_id)
        return {
            "slug": d.slug,
            "title": d.title,
            "description": d.description or "",
            "source_language": d.source_language,
            "languages": list(d.languages or []),
            "status": d.status,
            "scheme": d.scheme,
            "observers_may_post": bool(d.observers_may_post),
            "is_public": bool(d.is_public),
            "created_at": iso(d.created_at),
        }

    def scope(self) -> dict:
        """What the record covers: deliberation, item, audience, and the time of the last
        audit event (the record holds no export time, so exports of a closed deliberation are
        identical byte for byte)."""
        return {
            "deliberation": self.slug,
            "item": self.item_id,
            "audience": self.audience,
            "last_event_at": iso(
                db.session.scalar(
                    sa.select(sa.func.max(AuditEvent.created_at)).where(
                        AuditEvent.deliberation_id == self.deliberation_id
                    )
                )
            ),
        }

    def format(self) -> dict:
        return {"name": RECORD_FORMAT, "version": RECORD_VERSION, "schema": SCHEMA_PATH}

    def groups(self) -> list[dict]:
        """The stakeholder groups with their shares, in display order."""
        return [
            {
                "key": g.key,
                "name": g.name,
                "name_translations": dict(sorted((g.name_translations or {}).items())),
                "share": g.share,
                "position": g.position,
            }
            for g in db.session.scalars(
                sa.select(StakeholderGroup)
                .where(StakeholderGroup.deliberation_id == self.deliberation_id)
                .order_by(StakeholderGroup.position, StakeholderGroup.id)
            )
        ]

    def members(self) -> Iterator[dict]:
        """Every member under their pseudonym, with role, group and vote weight."""
        query = (
            sa.select(Membership.id, Membership.role, StakeholderGroup.key, Membership.weight)
            .outerjoin(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
            .where(Membership.deliberation_id == self.deliberation_id)
            .order_by(Membership.id)
        )
        for rows in _keyset(query, Membership.id, lambda row: row[0]):
            for member_id, role, group, weight in rows:
                yield {"id": self.alias(member_id), "role": role, "group": group, "weight": weight}
            _end_read()

    def items(self) -> list[dict]:
        """The agenda items in scope with their translations, in agenda order."""
        items = list(
            db.session.scalars(
                sa.select(AgendaItem)
                .where(AgendaItem.id.in_(self.item_ids))
                .order_by(AgendaItem.position, AgendaItem.id)
            )
        )
        translations: dict[int, list[dict]] = defaultdict(list)
        for t in db.session.scalars(
            sa.select(AgendaItemTranslation)
            .where(AgendaItemTranslation.item_id.in_(self.item_ids))
            .order_by(AgendaItemTranslation.item_id, AgendaItemTranslation.language)
        ):
            translations[t.item_id].append(
                {"language": t.language, "title": t.title, "body": t.body or ""}
            )
        return [
            {
                "id": item.id,
                "position": item.position,
                "numeral": item.numeral or "",
                "title": item.title,
                "body": item.body or "",
                "language": item.language,
                "status": item.status,
                "locked": bool(item.locked),
                "attribution": item.attribution,
                "created_at": iso(item.created_at),
                "translations": translations.get(item.id, []),
            }
            for item in items
        ]

    def motions(self) -> list[dict]:
        """The motions of the items in scope: rule, secrecy, status, times, the frozen result
        once closed and the live aggregate tally while open. Drafts for moderators only."""
        query = (
            sa.select(Motion)
            .join(AgendaItem, AgendaItem.id == Motion.item_id)
            .where(Motion.item_id.in_(self.item_ids))
            .order_by(AgendaItem.position, Motion.id)
        )
        if not self.moderator:
            query = query.where(Motion.status != "draft")
        motions = list(db.session.scalars(query))
        voters = dict(
            db.session.execute(
                sa.select(MotionVoter.motion_id, sa.func.count(MotionVoter.id))
                .where(MotionVoter.motion_id.in_([m.id for m in motions]))
                .group_by(MotionVoter.motion_id)
            ).all()
        )
        rows = []
        for motion in motions:
            rows.append(
                {
                    "id": motion.id,
                    "item": motion.item_id,
                    "text": motion.text,
                    "rule": motion.rule,
                    "scheme": motion.scheme,
                    "secret": bool(motion.secret),
                    "status": motion.status,
                    "created_at": iso(motion.created_at),
                    "opened_at": iso(motion.opened_at),
                    "closed_at": iso(motion.closed_at),
                    "voters": voters.get(motion.id, 0),
                    "result": motion.result if motion.is_closed else None,
                    # Aggregates only, as every reader may see them live.
                    "tally": live_tally(motion) if motion.is_open else None,
                }
            )
        return rows

    def summaries(self) -> list[dict]:
        """Summary versions of the items in scope: published ones for readers, every version
        (drafts included) for moderators."""
        query = (
            sa.select(ConsensusSummary)
            .join(AgendaItem, AgendaItem.id == ConsensusSummary.item_id)
            .where(ConsensusSummary.item_id.in_(self.item_ids))
            .order_by(AgendaItem.position, ConsensusSummary.version)
        )
        if not self.moderator:
            query = query.where(ConsensusSummary.status == "published")
        return [
            {
                "id": s.id,
                "item": s.item_id,
                "version": s.version,
                "language": s.language,
                "status": s.status,
                "agreements": s.agreements or "",
                "divergences": s.divergences or "",
                "recommendations": s.recommendations or "",
                "based_on": s.based_on_id,
                "author": self.alias(s.author_id),
                "created_at": iso(s.created_at),
                "published_at": iso(s.published_at),
                "superseded_at": iso(s.superseded_at),
            }
            for s in db.session.scalars(query)
        ]

    def announcements(self) -> list[dict]:
        """The moderators' announcements, oldest first."""
        return [
            {
                "id": a.id,
                "author": self.alias(a.author_id),
                "text": a.text,
                "language": a.language,
                "created_at": iso(a.created_at),
            }
            for a in db.session.scalars(
                sa.select(Announcement)
                .where(Announcement.deliberation_id == self.deliberation_id)
                .order_by(Announcement.id)
            )
        ]

    def participation(self) -> dict:
        """Participation by stakeholder group (the live console's figures): for the whole
        deliberation (null in an item's record) and for each item in scope."""
        deliberation = db.session.get(Deliberation, self.deliberation_id)
        items = [db.session.get(AgendaItem, item_id) for item_id in self.item_ids]
        return {
            "overall": participation(deliberation) if self.item_id is None else None,
            "items": [participation(deliberation, item) for item in items],
        }

    def opinions(self) -> list[dict]:
        """Each item's opinion groups and bridging figures, with the algorithms and their
        parameters (``consensus.schemas.opinions_record_json``): aggregates only, computed
        over visible posts, the same for every audience."""
        items = db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.id.in_(self.item_ids))
            .order_by(AgendaItem.position, AgendaItem.id)
        )
        return [opinions_record_json(item) for item in items]

    # --- large parts (streamed) -------------------------------------------------------------

    def audit_events(self) -> Iterator[dict]:
        """The deliberation's whole audit chain in order, each event exactly as hashed plus its
        ``prev_hash`` and ``hash``. An item's record carries the whole chain too: only a
        complete chain can be verified."""
        query = (
            sa.select(AuditEvent)
            .where(AuditEvent.deliberation_id == self.deliberation_id)
            .order_by(AuditEvent.seq)
        )
        for events in _keyset(query, AuditEvent.seq, lambda event: event.seq, scalars=True):
            for event in events:
                yield chain_link(event, self.slug)
            _end_read()

    def audit_head(self) -> tuple[str, int]:
        """The hash of the chain's last event (the genesis hash when empty) and its length."""
        row = db.session.execute(
            sa.select(AuditEvent.hash, AuditEvent.seq)
            .where(AuditEvent.deliberation_id == self.deliberation_id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        return (row.hash, row.seq) if row else (GENESIS_HASH, 0)

    def log(self) -> dict:
        """The deliberation's transparency log as the record carries it: the format of its
        leaves, the latest signed head (read first: :meth:`log_leaves` stops at its size, so
        the leaves written always match it) and the public key that signed it."""
        deliberation = db.session.get(Deliberation, self.deliberation_id)
        head = signing.signed(transparency_log.tree_head(deliberation).to_json())
        self.log_size = head["size"]
        return {"format": LEAF_FORMAT, "head": head, "key": signing.instance_public_key()}

    def log_leaves(self) -> Iterator[str]:
        """The log's entries in order, up to the head :meth:`log` gave (the whole log, as
        for the audit chain, in an item's record too): each exactly as its leaf hashes it,
        canonical JSON text."""
        for _, entry in self._log_rows(LogLeaf.entry):
            yield entry

    def log_leaf_rows(self) -> Iterator[dict]:
        """The same leaves as table rows: index, event, subject and the entry exactly as
        hashed (the Data Package's ``log_leaves.csv``)."""
        for leaf, event, subject, entry in self._log_rows(
            LogLeaf.event, LogLeaf.subject, LogLeaf.entry
        ):
            yield {"leaf": leaf, "event": event, "subject": subject, "entry": entry}

    def _log_rows(self, *columns) -> Iterator[tuple]:
        """``(leaf index, *columns)`` of the log's leaves in order, up to the head's size."""
        query = sa.select(LogLeaf.leaf_index, *columns).where(
            LogLeaf.deliberation_id == self.deliberation_id
        )
        if self.log_size is not None:
            query = query.where(LogLeaf.leaf_index < self.log_size)
        query = query.order_by(LogLeaf.leaf_index)
        for rows in _keyset(query, LogLeaf.leaf_index, lambda row: row[0]):
            yield from rows
            _end_read()

    def post_count(self) -> int:
        """How many posts the record holds (for progress bars)."""
        return db.session.scalar(
            sa.select(sa.func.count(Post.id)).where(Post.item_id.in_(self.item_ids))
        )

    def posts(self, progress: Progress | None = None) -> Iterator[dict]:
        """Every post of the items in scope, item by item in agenda order and within an item
        in thread order (materialised path), with translations, earlier versions and the
        reaction aggregates of DESIGN §4 — withheld for hidden posts except for moderators."""
        for item_id in self.item_ids:
            yield from self.item_posts(item_id, progress)

    def item_posts(
        self, item_id: int, progress: Progress | None = None, *, reactions: bool = True
    ) -> Iterator[dict]:
        """The posts of one item in thread order (see :meth:`posts`); ``reactions=False``
        leaves their aggregates out (``None``) for readers that do not show them."""
        query = self._post_query().where(Post.item_id == item_id).order_by(Post.path, Post.id)
        for rows in _keyset(query, (Post.path, Post.id), lambda row: (row[0].path, row[0].id)):
            yield from self._post_rows(rows, reactions=reactions)
            if progress is not None:
                progress(len(rows))
            _end_read()

    def posts_by_id(self, post_ids: list[int]) -> list[dict]:
        """The posts with ``post_ids`` (of the items in scope), as :meth:`posts` gives them."""
        if not post_ids:
            return []
        query = self._post_query().where(Post.id.in_(post_ids), Post.item_id.in_(self.item_ids))
        return list(self._post_rows(list(db.session.execute(query))))

    def _post_query(self):
        return (
            sa.select(Post, StakeholderGroup.key)
            .join(Membership, Membership.id == Post.author_id)
            .outerjoin(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
        )

    def _post_rows(self, rows, *, reactions: bool = True) -> Iterator[dict]:
        """Post rows of one batch: translations, revisions and reaction counts of the whole
        batch in three more queries."""
        shown = [post.id for post, _ in rows if self.moderator or not post.hidden]
        translations = _by_post(
            sa.select(PostTranslation)
            .where(PostTranslation.post_id.in_(shown))
            .order_by(PostTranslation.post_id, PostTranslation.language)
        )
        revisions = _by_post(
            sa.select(PostRevision)
            .where(PostRevision.post_id.in_(shown))
            .order_by(PostRevision.post_id, PostRevision.replaced_at, PostRevision.id)
        )
        counts = reaction_counts(shown) if reactions else None
        visible = set(shown)
        for post, group_key in rows:
            yield self._post_row(
                post,
                group_key,
                post.id in visible,
                translations.get(post.id, []),
                revisions.get(post.id, []),
                counts.get(post.id, {}) if counts is not None else None,
            )

    def _post_row(self, post, group_key, shown, translations, revisions, counts) -> dict:
        return {
            "id": post.id,
            "item": post.item_id,
            "parent": post.parent_id,
            "path": post.path,
            "depth": path_depth(post.path),
            "author": self.alias(post.author_id),
            "group": group_key,
            "language": post.language,
            "created_at": iso(post.created_at),
            "edited_at": iso(post.edited_at),
            "floor_intervention": bool(post.floor_intervention),
            "hidden": bool(post.hidden),
            "hidden_reason": post.hidden_reason if post.hidden else None,
            "hidden_at": iso(post.hidden_at) if post.hidden else None,
            "hidden_by": self.alias(post.hidden_by_id) if post.hidden and self.moderator else None,
            "content_withheld": not shown,
            "redacted": post.redacted_at is not None,
            "revision": post.revision or 1,
            "body": post.body if shown else None,
            "translations": [
                {
                    "language": t.language,
                    "body": t.body,
                    "translator": self.alias(t.translator_id),
                    "created_at": iso(t.created_at),
                    "source_revision": t.source_revision,
                    "outdated": t.is_outdated(post.revision or 1),
                }
                for t in translations
            ],
            "revisions": [{"body": r.body, "replaced_at": iso(r.replaced_at)} for r in revisions],
            "reactions": (
                score_json(score_post(self.group_keys, counts))
                if shown and counts is not None
                else None
            ),
        }

    def ballots(self) -> Iterator[dict]:
        """Individual ballots of the motions that are not secret (never of a secret one),
        motion by motion, by pseudonymous member id, with the weight and group of the
        motion's electorate snapshot."""
        motion_ids = list(
            db.session.scalars(
                sa.select(Motion.id)
                .where(
                    Motion.item_id.in_(self.item_ids),
                    Motion.secret.is_(False),
                    Motion.status != "draft",
                )
                .order_by(Motion.id)
            )
        )
        for motion_id in motion_ids:
            query = (
                sa.select(Ballot, MotionVoter.group_key, MotionVoter.weight)
                .join(
                    MotionVoter,
                    sa.and_(
                        MotionVoter.motion_id == Ballot.motion_id,
                        MotionVoter.membership_id == Ballot.membership_id,
                    ),
                )
                .where(Ballot.motion_id == motion_id, Motion.secret.is_(False))
                .join(Motion, Motion.id == Ballot.motion_id)
                .order_by(Ballot.membership_id)
            )
            for rows in _keyset(query, Ballot.membership_id, lambda row: row[0].membership_id):
                for ballot, group_key, weight in rows:
                    yield {
                        "motion": ballot.motion_id,
                        "member": self.alias(ballot.membership_id),
                        "group": group_key,
                        "weight": weight,
                        "choice": ballot.choice,
                        "sequence": ballot.sequence,
                        "receipt": ballot.receipt,
                        "cast_at": iso(ballot.cast_at),
                        "updated_at": iso(ballot.updated_at),
                    }
                _end_read()

    def receipts(self) -> Iterator[dict]:
        """The receipts of every ballot of each closed motion, secret or not, sorted: anyone
        can find their own and recompute the ``receipts_digest`` of the frozen result. A
        receipt is keyed, so it tells nobody else who voted or how."""
        motion_ids = list(
            db.session.scalars(
                sa.select(Motion.id)
                .where(Motion.item_id.in_(self.item_ids), Motion.status == "closed")
                .order_by(Motion.id)
            )
        )
        for motion_id in motion_ids:
            query = (
                sa.select(Ballot.receipt, Ballot.id)
                .where(Ballot.motion_id == motion_id)
                .order_by(Ballot.receipt, Ballot.id)
            )
            for rows in _keyset(query, (Ballot.receipt, Ballot.id), tuple):
                for receipt, _ in rows:
                    yield {"motion": motion_id, "receipt": receipt}
                _end_read()


# --- building a source ------------------------------------------------------------------------


def record_source(user, slug: str, item_id: int | None = None) -> RecordSource:
    """The record of deliberation ``slug`` (or of its item ``item_id``) as ``user`` may
    export it: anyone who may read the deliberation — its members, admins, and, for a
    public deliberation, everyone — may; moderators and admins get the moderators' record.

    Refusals: 404 for an unknown deliberation or an item of another one, 401/403 as
    :func:`~commonground.deliberations.access.require_reader` decides.
    """
    deliberation = get_deliberation(slug)
    require_reader(user, deliberation)
    audience = MODERATORS if can_moderate(user, deliberation) else READERS
    return _source(deliberation, item_id, audience)


def operator_source(slug: str, item_id: int | None = None, audience: str = READERS):
    """The record for the command line, whose operator chooses the audience."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    return _source(get_deliberation(slug), item_id, audience)


def _source(deliberation: Deliberation, item_id: int | None, audience: str) -> RecordSource:
    if item_id is not None:
        item_ids = [get_item_of(deliberation, item_id).id]
    else:
        item_ids = list(
            db.session.scalars(
                sa.select(AgendaItem.id)
                .where(AgendaItem.deliberation_id == deliberation.id)
                .order_by(AgendaItem.position, AgendaItem.id)
            )
        )
    group_keys = list(
        db.session.scalars(
            sa.select(StakeholderGroup.key)
            .where(StakeholderGroup.deliberation_id == deliberation.id)
            .order_by(StakeholderGroup.position, StakeholderGroup.id)
        )
    )
    return RecordSource(
        deliberation_id=deliberation.id,
        slug=deliberation.slug,
        item_id=item_id,
        audience=audience,
        group_keys=group_keys,
        item_ids=item_ids,
        pseudonym_key=transparency_log.pseudonym_key(deliberation.id),
    )


# --- helpers ----------------------------------------------------------------------------------


def reaction_counts(post_ids) -> dict[int, dict[str | None, GroupCounts]]:
    """Reaction counts of ``post_ids`` by post and group key (None: members without a
    group), in one ``GROUP BY``."""
    post_ids = list(post_ids)
    if not post_ids:
        return {}
    rows = db.session.execute(
        sa.select(Reaction.post_id, StakeholderGroup.key, Reaction.stance, sa.func.count())
        .join(Membership, Membership.id == Reaction.membership_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
        .where(Reaction.post_id.in_(post_ids))
        .group_by(Reaction.post_id, StakeholderGroup.key, Reaction.stance)
    )
    tallies: dict = defaultdict(lambda: defaultdict(lambda: {"agree": 0, "disagree": 0, "pass": 0}))
    for post_id, key, stance, number in rows:
        tallies[post_id][key][stance] = number
    return {
        post_id: {
            key: GroupCounts(c["agree"], c["disagree"], c["pass"]) for key, c in groups.items()
        }
        for post_id, groups in tallies.items()
    }


def _keyset(query, columns, key_of, *, scalars: bool = False) -> Iterator[list]:
    """``query`` (ordered by ``columns``, unique together) in batches of :data:`BATCH`
    rows, each batch read after the last key of the one before: no cursor stays open across
    batches, so the read transaction can end between them (see :func:`_end_read`)."""
    columns = columns if isinstance(columns, tuple) else (columns,)
    last = None
    while True:
        page = query
        if last is not None:
            page = page.where(
                columns[0] > last[0] if len(columns) == 1 else sa.tuple_(*columns) > last
            )
        rows = list(
            db.session.scalars(page.limit(BATCH))
            if scalars
            else db.session.execute(page.limit(BATCH))
        )
        if not rows:
            return
        # Read before the batch is handed out: the consumer may end the transaction.
        last = key_of(rows[-1])
        last = last if isinstance(last, tuple) else (last,)
        yield rows
        if len(rows) < BATCH:
            return


def _by_post(query) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in db.session.scalars(query):
        grouped[row.post_id].append(row)
    return grouped


def _end_read() -> None:
    """End the read transaction between batches, so a long export never holds SQLite's
    write lock (transactions begin IMMEDIATE here) against the people still debating.

    A commit, not a rollback: an export changes nothing, and a caller's pending work must
    never be lost because an export ran in the same session.
    """
    db.session.commit()
