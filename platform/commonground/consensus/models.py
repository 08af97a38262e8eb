"""Versioned consensus summaries of agenda items."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, utcnow

SUMMARY_STATUSES = ("draft", "published")


class ConsensusSummary(db.Model):
    """One version of a moderator's summary of an item: agreements, divergences,
    recommendations. Every save is a new row; published rows never change."""

    __tablename__ = "consensus_summaries"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "version"),
        sa.CheckConstraint("status IN ('draft', 'published')", name="status"),
        sa.CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    language: Mapped[str] = mapped_column(sa.String(16))
    agreements: Mapped[str] = mapped_column(sa.Text, default="")
    divergences: Mapped[str] = mapped_column(sa.Text, default="")
    recommendations: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    #: The version this one was derived from (an edit or a translation), if any.
    based_on_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("consensus_summaries.id", ondelete="SET NULL")
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author = relationship("Membership")
    item = relationship("AgendaItem")

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def is_published(self) -> bool:
        """Published: it never changes again, and every reader sees it."""
        return self.status == "published"

    @property
    def is_current(self) -> bool:
        """The version readers of its language are shown: published, not yet superseded."""
        return self.is_published and self.superseded_at is None


#: What a published version may never change again (only ``superseded_at`` may be set).
FROZEN_WHEN_PUBLISHED = (
    "item_id",
    "version",
    "language",
    "agreements",
    "divergences",
    "recommendations",
    "status",
    "based_on_id",
    "created_at",
    "published_at",
)


@sa.event.listens_for(ConsensusSummary, "before_update")
def _published_versions_are_immutable(mapper, connection, target: ConsensusSummary) -> None:
    """The last line of defence behind the services' 409: no code path may alter the text
    of a published version (the audit log holds its digest)."""
    state = sa.inspect(target)
    status = state.attrs.status.history
    was = status.deleted[0] if status.deleted else target.status
    if was != "published":
        return
    changed = [name for name in FROZEN_WHEN_PUBLISHED if state.attrs[name].history.has_changes()]
    if changed:
        raise ValueError(
            f"summary {target.id} is published and immutable; refused change of {changed}"
        )


class Exposure(db.Model):
    """A post offered to a member to react to ("react to statements", routing).

    Shown but not answered is "seen", never "pass": the member said nothing. Routing offers
    what a member has not seen first, and coverage counts the groups that saw a post.
    """

    __tablename__ = "exposures"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "membership_id"),
        sa.CheckConstraint("times > 0", name="times_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    first_shown_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_shown_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: How many times it was offered.
    times: Mapped[int] = mapped_column(default=1)
