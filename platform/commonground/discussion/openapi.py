"""OpenAPI description of the discussion endpoints (``api.py``); their component schemas are
``schemas.OPENAPI_SCHEMAS``."""

from ..api.schemas import (
    COMMON_ERRORS,
    WRITE_ERRORS,
    component,
    error_response,
    json_response,
    list_of,
    operation,
    path_parameter,
    query_parameter,
)
from ..deliberations.openapi import SLUG

POSTS_WINDOW = {
    **list_of("Post"),
    "required": ["items", "window"],
    "properties": {
        **list_of("Post")["properties"],
        "window": {"oneOf": [component("ThreadWindow"), {"type": "null"}]},
    },
}
REQUEST_ID = path_parameter("request_id", {"type": "integer"})
ITEM_ID = path_parameter("item_id", {"type": "integer"})
POST_ID = path_parameter("post_id", {"type": "integer"})
RATE_LIMITED = {"429": error_response("Posting too often (`rate_limited`); see Retry-After")}
TOO_LARGE = {"413": error_response("The request body is too large")}

OPENAPI_PATHS: dict = {
    "/api/v1/items/{item_id}/posts": {
        "parameters": [ITEM_ID],
        "get": operation(
            "The item's posts in thread order: a window of whole threads",
            {"200": json_response("The posts and their window", schema=POSTS_WINDOW)},
            operation_id="listItemPosts",
            description="Hidden posts show 'Hidden by moderator: <reason>' instead of "
            "their content, except to moderators. Without `after`, a window of whole "
            "top-level threads with all their replies: the newest by default, at most "
            "`limit` threads (100 unless configured) and no further thread once it holds "
            "100 posts, a post longer than 2,000 characters counting once more per 2,000 "
            "(always at least one thread); `window` says which threads and gives "
            "the query parameters of the older and newer windows. At most one of `before`, "
            "`from` and `around`. `after` alone: every post newer than a post, uncut "
            "(`window` is null; `after=0` reads the whole thread). A constant number of "
            "queries whatever the thread's size.",
            parameters=[
                query_parameter(
                    "after",
                    {"type": "integer", "minimum": 0},
                    "Only posts with a larger id (catching up)",
                ),
                query_parameter(
                    "language",
                    {"type": "string"},
                    "Only posts written in or translated into this language",
                ),
                query_parameter(
                    "before",
                    {"type": "integer", "minimum": 1},
                    "The newest threads whose first post's id is smaller (the older window)",
                ),
                query_parameter(
                    "from",
                    {"type": "integer", "minimum": 1},
                    "The oldest threads whose first post's id is at least this (the newer window)",
                ),
                query_parameter(
                    "around",
                    {"type": "integer", "minimum": 1},
                    "The window starting with the thread that holds this post",
                ),
                query_parameter(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 500},
                    "At most this many threads",
                ),
            ],
            errors={
                **COMMON_ERRORS,
                "422": error_response("A parameter is not valid (or two cursors are given)"),
            },
        ),
        "post": operation(
            "Post in the item's thread, or reply (member who may post)",
            {"201": json_response("The new post", "Post")},
            operation_id="createItemPost",
            description="Refused with 409 when the deliberation or item is not open or the "
            "item is locked, 403 for observers (unless allowed) and muted members, 429 when "
            "posting too often. The post goes live to every viewer of the item.",
            body="PostInput",
            errors={**WRITE_ERRORS, **TOO_LARGE, **RATE_LIMITED},
        ),
    },
    "/api/v1/posts/{post_id}": {
        "parameters": [POST_ID],
        "get": operation(
            "One post", {"200": json_response("The post", "Post")}, operation_id="getPost"
        ),
        "patch": operation(
            "Edit a post (its author)",
            {"200": json_response("The edited post", "Post")},
            operation_id="editPost",
            description="The previous body is kept as a revision; `edited_at` is set.",
            body="PostEdit",
            errors={**WRITE_ERRORS, **TOO_LARGE},
        ),
    },
    "/api/v1/posts/{post_id}/hide": {
        "parameters": [POST_ID],
        "post": operation(
            "Hide a post, with a reason (moderator)",
            {"200": json_response("The hidden post", "Post")},
            operation_id="hidePost",
            body="PostHide",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/posts/{post_id}/translations": {
        "parameters": [POST_ID],
        "post": operation(
            "Add a human translation of a post (member who may post)",
            {"201": json_response("The post with its translations", "Post")},
            operation_id="translatePost",
            description="Replaces an existing translation into the same language only "
            "when it is the caller's own, or the caller moderates (else 409).",
            body="PostTranslationInput",
            errors={**WRITE_ERRORS, **TOO_LARGE, **RATE_LIMITED},
        ),
    },
    "/api/v1/posts/{post_id}/revisions": {
        "parameters": [POST_ID],
        "get": operation(
            "Previous bodies of an edited post, newest first",
            {"200": json_response("The revisions", schema=list_of("PostRevision"))},
            operation_id="listPostRevisions",
        ),
    },
    "/api/v1/items/{item_id}/lock": {
        "parameters": [ITEM_ID],
        "post": operation(
            "Lock or unlock the item's discussion (moderator)",
            {
                "200": json_response(
                    "The item's state",
                    schema={
                        "type": "object",
                        "required": ["id", "status", "locked"],
                        "properties": {
                            "id": {"type": "integer"},
                            "status": {"type": "string"},
                            "locked": {"type": "boolean"},
                        },
                    },
                )
            },
            operation_id="lockItemDiscussion",
            description="A locked item stays readable but takes no new posts.",
            body="ItemLock",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/redactions": {
        "parameters": [SLUG],
        "get": operation(
            "Former members' pending requests to remove their posts' text (moderator)",
            {"200": json_response("The requests", schema=list_of("RedactionRequest"))},
            operation_id="listRedactions",
            description="A member who erases their account may ask that their posts' text "
            "be replaced by a notice; the posts keep their place, author pseudonym and "
            "reactions either way.",
        ),
    },
    "/api/v1/deliberations/{slug}/redactions/{request_id}/approve": {
        "parameters": [SLUG, REQUEST_ID],
        "post": operation(
            "Approve a request: the former member's posts' text is replaced (moderator)",
            {"200": json_response("The decided request", "RedactionRequest")},
            operation_id="approveRedaction",
            description="Every version and translation of each of the member's posts in "
            "the deliberation is replaced by a notice; the transparency log records a "
            "`post.redact` leaf per post, so `records verify` still passes. 409 when "
            "already decided.",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/redactions/{request_id}/refuse": {
        "parameters": [SLUG, REQUEST_ID],
        "post": operation(
            "Refuse a request: the posts stay as they are (moderator)",
            {"200": json_response("The decided request", "RedactionRequest")},
            operation_id="refuseRedaction",
            description="409 when already decided.",
            errors=WRITE_ERRORS,
        ),
    },
}
