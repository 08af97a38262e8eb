"""Reading members' pseudonyms (no change to any data): other capabilities show an erased
account's member under the pseudonym its deliberation's records use, and the moderators'
edition of the record maps pseudonyms back to names (:func:`pseudonym_map`)."""

import sqlalchemy as sa

from ..accounts.models import User
from ..db import db
from ..deliberations.access import require_moderator
from ..deliberations.models import Deliberation, Membership, StakeholderGroup
from ..labels import former_member_name
from .leaves import pseudonym
from .models import AuditEvent, LogState


def pseudonym_key_of(deliberation_id: int) -> str | None:
    """The secret the deliberation's pseudonyms are keyed with; None while it has no log."""
    return db.session.scalar(
        sa.select(LogState.pseudonym_key).where(LogState.deliberation_id == deliberation_id)
    )


def member_pseudonym(deliberation_id: int, membership_id: int) -> str | None:
    """The member's pseudonym in the deliberation's log and records; None while the
    deliberation has no log yet (nothing of the member has been recorded)."""
    key = pseudonym_key_of(deliberation_id)
    return None if key is None else pseudonym(key, membership_id)


def membership_name(membership: Membership) -> str:
    """A member's name as pages and the API show it: "Former member" under their pseudonym
    once the account was erased."""
    if membership.user.erased_at is None:
        return membership.user.name
    return former_member_name(member_pseudonym(membership.deliberation_id, membership.id))


def personal_data(user, **kwargs) -> dict:
    """Receiver of ``events.personal_data_requested``: the person's pseudonym in each
    deliberation, so they can find themselves in its records."""
    rows = db.session.execute(
        sa.select(Deliberation.slug, Membership.id, LogState.pseudonym_key)
        .join(Membership, Membership.deliberation_id == Deliberation.id)
        .outerjoin(LogState, LogState.deliberation_id == Deliberation.id)
        .where(Membership.user_id == user.id)
        .order_by(Deliberation.slug)
    )
    return {
        "pseudonyms": [
            {"deliberation": slug, "pseudonym": pseudonym(key, member_id) if key else None}
            for slug, member_id, key in rows
        ]
    }


def forget_actor_names(user, **kwargs) -> None:
    """Receiver of ``events.user_erased``: the audit events keep the actor's id (part of the
    hashed chain) but no longer their name (kept beside the chain, outside the hash)."""
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.actor_id == user.id).values(actor_name="")
    )


def pseudonym_map(user, deliberation: Deliberation) -> list[dict]:
    """The moderators' key to the record: every member's pseudonym with their name, role
    and group (a former member's name is "Former member"). Moderators and admins only."""
    require_moderator(user, deliberation)
    key = pseudonym_key_of(deliberation.id)
    rows = db.session.execute(
        sa.select(Membership.id, Membership.role, StakeholderGroup.key, User.name, User.erased_at)
        .join(User, User.id == Membership.user_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
        .where(Membership.deliberation_id == deliberation.id)
        .order_by(Membership.id)
    )
    members = []
    for member_id, role, group, name, erased_at in rows:
        alias = pseudonym(key, member_id) if key else None
        members.append(
            {
                "pseudonym": alias,
                "name": former_member_name(alias) if erased_at else name,
                "former": erased_at is not None,
                "role": role,
                "group": group,
            }
        )
    return sorted(members, key=lambda m: m["pseudonym"] or "")
