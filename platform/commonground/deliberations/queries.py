"""Reading deliberations, their groups, members and agenda: no change to any data.

Every capability may read these; changes go through ``services.py``.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import fields
from ..db import db, iso
from ..errors import NotFound
from .access import readable_clause
from .models import (
    ROLES,
    AgendaItem,
    Deliberation,
    Membership,
    StakeholderGroup,
)


def readable_deliberations(user) -> list[Deliberation]:
    """Every deliberation the user may read, newest first (groups loaded)."""
    return list(
        db.session.scalars(
            sa.select(Deliberation)
            .where(readable_clause(user))
            .options(selectinload(Deliberation.groups))
            .order_by(Deliberation.created_at.desc(), Deliberation.id.desc())
        )
    )


def agenda_of(deliberation: Deliberation) -> list[AgendaItem]:
    """The deliberation's agenda items in order, with their translations loaded."""
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.deliberation_id == deliberation.id)
            .options(selectinload(AgendaItem.translations))
            .order_by(AgendaItem.position)
        )
    )


def get_group(deliberation: Deliberation, key: str) -> StakeholderGroup:
    """The deliberation's group with ``key``, or a 404 error."""
    group = next((g for g in deliberation.groups if g.key == key), None)
    if group is None:
        raise NotFound(_l("This deliberation has no stakeholder group with this key."))
    return group


def get_membership(deliberation: Deliberation, membership_id: int) -> Membership:
    """The deliberation's membership with ``membership_id``, or a 404 error."""
    membership = (
        db.session.get(Membership, membership_id) if fields.is_row_id(membership_id) else None
    )
    if membership is None or membership.deliberation_id != deliberation.id:
        raise NotFound(_l("This deliberation has no member with this number."))
    return membership


def memberships_of(deliberation: Deliberation) -> list[Membership]:
    """The deliberation's members, by group position, then role, then name."""
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(Membership.deliberation_id == deliberation.id)
        .options(selectinload(Membership.user), selectinload(Membership.group))
    )
    role_order = {role: index for index, role in enumerate(ROLES)}
    return sorted(
        memberships,
        key=lambda m: (
            m.group.position if m.group else -1,
            role_order.get(m.role, 99),
            m.user.name.lower(),
            m.id,
        ),
    )


def next_item_position(deliberation: Deliberation) -> int:
    """The position of an agenda item added at the end of the deliberation's agenda."""
    last = db.session.scalar(
        sa.select(sa.func.max(AgendaItem.position)).where(
            AgendaItem.deliberation_id == deliberation.id
        )
    )
    return (last or 0) + 1


def personal_data(user, **kwargs) -> dict:
    """Receiver of ``events.personal_data_requested``: the person's memberships."""
    rows = db.session.execute(
        sa.select(Membership, Deliberation.slug, StakeholderGroup.key)
        .join(Deliberation, Deliberation.id == Membership.deliberation_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
        .where(Membership.user_id == user.id)
        .order_by(Deliberation.slug)
    )
    return {
        "memberships": [
            {
                "id": membership.id,
                "deliberation": slug,
                "role": membership.role,
                "group": group_key,
                "weight": membership.weight,
                "muted": membership.muted,
                "created_at": iso(membership.created_at),
            }
            for membership, slug, group_key in rows
        ]
    }
