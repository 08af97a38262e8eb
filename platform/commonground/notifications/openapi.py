"""OpenAPI description of the notification endpoints (``api.py``), in the shapes of
``schemas.py``."""

from ..api.schemas import (
    ANYONE,
    UNAUTHORIZED,
    WRITE_ERRORS,
    error_response,
    json_response,
    operation,
    query_parameter,
)
from ..deliberations.openapi import SLUG
from .models import KINDS
from .schemas import (
    HANDLE_LIST_SCHEMA,
    MARK_READ_SCHEMA,
    MARKED_SCHEMA,
    NOTIFICATION_LIST_SCHEMA,
    SETTINGS_CHANGE_SCHEMA,
    SETTINGS_SCHEMA,
)

TAGS = ["notifications"]
INVALID = {"422": error_response("A parameter is not valid; `error.field` names it")}

OPENAPI_PATHS: dict = {
    "/api/v1/me/notifications": {
        "get": operation(
            "The signed-in user's notifications, newest first",
            {"200": json_response("A page of notifications", schema=NOTIFICATION_LIST_SCHEMA)},
            description=(
                "Only the user's own notifications. `kind` is one of "
                + ", ".join(f"`{kind}`" for kind in KINDS)
                + ". `unread` counts all unread ones; `next` is the `before` of the next page. "
                "New ones also arrive live on the socket as `notification:new`."
            ),
            tags=TAGS,
            parameters=[
                query_parameter(
                    "before",
                    {"type": "integer", "minimum": 1},
                    "Only notifications with a smaller id (the `next` of the previous page)",
                    required=False,
                ),
                query_parameter(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                    "At most this many",
                    required=False,
                ),
                query_parameter(
                    "unread",
                    {"type": "boolean"},
                    "Only the unread notifications",
                    required=False,
                ),
            ],
            errors={**UNAUTHORIZED, **INVALID},
        )
    },
    "/api/v1/me/notifications/read": {
        "post": operation(
            "Mark notifications read",
            {"200": json_response("How many were marked", schema=MARKED_SCHEMA)},
            description=(
                'Either `{"ids": [...]}` (ids of other users\' notifications change nothing), '
                '`{"item": id}` (those about one agenda item; opening its page does the same) '
                'or `{"all": true}`.'
            ),
            tags=TAGS,
            body=MARK_READ_SCHEMA,
            errors=WRITE_ERRORS,
        )
    },
    "/api/v1/me/notifications/settings": {
        "get": operation(
            "Which notifications the user receives",
            {"200": json_response("The settings", schema=SETTINGS_SCHEMA)},
            tags=TAGS,
            errors=UNAUTHORIZED,
        ),
        "put": operation(
            "Choose which notifications to receive, and the e-mail digest",
            {"200": json_response("The settings now", schema=SETTINGS_SCHEMA)},
            description="Kinds not named keep their setting. Digests are mailed only when "
            "the operator configured SMTP.",
            tags=TAGS,
            body=SETTINGS_CHANGE_SCHEMA,
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/handles": {
        "parameters": [SLUG],
        "get": operation(
            "Members' handles for @mentions",
            {"200": json_response("Up to 20 handles", schema=HANDLE_LIST_SCHEMA)},
            description=(
                "A handle is the member's name with every run of other characters than "
                "letters, digits and `_` made one `_`; `@handle` in a post notifies them."
            ),
            tags=TAGS,
            security=ANYONE,
            parameters=[
                query_parameter(
                    "q",
                    {"type": "string", "maxLength": 120},
                    "The beginning of the handle or name",
                    required=False,
                )
            ],
        ),
    },
}
