"""JSON shapes of accounts and invitations, with their OpenAPI schemas beside them."""

import sqlalchemy as sa

from ..db import db, iso
from ..deliberations.models import Deliberation, Membership
from .models import Invitation, User


def me_json(user: User) -> dict:
    """The signed-in user with every membership."""
    rows = db.session.execute(
        sa.select(Membership, Deliberation.slug)
        .join(Deliberation, Membership.deliberation_id == Deliberation.id)
        .where(Membership.user_id == user.id)
        .order_by(Deliberation.slug)
    )
    return {
        **_identity(user),
        "memberships": [
            {
                "deliberation": slug,
                "role": membership.role,
                "group": membership.group.key if membership.group else None,
                "weight": membership.weight,
            }
            for membership, slug in rows
        ],
    }


def _identity(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "locale": user.locale,
        "is_admin": user.is_admin,
    }


def account_json(user: User) -> dict:
    """The account's own fields, as the personal data export gives them."""
    return {
        **_identity(user),
        "created_at": iso(user.created_at),
        "erased_at": iso(user.erased_at),
    }


def invitation_json(invitation: Invitation, url: str | None = None) -> dict:
    """An invitation; ``url`` (with the secret token) only when it has just been created."""
    body = {
        "id": invitation.id,
        "email": invitation.email,
        "role": invitation.role,
        "group": invitation.group.key if invitation.group else None,
        "weight": invitation.weight,
        "created_at": iso(invitation.created_at),
        "expires_at": iso(invitation.expires_at),
    }
    if url is not None:
        body["url"] = url
    return body


ROLE_SCHEMA = {"type": "string", "enum": ["moderator", "delegate", "observer"]}

ME_SCHEMA = {
    "type": "object",
    "required": ["id", "email", "name", "locale", "is_admin", "memberships"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "locale": {"type": ["string", "null"]},
        "is_admin": {"type": "boolean"},
        "memberships": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["deliberation", "role", "group", "weight"],
                "properties": {
                    "deliberation": {"type": "string", "description": "The slug"},
                    "role": ROLE_SCHEMA,
                    "group": {"type": ["string", "null"], "description": "The group key"},
                    "weight": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
}

INVITATION_SCHEMA = {
    "type": "object",
    "required": ["id", "email", "role", "group", "weight", "created_at", "expires_at"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "role": ROLE_SCHEMA,
        "group": {"type": ["string", "null"], "description": "The group key"},
        "weight": {"type": "integer", "minimum": 1},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}

CREATED_INVITATION_SCHEMA = {
    **INVITATION_SCHEMA,
    "required": [*INVITATION_SCHEMA["required"], "url"],
    "properties": {
        **INVITATION_SCHEMA["properties"],
        "url": {
            "type": "string",
            "format": "uri",
            "description": "The link that accepts the invitation. Shown only in this response.",
        },
    },
}

NEW_INVITATION_SCHEMA = {
    "type": "object",
    "required": ["email", "role"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "role": ROLE_SCHEMA,
        "group": {
            "type": ["string", "null"],
            "description": "Key of one of the deliberation's groups; required for delegates",
        },
        "weight": {"type": "integer", "minimum": 1, "default": 1},
    },
}


PERSONAL_DATA_SCHEMA = {
    "type": "object",
    "required": ["format", "exported_at", "account", "api_tokens"],
    "description": "Everything stored about you. Each capability adds its own sections "
    "(`memberships`, `pseudonyms`, `posts` with `revisions` and `translations`, "
    "`translations_made`, `reactions`, `ballots` with their receipts, and `notifications` "
    "where the instance keeps them); a section may be added in a later version.",
    "properties": {
        "format": {"type": "string", "const": "commonground-personal-data/1"},
        "exported_at": {"type": "string", "format": "date-time"},
        "account": {
            "type": "object",
            "required": ["id", "email", "name", "locale", "is_admin", "created_at"],
            "properties": {
                "id": {"type": "integer"},
                "email": {"type": "string"},
                "name": {"type": "string"},
                "locale": {"type": ["string", "null"]},
                "is_admin": {"type": "boolean"},
                "created_at": {"type": "string", "format": "date-time"},
                "erased_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "api_tokens": {"type": "array", "items": {"type": "object"}},
        "memberships": {"type": "array", "items": {"type": "object"}},
        "pseudonyms": {"type": "array", "items": {"type": "object"}},
        "posts": {"type": "array", "items": {"type": "object"}},
        "translations_made": {"type": "array", "items": {"type": "object"}},
        "reactions": {"type": "array", "items": {"type": "object"}},
        "ballots": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}

ERASE_INPUT_SCHEMA = {
    "type": "object",
    "required": ["confirm"],
    "properties": {
        "confirm": {"type": "boolean", "const": True, "description": "Must be true"},
        "password": {
            "type": "string",
            "description": "Your password; checked when given (the page always asks it)",
        },
        "redact_posts": {
            "type": "boolean",
            "default": False,
            "description": "Ask that your posts' text be replaced by a notice; a moderator "
            "of each deliberation approves or refuses",
        },
    },
}

ERASED_SCHEMA = {
    "type": "object",
    "required": ["erased", "erased_at"],
    "properties": {
        "erased": {"type": "boolean", "const": True},
        "erased_at": {"type": "string", "format": "date-time"},
    },
}

PROFILE_CHANGE_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "locale": {"enum": ["en", "fr", "es", "ru", "zh", "ar"]},
    },
    "additionalProperties": False,
}

PASSWORD_CHANGE_SCHEMA = {
    "type": "object",
    "required": ["current_password", "new_password"],
    "properties": {
        "current_password": {"type": "string"},
        "new_password": {"type": "string", "minLength": 10, "maxLength": 1024},
    },
    "additionalProperties": False,
}

PASSWORD_RESET_LINK_SCHEMA = {
    "type": "object",
    "required": ["url", "expires_at"],
    "properties": {
        "url": {"type": "string", "description": "The one-time link, returned only here"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}
