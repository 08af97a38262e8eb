"""Who may do what in a deliberation. Every view, API endpoint and socket handler asks here.

Reading: admins and members always; anyone (even anonymous) when the deliberation is
public and not a draft. Drafts are seen only by moderators and admins.
Moderating: the deliberation's moderators and every admin.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import fields
from ..db import OneOf, db
from ..errors import Conflict, Forbidden, NotFound, ServiceError, Unauthorized
from .models import AgendaItem, Deliberation, Membership
from .rules import participation_refusal


def membership_of(
    user, deliberation: Deliberation, *, with_group: bool = False
) -> Membership | None:
    """The user's membership in the deliberation, read fresh from the database
    (``with_group``: its stakeholder group in the same statement)."""
    if (user_id := signed_in_id(user)) is None:
        return None
    return db.session.scalar(
        _MEMBERSHIP_WITH_GROUP if with_group else _MEMBERSHIP,
        {"deliberation_id": deliberation.id, "user_id": user_id},
    )


def memberships_of(users, deliberation: Deliberation) -> dict[int, Membership]:
    """The memberships of the signed-in ``users`` in the deliberation, with their groups,
    by user id (one query), for the users of a group of requests carried out together."""
    user_ids = {user_id for user in users if (user_id := signed_in_id(user)) is not None}
    if not user_ids:
        return {}
    return {
        membership.user_id: membership
        for membership in db.session.scalars(
            _MEMBERSHIPS_WITH_GROUPS,
            {"deliberation_id": deliberation.id, "user_ids": list(user_ids)},
        )
    }


def signed_in_id(user) -> int | None:
    """The user's id when signed in, else None (anonymous, or no user)."""
    return user.id if user is not None and user.is_authenticated else None


# Built once: on the path of every socket event, building a statement costs about as much
# as running it.
_MEMBERSHIP = sa.select(Membership).where(
    Membership.deliberation_id == sa.bindparam("deliberation_id"),
    Membership.user_id == sa.bindparam("user_id"),
)
_MEMBERSHIP_WITH_GROUP = _MEMBERSHIP.options(joinedload(Membership.group))
_MEMBERSHIPS_WITH_GROUPS = (
    sa.select(Membership)
    .where(
        Membership.deliberation_id == sa.bindparam("deliberation_id"),
        OneOf(Membership.user_id, "user_ids"),
    )
    .options(joinedload(Membership.group))
)


def is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_admin)


def can_moderate(user, deliberation: Deliberation) -> bool:
    """Admins and the deliberation's moderators."""
    return _may_moderate(user, lambda: membership_of(user, deliberation))


def can_read(user, deliberation: Deliberation) -> bool:
    """Whether the user may see the deliberation at all."""
    return _may_read(user, deliberation, lambda: membership_of(user, deliberation))


# The rules of moderating and reading, in one place each. They ask for the membership only
# when it decides (an admin, or anyone in a public deliberation, costs no query); callers
# that need the membership anyway pass the one they read.


def _may_moderate(user, membership: Callable[[], Membership | None]) -> bool:
    if is_admin(user):
        return True
    member = membership()
    return member is not None and member.is_moderator


def _may_read(
    user, deliberation: Deliberation, membership: Callable[[], Membership | None]
) -> bool:
    if deliberation.is_draft:
        return _may_moderate(user, membership)
    if deliberation.is_public or is_admin(user):
        return True
    return membership() is not None


@dataclass(frozen=True)
class ReaderAccess:
    """What a reader of a deliberation is in it: their membership (None for admins who are
    not members, and for the public) and whether they moderate it."""

    membership: Membership | None
    moderator: bool


def require_reader_access(user, deliberation: Deliberation) -> ReaderAccess:
    """The user's membership (read once, with its group) and whether they moderate, decided
    by the rules of ``can_read`` and ``can_moderate``; refused as ``require_reader``
    refuses."""
    return reader_access(user, deliberation, membership_of(user, deliberation, with_group=True))


def reader_access(user, deliberation: Deliberation, membership: Membership | None) -> ReaderAccess:
    """:func:`require_reader_access` for a caller that has read the user's membership (with
    its group) in this transaction already (None: not a member)."""
    require_reader_as_member(user, deliberation, membership)
    return ReaderAccess(membership, _may_moderate(user, lambda: membership))


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


def require_reader_as_member(
    user, deliberation: Deliberation, membership: Membership | None
) -> None:
    """:func:`require_reader` for a caller that has read the user's membership in this
    transaction already (None: not a member) and needs it for its own checks too."""
    if not _may_read(user, deliberation, lambda: membership):
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
    # With its deliberation, which every caller's rights check reads next: one statement.
    item = (
        db.session.scalar(_ITEM_WITH_DELIBERATION, {"item_id": item_id})
        if fields.is_row_id(item_id)
        else None
    )
    if item is None:
        raise NotFound(_l("There is no agenda item with this number."))
    return item


_ITEM_WITH_DELIBERATION = (
    sa.select(AgendaItem)
    .where(AgendaItem.id == sa.bindparam("item_id"))
    .options(joinedload(AgendaItem.deliberation))
)


def get_item_and_membership(item_id: int, user) -> tuple[AgendaItem, Membership | None]:
    """The agenda item with ``item_id`` (or a 404 error) and the user's membership in its
    deliberation, with its group (None: not a member, or signed out) — one statement where
    :func:`get_item` and :func:`membership_of` take two, for a socket's join."""
    row = (
        db.session.execute(
            _ITEM_AND_MEMBERSHIP, {"item_id": item_id, "user_id": signed_in_id(user)}
        ).first()
        if fields.is_row_id(item_id)
        else None
    )
    if row is None:
        raise NotFound(_l("There is no agenda item with this number."))
    return row.AgendaItem, row.Membership


_ITEM_AND_MEMBERSHIP = (
    sa.select(AgendaItem, Membership)
    .outerjoin(
        Membership,
        sa.and_(
            Membership.deliberation_id == AgendaItem.deliberation_id,
            Membership.user_id == sa.bindparam("user_id"),
        ),
    )
    .where(AgendaItem.id == sa.bindparam("item_id"))
    .options(joinedload(AgendaItem.deliberation), joinedload(Membership.group))
)


def get_item_of(deliberation: Deliberation, item_id: int) -> AgendaItem:
    """The deliberation's agenda item ``item_id``, or a 404 error (another deliberation's
    item is not found here either)."""
    item = get_item(item_id)
    if item.deliberation_id != deliberation.id:
        raise NotFound(_l("There is no agenda item with this number."))
    return item


# --- taking part (the rule is rules.participation_refusal) ----------------------------------

_STATE_REFUSALS = frozenset(
    {"deliberation_closed", "deliberation_not_open", "item_closed", "item_not_open", "item_locked"}
)

#: What a refused person reads, by refusal; some actions say it in their own words.
_MESSAGES = {
    "deliberation_closed": _l(
        "This deliberation is closed: its record can be read but not added to."
    ),
    "deliberation_not_open": _l("This deliberation has not opened yet."),
    "item_closed": _l("This agenda item is closed: it accepts no more posts."),
    "item_not_open": _l("This agenda item is not open for discussion yet."),
    "item_locked": _l("A moderator has locked this discussion: it accepts no new posts for now."),
    "unauthorized": _l("Sign in to take part in the discussion."),
    "not_a_member": _l("Only members of this deliberation may take part in its discussion."),
    "muted": _l("A moderator has muted you in this deliberation: you may read but not post."),
    "observer": _l("Observers may read this discussion but not post in it."),
}
_ACTION_MESSAGES = {
    "react": {
        "item_closed": _l("This agenda item is closed: it takes no more reactions."),
        "unauthorized": _l("Sign in to react to posts."),
        "not_a_member": _l("Only members of this deliberation may react to its posts."),
        "muted": _l("A moderator has muted you in this deliberation: you may read but not react."),
        "observer": _l("Observers may read this discussion but not react to its posts."),
    },
    "vote": {"item_closed": _l("This agenda item is closed: it accepts no ballots.")},
}


def participation_error(
    user,
    action: str,
    deliberation: Deliberation,
    item: AgendaItem | None,
    membership: Membership | None,
) -> ServiceError | None:
    """Why ``user`` may not do ``action`` (see ``rules.ACTIONS``) now, as the error to
    answer with, or None if they may."""
    code = participation_refusal(
        action,
        deliberation_status=deliberation.status,
        item_status=item.status if item is not None else None,
        locked=bool(item is not None and item.locked),
        signed_in=bool(user is not None and user.is_authenticated),
        role=membership.role if membership is not None else None,
        muted=bool(membership is not None and membership.muted),
        observers_may_post=deliberation.observers_may_post,
    )
    if code is None:
        return None
    message = _ACTION_MESSAGES.get(action, {}).get(code, _MESSAGES[code])
    if code in _STATE_REFUSALS:
        return Conflict(message, code=code)
    if code == "unauthorized":
        return Unauthorized(message)
    return Forbidden(message, code=code)


def require_participation(user, action: str, item: AgendaItem) -> Membership | None:
    """The user's membership if they may do ``action`` in ``item`` now; else the refusal."""
    deliberation = item.deliberation
    membership = membership_of(user, deliberation)
    if (error := participation_error(user, action, deliberation, item, membership)) is not None:
        raise error
    return membership
