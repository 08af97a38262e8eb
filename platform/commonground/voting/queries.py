"""Reading motions, ballots and tallies: no change to any data.

Other capabilities may read these (the records export takes the live tally of an open
motion, the console lists an item's motions); changes go through ``services.py``.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..db import db, iso
from ..deliberations.access import (
    can_moderate,
    require_reader,
    require_signed_in,
)
from ..deliberations.models import AgendaItem, Deliberation, Membership
from ..errors import Conflict, Forbidden, NotFound
from .models import Ballot, BallotSum, Motion, MotionGroup, MotionVoter
from .rules import ChoiceSum, GroupInfo, Rule, Tally, tally_from_sums
from .schemas import sealed_tally_json, tally_json

logger = logging.getLogger(__name__)

# --- reading -------------------------------------------------------------------------------

_WITH_ITEM = [joinedload(Motion.item).joinedload(AgendaItem.deliberation)]


def get_motion(motion_id: int) -> Motion:
    """The motion with ``motion_id``, or a 404 error."""
    # With its item and deliberation, which every caller's rights check reads next: one
    # statement instead of three.
    motion = db.session.get(Motion, motion_id, options=_WITH_ITEM)
    if motion is None:
        raise NotFound(_l("There is no motion with this number."))
    return motion


def deliberation_of(motion: Motion) -> Deliberation:
    """The deliberation the motion's agenda item belongs to."""
    return motion.item.deliberation


def readable_motion(user, motion_id: int) -> Motion:
    """The motion, if the user may read it: a reader of its deliberation, and a moderator
    for drafts (which others cannot tell from a motion that does not exist)."""
    motion = get_motion(motion_id)
    deliberation = deliberation_of(motion)
    require_reader(user, deliberation)
    if motion.is_draft and not can_moderate(user, deliberation):
        raise NotFound(_l("There is no motion with this number."))
    return motion


def item_motions(user, item: AgendaItem) -> list[Motion]:
    """The item's motions the user may see, oldest first; drafts only for moderators."""
    require_reader(user, item.deliberation)
    query = sa.select(Motion).where(Motion.item_id == item.id).order_by(Motion.id)
    if not can_moderate(user, item.deliberation):
        query = query.where(Motion.status != "draft")
    return list(db.session.scalars(query))


def motion_rule(motion: Motion) -> Rule:
    """The motion's rule (stored as validated JSON)."""
    return Rule.from_json(motion.rule)


def voter_count(motion: Motion) -> int:
    """How many delegates may vote on the motion (0 before it opens): the snapshot's
    per-group counts, stored when it opened."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(MotionGroup.voters), 0)).where(
            MotionGroup.motion_id == motion.id
        )
    )


def voter_of(user, motion: Motion) -> MotionVoter | None:
    """The user's place in the motion's electorate snapshot, or None."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(MotionVoter)
        .join(Membership, Membership.id == MotionVoter.membership_id)
        .where(MotionVoter.motion_id == motion.id, Membership.user_id == user.id)
    )


def own_ballot(user, motion: Motion) -> tuple[MotionVoter | None, Ballot | None]:
    """The user's voter snapshot row and current ballot on the motion (either may be None)."""
    require_signed_in(user)
    require_reader(user, deliberation_of(motion))
    voter = voter_of(user, motion)
    if voter is None:
        return None, None
    ballot = db.session.scalar(
        sa.select(Ballot).where(
            Ballot.motion_id == motion.id, Ballot.membership_id == voter.membership_id
        )
    )
    return voter, ballot


def open_ballots(user, motion: Motion) -> list[tuple[Ballot, MotionVoter, Membership]]:
    """Who voted what on an open-ballot motion, by group and name; refused when secret.

    For a secret motion nobody, moderators and admins included, may see individual ballots.
    """
    require_reader(user, deliberation_of(motion))
    if motion.secret:
        raise Forbidden(
            _l("This is a secret ballot: only the totals are ever shown."), code="secret_ballot"
        )
    rows = db.session.execute(
        sa.select(Ballot, MotionVoter, Membership)
        .join(
            MotionVoter,
            sa.and_(
                MotionVoter.motion_id == Ballot.motion_id,
                MotionVoter.membership_id == Ballot.membership_id,
            ),
        )
        .join(Membership, Membership.id == Ballot.membership_id)
        .join(User, User.id == Membership.user_id)
        .join(
            MotionGroup,
            sa.and_(
                MotionGroup.motion_id == Ballot.motion_id,
                MotionGroup.key == MotionVoter.group_key,
            ),
        )
        .where(Ballot.motion_id == motion.id)
        .order_by(MotionGroup.position, User.name, Membership.id)
    )
    return [tuple(row) for row in rows]


# --- the tally -----------------------------------------------------------------------------


def snapshot_groups(motion: Motion) -> list[GroupInfo]:
    """The motion's groups as they stood when it opened, with their eligible weights
    (stored when it opened; 0 for a group without delegates), in display order."""
    rows = db.session.execute(
        sa.select(MotionGroup.key, MotionGroup.share, MotionGroup.eligible_weight)
        .where(MotionGroup.motion_id == motion.id)
        .order_by(MotionGroup.position, MotionGroup.id)
    )
    return [GroupInfo(key, share, weight) for key, share, weight in rows]


def running_sums(motion: Motion) -> tuple[list[ChoiceSum], int]:
    """Ballot counts and summed snapshot weights per (group, choice), and the number of
    casts so far, from the running sums every cast keeps up to date: groups × choices
    rows, whatever the number of ballots.

    ``casts`` only grows, so a client receiving live tallies out of order keeps the one
    with the most casts.
    """
    rows = db.session.execute(
        sa.select(
            BallotSum.group_key,
            BallotSum.choice,
            BallotSum.ballots,
            BallotSum.weight,
            BallotSum.casts,
        ).where(BallotSum.motion_id == motion.id)
    ).all()
    sums = [
        ChoiceSum(key, choice, count, int(weight))
        for key, choice, count, weight, _ in rows
        if count
    ]
    return sums, sum(int(row.casts) for row in rows)


def recounted_sums(motion: Motion) -> tuple[list[ChoiceSum], int]:
    """The same figures as :func:`running_sums`, recounted from every ballot — one GROUP BY
    over the ballots joined to the electorate snapshot. Closing a motion counts this way.

    Weights come from the snapshot, not from the memberships, so a weight changed after
    the motion opened never alters its tally.
    """
    rows = db.session.execute(
        sa.select(
            MotionVoter.group_key,
            Ballot.choice,
            sa.func.count(),
            sa.func.sum(MotionVoter.weight),
            sa.func.sum(Ballot.sequence),
        )
        .select_from(Ballot)
        .join(
            MotionVoter,
            sa.and_(
                MotionVoter.motion_id == Ballot.motion_id,
                MotionVoter.membership_id == Ballot.membership_id,
            ),
        )
        .where(Ballot.motion_id == motion.id)
        .group_by(MotionVoter.group_key, Ballot.choice)
    ).all()
    sums = [ChoiceSum(key, choice, count, int(weight)) for key, choice, count, weight, _ in rows]
    return sums, sum(int(row[4]) for row in rows)


def compute_tally(motion: Motion, *, recount: bool = False) -> tuple[Tally, int]:
    """Tally an open (or closing) motion exactly (DESIGN §3); returns the tally and the
    number of casts so far.

    From the running sums (two small queries, whatever the number of ballots), or, with
    ``recount``, from every ballot — closing does that and checks that both agree.
    """
    if motion.scheme is None:
        raise Conflict(_l("This motion has not been opened yet."), code="motion_not_open")
    if recount:
        sums, casts = recounted_sums(motion)
        running = running_sums(motion)
        if sorted(running[0]) != sorted(sums) or running[1] != casts:
            # The recount is the truth; a difference means a cast bypassed the service.
            logger.error(
                "motion %s: running sums %s differ from the recount %s",
                motion.id,
                running,
                (sums, casts),
            )
    else:
        sums, casts = running_sums(motion)
    return tally_from_sums(motion.scheme, motion_rule(motion), snapshot_groups(motion), sums), casts


def live_tally(motion: Motion) -> dict:
    """The TALLY shape of an open motion, computed now (aggregates only); for a secret
    motion, the sealed shape (the number of ballots cast) until it closes."""
    if motion.secret:
        return sealed_tally_json(motion, **_ballot_count(motion))
    tally, casts = compute_tally(motion)
    return tally_json(motion, tally, casts=casts)


def _ballot_count(motion: Motion) -> dict:
    ballots, casts = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(BallotSum.ballots), 0),
            sa.func.coalesce(sa.func.sum(BallotSum.casts), 0),
        ).where(BallotSum.motion_id == motion.id)
    ).one()
    return {"ballots": int(ballots), "casts": int(casts)}


def current_tally(user, motion: Motion) -> dict:
    """The tally in the TALLY shape: live while open, the frozen result once closed.

    Aggregates only, whatever the motion's secrecy: never a voter's ballot.
    """
    require_reader(user, deliberation_of(motion))
    if motion.is_closed:
        return motion.result
    if not motion.is_open:
        raise Conflict(_l("This motion has not been opened yet."), code="motion_not_open")
    return live_tally(motion)


def has_taken_part(membership: Membership, **kwargs) -> bool:
    """Receiver of ``events.member_took_part``: the member cast a ballot or stands in a
    motion's electorate."""
    for model, column in ((Ballot, Ballot.membership_id), (MotionVoter, MotionVoter.membership_id)):
        if db.session.scalar(sa.select(model.id).where(column == membership.id).limit(1)):
            return True
    return False


def personal_data(user, **kwargs) -> dict:
    """Receiver of ``events.personal_data_requested``: the person's ballots with their
    receipts (their own choice too, on secret motions: it is theirs)."""
    rows = db.session.execute(
        sa.select(Ballot, Motion, Deliberation.slug)
        .join(Motion, Motion.id == Ballot.motion_id)
        .join(Membership, Membership.id == Ballot.membership_id)
        .join(Deliberation, Deliberation.id == Membership.deliberation_id)
        .where(Membership.user_id == user.id)
        .order_by(Ballot.motion_id)
    )
    return {
        "ballots": [
            {
                "deliberation": slug,
                "motion": motion.id,
                "secret": motion.secret,
                "choice": ballot.choice,
                "sequence": ballot.sequence,
                "receipt": ballot.receipt,
                "cast_at": iso(ballot.cast_at),
                "updated_at": iso(ballot.updated_at),
            }
            for ballot, motion, slug in rows
        ]
    }
