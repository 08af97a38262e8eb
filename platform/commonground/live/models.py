"""Live session state of a deliberation: current item, round, floor, announcements.

Kept in the database, not in process memory, so it survives restarts and every server
process sees the same state.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, utcnow

FLOOR_STATUSES = ("waiting", "speaking", "done", "skipped", "withdrawn")


class SessionState(db.Model):
    """The one live state row of a deliberation."""

    __tablename__ = "session_states"

    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), primary_key=True
    )
    current_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    round_title: Mapped[str | None] = mapped_column(sa.String(200))
    round_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    speaker_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FloorRequest(db.Model):
    """A delegate's request to speak on an item, and what became of it."""

    __tablename__ = "floor_requests"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('waiting', 'speaking', 'done', 'skipped', 'withdrawn')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="waiting")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_waiting(self) -> bool:
        """In the speakers' queue."""
        return self.status == "waiting"

    @property
    def is_speaking(self) -> bool:
        """Granted: the member has the floor."""
        return self.status == "speaking"


class Announcement(db.Model):
    """A moderator's announcement, shown as a banner and kept in the record."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
