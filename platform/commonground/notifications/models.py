"""Notifications of a member, and what each member chose to receive."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, utcnow

#: What a notification can be about (the ``kind`` of the API).
KINDS = (
    "reply",
    "mention",
    "motion_opened",
    "motion_closed",
    "summary_published",
    "moderation",
    "floor_granted",
)


class Notification(db.Model):
    """Something that happened which concerns one user; read once they have seen it."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ({})".format(", ".join(f"'{kind}'" for kind in KINDS)), name="kind"
        ),
        # The unread list and count of one user, newest first.
        sa.Index("ix_notifications_user_id_read_at_id", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    motion_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("motions.id", ondelete="CASCADE"), index=True
    )
    summary_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("consensus_summaries.id", ondelete="CASCADE"), index=True
    )
    #: Who caused it (the replier, the moderator …), when that is a person.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Details of the kind: a motion's outcome, a moderator's reason.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When an e-mail digest carried it (never twice).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliberation = relationship("Deliberation")
    item = relationship("AgendaItem")
    actor = relationship("User", foreign_keys=[actor_id])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationSettings(db.Model):
    """A user's choices: the kinds they do not want, and whether to get e-mail digests.

    A user without a row gets every kind and no e-mail.
    """

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: Kinds switched off (a list of ``KINDS``).
    muted_kinds: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    email_digest: Mapped[bool] = mapped_column(default=False)
