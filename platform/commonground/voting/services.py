"""Motions and ballots: one function per action, shared by pages, the API and sockets.

Each action authorises the actor, validates its input before changing anything, makes the
change, writes an audit event where DESIGN §2 asks for one, and flushes; the caller commits
through ``transactions.in_transaction``. Reading is in ``queries.py``.

Concurrency (issue 4): every write to a motion or its ballots first locks rows in one order —
the deliberation (moderator actions and casts alike: both then append to its log), then the
motion, then the voter's snapshot row — so, on PostgreSQL:

* a cast holds a *shared* lock on its motion until it commits, and close takes an exclusive
  one, so a close waits for casts in flight and no cast slips in after the close;
* a cast holds an exclusive lock on the voter's ``motion_voters`` row, so one voter's casts
  take turns: the second sees the first's ballot and changes it (never a second row, never a
  lost change, and ``sequence`` counts every cast).

Casts that arrive together over sockets are carried out together (issue 15, group commit):
:func:`cast_ballots` takes the locks once for the whole group — the voters' rows in the order
of their ids, so two groups never wait for each other in a cycle — and writes the group's
ballots, running sums and log leaves in a fixed number of statements. :func:`cast_ballot` (the
page and the API) is a group of one.

On SQLite every transaction begins IMMEDIATE (see ``db.py``), which serialises writers
outright; the row locks are no-ops there. The UNIQUE constraint on ballots stays the last line
of defence, and ``in_transaction`` retries deadlocks, serialisation failures, a busy SQLite
file and that constraint's violation.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from .. import events, fields
from ..accounts.models import User
from ..db import OneOf, db, insert_rows, lock_row, utcnow
from ..deliberations.access import (
    get_item,
    is_admin,
    membership_of,
    memberships_of,
    participation_error,
    require_moderator,
    require_reader,
    require_reader_as_member,
    require_signed_in,
    signed_in_id,
)
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from ..realtime.emitting import call_after_commit, emit_after_commit
from ..realtime.rooms import item_room
from ..records.audit import record_event
from ..records.chain import canonical_json
from .broadcast import announce_tally
from .models import Ballot, BallotSum, Motion, MotionGroup, MotionVoter
from .queries import (
    compute_tally,
    deliberation_of,
    live_tally,
    motion_rule,
    voter_count,
)
from .receipts import ballot_receipt, receipt_key, receipts_digest
from .rules import CHOICES, Rule, RuleError, legal_choices, sum_changes
from .schemas import motion_json, tally_json

logger = logging.getLogger(__name__)


TEXT_MAX = 10_000

# --- motions -------------------------------------------------------------------------------


def validated_rule(value, group_keys) -> Rule:
    """A motion's rule from its JSON, checked against the deliberation's groups.

    A refusal names the field inside the rule, e.g. ``rule.threshold``.
    """
    try:
        rule = Rule.from_json(value)
        rule.check_groups(group_keys)
    except RuleError as error:
        field = "rule" if error.field == "rule" else f"rule.{error.field}"
        raise Invalid(
            # i18n: %(detail)s is a technical explanation, in English
            _l("This rule is not valid: %(detail)s", detail=error.message),
            field=field,
        ) from None
    return rule


def create_motion(user, item: AgendaItem, *, text, rule, secret=False) -> Motion:
    """Put a motion on an agenda item, as a draft (moderators)."""
    deliberation = item.deliberation
    require_moderator(user, deliberation)
    text = fields.text(text, "text", max_length=TEXT_MAX)
    secret = fields.boolean(secret, "secret")
    checked = validated_rule(rule, [group.key for group in deliberation.groups])
    if deliberation.is_closed or item.is_closed:
        raise Conflict(_l("This agenda item is closed: no new motions."), code="item_closed")
    membership = membership_of(user, deliberation)
    motion = Motion(
        item_id=item.id,
        text=text,
        rule=checked.to_json(),
        secret=secret,
        status="draft",
        created_by_id=membership.id if membership else None,
    )
    db.session.add(motion)
    db.session.flush()
    record_event(
        deliberation,
        user,
        "motion.create",
        f"motion:{motion.id}",
        {"item": item.id, "text": text, "rule": motion.rule, "secret": secret},
    )
    return motion


def create_motion_on_item(user, item_id: int, **values) -> Motion:
    """:func:`create_motion` on the item with ``item_id`` (404 when there is none)."""
    return create_motion(user, get_item(item_id), **values)


def _lock_deliberation(deliberation: Deliberation) -> None:
    # Taken before the motion's lock, in the order record_event takes it too, so a moderator
    # action and a concurrent audit writer never wait for each other in a cycle.
    lock_row(Deliberation.id, deliberation.id)


def _locked_motion(motion_id: int) -> Motion:
    """Re-read the motion under an exclusive row lock (status changes; casts take a shared
    one, see :func:`_lock_open_status`)."""
    motion = db.session.scalar(
        sa.select(Motion)
        .where(Motion.id == motion_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if motion is None:
        raise NotFound(_l("There is no motion with this number."))
    return motion


def open_motion(user, motion: Motion) -> Motion:
    """Open a draft motion for voting (moderators; the item must be open).

    Takes the electorate snapshot: every group's key and share, and every member who may
    vote (:attr:`Membership.can_vote`) with their group and weight at this instant. Later
    changes to memberships, weights or shares never alter this vote. Copies the
    deliberation's voting scheme onto the motion.
    """

    deliberation = deliberation_of(motion)
    require_moderator(user, deliberation)
    _lock_deliberation(deliberation)
    motion = _locked_motion(motion.id)
    if not motion.is_draft:
        raise Conflict(_l("Only a draft motion can be opened."), code="motion_not_draft")
    item = motion.item
    if not (deliberation.is_open and item.is_open):
        raise Conflict(
            _l("Motions can be opened only on an open agenda item of an open deliberation."),
            code="item_not_open",
        )
    groups = list(
        db.session.scalars(
            sa.select(StakeholderGroup)
            .where(StakeholderGroup.deliberation_id == deliberation.id)
            .order_by(StakeholderGroup.position, StakeholderGroup.id)
        )
    )
    # The groups may have changed since the draft was written.
    validated_rule(motion.rule, [group.key for group in groups])

    for position, group in enumerate(groups):
        db.session.add(
            MotionGroup(
                motion_id=motion.id,
                group_id=group.id,
                key=group.key,
                share=group.share,
                position=position,
            )
        )
    # One INSERT … SELECT, whatever the size of the electorate. The condition is
    # Membership.can_vote in SQL: delegates, and moderators who belong to a group. A member
    # needs a group to be counted in any tally, so a delegate without one is not eligible;
    # nor is the membership of an erased account, which can never sign in to vote.
    eligible = (
        sa.select(
            sa.literal(motion.id),
            Membership.id,
            StakeholderGroup.key,
            Membership.weight,
        )
        .join(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.deliberation_id == deliberation.id,
            Membership.role.in_(("delegate", "moderator")),
            User.erased_at.is_(None),
        )
    )
    db.session.execute(
        sa.insert(MotionVoter).from_select(
            ["motion_id", "membership_id", "group_key", "weight"], eligible
        )
    )
    motion.scheme = deliberation.scheme
    motion.status = "open"
    motion.opened_at = utcnow()
    db.session.flush()
    voters, weight = _count_electorate(motion)
    record_event(
        deliberation,
        user,
        "motion.open",
        f"motion:{motion.id}",
        {
            "scheme": motion.scheme,
            "voters": voters,
            "eligible_weight": int(weight),
            "groups": [{"key": g.key, "share": g.share} for g in groups],
        },
    )
    emit_after_commit(
        "motion:open",
        {**motion_json(motion, voters=voters), "tally": live_tally(motion)},
        to=item_room(motion.item_id),
    )
    events.motion_status_changed.send(motion, status="open")
    logger.info("motion %s opened: %s voters, weight %s", motion.id, voters, weight)
    return motion


def _count_electorate(motion: Motion) -> tuple[int, int]:
    """Store each snapshot group's voters and eligible weight, and create the motion's
    running sums (every group × choice at zero); returns the electorate's size and weight.

    One GROUP BY over the snapshot, once, when the motion opens: afterwards the tally reads
    these few rows, never the voters or the ballots.
    """
    counted = {
        key: (voters, int(weight))
        for key, voters, weight in db.session.execute(
            sa.select(
                MotionVoter.group_key,
                sa.func.count(MotionVoter.id),
                sa.func.sum(MotionVoter.weight),
            )
            .where(MotionVoter.motion_id == motion.id)
            .group_by(MotionVoter.group_key)
        )
    }
    groups = db.session.scalars(sa.select(MotionGroup).where(MotionGroup.motion_id == motion.id))
    for group in groups:
        group.voters, group.eligible_weight = counted.get(group.key, (0, 0))
        db.session.add_all(
            BallotSum(motion_id=motion.id, group_key=group.key, choice=choice) for choice in CHOICES
        )
    db.session.flush()
    return (
        sum(voters for voters, _ in counted.values()),
        sum(weight for _, weight in counted.values()),
    )


def close_motion(user, motion: Motion) -> Motion:
    """Close an open motion (moderators): freeze its tally and record it in the audit chain.

    The stored result is the TALLY computed at this instant, plus the digest of the
    ballots' receipts; it is never recomputed afterwards.
    """

    deliberation = deliberation_of(motion)
    require_moderator(user, deliberation)
    _lock_deliberation(deliberation)
    motion = _locked_motion(motion.id)
    if not motion.is_open:
        raise Conflict(_l("Only an open motion can be closed."), code="motion_not_open")
    tally, casts = compute_tally(motion, recount=True)
    receipts = db.session.scalars(
        sa.select(Ballot.receipt).where(Ballot.motion_id == motion.id)
    ).all()
    motion.status = "closed"
    motion.closed_at = utcnow()
    result = tally_json(motion, tally, casts=casts)
    result["receipts_digest"] = receipts_digest(receipts)
    motion.result = result
    db.session.flush()
    record_event(
        deliberation,
        user,
        "motion.close",
        f"motion:{motion.id}",
        {
            "outcome": tally.outcome,
            "support": str(tally.support),
            "participation": str(tally.participation),
            "ballots": tally.ballots,
            "receipts_digest": result["receipts_digest"],
            "result_sha256": hashlib.sha256(canonical_json(result)).hexdigest(),
        },
    )
    emit_after_commit(
        "motion:closed",
        motion_json(motion, voters=voter_count(motion)),
        to=item_room(motion.item_id),
    )
    events.motion_status_changed.send(motion, status="closed")
    logger.info("motion %s closed: %s", motion.id, tally.outcome)
    return motion


# --- ballots -------------------------------------------------------------------------------


def current_receipt_key() -> bytes:
    """The key of ballot receipts, derived from this installation's SECRET_KEY."""
    return receipt_key(current_app.config["SECRET_KEY"])


@dataclass(frozen=True)
class Cast:
    """One cast as it was made — what its answer and its leaf in the log describe (the
    voter's ballot row may change again later in the same group of casts)."""

    motion_id: int
    membership_id: int
    #: The voter's row of the motion's electorate snapshot (group and weight).
    voter: MotionVoter
    choice: str
    sequence: int
    receipt: str
    cast_at: datetime
    updated_at: datetime


def cast_ballot(user, motion: Motion, choice) -> Cast:
    """Cast or change the user's ballot on an open motion; returns the cast.

    Refusals: 401 signed out; 403 for a user who may not read the deliberation; 404 for a
    draft motion the user may not see (as :func:`queries.readable_motion` answers); 409
    when the motion (or its item) is not open; 403 ``not_a_voter`` when the user is not in
    the motion's electorate snapshot; 422 for a choice the rule does not allow (block only
    under consensus). Every cast, even of the same choice again, increments ``sequence``
    and issues a new receipt.
    """
    (outcome,) = cast_ballots(motion, [(user, choice)])
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


def cast_ballots(motion: Motion, casts: list[tuple]) -> list[Cast | ServiceError]:
    """Cast ``casts`` — ``(user, choice)`` each, in order — on ``motion`` together; for
    each, its :class:`Cast` or the error that refused it (the rules of :func:`cast_ballot`).

    A refused cast changes nothing and holds up no other. The group shares one transaction
    and everything a cast would otherwise pay alone: the locks, one read of the voters with
    their memberships, one of their ballots, one move of each running sum it touches, one
    append to the log and one tally broadcast (the socket ``ballot`` event groups the
    casts that arrive together: ``sockets.py``). A voter's casts in one group are taken in
    order, as if one after the other. A fixed number of statements, however many casts.
    """
    deliberation = deliberation_of(motion)
    # First, as a close does: the casts' log append locks the deliberation anyway, and
    # taking it after the motion's shared lock would deadlock with a close.
    _lock_deliberation(deliberation)
    _lock_open_status(motion)
    members = _members_and_voters([user for user, _ in casts], motion, deliberation)
    legal = legal_choices(motion_rule(motion))
    outcomes: list[Cast | ServiceError | None] = []
    accepted: list[tuple[int, MotionVoter, str]] = []
    for user, choice in casts:
        membership, voter = members.get(signed_in_id(user), (None, None))
        try:
            _check_cast(user, motion, deliberation, membership, voter)
            accepted.append((len(outcomes), voter, fields.choice(choice, "choice", legal)))
            outcomes.append(None)
        except ServiceError as error:
            outcomes.append(error)
    if not accepted:
        return outcomes

    stored = {
        row.membership_id: row
        for row in db.session.execute(
            _STORED_BALLOTS,
            {
                "motion_id": motion.id,
                "membership_ids": list({voter.membership_id for _, voter, _ in accepted}),
            },
        )
    }
    key = current_receipt_key()
    now = utcnow()
    #: Each voter's ballot after this group's casts so far: its row's values.
    ballots: dict[int, dict] = {}
    sums: dict[tuple[str, str], list[int]] = {}
    for index, voter, choice in accepted:
        ballot = ballots.get(voter.membership_id)
        if ballot is None:
            row = stored.get(voter.membership_id)
            ballot = ballots[voter.membership_id] = (
                {"id": None, "choice": None, "sequence": 0, "cast_at": now}
                if row is None
                else {
                    "id": row.id,
                    "choice": row.choice,
                    "sequence": row.sequence,
                    "cast_at": row.cast_at,
                }
            )
        before = (ballot["choice"], ballot["sequence"]) if ballot["sequence"] else None
        ballot["sequence"] += 1
        ballot["choice"] = choice
        ballot["receipt"] = ballot_receipt(
            key, motion.id, voter.membership_id, ballot["sequence"], choice
        )
        for changed, (count, sequences) in sum_changes(
            before, (choice, ballot["sequence"])
        ).items():
            moved = sums.setdefault((voter.group_key, changed), [0, 0, 0])
            moved[0] += count
            moved[1] += count * voter.weight
            moved[2] += sequences
        outcomes[index] = Cast(
            motion_id=motion.id,
            membership_id=voter.membership_id,
            voter=voter,
            choice=choice,
            sequence=ballot["sequence"],
            receipt=ballot["receipt"],
            cast_at=ballot["cast_at"],
            updated_at=now,
        )
    _write_ballots(motion.id, ballots, now)
    _move_ballot_sums(motion.id, sums)
    events.ballots_cast.send(motion, casts=[outcomes[index] for index, _, _ in accepted])
    motion_id, item_id = motion.id, motion.item_id
    call_after_commit(lambda: announce_tally(motion_id, item_id))
    return outcomes


# Built once, as the reads of _members_and_voters: they run for every group of casts.
_STORED_BALLOTS = sa.select(
    Ballot.id, Ballot.membership_id, Ballot.choice, Ballot.sequence, Ballot.cast_at
).where(
    Ballot.motion_id == sa.bindparam("motion_id"), OneOf(Ballot.membership_id, "membership_ids")
)

_ballots = Ballot.__table__
#: A ballot's row after a change of its choice (a Core statement built once).
_CHANGE_BALLOT = (
    sa.update(_ballots)
    .where(_ballots.c.id == sa.bindparam("ballot_id"))
    .values(
        choice=sa.bindparam("choice"),
        sequence=sa.bindparam("sequence"),
        receipt=sa.bindparam("receipt"),
        updated_at=sa.bindparam("updated_at"),
    )
)


def _write_ballots(motion_id: int, ballots: dict[int, dict], now) -> None:
    """Store a group's ballots (membership id → the row's values): the new ones in one
    INSERT, the changed ones in one UPDATE, each run for every row.

    Plain rows, none of the unit of work's bookkeeping (the answers need no ballot id). A
    ballot of the motion already loaded in this session is expired, so it is read afresh.
    """
    new = [
        {
            "motion_id": motion_id,
            "membership_id": membership_id,
            "choice": ballot["choice"],
            "sequence": ballot["sequence"],
            "receipt": ballot["receipt"],
            "cast_at": ballot["cast_at"],
            "updated_at": now,
        }
        for membership_id, ballot in ballots.items()
        if ballot["id"] is None
    ]
    changed = [
        {
            "ballot_id": ballot["id"],
            "choice": ballot["choice"],
            "sequence": ballot["sequence"],
            "receipt": ballot["receipt"],
            "updated_at": now,
        }
        for ballot in ballots.values()
        if ballot["id"] is not None
    ]
    insert_rows(_ballots, new)
    if changed:
        db.session.execute(_CHANGE_BALLOT, changed)
    for loaded in [o for o in db.session.identity_map.values() if isinstance(o, Ballot)]:
        db.session.expire(loaded)


def _check_cast(
    user,
    motion: Motion,
    deliberation: Deliberation,
    membership: Membership | None,
    voter: MotionVoter | None,
) -> None:
    """Refuse a cast by ``user`` (``membership`` and snapshot row ``voter`` already read)
    that :func:`cast_ballot` may not make."""
    require_signed_in(user)
    require_reader_as_member(user, deliberation, membership)
    if motion.is_draft and not (is_admin(user) or (membership and membership.is_moderator)):
        raise NotFound(_l("There is no motion with this number."))
    if not motion.is_open:
        raise Conflict(_l("This motion is not open for voting."), code="motion_not_open")
    if (
        refusal := participation_error(user, "vote", deliberation, motion.item, membership)
    ) is not None:
        raise refusal
    if voter is None:
        raise Forbidden(
            _l("You are not among the delegates who may vote on this motion."),
            code="not_a_voter",
        )


def _lock_open_status(motion: Motion) -> None:
    """Take the cast's shared lock on the motion (held until commit, so a close waits for
    it) and read the motion's status under it into ``motion``.

    Only the status: of what a cast reads of the motion, nothing else ever changes (its
    item, rule and secrecy are set when it is written; no action edits them), and a re-read
    of the whole row with ``populate_existing`` would make every later lazy load of it (its
    item) query again.
    """
    status = db.session.scalar(
        sa.select(Motion.status).where(Motion.id == motion.id).with_for_update(read=True)
    )
    if status is None:
        raise NotFound(_l("There is no motion with this number."))
    set_committed_value(motion, "status", status)


def _members_and_voters(
    users, motion: Motion, deliberation: Deliberation
) -> dict[int, tuple[Membership | None, MotionVoter | None]]:
    """The signed-in ``users``' memberships and rows of the motion's electorate snapshot,
    by user id; the rows locked exclusively until commit, in the order of their ids (so
    one voter's casts take turns, and two groups of casts never wait for each other in a
    cycle). One statement when they are all voters, two otherwise."""
    user_ids = {user_id for user in users if (user_id := signed_in_id(user)) is not None}
    if not user_ids:
        return {}
    found = {
        row.Membership.user_id: (row.Membership, row.MotionVoter)
        for row in db.session.execute(
            _MEMBERS_AND_VOTERS,
            {
                "motion_id": motion.id,
                "deliberation_id": deliberation.id,
                "user_ids": list(user_ids),
            },
        )
    }
    if others := user_ids - found.keys():
        outside = [user for user in users if signed_in_id(user) in others]
        for user_id, membership in memberships_of(outside, deliberation).items():
            found[user_id] = (membership, None)
    return found


_MEMBERS_AND_VOTERS = (
    sa.select(Membership, MotionVoter)
    .join(
        MotionVoter,
        sa.and_(
            MotionVoter.membership_id == Membership.id,
            MotionVoter.motion_id == sa.bindparam("motion_id"),
        ),
    )
    .where(
        Membership.deliberation_id == sa.bindparam("deliberation_id"),
        OneOf(Membership.user_id, "user_ids"),
    )
    .order_by(MotionVoter.id)
    .with_for_update(of=MotionVoter)
)


_sums = BallotSum.__table__.c
#: One running sum moved by one cast (a Core statement built once: it runs on every cast).
_MOVE_SUM = (
    sa.update(BallotSum.__table__)
    .where(
        _sums.motion_id == sa.bindparam("sum_motion_id"),
        _sums.group_key == sa.bindparam("sum_group_key"),
        _sums.choice == sa.bindparam("sum_choice"),
    )
    .values(
        ballots=_sums.ballots + sa.bindparam("sum_ballots"),
        weight=_sums.weight + sa.bindparam("sum_weight"),
        casts=_sums.casts + sa.bindparam("sum_casts"),
    )
)


def _move_ballot_sums(motion_id: int, sums: dict[tuple[str, str], list[int]]) -> None:
    """Move the running sums by ``sums`` — (group key, choice) → [ballots, weight, casts]
    — in the casts' own transaction: one UPDATE per sum touched.

    The rows are updated in a fixed order (group key, then the order of ``CHOICES``), so
    two groups of casts never wait for each other in a cycle on PostgreSQL; each UPDATE
    adds to the stored value, so concurrent casts of the same choice take turns on the row
    and none is lost.
    """
    for group_key, choice in sorted(sums, key=lambda sum_: (sum_[0], CHOICES.index(sum_[1]))):
        ballots, weight, casts = sums[group_key, choice]
        if not (ballots or weight or casts):
            continue
        changed = db.session.execute(
            _MOVE_SUM,
            {
                "sum_motion_id": motion_id,
                "sum_group_key": group_key,
                "sum_choice": choice,
                "sum_ballots": ballots,
                "sum_weight": weight,
                "sum_casts": casts,
            },
        ).rowcount
        if changed != 1:
            # Every group × choice row is created when the motion opens (or by the
            # migration that introduced the sums): a missing row is a bug, never a case.
            raise RuntimeError(f"no running sum for motion {motion_id} {group_key} {choice}")


def receipt_status(user, motion: Motion, receipt: str) -> Ballot:
    """The ballot whose current receipt is ``receipt`` (any reader may ask), or 404.

    Tells nothing about the ballot but that it is counted (and, to its holder, which of
    their casts it was): receipts are keyed, so nobody can compute another voter's.
    """
    require_reader(user, deliberation_of(motion))
    ballot = None
    if isinstance(receipt, str) and len(receipt) == 64:
        ballot = db.session.scalar(
            sa.select(Ballot).where(
                Ballot.motion_id == motion.id, Ballot.receipt == receipt.lower()
            )
        )
    if ballot is None:
        raise NotFound(
            _l(
                "This is not the receipt of a ballot counted in this motion. "
                "Only the receipt of your latest cast counts."
            ),
            code="unknown_receipt",
        )
    return ballot


def receipt_list(user, motion: Motion) -> dict:
    """Every counted ballot's receipt, sorted (so they say nothing of who or when), with a
    check of each against its ballot and of the whole list against the frozen result.

    Only once the motion is closed: the list is part of the record.
    """
    require_reader(user, deliberation_of(motion))
    if not motion.is_closed:
        raise Conflict(
            _l("Receipts are published when the motion closes."), code="motion_not_closed"
        )
    key = current_receipt_key()
    rows = db.session.execute(
        sa.select(Ballot.receipt, Ballot.membership_id, Ballot.sequence, Ballot.choice)
        .where(Ballot.motion_id == motion.id)
        .order_by(Ballot.receipt)
    ).all()
    receipts = [row.receipt for row in rows]
    altered = sum(
        1
        for row in rows
        if row.receipt
        != ballot_receipt(key, motion.id, row.membership_id, row.sequence, row.choice)
    )
    digest = receipts_digest(receipts)
    return {
        "items": receipts,
        "digest": digest,
        "matches_result": digest == (motion.result or {}).get("receipts_digest"),
        "altered_ballots": altered,
    }
