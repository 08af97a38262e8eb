"""JSON shapes of the live session, shared by the API, socket events and pages.

``session:state`` is DESIGN §5's shape, extended additively (nothing renamed)::

    {"deliberation": slug,
     "version": n,                 # grows with every change (the audit chain's length)
     "current_item": id | null,
     "item": {"id", "numeral", "title", "language", "titles", "status", "locked"} | null,
     "round": {"title", "ends_at", "started_at"} | null,
     "queue": [{"member", "name", "group", "requested_at", "request"}],   # plain order
     "balanced_order": [member, ...],                                    # the same, balanced
     "speaker": member id | null,
     "speaking": {"member", "name", "group", "since", "item"} | null,
     "announcement": ANNOUNCEMENT | null,                                # the latest
     "updated_at", "server_time"}

Clients count a round down from ``ends_at`` (server time; ``server_time`` lets them correct
their clock) and keep the state with the highest ``version`` when events cross.
"""

from ..db import iso
from .models import Announcement

ANNOUNCEMENT_MAX = 2000


def announcement_json(announcement: Announcement, author_name: str | None) -> dict:
    """An announcement as the room and the API show it."""
    return {
        "id": announcement.id,
        "text": announcement.text,
        "language": announcement.language,
        "author": author_name,
        "created_at": iso(announcement.created_at),
    }


_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_GROUP = {"type": ["string", "null"], "description": "The member's stakeholder group key"}

ANNOUNCEMENT_SCHEMA = {
    "type": "object",
    "required": ["id", "text", "language", "author", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "text": {"type": "string"},
        "language": {"type": "string"},
        "author": {"type": ["string", "null"]},
        "created_at": _TIME,
        "expires_at": {
            **_NULLABLE_TIME,
            "description": "In the session state only: when the banner leaves "
            "(ANNOUNCEMENT_TTL); null when it stays until cleared",
        },
    },
}

SESSION_STATE_SCHEMA = {
    "type": "object",
    "required": [
        "deliberation",
        "version",
        "current_item",
        "round",
        "queue",
        "balanced_order",
        "speaker",
        "announcement",
    ],
    "properties": {
        "deliberation": {"type": "string"},
        "version": {"type": "integer"},
        "current_item": {"type": ["integer", "null"]},
        "item": {
            "type": ["object", "null"],
            "properties": {
                "id": {"type": "integer"},
                "numeral": {"type": "string"},
                "title": {"type": "string"},
                "language": {"type": "string"},
                "titles": {"type": "object", "additionalProperties": {"type": "string"}},
                "status": {"enum": ["pending", "open", "closed"]},
                "locked": {"type": "boolean"},
            },
        },
        "round": {
            "type": ["object", "null"],
            "required": ["title", "ends_at"],
            "properties": {
                "title": {"type": "string"},
                "ends_at": _TIME,
                "started_at": _NULLABLE_TIME,
            },
        },
        "queue": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["member", "name", "group", "requested_at"],
                "properties": {
                    "member": {"type": "integer"},
                    "name": {"type": "string"},
                    "group": _GROUP,
                    "requested_at": _TIME,
                    "request": {"type": "integer"},
                },
            },
        },
        "balanced_order": {"type": "array", "items": {"type": "integer"}},
        "speaker": {"type": ["integer", "null"]},
        "speaking": {
            "type": ["object", "null"],
            "properties": {
                "member": {"type": "integer"},
                "name": {"type": "string"},
                "group": _GROUP,
                "since": _NULLABLE_TIME,
                "item": {"type": "integer"},
            },
        },
        "announcement": {
            "oneOf": [{"$ref": "#/components/schemas/Announcement"}, {"type": "null"}]
        },
        "updated_at": _NULLABLE_TIME,
        "server_time": _TIME,
    },
}

_COUNTS = {
    "type": "object",
    "properties": {
        name: {"type": "integer"}
        for name in ("members", "posts", "floor_interventions", "reactions", "ballots")
    },
}
_FRACTION = {"type": ["string", "null"], "description": 'Exact rational, e.g. "2/3"'}

PARTICIPATION_SCHEMA = {
    "type": "object",
    "required": ["deliberation", "item", "groups", "ungrouped", "totals", "imbalance"],
    "properties": {
        "deliberation": {"type": "string"},
        "item": {"type": ["integer", "null"]},
        "groups": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "key",
                    "share",
                    "members",
                    "expected",
                    "posts",
                    "floor_interventions",
                    "reactions",
                    "ballots",
                ],
                "properties": {
                    "key": {"type": "string"},
                    "name": {"type": "string"},
                    "name_translations": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                    },
                    "share": {"type": "integer"},
                    "members": {"type": "integer"},
                    "expected": _FRACTION,
                    "posts": {"type": "integer"},
                    "floor_interventions": {"type": "integer"},
                    "reactions": {"type": "integer"},
                    "ballots": {"type": "integer"},
                    "fractions": {"type": "object", "additionalProperties": _FRACTION},
                },
            },
        },
        "ungrouped": _COUNTS,
        "totals": _COUNTS,
        "imbalance": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "index": _FRACTION,
                    "index_float": {"type": ["number", "null"]},
                    "level": {"enum": ["balanced", "uneven", "imbalanced", None]},
                    "over": {"type": ["string", "null"]},
                    "under": {"type": ["string", "null"]},
                },
            },
        },
    },
}


def _body(required: list[str], properties: dict) -> dict:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


OPENAPI_SCHEMAS = {
    "SessionState": SESSION_STATE_SCHEMA,
    "Announcement": ANNOUNCEMENT_SCHEMA,
    "Participation": PARTICIPATION_SCHEMA,
    "SessionCurrentInput": _body(
        ["item"], {"item": {"type": ["integer", "null"], "description": "null: no current item"}}
    ),
    "RoundStartInput": _body(
        ["seconds"],
        {
            "title": {"type": "string", "maxLength": 200},
            "seconds": {"type": "integer", "minimum": 1, "maximum": 14400},
        },
    ),
    "RoundExtendInput": _body(
        ["seconds"], {"seconds": {"type": "integer", "minimum": 1, "maximum": 14400}}
    ),
    "EmptyInput": _body([], {}),
    "FloorItemInput": _body(["item"], {"item": {"type": "integer"}}),
    "FloorMemberInput": _body(["member"], {"member": {"type": "integer"}}),
    "AnnouncementInput": _body(
        ["text"],
        {
            "text": {"type": "string", "maxLength": ANNOUNCEMENT_MAX},
            "language": {"type": "string", "description": "BCP 47; default: yours"},
        },
    ),
    "MuteInput": _body(["muted"], {"muted": {"type": "boolean"}}),
}
