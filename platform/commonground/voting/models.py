"""Motions, the electorate snapshot taken when they open, and ballots."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import OpensAndCloses, UTCDateTime, db, utcnow
from .rules import CHOICES

MOTION_STATUSES = ("draft", "open", "closed")

__all__ = [
    "CHOICES",
    "MOTION_STATUSES",
    "Ballot",
    "BallotSum",
    "Motion",
    "MotionGroup",
    "MotionVoter",
]


class Motion(OpensAndCloses, db.Model):
    """A proposal put to a weighted stakeholder vote on an agenda item."""

    __tablename__ = "motions"
    __table_args__ = (sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    #: The decision rule as JSON (DESIGN §3/§6): kind, thresholds, options, quorum.
    rule: Mapped[dict] = mapped_column(sa.JSON)
    #: The voting scheme, copied from the deliberation when the motion opens.
    scheme: Mapped[str | None] = mapped_column(sa.String(16))
    secret: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The tally frozen at close; never recomputed afterwards.
    result: Mapped[dict | None] = mapped_column(sa.JSON)

    item = relationship("AgendaItem")

    @property
    def is_draft(self) -> bool:
        """Proposed, not yet put to the vote: only moderators see it."""
        return self.status == "draft"


class MotionGroup(db.Model):
    """A stakeholder group's key and share as they stood when the motion opened."""

    __tablename__ = "motion_groups"
    __table_args__ = (sa.UniqueConstraint("motion_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stakeholder_groups.id", ondelete="SET NULL")
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    share: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    #: How many of the group's members may vote, and their summed weight, at opening: the
    #: snapshot never changes, so the tally reads these instead of counting the voters.
    voters: Mapped[int] = mapped_column(default=0, server_default="0")
    eligible_weight: Mapped[int] = mapped_column(default=0, server_default="0")


class MotionVoter(db.Model):
    """An eligible voter of a motion, with group and weight as they stood when it opened."""

    __tablename__ = "motion_voters"
    __table_args__ = (
        sa.UniqueConstraint("motion_id", "membership_id"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    group_key: Mapped[str] = mapped_column(sa.String(64))
    weight: Mapped[int] = mapped_column()


class Ballot(db.Model):
    """A voter's current choice on a motion; changeable until the motion closes."""

    __tablename__ = "ballots"
    __table_args__ = (
        sa.UniqueConstraint("motion_id", "membership_id"),
        sa.CheckConstraint("choice IN ('yes', 'no', 'abstain', 'block')", name="choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    choice: Mapped[str] = mapped_column(sa.String(8))
    #: How many times this ballot was cast or changed; part of the receipt.
    sequence: Mapped[int] = mapped_column(default=1)
    #: The voter's receipt: a hash of motion, voter and their sequence of choices.
    receipt: Mapped[str] = mapped_column(sa.String(64), default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    motion = relationship("Motion")
    membership = relationship("Membership")


class BallotSum(db.Model):
    """The running sums of one (motion, group, choice): ballots, their summed snapshot
    weight and their summed ``sequence`` (casts).

    Created for every group and choice when the motion opens and changed in the same
    transaction as every cast or change of a ballot, so the live tally reads
    groups × choices rows instead of every ballot. Closing recounts the ballots in full and
    checks the recount against these sums.
    """

    __tablename__ = "ballot_sums"
    __table_args__ = (
        sa.UniqueConstraint("motion_id", "group_key", "choice"),
        sa.CheckConstraint("choice IN ('yes', 'no', 'abstain', 'block')", name="choice"),
        sa.CheckConstraint("ballots >= 0 AND weight >= 0 AND casts >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motions.id", ondelete="CASCADE"))
    group_key: Mapped[str] = mapped_column(sa.String(64))
    choice: Mapped[str] = mapped_column(sa.String(8))
    ballots: Mapped[int] = mapped_column(default=0)
    weight: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    casts: Mapped[int] = mapped_column(sa.BigInteger, default=0)
