"""Deliberation actions: one function per action, shared by pages, API and CLI.

Each function authorises the actor, validates every input before changing anything (so a
refusal leaves nothing half-written), makes the change, writes an audit event and flushes.
The caller commits.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import events, fields
from ..accounts.models import User
from ..db import db
from ..errors import Conflict, Invalid, NotFound
from ..labels import status_label
from ..records.audit import record_event
from ..voting.models import Motion
from .access import require_admin, require_moderator
from .models import (
    DELIBERATION_TRANSITIONS,
    ITEM_TRANSITIONS,
    ROLES,
    VOTING_SCHEMES,
    AgendaItem,
    AgendaItemTranslation,
    Deliberation,
    Membership,
    StakeholderGroup,
)
from .queries import next_item_position


class _Unchanged:
    """The default of optional update arguments: "leave this as it is"."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()

TITLE_MAX = 200
ITEM_TITLE_MAX = 300
TEXT_MAX = 50_000
NAME_MAX = 200
NUMERAL_MAX = 16
MAX_WEIGHT = 1_000_000
MAX_SHARE = 1_000_000


# --- deliberations -------------------------------------------------------------------------


def create_deliberation(
    actor,
    *,
    slug=None,
    title=None,
    description="",
    scheme="members",
    languages=None,
    source_language=None,
    groups=(),
    is_public=False,
    observers_may_post=False,
) -> Deliberation:
    """Create a draft deliberation with its stakeholder groups (administrators only).

    ``groups`` is a list of ``{"key", "name", "share"?, "name_translations"?}``; none given
    means no groups. ``languages`` defaults to the source language, which defaults to the
    first language offered (or English).
    """
    require_admin(actor)
    slug = fields.slug(slug)
    title = fields.text(title, "title", max_length=TITLE_MAX)
    description = fields.text(description, "description", max_length=TEXT_MAX, required=False)
    scheme = fields.choice(scheme, "scheme", VOTING_SCHEMES)
    languages, source_language = _languages(languages, source_language)
    group_specs = _group_specs(groups)
    is_public = fields.boolean(is_public, "is_public")
    observers_may_post = fields.boolean(observers_may_post, "observers_may_post")
    if db.session.scalar(sa.select(Deliberation.id).where(Deliberation.slug == slug)):
        raise Conflict(_l("Another deliberation already uses this address."), field="slug")

    deliberation = Deliberation(
        slug=slug,
        title=title,
        description=description,
        scheme=scheme,
        languages=languages,
        source_language=source_language,
        status="draft",
        is_public=is_public,
        observers_may_post=observers_may_post,
    )
    db.session.add(deliberation)
    for position, spec in enumerate(group_specs):
        deliberation.groups.append(StakeholderGroup(position=position, **spec))
    db.session.flush()
    record_event(
        deliberation,
        actor,
        "deliberation.create",
        f"deliberation:{deliberation.id}",
        {
            "slug": slug,
            "title": title,
            "scheme": scheme,
            "languages": languages,
            "source_language": source_language,
            "is_public": is_public,
            "observers_may_post": observers_may_post,
            "groups": [{"key": g["key"], "share": g["share"]} for g in group_specs],
        },
    )
    return deliberation


def update_deliberation(
    actor,
    deliberation: Deliberation,
    *,
    title=UNCHANGED,
    description=UNCHANGED,
    status=UNCHANGED,
    scheme=UNCHANGED,
    languages=UNCHANGED,
    source_language=UNCHANGED,
    is_public=UNCHANGED,
    observers_may_post=UNCHANGED,
) -> Deliberation:
    """Change a deliberation's settings and/or move it along its lifecycle (moderators).

    Status changes follow ``DELIBERATION_TRANSITIONS`` (draft → open → closed → open). The
    voting scheme changes only while the deliberation is a draft or no motion is open. A
    closed deliberation is a read-only archive: it may only be reopened or published.
    """
    require_moderator(actor, deliberation)
    changes: dict[str, Any] = {}
    if title is not UNCHANGED:
        changes["title"] = fields.text(title, "title", max_length=TITLE_MAX)
    if description is not UNCHANGED:
        changes["description"] = fields.text(
            description, "description", max_length=TEXT_MAX, required=False
        )
    if scheme is not UNCHANGED:
        changes["scheme"] = fields.choice(scheme, "scheme", VOTING_SCHEMES)
    if languages is not UNCHANGED or source_language is not UNCHANGED:
        new_languages, new_source = _languages(
            deliberation.languages if languages is UNCHANGED else languages,
            deliberation.source_language if source_language is UNCHANGED else source_language,
            keep_source=source_language is UNCHANGED,
        )
        changes["languages"] = new_languages
        changes["source_language"] = new_source
    if is_public is not UNCHANGED:
        changes["is_public"] = fields.boolean(is_public, "is_public")
    if observers_may_post is not UNCHANGED:
        changes["observers_may_post"] = fields.boolean(observers_may_post, "observers_may_post")
    new_status = deliberation.status
    if status is not UNCHANGED:
        new_status = fields.choice(status, "status", DELIBERATION_TRANSITIONS)

    changes = {k: v for k, v in changes.items() if getattr(deliberation, k) != v}
    if (
        new_status != deliberation.status
        and new_status not in DELIBERATION_TRANSITIONS[deliberation.status]
    ):
        raise Conflict(
            _l(
                "A deliberation cannot go from “%(current)s” to “%(new)s”.",
                current=status_label(deliberation.status),
                new=status_label(new_status),
            ),
            field="status",
        )
    if deliberation.is_closed and new_status == "closed":
        archived = set(changes) - {"is_public"}
        if archived:
            raise Conflict(
                _l("This deliberation is closed. Reopen it before changing it."),
                field=sorted(archived)[0],
            )
    if "scheme" in changes and not deliberation.is_draft and _has_open_motion(deliberation):
        raise Conflict(
            _l("The voting scheme cannot change while a motion is open."), field="scheme"
        )

    old_status = deliberation.status
    previous = {name: getattr(deliberation, name) for name in changes}
    for name, value in changes.items():
        setattr(deliberation, name, value)
    if new_status != old_status:
        deliberation.status = new_status
    db.session.flush()
    target = f"deliberation:{deliberation.id}"
    if changes:
        record_event(
            deliberation,
            actor,
            "deliberation.update",
            target,
            {"changes": {k: {"from": previous[k], "to": v} for k, v in changes.items()}},
        )
    if new_status != old_status:
        record_event(
            deliberation,
            actor,
            "deliberation.status",
            target,
            {"from": old_status, "to": new_status},
        )
    return deliberation


def _has_open_motion(deliberation: Deliberation) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(Motion.id))
            .join(AgendaItem, AgendaItem.id == Motion.item_id)
            .where(AgendaItem.deliberation_id == deliberation.id, Motion.status == "open")
        )
    )


def _languages(languages, source_language, *, keep_source: bool = False) -> tuple[list, str]:
    """Validated (languages offered, source language); the source is always offered."""
    if languages is None:
        languages = []
    if not isinstance(languages, list | tuple):
        raise Invalid(_l("This must be a list of language codes."), field="languages")
    codes: list[str] = []
    for index, code in enumerate(languages):
        code = fields.language(code, f"languages[{index}]")
        if code not in codes:
            codes.append(code)
    if source_language in (None, ""):
        source_language = codes[0] if codes else "en"
    source_language = fields.language(source_language, "source_language")
    if source_language not in codes:
        if keep_source and codes:
            raise Invalid(
                _l("The source language must stay among the languages offered."),
                field="languages",
            )
        codes.insert(0, source_language)
    return codes, source_language


def _group_specs(groups) -> list[dict]:
    """Validated group definitions for ``create_deliberation``; keys must be distinct."""
    if groups is None:
        return []
    if not isinstance(groups, list | tuple):
        raise Invalid(_l("This must be a list of stakeholder groups."), field="groups")
    specs, keys = [], set()
    for index, group in enumerate(groups):
        prefix = f"groups[{index}]"
        if not isinstance(group, Mapping):
            raise Invalid(_l("Each stakeholder group must be an object."), field=prefix)
        _reject_unknown(group, {"key", "name", "share", "name_translations"}, prefix)
        spec = {
            "key": fields.key(group.get("key"), f"{prefix}.key"),
            "name": fields.text(group.get("name"), f"{prefix}.name", max_length=NAME_MAX),
            "share": _share(group.get("share", 1), f"{prefix}.share"),
            "name_translations": _name_translations(
                group.get("name_translations"), f"{prefix}.name_translations"
            ),
        }
        if spec["key"] in keys:
            raise Invalid(_l("Two groups cannot share a key."), field=f"{prefix}.key")
        keys.add(spec["key"])
        specs.append(spec)
    return specs


def _reject_unknown(data: Mapping, allowed: Iterable[str], prefix: str = "") -> None:
    for name in data:
        if name not in allowed:
            field = f"{prefix}.{name}" if prefix else str(name)
            raise Invalid(_l("This field is not known here."), field=field)


def _share(value, field: str = "share") -> int:
    return fields.integer(value, field, minimum=1, maximum=MAX_SHARE)


def _name_translations(value, field: str = "name_translations") -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Invalid(_l("This must map language codes to names."), field=field)
    names = {}
    for code, name in value.items():
        code = fields.language(code, field)
        name = fields.text(name, f"{field}.{code}", max_length=NAME_MAX, required=False)
        if name:
            names[code] = name
    return names


def _require_open_for_changes(deliberation: Deliberation, field: str | None = None) -> None:
    if deliberation.is_closed:
        raise Conflict(
            _l("This deliberation is closed. Reopen it before changing it."), field=field
        )


# --- stakeholder groups --------------------------------------------------------------------


def add_group(
    actor, deliberation: Deliberation, *, key=None, name=None, share=1, name_translations=None
) -> StakeholderGroup:
    """Add a stakeholder group at the end of the deliberation's groups (moderators)."""
    require_moderator(actor, deliberation)
    key = fields.key(key)
    name = fields.text(name, "name", max_length=NAME_MAX)
    share = _share(share)
    name_translations = _name_translations(name_translations)
    _require_open_for_changes(deliberation)
    if any(g.key == key for g in deliberation.groups):
        raise Conflict(_l("This deliberation already has a group with this key."), field="key")
    position = max((g.position for g in deliberation.groups), default=-1) + 1
    group = StakeholderGroup(
        key=key, name=name, share=share, name_translations=name_translations, position=position
    )
    deliberation.groups.append(group)
    db.session.flush()
    record_event(
        deliberation,
        actor,
        "group.add",
        f"group:{group.id}",
        {"key": key, "name": name, "share": share},
    )
    return group


def update_group(
    actor,
    group: StakeholderGroup,
    *,
    name=UNCHANGED,
    share=UNCHANGED,
    name_translations=UNCHANGED,
) -> StakeholderGroup:
    """Rename a group, change its share or its translated names (moderators).

    Open motions are unaffected: they tally with the shares as they stood when they opened.
    """
    deliberation = group.deliberation
    require_moderator(actor, deliberation)
    changes: dict[str, Any] = {}
    if name is not UNCHANGED:
        changes["name"] = fields.text(name, "name", max_length=NAME_MAX)
    if share is not UNCHANGED:
        changes["share"] = _share(share)
    if name_translations is not UNCHANGED:
        changes["name_translations"] = _name_translations(name_translations)
    changes = {k: v for k, v in changes.items() if getattr(group, k) != v}
    if not changes:
        return group
    _require_open_for_changes(deliberation, next(iter(changes)))
    previous = {k: getattr(group, k) for k in changes}
    for k, v in changes.items():
        setattr(group, k, v)
    db.session.flush()
    record_event(
        deliberation,
        actor,
        "group.update",
        f"group:{group.id}",
        {
            "key": group.key,
            "changes": {k: {"from": previous[k], "to": v} for k, v in changes.items()},
        },
    )
    return group


def remove_group(actor, group: StakeholderGroup) -> None:
    """Remove a stakeholder group no member belongs to (moderators)."""
    deliberation = group.deliberation
    require_moderator(actor, deliberation)
    _require_open_for_changes(deliberation)
    in_use = db.session.scalar(
        sa.select(sa.func.count(Membership.id)).where(Membership.group_id == group.id)
    )
    if in_use:
        raise Conflict(
            _l("Members still belong to this group. Move them to another group first."),
            field="key",
        )
    group_id, key = group.id, group.key
    deliberation.groups.remove(group)
    db.session.flush()
    record_event(deliberation, actor, "group.remove", f"group:{group_id}", {"key": key})


# --- memberships ---------------------------------------------------------------------------


def add_member(
    actor, deliberation: Deliberation, *, email=None, role=None, group=None, weight=1
) -> Membership:
    """Give an existing user a role (and group and weight) in the deliberation (moderators).

    People without an account are invited instead (see accounts). Delegates need a group.
    """
    require_moderator(actor, deliberation)
    email = fields.email(email)
    role = fields.choice(role, "role", ROLES)
    group_obj = _group_for(deliberation, group)
    weight = _weight(weight)
    if role == "delegate" and group_obj is None:
        raise Invalid(_l("Delegates speak for a stakeholder group: choose one."), field="group")
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        raise NotFound(
            _l("No account uses this email address. Send an invitation instead."), field="email"
        )
    existing = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.deliberation_id == deliberation.id, Membership.user_id == user.id
        )
    )
    if existing:
        raise Conflict(_l("This person is already a member of this deliberation."), field="email")
    membership = Membership(
        deliberation=deliberation, user=user, role=role, group=group_obj, weight=weight
    )
    db.session.add(membership)
    db.session.flush()
    record_event(
        deliberation,
        actor,
        "member.add",
        f"member:{membership.id}",
        {
            "user": user.id,
            "role": role,
            "group": group_obj.key if group_obj else None,
            "weight": weight,
        },
    )
    return membership


def update_member(
    actor,
    membership: Membership,
    *,
    role=UNCHANGED,
    group=UNCHANGED,
    weight=UNCHANGED,
    muted=UNCHANGED,
) -> Membership:
    """Change a member's role, group, vote weight or muting (moderators; never their own
    muting).

    ``group`` is a group key, or None/"" for no group. A delegate always keeps a group.
    """
    deliberation = membership.deliberation
    require_moderator(actor, deliberation)
    changes: dict[str, Any] = {}
    if role is not UNCHANGED:
        changes["role"] = fields.choice(role, "role", ROLES)
    if group is not UNCHANGED:
        changes["group"] = _group_for(deliberation, group)
    if weight is not UNCHANGED:
        changes["weight"] = _weight(weight)
    if muted is not UNCHANGED:
        changes["muted"] = fields.boolean(muted, "muted")
        if changes["muted"] and membership.user_id == actor.id:
            # A moderator who silenced themself could no longer run the session's floor.
            raise Invalid(_l("You cannot mute yourself."), field="muted")
    final_role = changes.get("role", membership.role)
    final_group = changes.get("group", membership.group)
    if final_role == "delegate" and final_group is None:
        raise Invalid(_l("Delegates speak for a stakeholder group: choose one."), field="group")
    changes = {k: v for k, v in changes.items() if getattr(membership, k) != v}
    if not changes:
        return membership
    previous = {k: getattr(membership, k) for k in changes}
    for k, v in changes.items():
        setattr(membership, k, v)
    db.session.flush()

    def plain(name, value):
        return value.key if name == "group" and value is not None else value

    events.member_updated.send(
        membership,
        actor=actor,
        changes={k: (plain(k, previous[k]), plain(k, v)) for k, v in changes.items()},
    )
    record_event(
        deliberation,
        actor,
        "member.update",
        f"member:{membership.id}",
        {
            "user": membership.user_id,
            "changes": {
                k: {"from": plain(k, previous[k]), "to": plain(k, v)} for k, v in changes.items()
            },
        },
    )
    return membership


def remove_member(actor, membership: Membership) -> None:
    """Remove a member who has not yet taken part (moderators).

    Posts, reactions and ballots belong to the record, so a member who has contributed is
    kept; mute them or make them an observer instead.
    """
    deliberation = membership.deliberation
    require_moderator(actor, deliberation)
    if _has_taken_part(membership):
        raise Conflict(
            _l(
                "This member has taken part, and the record keeps their contributions. "
                "Mute them or make them an observer instead."
            )
        )
    membership_id, user_id, role = membership.id, membership.user_id, membership.role
    db.session.delete(membership)
    db.session.flush()
    record_event(
        deliberation,
        actor,
        "member.remove",
        f"member:{membership_id}",
        {"user": user_id, "role": role},
    )
    events.member_removed.send(deliberation, user_id=user_id, membership_id=membership_id)


def _has_taken_part(membership: Membership) -> bool:
    """Whether any capability keeps something of the member's in its records (a post, a
    reaction, a ballot, a place in a motion's electorate …)."""
    return any(events.answers(events.member_took_part.send(membership)))


def _group_for(deliberation: Deliberation, key) -> StakeholderGroup | None:
    """The deliberation's group named by ``key``; None for no group."""
    if key is None or key == "":
        return None
    if not isinstance(key, str):
        raise Invalid(_l("This must be a group key."), field="group")
    group = next((g for g in deliberation.groups if g.key == key), None)
    if group is None:
        raise Invalid(_l("This deliberation has no group with this key."), field="group")
    return group


def _weight(value) -> int:
    return fields.integer(value, "weight", minimum=1, maximum=MAX_WEIGHT)


# --- agenda items --------------------------------------------------------------------------


def add_item(
    actor, deliberation: Deliberation, *, title=None, body="", numeral=None, language=None
) -> AgendaItem:
    """Add an agenda item at the end of the agenda, pending (moderators).

    Without a numeral the item is numbered by its position.
    """
    require_moderator(actor, deliberation)
    title = fields.text(title, "title", max_length=ITEM_TITLE_MAX)
    body = fields.text(body, "body", max_length=TEXT_MAX, required=False)
    numeral = fields.text(numeral, "numeral", max_length=NUMERAL_MAX, required=False)
    language = (
        deliberation.source_language
        if language in (None, "")
        else fields.language(language, "language")
    )
    _require_open_for_changes(deliberation)
    position = next_item_position(deliberation)
    item = AgendaItem(
        deliberation=deliberation,
        position=position,
        numeral=numeral or str(position),
        title=title,
        body=body,
        language=language,
        status="pending",
    )
    db.session.add(item)
    db.session.flush()
    record_event(
        deliberation,
        actor,
        "item.add",
        f"item:{item.id}",
        {"position": position, "numeral": item.numeral, "title": title, "language": language},
    )
    return item


def update_item(
    actor,
    item: AgendaItem,
    *,
    status=UNCHANGED,
    title=UNCHANGED,
    body=UNCHANGED,
    numeral=UNCHANGED,
    language=UNCHANGED,
    locked=UNCHANGED,
) -> AgendaItem:
    """Edit an agenda item or move it along ``ITEM_TRANSITIONS`` (moderators).

    pending → open → closed → open; a closed item accepts no posts or ballots.
    """
    deliberation = item.deliberation
    require_moderator(actor, deliberation)
    changes: dict[str, Any] = {}
    if title is not UNCHANGED:
        changes["title"] = fields.text(title, "title", max_length=ITEM_TITLE_MAX)
    if body is not UNCHANGED:
        changes["body"] = fields.text(body, "body", max_length=TEXT_MAX, required=False)
    if numeral is not UNCHANGED:
        changes["numeral"] = fields.text(numeral, "numeral", max_length=NUMERAL_MAX, required=False)
    if language is not UNCHANGED:
        changes["language"] = fields.language(language, "language")
    if locked is not UNCHANGED:
        changes["locked"] = fields.boolean(locked, "locked")
    new_status = item.status
    if status is not UNCHANGED:
        new_status = fields.choice(status, "status", ITEM_TRANSITIONS)
    changes = {k: v for k, v in changes.items() if getattr(item, k) != v}
    if new_status != item.status and new_status not in ITEM_TRANSITIONS[item.status]:
        raise Conflict(
            _l(
                "An agenda item cannot go from “%(current)s” to “%(new)s”.",
                current=status_label(item.status),
                new=status_label(new_status),
            ),
            field="status",
        )
    if not changes and new_status == item.status:
        return item
    _require_open_for_changes(
        deliberation, "status" if new_status != item.status else next(iter(changes))
    )
    if "language" in changes and item.translation(changes["language"]) is not None:
        raise Conflict(
            _l("A translation into this language exists; remove it or pick another language."),
            field="language",
        )
    old_status = item.status
    previous = {k: getattr(item, k) for k in changes}
    for k, v in changes.items():
        setattr(item, k, v)
    item.status = new_status
    db.session.flush()
    target = f"item:{item.id}"
    if changes:
        record_event(
            deliberation,
            actor,
            "item.update",
            target,
            {"changes": {k: {"from": previous[k], "to": v} for k, v in changes.items()}},
        )
    if new_status != old_status:
        record_event(
            deliberation, actor, "item.status", target, {"from": old_status, "to": new_status}
        )
    state_changes = {}
    if new_status != old_status:
        state_changes["status"] = (old_status, new_status)
    if "locked" in changes:
        state_changes["locked"] = (previous["locked"], changes["locked"])
    if state_changes:
        # Open item pages switch their forms on or off as soon as this commits, and so does
        # the live session panel when this is the session's current item.
        events.item_state_changed.send(item, changes=state_changes)
    return item


def set_item_translation(
    actor, item: AgendaItem, *, language=None, title=None, body=""
) -> tuple[AgendaItemTranslation, bool]:
    """Add or replace the item's title and text in ``language`` (moderators).

    Returns the translation and whether it is new.
    """
    deliberation = item.deliberation
    require_moderator(actor, deliberation)
    language = fields.language(language, "language")
    title = fields.text(title, "title", max_length=ITEM_TITLE_MAX)
    body = fields.text(body, "body", max_length=TEXT_MAX, required=False)
    if language == item.language:
        raise Invalid(
            _l("This is the item's own language; edit the item instead."), field="language"
        )
    _require_open_for_changes(deliberation)
    translation = item.translation(language)
    created = translation is None
    if created:
        translation = AgendaItemTranslation(language=language, title=title, body=body)
        item.translations.append(translation)
    elif (translation.title, translation.body) == (title, body):
        return translation, False
    else:
        translation.title, translation.body = title, body
    db.session.flush()
    record_event(
        deliberation,
        actor,
        "item.translation",
        f"item:{item.id}",
        {"language": language, "title": title, "created": created},
    )
    return translation, created
