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
    #: The number of the current version: 1 as written, one more for every edit. A
    #: translation records the revision it was made from (``PostTranslation.source_revision``).
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    #: When the text was replaced by a notice, at the author's request with a moderator's
    #: agreement (``RedactionRequest``); the log records it as a ``post.redact`` leaf.
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    #: The post's revision this translation was made from; older than the post's own
    #: revision, the translation is outdated until a translator updates it.
    source_revision: Mapped[int] = mapped_column(default=1, server_default="1")

    translator = relationship("Membership")

    def is_outdated(self, post_revision: int) -> bool:
        """Whether the post was edited since this translation was made."""
        return self.source_revision < post_revision


class Reaction(db.Model):
    """A member's stance on a post; one per member and post, the latest wins."""

    __tablename__ = "reactions"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "membership_id"),
        # Covers the reading of an item's response matrix and of its fingerprint
        # (consensus.sensemaking): the rows come from the index alone, in post order, with
        # no lookup in the table per reaction — a third of the time at a million reactions.
        sa.Index(
            "ix_reactions_post_id_membership_id_stance_updated_at",
            "post_id",
            "membership_id",
            "stance",
            "updated_at",
        ),
        sa.CheckConstraint("stance IN ('agree', 'disagree', 'pass')", name="stance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    stance: Mapped[str] = mapped_column(sa.String(8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


REDACTION_STATUSES = ("pending", "approved", "refused")

#: What an approved redaction leaves of a post's text, in the database and the record (the
#: pages show it in the reader's language). Fixed, so the log's leaf commits to it.
REDACTED_BODY = "[Text removed at the author's request, with a moderator's agreement.]"


class RedactionRequest(db.Model):
    """A member's request that their posts' text in one deliberation be replaced by a
    notice; a moderator of the deliberation approves or refuses it."""

    __tablename__ = "redaction_requests"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
