"""Discussion endpoints of /api/v1 (DESIGN §6): posts, replies, edits, hiding,
translations, revisions and the item lock. Thin: the services do the work."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from .. import fields
from ..api import json_body
from ..api.schemas import (
    COMMON_ERRORS,
    WRITE_ERRORS,
    error_response,
    json_request,
    json_response,
    list_of,
)
from ..db import iso
from ..deliberations.access import get_item
from ..errors import Invalid
from ..transactions import committed
from . import queries, services
from .rules import render_markdown
from .schemas import OPENAPI_SCHEMAS

__all__ = ["OPENAPI_PATHS", "OPENAPI_SCHEMAS", "bp"]

bp = Blueprint("discussion_api", __name__, url_prefix="/api/v1")


@bp.get("/items/<int:item_id>/posts")
def list_posts(item_id: int):
    """The item's posts in thread order; ``?after=<id>`` for those newer than a post,
    ``?language=<code>`` for those written in or translated into a language."""
    item = get_item(item_id)
    after = request.args.get("after")
    after = fields.integer(after, "after", minimum=0) if after not in (None, "") else None
    language = request.args.get("language") or None
    if language is not None:
        language = fields.language(language)
    thread = queries.read_thread(current_user, item, after=after, language=language)
    return jsonify(items=[post.to_json() for post in thread.posts])


@bp.post("/items/<int:item_id>/posts")
def create_post(item_id: int):
    """Post in the item's thread (``parent`` for a reply)."""
    data = json_body()
    item = get_item(item_id)
    with committed():
        post = services.create_post(
            current_user,
            item,
            body=data.get("body"),
            parent=data.get("parent"),
            language=data.get("language"),
        )
    return jsonify(queries.read_post(current_user, post).to_json()), 201


@bp.get("/posts/<int:post_id>")
def show_post(post_id: int):
    """One post."""
    post = queries.get_post(post_id)
    return jsonify(queries.read_post(current_user, post).to_json())


@bp.patch("/posts/<int:post_id>")
def edit_post(post_id: int):
    """The author edits a post; the previous body is kept (see ``revisions``)."""
    data = json_body()
    post = queries.get_post(post_id)
    with committed():
        services.edit_post(current_user, post, body=data.get("body"), language=data.get("language"))
    return jsonify(queries.read_post(current_user, post).to_json())


@bp.post("/posts/<int:post_id>/hide")
def hide_post(post_id: int):
    """A moderator hides a post, giving a reason."""
    data = json_body()
    post = queries.get_post(post_id)
    with committed():
        services.hide_post(current_user, post, reason=data.get("reason"))
    return jsonify(queries.read_post(current_user, post).to_json())


@bp.post("/posts/<int:post_id>/translations")
def translate_post(post_id: int):
    """Add (or replace one's own) human translation of a post."""
    data = json_body()
    post = queries.get_post(post_id)
    with committed():
        services.translate_post(
            current_user, post, language=data.get("language"), body=data.get("body")
        )
    return jsonify(queries.read_post(current_user, post).to_json()), 201


@bp.get("/posts/<int:post_id>/revisions")
def post_revisions(post_id: int):
    """The previous bodies of an edited post, newest first."""
    post = queries.get_post(post_id)
    revisions = queries.post_revisions(current_user, post)
    return jsonify(
        items=[
            {"body": r.body, "html": render_markdown(r.body), "replaced_at": iso(r.replaced_at)}
            for r in revisions
        ]
    )


@bp.post("/items/<int:item_id>/lock")
def lock_item(item_id: int):
    """A moderator locks or unlocks the item's discussion: ``{"locked": true|false}``."""
    data = json_body()
    if "locked" not in data:
        raise Invalid(field="locked")
    item = get_item(item_id)
    with committed():
        services.lock_item(current_user, item, locked=data["locked"])
    return jsonify(id=item.id, status=item.status, locked=item.locked)


_ITEM_ID = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_POST_ID = {"name": "post_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_RATE_LIMITED = {"429": error_response("Posting too often (`rate_limited`); see Retry-After")}
_TOO_LARGE = {"413": error_response("The request body is too large")}

OPENAPI_PATHS: dict = {
    "/api/v1/items/{item_id}/posts": {
        "parameters": [_ITEM_ID],
        "get": {
            "operationId": "listItemPosts",
            "summary": "The item's posts in thread order",
            "description": "Hidden posts show 'Hidden by moderator: <reason>' instead of "
            "their content, except to moderators. A constant number of queries whatever "
            "the thread's size.",
            "parameters": [
                {
                    "name": "after",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 0},
                    "description": "Only posts with a larger id (catching up)",
                },
                {
                    "name": "language",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Only posts written in or translated into this language",
                },
            ],
            "responses": {
                "200": json_response("The posts", schema=list_of("Post")),
                **COMMON_ERRORS,
                "422": error_response("A parameter is not valid"),
            },
        },
        "post": {
            "operationId": "createItemPost",
            "summary": "Post in the item's thread, or reply (member who may post)",
            "description": "Refused with 409 when the deliberation or item is not open or the "
            "item is locked, 403 for observers (unless allowed) and muted members, 429 when "
            "posting too often. The post goes live to every viewer of the item.",
            "requestBody": json_request("PostInput"),
            "responses": {
                "201": json_response("The new post", "Post"),
                **WRITE_ERRORS,
                **_TOO_LARGE,
                **_RATE_LIMITED,
            },
        },
    },
    "/api/v1/posts/{post_id}": {
        "parameters": [_POST_ID],
        "get": {
            "operationId": "getPost",
            "summary": "One post",
            "responses": {"200": json_response("The post", "Post"), **COMMON_ERRORS},
        },
        "patch": {
            "operationId": "editPost",
            "summary": "Edit a post (its author)",
            "description": "The previous body is kept as a revision; `edited_at` is set.",
            "requestBody": json_request("PostEdit"),
            "responses": {
                "200": json_response("The edited post", "Post"),
                **WRITE_ERRORS,
                **_TOO_LARGE,
            },
        },
    },
    "/api/v1/posts/{post_id}/hide": {
        "parameters": [_POST_ID],
        "post": {
            "operationId": "hidePost",
            "summary": "Hide a post, with a reason (moderator)",
            "requestBody": json_request("PostHide"),
            "responses": {"200": json_response("The hidden post", "Post"), **WRITE_ERRORS},
        },
    },
    "/api/v1/posts/{post_id}/translations": {
        "parameters": [_POST_ID],
        "post": {
            "operationId": "translatePost",
            "summary": "Add a human translation of a post (member who may post)",
            "description": "Replaces an existing translation into the same language only "
            "when it is the caller's own, or the caller moderates (else 409).",
            "requestBody": json_request("PostTranslationInput"),
            "responses": {
                "201": json_response("The post with its translations", "Post"),
                **WRITE_ERRORS,
                **_TOO_LARGE,
                **_RATE_LIMITED,
            },
        },
    },
    "/api/v1/posts/{post_id}/revisions": {
        "parameters": [_POST_ID],
        "get": {
            "operationId": "listPostRevisions",
            "summary": "Previous bodies of an edited post, newest first",
            "responses": {
                "200": json_response("The revisions", schema=list_of("PostRevision")),
                **COMMON_ERRORS,
            },
        },
    },
    "/api/v1/items/{item_id}/lock": {
        "parameters": [_ITEM_ID],
        "post": {
            "operationId": "lockItemDiscussion",
            "summary": "Lock or unlock the item's discussion (moderator)",
            "description": "A locked item stays readable but takes no new posts.",
            "requestBody": json_request("ItemLock"),
            "responses": {
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
                ),
                **WRITE_ERRORS,
            },
        },
    },
}
