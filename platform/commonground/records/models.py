"""The append-only audit log, hash-chained per deliberation, and the transparency log (a
Merkle tree of every event) it is folded into."""

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


class LogState(db.Model):
    """A deliberation's transparency log as it stands: its size and root, and the secret its
    members' pseudonyms are keyed with. The row is locked by every append, so the leaves of
    one deliberation are numbered one after the other."""

    __tablename__ = "log_states"
    __table_args__ = (sa.CheckConstraint("size >= 0", name="size_not_negative"),)

    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), primary_key=True
    )
    size: Mapped[int] = mapped_column(default=0)
    #: The Merkle tree head (RFC 9162) over the ``size`` leaves, hex.
    root: Mapped[str] = mapped_column(sa.String(64))
    #: When the last leaf was appended: the head's timestamp.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: HMAC key of the members' pseudonyms in leaves and records (hex); never exported.
    pseudonym_key: Mapped[str] = mapped_column(sa.String(64))


class LogLeaf(db.Model):
    """One entry of a deliberation's log: canonical JSON, written in the same transaction as
    the change it records, never updated."""

    __tablename__ = "log_leaves"
    __table_args__ = (
        sa.UniqueConstraint("deliberation_id", "leaf_index"),
        sa.CheckConstraint("leaf_index >= 0", name="leaf_index_not_negative"),
        sa.Index("ix_log_leaves_deliberation_id_subject", "deliberation_id", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE")
    )
    #: The leaf's 0-based index in the tree.
    leaf_index: Mapped[int] = mapped_column()
    #: What happened ("post.create", "ballot.cast", an audit action, …).
    event: Mapped[str] = mapped_column(sa.String(64))
    #: What it happened to, as "kind:id", for finding a post's or a ballot's leaves.
    subject: Mapped[str] = mapped_column(sa.String(100), default="")
    #: The canonical JSON the leaf hash covers.
    entry: Mapped[str] = mapped_column(sa.Text)
    #: ``SHA-256(0x00 || entry)``, hex.
    hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogNode(db.Model):
    """The hash of a complete subtree of a deliberation's tree, over the leaves
    ``[position·2^level, (position+1)·2^level)`` (level 0: the leaves). Stored as appends
    complete them, so heads and proofs never recompute the tree."""

    __tablename__ = "log_nodes"

    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
