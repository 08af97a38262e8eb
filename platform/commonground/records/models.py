"""The append-only audit log, hash-chained per deliberation."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, utcnow


class AuditEvent(db.Model):
    """One recorded action. ``hash = sha256(prev_hash || canonical_json(event))``."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.UniqueConstraint("deliberation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column()
    #: The acting user. The id is part of the hashed event, so an account with recorded
    #: actions cannot be deleted (RESTRICT): anonymise it instead, and the chain stays whole.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    actor_name: Mapped[str] = mapped_column(sa.String(120), default="")
    action: Mapped[str] = mapped_column(sa.String(64))
    #: What was acted on, as "kind:id" (e.g. "motion:12").
    target: Mapped[str] = mapped_column(sa.String(100), default="")
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
