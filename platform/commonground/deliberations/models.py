"""Deliberations, stakeholder groups, memberships and agenda items."""

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import OpensAndCloses, UTCDateTime, db, utcnow

DELIBERATION_STATUSES = ("draft", "open", "closed")
VOTING_SCHEMES = ("members", "groups")
ROLES = ("moderator", "delegate", "observer")
ITEM_STATUSES = ("pending", "open", "closed")

#: Allowed status changes; anything else is refused with a conflict.
DELIBERATION_TRANSITIONS = {"draft": {"open"}, "open": {"closed"}, "closed": {"open"}}
ITEM_TRANSITIONS = {"pending": {"open"}, "open": {"closed"}, "closed": {"open"}}


class Deliberation(OpensAndCloses, db.Model):
    """A forum on one agenda: its groups, members, items, motions and record."""

    __tablename__ = "deliberations"
    __table_args__ = (
        sa.UniqueConstraint("slug"),
        sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name="status"),
        sa.CheckConstraint("scheme IN ('members', 'groups')", name="scheme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    source_language: Mapped[str] = mapped_column(sa.String(16), default="en")
    #: Content languages offered, BCP 47 codes, in display order.
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    scheme: Mapped[str] = mapped_column(sa.String(16), default="members")
    #: Whether observers may post (they always may read).
    observers_may_post: Mapped[bool] = mapped_column(default=False)
    #: A public deliberation's published record may be downloaded without an account.
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    groups: Mapped[list["StakeholderGroup"]] = relationship(
        back_populates="deliberation",
        order_by="StakeholderGroup.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="deliberation",
        order_by="AgendaItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="deliberation", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_draft(self) -> bool:
        """Being prepared: only its moderators (and admins) see it."""
        return self.status == "draft"

    @property
    def next_statuses(self) -> list[str]:
        """The statuses this deliberation may move to now, in lifecycle order."""
        allowed = DELIBERATION_TRANSITIONS[self.status]
        return [s for s in DELIBERATION_STATUSES if s in allowed]

    def __repr__(self) -> str:
        return f"<Deliberation {self.slug}>"


class StakeholderGroup(db.Model):
    """A stakeholder group of a deliberation, with its share in the groups voting scheme."""

    __tablename__ = "stakeholder_groups"
    __table_args__ = (
        sa.UniqueConstraint("deliberation_id", "key"),
        sa.CheckConstraint("share > 0", name="share_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Names in other languages: {"fr": "Gouvernements", ...}.
    name_translations: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    share: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)

    deliberation: Mapped[Deliberation] = relationship(back_populates="groups")

    def name_in(self, language: str) -> str:
        """The group's name in ``language``, falling back to its own name."""
        return self.name_translations.get(language) or self.name


class Membership(db.Model):
    """A user's place in a deliberation: role, stakeholder group, vote weight, muting.

    A moderator who also belongs to a group takes part as a delegate of that group.
    """

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("deliberation_id", "user_id"),
        sa.CheckConstraint("role IN ('moderator', 'delegate', 'observer')", name="role"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stakeholder_groups.id", ondelete="RESTRICT"), index=True
    )
    weight: Mapped[int] = mapped_column(default=1)
    muted: Mapped[bool] = mapped_column(default=False)
    #: Identifier in an imported source (e.g. a Pol.is participant id), for idempotent imports.
    external_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliberation: Mapped[Deliberation] = relationship(back_populates="memberships")
    user = relationship("User", back_populates="memberships")
    group: Mapped[StakeholderGroup | None] = relationship()

    @property
    def is_moderator(self) -> bool:
        return self.role == "moderator"

    @property
    def can_vote(self) -> bool:
        """Delegates vote; a moderator votes only as a delegate of a group."""
        if self.role == "delegate":
            return True
        return self.role == "moderator" and self.group_id is not None


class AgendaItem(OpensAndCloses, db.Model):
    """One item of a deliberation's agenda, debated in its own thread."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        sa.UniqueConstraint("deliberation_id", "position"),
        sa.CheckConstraint("status IN ('pending', 'open', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliberations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    numeral: Mapped[str] = mapped_column(sa.String(16), default="")
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(16), default="en")
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    #: A locked item is still open for reading but takes no new posts.
    locked: Mapped[bool] = mapped_column(default=False)
    #: Attribution of imported content (e.g. CC BY for a Pol.is conversation).
    attribution: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliberation: Mapped[Deliberation] = relationship(back_populates="items")
    translations: Mapped[list["AgendaItemTranslation"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )

    def translation(self, language: str) -> "AgendaItemTranslation | None":
        """The translation into ``language``, if one exists."""
        return next((t for t in self.translations if t.language == language), None)

    def is_translated_into(self, language: str) -> bool:
        """Whether a reader of ``language`` sees the item in translation (its title at
        least: see ``text_in``)."""
        return language != self.language and self.translation(language) is not None

    def text_in(self, language: str) -> "ItemText":
        """Title and body in ``language`` where translated into it, else the original's.

        A translation may carry only a title; its body then comes from the original.
        """
        translation = None if language == self.language else self.translation(language)
        if translation is None:
            return ItemText(self.title, self.language, self.body, self.language)
        if translation.body:
            return ItemText(
                translation.title, translation.language, translation.body, translation.language
            )
        return ItemText(translation.title, translation.language, self.body, self.language)

    @property
    def next_statuses(self) -> list[str]:
        """The statuses this item may move to now, in lifecycle order."""
        allowed = ITEM_TRANSITIONS[self.status]
        return [s for s in ITEM_STATUSES if s in allowed]


class ItemText(NamedTuple):
    """An agenda item's title and body as shown to one reader, each with its language."""

    title: str
    title_language: str
    body: str
    body_language: str


class AgendaItemTranslation(db.Model):
    """An agenda item's title and text in another language."""

    __tablename__ = "agenda_item_translations"
    __table_args__ = (sa.UniqueConstraint("item_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")

    item: Mapped[AgendaItem] = relationship(back_populates="translations")
