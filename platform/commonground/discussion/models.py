"""Threaded posts, their revisions and translations, and reactions."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, utcnow

STANCES = ("agree", "disagree", "pass")


class Post(db.Model):
    """A contribution to an agenda item's thread; ``parent`` is None at the top level.

    ``path`` is a materialised path of zero-padded ids (``"0000000012/0000000015"``), so a
    whole thread reads in one query ordered by it, whatever its depth.
    """

    __tablename__ = "posts"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "external_id"),
        sa.Index("ix_posts_item_id_path", "item_id", "path"),
    )

    #: Not stored: the public JSON of a post just created (``services.create_post``), read
    #: and rendered once for the room's ``post:new`` and the author's ack alike.
    public_json = None

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="RESTRICT"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(sa.Text, default="")
    body: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(16))
    #: Spoken while holding the floor in a live session.
    floor_intervention: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(sa.Text)
    hidden_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Identifier in an imported source (e.g. a Pol.is comment id), for idempotent imports.
    external_id: Mapped[str | None] = mapped_column(sa.String(64))

    author = relationship("Membership", foreign_keys=[author_id])
    hidden_by = relationship("Membership", foreign_keys=[hidden_by_id])
    parent: Mapped["Post | None"] = relationship(remote_side=[id])


class PostRevision(db.Model):
    """A previous body of an edited post, kept for the record."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    #: When this body was replaced.
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostTranslation(db.Model):
    """A human translation of a post, contributed by a member."""

    __tablename__ = "post_translations"
    __table_args__ = (sa.UniqueConstraint("post_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    translator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    translator = relationship("Membership")


class Reaction(db.Model):
    """A member's stance on a post; one per member and post, the latest wins."""

    __tablename__ = "reactions"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "membership_id"),
        sa.CheckConstraint("stance IN ('agree', 'disagree', 'pass')", name="stance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    stance: Mapped[str] = mapped_column(sa.String(8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
