"""JSON shapes of deliberations, groups, members and agenda items (DESIGN §6 "Shapes").

The same functions serve the API, socket events and exports; ``OPENAPI_SCHEMAS`` describes
exactly what they return and what the API accepts.
"""

from ..db import iso
from ..records.pseudonyms import membership_name
from .models import (
    DELIBERATION_STATUSES,
    ITEM_STATUSES,
    ROLES,
    VOTING_SCHEMES,
    AgendaItem,
    Deliberation,
    Membership,
    StakeholderGroup,
)


def group_json(group: StakeholderGroup) -> dict:
    """A stakeholder group: key, name (and its translations), share, position."""
    return {
        "key": group.key,
        "name": group.name,
        "name_translations": dict(group.name_translations or {}),
        "share": group.share,
        "position": group.position,
    }


def deliberation_json(deliberation: Deliberation) -> dict:
    """A deliberation with its stakeholder groups."""
    return {
        "id": deliberation.id,
        "slug": deliberation.slug,
        "title": deliberation.title,
        "description": deliberation.description,
        "status": deliberation.status,
        "scheme": deliberation.scheme,
        "languages": list(deliberation.languages or []),
        "source_language": deliberation.source_language,
        "is_public": deliberation.is_public,
        "observers_may_post": deliberation.observers_may_post,
        "created_at": iso(deliberation.created_at),
        "groups": [group_json(g) for g in deliberation.groups],
    }


def member_json(membership: Membership, *, show_email: bool = False) -> dict:
    """A member; the email address only for readers who moderate (``show_email``)."""
    user = {"id": membership.user.id, "name": membership_name(membership)}
    if membership.user.erased_at is not None:
        user["former"] = True
    elif show_email:
        user["email"] = membership.user.email
    return {
        "id": membership.id,
        "user": user,
        "role": membership.role,
        "group": membership.group.key if membership.group else None,
        "weight": membership.weight,
        "muted": membership.muted,
    }


def item_json(item: AgendaItem) -> dict:
    """An agenda item with every translation of its title and text."""
    return {
        "id": item.id,
        "deliberation": item.deliberation.slug,
        "position": item.position,
        "numeral": item.numeral,
        "title": item.title,
        "body": item.body,
        "language": item.language,
        "status": item.status,
        "locked": item.locked,
        "attribution": item.attribution,
        "translations": {
            t.language: {"title": t.title, "body": t.body}
            for t in sorted(item.translations, key=lambda t: t.language)
        },
        "created_at": iso(item.created_at),
    }


# --- OpenAPI (JSON Schema 2020-12) ---------------------------------------------------------

_LANGUAGE = {"type": "string", "pattern": r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"}
_TIME = {"type": "string", "format": "date-time"}
_NAME_TRANSLATIONS = {
    "type": "object",
    "description": "The name in other languages, by language code.",
    "additionalProperties": {"type": "string"},
}
_POSITIVE = {"type": "integer", "minimum": 1}
_GROUP_PROPERTIES = {
    "key": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "name_translations": _NAME_TRANSLATIONS,
    "share": {**_POSITIVE, "description": "Weight of the group in the `groups` scheme."},
}
_DELIBERATION_SETTINGS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string"},
    "scheme": {"enum": list(VOTING_SCHEMES)},
    "languages": {"type": "array", "items": _LANGUAGE},
    "source_language": _LANGUAGE,
    "is_public": {"type": "boolean"},
    "observers_may_post": {"type": "boolean"},
}
_ITEM_TEXT = {
    "title": {"type": "string", "minLength": 1, "maxLength": 300},
    "body": {"type": "string"},
    "numeral": {"type": "string", "maxLength": 16},
    "language": _LANGUAGE,
}

OPENAPI_SCHEMAS = {
    "Group": {
        "type": "object",
        "required": ["key", "name", "name_translations", "share", "position"],
        "properties": {**_GROUP_PROPERTIES, "position": {"type": "integer"}},
    },
    "GroupCreate": {
        "type": "object",
        "required": ["key", "name"],
        "additionalProperties": False,
        "properties": _GROUP_PROPERTIES,
    },
    "GroupUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {k: v for k, v in _GROUP_PROPERTIES.items() if k != "key"},
    },
    "Deliberation": {
        "type": "object",
        "required": [
            "id",
            "slug",
            "title",
            "description",
            "status",
            "scheme",
            "languages",
            "source_language",
            "is_public",
            "observers_may_post",
            "created_at",
            "groups",
        ],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            **_DELIBERATION_SETTINGS,
            "status": {"enum": list(DELIBERATION_STATUSES)},
            "created_at": _TIME,
            "groups": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}},
        },
    },
    "DeliberationCreate": {
        "type": "object",
        "required": ["slug", "title"],
        "additionalProperties": False,
        "properties": {
            "slug": {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"},
            **_DELIBERATION_SETTINGS,
            "groups": {"type": "array", "items": {"$ref": "#/components/schemas/GroupCreate"}},
        },
    },
    "DeliberationUpdate": {
        "type": "object",
        "additionalProperties": False,
        "description": (
            "Status moves draft → open → closed → open. The scheme changes only while the "
            "deliberation is a draft or no motion is open. A closed deliberation accepts only "
            "`status` and `is_public`."
        ),
        "properties": {**_DELIBERATION_SETTINGS, "status": {"enum": list(DELIBERATION_STATUSES)}},
    },
    "Member": {
        "type": "object",
        "required": ["id", "user", "role", "group", "weight", "muted"],
        "properties": {
            "id": {"type": "integer"},
            "user": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "email": {
                        "type": "string",
                        "description": "Shown to the deliberation's moderators only.",
                    },
                },
            },
            "role": {"enum": list(ROLES)},
            "group": {"type": ["string", "null"], "description": "The group's key."},
            "weight": _POSITIVE,
            "muted": {"type": "boolean"},
        },
    },
    "MemberCreate": {
        "type": "object",
        "required": ["email", "role"],
        "additionalProperties": False,
        "properties": {
            "email": {"type": "string", "description": "An existing account's email."},
            "role": {"enum": list(ROLES)},
            "group": {"type": ["string", "null"], "description": "Required for delegates."},
            "weight": _POSITIVE,
        },
    },
    "MemberUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "role": {"enum": list(ROLES)},
            "group": {"type": ["string", "null"]},
            "weight": _POSITIVE,
            "muted": {"type": "boolean"},
        },
    },
    "Item": {
        "type": "object",
        "required": [
            "id",
            "deliberation",
            "position",
            "numeral",
            "title",
            "body",
            "language",
            "status",
            "locked",
            "attribution",
            "translations",
            "created_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "deliberation": {"type": "string", "description": "The deliberation's slug."},
            "position": {"type": "integer"},
            **_ITEM_TEXT,
            "status": {"enum": list(ITEM_STATUSES)},
            "locked": {"type": "boolean"},
            "attribution": {"type": ["string", "null"]},
            "translations": {
                "type": "object",
                "additionalProperties": {"$ref": "#/components/schemas/ItemTranslation"},
            },
            "created_at": _TIME,
        },
    },
    "ItemCreate": {
        "type": "object",
        "required": ["title"],
        "additionalProperties": False,
        "properties": _ITEM_TEXT,
    },
    "ItemUpdate": {
        "type": "object",
        "additionalProperties": False,
        "description": "Status moves pending → open → closed → open.",
        "properties": {
            **_ITEM_TEXT,
            "status": {"enum": list(ITEM_STATUSES)},
            "locked": {"type": "boolean"},
        },
    },
    "ItemTranslation": {
        "type": "object",
        "required": ["title", "body"],
        "properties": {"title": {"type": "string"}, "body": {"type": "string"}},
    },
    "ItemTranslationInput": {
        "type": "object",
        "required": ["title"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 300},
            "body": {"type": "string"},
        },
    },
}
