"""The JSON shapes of the discussion, shared by the API, socket events and pages.

A ``PostView`` is a post as one reader may see it: content of a hidden post is replaced
for everyone but moderators, here and only here, so no channel can forget to.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from markupsafe import escape

from ..db import iso
from .rules import MAX_BODY_LENGTH, path_depth, render_markdown


@dataclass
class AuthorView:
    """Who wrote a post: membership id, user id, display name, stakeholder group."""

    member: int
    user: int
    name: str
    group: str | None
    group_name: str | None
    #: the account was erased: ``name`` is "Former member" and the pseudonym
    former: bool = False

    def to_json(self) -> dict:
        data = {
            "id": self.member,
            "user": self.user,
            "name": self.name,
            "group": self.group,
            "group_name": self.group_name,
        }
        if self.former:
            data["former"] = True
        return data


@dataclass
class TranslationView:
    """A human translation of a post into one language."""

    language: str
    body: str
    translator: int | None
    translator_name: str | None
    created_at: datetime
    #: the post's revision it was made from, and whether the post was edited since
    source_revision: int = 1
    outdated: bool = False

    @property
    def html(self) -> str:
        return render_markdown(self.body)

    def to_json(self) -> dict:
        return {
            "language": self.language,
            "body": self.body,
            "html": self.html,
            "translator": (
                {"id": self.translator, "name": self.translator_name}
                if self.translator is not None
                else None
            ),
            "created_at": iso(self.created_at),
            "source_revision": self.source_revision,
            "outdated": self.outdated,
        }


@dataclass
class PostView:
    """A post as one reader sees it (``content_visible`` False: hidden from this reader)."""

    id: int
    item: int
    parent: int | None
    path: str
    author: AuthorView
    source: str
    language: str
    created_at: datetime
    edited_at: datetime | None
    hidden: bool
    hidden_reason: str | None
    hidden_at: datetime | None
    hidden_by_name: str | None
    content_visible: bool
    translations: dict[str, TranslationView] = field(default_factory=dict)
    #: spoken while holding the floor in a live session
    floor_intervention: bool = False
    #: the current version's number (1 as written, one more per edit)
    revision: int = 1
    #: the text was replaced by a notice at the author's request (a moderator agreed)
    redacted: bool = False

    @property
    def depth(self) -> int:
        return path_depth(self.path)

    @property
    def body(self) -> str:
        """The Markdown source, or the notice that replaces a hidden (or redacted) post's
        content."""
        if not self.content_visible:
            return hidden_notice(self.hidden_reason)
        if self.redacted:
            return redacted_notice()
        return self.source

    @property
    def html(self) -> str:
        if self.content_visible and not self.redacted:
            return render_markdown(self.source)
        return f'<p class="hidden-notice">{escape(self.body)}</p>'

    def translation_into(self, language: str) -> TranslationView | None:
        """The translation into ``language``, unless the post is in it already."""
        if language == self.language:
            return None
        return self.translations.get(language)

    def to_json(self) -> dict:
        """The post shape of DESIGN §6 (plus ``path``, ``depth`` and hiding details)."""
        data = {
            "id": self.id,
            "item": self.item,
            "parent": self.parent,
            "path": self.path,
            "depth": self.depth,
            "author": self.author.to_json(),
            "body": self.body,
            "html": self.html,
            "language": self.language,
            "created_at": iso(self.created_at),
            "edited_at": iso(self.edited_at),
            "hidden": self.hidden,
            "hidden_reason": self.hidden_reason if self.hidden else None,
            "floor_intervention": self.floor_intervention,
            "revision": self.revision,
            "redacted": self.redacted,
            "translations": {
                language: translation.to_json()
                for language, translation in sorted(self.translations.items())
            },
        }
        if self.hidden and self.content_visible:
            # Only moderators get here: they see who hid it and when.
            data["hidden_by"] = self.hidden_by_name
            data["hidden_at"] = iso(self.hidden_at)
        return data


def redaction_json(request) -> dict:
    """A former member's request to remove their posts' text (never who they were)."""
    return {
        "id": request.id,
        "member": request.membership_id,
        "status": request.status,
        "requested_at": iso(request.requested_at),
        "decided_at": iso(request.decided_at),
    }


def hidden_notice(reason: str | None) -> str:
    """What readers see instead of a hidden post's content."""
    return _("Hidden by moderator: %(reason)s", reason=reason or "")


def redacted_notice() -> str:
    """What remains of a post whose text was removed at its author's request."""
    return _("Text removed at the author's request, with a moderator's agreement.")


# --- OpenAPI ----------------------------------------------------------------------------------

TRANSLATION_SCHEMA = {
    "type": "object",
    "required": ["language", "body", "html", "created_at"],
    "properties": {
        "language": {"type": "string"},
        "body": {"type": "string", "description": "Markdown source"},
        "html": {"type": "string", "description": "Sanitised HTML"},
        "translator": {
            "type": ["object", "null"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "created_at": {"type": "string", "format": "date-time"},
        "source_revision": {
            "type": "integer",
            "minimum": 1,
            "description": "The post's revision the translation was made from",
        },
        "outdated": {
            "type": "boolean",
            "description": "True when the post was edited after this translation was made, "
            "until a translator updates it",
        },
    },
}

POST_SCHEMA = {
    "type": "object",
    "required": [
        "id",
        "item",
        "parent",
        "author",
        "body",
        "html",
        "language",
        "created_at",
        "edited_at",
        "hidden",
        "translations",
    ],
    "properties": {
        "id": {"type": "integer"},
        "item": {"type": "integer"},
        "parent": {"type": ["integer", "null"]},
        "path": {
            "type": "string",
            "description": "Materialised path: zero-padded ids from the top-level post, "
            "separated by '/'. Sorting by it gives thread order.",
        },
        "depth": {"type": "integer", "minimum": 0},
        "author": {
            "type": "object",
            "required": ["id", "name", "group"],
            "properties": {
                "id": {"type": "integer", "description": "Membership id"},
                "user": {"type": "integer"},
                "name": {"type": "string"},
                "group": {"type": ["string", "null"], "description": "Stakeholder group key"},
                "group_name": {"type": ["string", "null"]},
                "former": {
                    "type": "boolean",
                    "description": "Present (true) when the account was erased: name is then "
                    "'Former member' and the member's pseudonym in the deliberation",
                },
            },
        },
        "body": {
            "type": "string",
            "description": "Markdown source; for a hidden post, 'Hidden by moderator: "
            "<reason>' unless the reader moderates the deliberation.",
        },
        "html": {"type": "string", "description": "Sanitised HTML of body"},
        "language": {"type": "string", "description": "BCP 47 code"},
        "created_at": {"type": "string", "format": "date-time"},
        "edited_at": {"type": ["string", "null"], "format": "date-time"},
        "hidden": {"type": "boolean"},
        "hidden_reason": {"type": ["string", "null"]},
        "hidden_by": {"type": ["string", "null"], "description": "Moderators only"},
        "hidden_at": {"type": ["string", "null"], "format": "date-time"},
        "floor_intervention": {
            "type": "boolean",
            "description": "Written while holding the floor in a live session",
        },
        "revision": {
            "type": "integer",
            "minimum": 1,
            "description": "The current version's number: 1 as written, one more per edit",
        },
        "redacted": {
            "type": "boolean",
            "description": "The text was replaced by a notice at the author's request, "
            "with a moderator's agreement",
        },
        "translations": {
            "type": "object",
            "description": "Human translations by language code (none for a hidden post, "
            "except for moderators)",
            "additionalProperties": {"$ref": "#/components/schemas/PostTranslation"},
        },
    },
}

POST_INPUT_SCHEMA = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": {"type": "string", "maxLength": MAX_BODY_LENGTH, "description": "Markdown"},
        "parent": {"type": ["integer", "null"], "description": "The post replied to"},
        "language": {
            "type": "string",
            "description": "BCP 47 code; defaults to the author's locale",
        },
    },
}

POST_EDIT_SCHEMA = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": {"type": "string", "maxLength": MAX_BODY_LENGTH},
        "language": {"type": "string"},
    },
}

HIDE_INPUT_SCHEMA = {
    "type": "object",
    "required": ["reason"],
    "properties": {"reason": {"type": "string", "maxLength": 500}},
}

TRANSLATION_INPUT_SCHEMA = {
    "type": "object",
    "required": ["language", "body"],
    "properties": {
        "language": {"type": "string"},
        "body": {"type": "string", "maxLength": MAX_BODY_LENGTH},
    },
}

LOCK_INPUT_SCHEMA = {
    "type": "object",
    "required": ["locked"],
    "properties": {"locked": {"type": "boolean"}},
}

REVISION_SCHEMA = {
    "type": "object",
    "required": ["body", "html", "replaced_at"],
    "properties": {
        "body": {"type": "string"},
        "html": {"type": "string"},
        "replaced_at": {"type": "string", "format": "date-time"},
    },
}

THREAD_WINDOW_SCHEMA = {
    "type": "object",
    "description": "The top-level threads the answer holds (first_thread..last_thread, "
    "with all their replies) and the cursors of the windows around them",
    "required": [
        "threads",
        "first_thread",
        "last_thread",
        "has_older",
        "has_newer",
        "older",
        "newer",
    ],
    "properties": {
        "threads": {"type": "integer", "minimum": 0},
        "first_thread": {"type": ["integer", "null"], "description": "Id of its first post"},
        "last_thread": {"type": ["integer", "null"], "description": "Id of its first post"},
        "has_older": {"type": "boolean"},
        "has_newer": {"type": "boolean"},
        "older": {
            "type": ["object", "null"],
            "description": "The query parameters of the older window (null: none)",
            "required": ["before"],
            "properties": {"before": {"type": "integer"}},
        },
        "newer": {
            "type": ["object", "null"],
            "description": "The query parameters of the newer window (null: none)",
            "required": ["from"],
            "properties": {"from": {"type": "integer"}},
        },
    },
}

REDACTION_SCHEMA = {
    "type": "object",
    "required": ["id", "member", "status", "requested_at", "decided_at"],
    "properties": {
        "id": {"type": "integer"},
        "member": {"type": "integer", "description": "Membership id of the former member"},
        "status": {"type": "string", "enum": ["pending", "approved", "refused"]},
        "requested_at": {"type": "string", "format": "date-time"},
        "decided_at": {"type": ["string", "null"], "format": "date-time"},
        "posts": {"type": "integer", "description": "Posts whose text was removed"},
    },
}

#: Merged into ``components/schemas`` of the OpenAPI document (see api/openapi.py).
OPENAPI_SCHEMAS = {
    "Post": POST_SCHEMA,
    "PostInput": POST_INPUT_SCHEMA,
    "PostEdit": POST_EDIT_SCHEMA,
    "PostHide": HIDE_INPUT_SCHEMA,
    "PostTranslation": TRANSLATION_SCHEMA,
    "PostTranslationInput": TRANSLATION_INPUT_SCHEMA,
    "PostRevision": REVISION_SCHEMA,
    "ItemLock": LOCK_INPUT_SCHEMA,
    "ThreadWindow": THREAD_WINDOW_SCHEMA,
    "RedactionRequest": REDACTION_SCHEMA,
}
