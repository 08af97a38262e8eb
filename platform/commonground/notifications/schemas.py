"""JSON shapes of notifications and settings, shared by the API, the socket event, the page
script and the OpenAPI description."""

from flask import current_app, has_request_context, url_for

from ..db import iso
from .models import KINDS, Notification, NotificationSettings


def notification_link(notification: Notification, *, external: bool = False) -> str | None:
    """Where the notification leads: its item's page, at the post, motions or summary."""
    if notification.item_id is None:
        return None
    if not has_request_context():
        # An action run from the CLI or a script: links point at the public address.
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            return notification_link(notification, external=external)
    anchor = None
    if notification.post_id is not None:
        anchor = f"post-{notification.post_id}"
    elif notification.motion_id is not None:
        anchor = "motions"
    return url_for(
        "deliberations.item",
        slug=notification.deliberation.slug,
        item_id=notification.item_id,
        _anchor=anchor,
        _external=external,
    )


def notification_json(notification: Notification) -> dict:
    """One notification as the API lists it and the socket delivers it."""
    return {
        "id": notification.id,
        "kind": notification.kind,
        "deliberation": notification.deliberation.slug,
        "item": notification.item_id,
        "post": notification.post_id,
        "motion": notification.motion_id,
        "summary": notification.summary_id,
        "actor": {"name": notification.actor.name} if notification.actor else None,
        "details": notification.details or {},
        "created_at": iso(notification.created_at),
        "read": notification.read_at is not None,
        "url": notification_link(notification),
    }


def settings_json(settings: NotificationSettings) -> dict:
    """A member's notification choices."""
    muted = set(settings.muted_kinds or ())
    return {
        "kinds": {kind: kind not in muted for kind in KINDS},
        "email_digest": bool(settings.email_digest),
    }


_ID_OR_NULL = {"type": ["integer", "null"]}

NOTIFICATION_SCHEMA = {
    "type": "object",
    "required": ["id", "kind", "deliberation", "item", "read", "created_at", "url"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": list(KINDS)},
        "deliberation": {"type": "string"},
        "item": _ID_OR_NULL,
        "post": _ID_OR_NULL,
        "motion": _ID_OR_NULL,
        "summary": _ID_OR_NULL,
        "actor": {
            "type": ["object", "null"],
            "properties": {"name": {"type": "string"}},
        },
        "details": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
        "read": {"type": "boolean"},
        "url": {"type": ["string", "null"]},
    },
}

NOTIFICATION_LIST_SCHEMA = {
    "type": "object",
    "required": ["items", "unread", "next"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}},
        "unread": {"type": "integer", "minimum": 0},
        "next": {
            "type": ["integer", "null"],
            "description": "Pass as `before` for the next (older) page; null on the last.",
        },
    },
}

MARK_READ_SCHEMA = {
    "type": "object",
    "properties": {
        "ids": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "minItems": 1,
            "maxItems": 100,
        },
        "item": {
            "type": "integer",
            "minimum": 1,
            "description": "Every notification about this agenda item",
        },
        "all": {"type": "boolean"},
    },
    "additionalProperties": False,
}

MARKED_SCHEMA = {
    "type": "object",
    "required": ["read", "unread"],
    "properties": {
        "read": {"type": "integer", "minimum": 0, "description": "How many were marked now"},
        "unread": {"type": "integer", "minimum": 0},
    },
}

SETTINGS_SCHEMA = {
    "type": "object",
    "required": ["kinds", "email_digest"],
    "properties": {
        "kinds": {
            "type": "object",
            "properties": {kind: {"type": "boolean"} for kind in KINDS},
            "additionalProperties": False,
        },
        "email_digest": {"type": "boolean"},
    },
}

SETTINGS_CHANGE_SCHEMA = {**SETTINGS_SCHEMA, "required": [], "additionalProperties": False}

HANDLE_LIST_SCHEMA = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["handle", "name"],
                "properties": {"handle": {"type": "string"}, "name": {"type": "string"}},
            },
        }
    },
}

SCHEMAS = {"Notification": NOTIFICATION_SCHEMA}
