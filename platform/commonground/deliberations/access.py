"""Who may do what in a deliberation. Every view, API endpoint and socket handler asks here.

Reading: admins and members always; anyone (even anonymous) when the deliberation is
public and not a draft. Drafts are seen only by moderators and admins.
Moderating: the deliberation's moderators and every admin.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import Forbidden, NotFound, Unauthorized
from ..extensions import db
from .models import AgendaItem, Deliberation, Membership


def membership_of(user, deliberation: Deliberation) -> Membership | None:
    """The user's membership in the deliberation, read fresh from the database."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.deliberation_id == deliberation.id, Membership.user_id == user.id
        )
    )


def is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_admin)


def can_moderate(user, deliberation: Deliberation) -> bool:
    """Admins and the deliberation's moderators."""
    if is_admin(user):
        return True
    membership = membership_of(user, deliberation)
    return membership is not None and membership.is_moderator


def can_read(user, deliberation: Deliberation) -> bool:
    """Whether the user may see the deliberation at all."""
    if deliberation.status == "draft":
        return can_moderate(user, deliberation)
    if deliberation.is_public or is_admin(user):
        return True
    return membership_of(user, deliberation) is not None


def readable_clause(user) -> sa.ColumnElement[bool]:
    """The rule of ``can_read`` as one SQL condition on ``Deliberation``, for listings."""
    if is_admin(user):
        return sa.true()
    public = sa.and_(Deliberation.status != "draft", Deliberation.is_public)
    if user is None or not user.is_authenticated:
        return public
    member = sa.exists().where(
        Membership.deliberation_id == Deliberation.id, Membership.user_id == user.id
    )
    moderator = member.where(Membership.role == "moderator")
    return sa.or_(
        public,
        sa.and_(Deliberation.status != "draft", member),
        sa.and_(Deliberation.status == "draft", moderator),
    )


def require_reader(user, deliberation: Deliberation) -> None:
    """Refuse: 401 for the anonymous, 403 for signed-in users without access."""
    if not can_read(user, deliberation):
        _refuse(user)


def require_moderator(user, deliberation: Deliberation) -> None:
    """Refuse unless the user moderates the deliberation (or is an admin)."""
    if not can_moderate(user, deliberation):
        _refuse(user, _l("Only moderators of this deliberation may do this."))


def require_admin(user) -> None:
    if not is_admin(user):
        _refuse(user, _l("Only administrators may do this."))


def require_signed_in(user) -> None:
    if user is None or not user.is_authenticated:
        raise Unauthorized()


def _refuse(user, message=None):
    require_signed_in(user)
    raise Forbidden(message)


def get_deliberation(slug: str) -> Deliberation:
    """The deliberation with ``slug``, or a 404 error."""
    deliberation = db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == slug))
    if deliberation is None:
        raise NotFound(_l("There is no deliberation at this address."))
    return deliberation


def get_item(item_id: int) -> AgendaItem:
    """The agenda item with ``item_id``, or a 404 error."""
    item = db.session.get(AgendaItem, item_id) if is_row_id(item_id) else None
    if item is None:
        raise NotFound(_l("There is no agenda item with this number."))
    return item


def is_row_id(value: int) -> bool:
    """Whether ``value`` can be a primary key at all (PostgreSQL refuses numbers past
    64 bits with an error rather than finding nothing)."""
    return 0 < value < 2**63
