"""Common ground, reactions and consensus summaries over /api/v1 (DESIGN §6).

Thin: find the resource, call the service, commit (live events leave at commit), answer in
the shapes of ``schemas``.
"""

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
from ..deliberations.access import get_item
from ..errors import Invalid
from ..transactions import committed
from . import queries, reactions, services
from .rules import SECTIONS, diff_text
from .schemas import OPENAPI_SCHEMAS, SummaryRefs, common_ground_json, summary_json

bp = Blueprint("consensus_api", __name__, url_prefix="/api/v1")

__all__ = ["OPENAPI_PATHS", "OPENAPI_SCHEMAS", "bp"]


@bp.get("/items/<int:item_id>/common-ground")
def common_ground(item_id: int):
    """The item's visible posts ranked by group-informed consensus, with counts per group."""
    item = get_item(item_id)
    language = request.args.get("language") or None
    ground = queries.common_ground(current_user, item, language=language)
    return jsonify(common_ground_json(ground))


@bp.get("/posts/<int:post_id>/reaction")
def own_reaction(post_id: int):
    """Your own stance on a post, and its aggregates."""
    post = reactions.get_post(post_id)
    return jsonify(reactions.own_reaction(current_user, post).to_json())


@bp.put("/posts/<int:post_id>/reaction")
def react(post_id: int):
    """Agree, disagree or pass on a post; the latest reaction wins."""
    data = json_body()
    post = reactions.get_post(post_id)
    with committed():
        result = services.react(current_user, post, data.get("stance"))
    return jsonify(result.to_json())


@bp.get("/items/<int:item_id>/summaries")
def list_summaries(item_id: int):
    """The item's summary versions, newest first (drafts for moderators only)."""
    item = get_item(item_id)
    summaries = queries.item_summaries(current_user, item)
    refs = SummaryRefs.for_item(item, summaries)
    return jsonify(items=[summary_json(s, refs) for s in summaries])


@bp.post("/items/<int:item_id>/summaries")
def create_summary(item_id: int):
    """Save a new draft version of the item's summary."""
    data = json_body()
    item = get_item(item_id)
    with committed():
        summary = services.create_summary(
            current_user,
            item,
            language=data.get("language"),
            agreements=data.get("agreements"),
            divergences=data.get("divergences"),
            recommendations=data.get("recommendations"),
            based_on=data.get("based_on"),
        )
    return jsonify(summary_json(summary, SummaryRefs.for_item(item, [summary]))), 201


@bp.get("/summaries/<int:summary_id>")
def show_summary(summary_id: int):
    """One summary version."""
    summary = queries.readable_summary(current_user, summary_id)
    item = queries.item_of(summary)
    return jsonify(summary_json(summary, SummaryRefs.for_item(item, [summary])))


@bp.patch("/summaries/<int:summary_id>")
def revise_summary(summary_id: int):
    """Save changes to a draft: the answer is the new version (its own id and number)."""
    data = json_body()
    summary = queries.readable_summary(current_user, summary_id)
    with committed():
        revised = services.revise_summary(current_user, summary, data)
    item = queries.item_of(revised)
    return jsonify(summary_json(revised, SummaryRefs.for_item(item, [revised])))


@bp.post("/summaries/<int:summary_id>/publish")
def publish_summary(summary_id: int):
    """Publish a draft version; it supersedes the one published before in its language."""
    summary = queries.readable_summary(current_user, summary_id)
    with committed():
        services.publish_summary(current_user, summary)
    item = queries.item_of(summary)
    return jsonify(summary_json(summary, SummaryRefs.for_item(item, [summary])))


@bp.get("/summaries/<int:summary_id>/diff")
def diff_summary(summary_id: int):
    """Word-level differences from version ``?from=<id>`` (default: the version it is based
    on, else the previous one) to this one, per section."""
    summary = queries.readable_summary(current_user, summary_id)
    raw = request.args.get("from")
    if raw not in (None, ""):
        older = queries.readable_summary(current_user, fields.integer(raw, "from", minimum=1))
    else:
        older = queries.previous_version(current_user, summary)
    if older is None or older.item_id != summary.item_id:
        raise Invalid(field="from")
    return jsonify(
        {
            "from": older.id,
            "to": summary.id,
            "sections": {
                name: [
                    {"op": op, "text": text}
                    for op, text in diff_text(getattr(older, name), getattr(summary, name))
                ]
                for name in SECTIONS
            },
        }
    )


# --- OpenAPI ---------------------------------------------------------------------------------

_ITEM_ID = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_POST_ID = {"name": "post_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SUMMARY_ID = {
    "name": "summary_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}
_SUMMARY = json_response("The summary version", "ConsensusSummary")

OPENAPI_PATHS: dict = {
    "/api/v1/items/{item_id}/common-ground": {
        "parameters": [_ITEM_ID],
        "get": {
            "operationId": "getCommonGround",
            "summary": "The item's posts ranked by group-informed consensus",
            "description": "Visible posts only (hidden ones are left out for everyone), "
            "highest group-informed consensus first, ties in post order. Reactions appear "
            "only as counts per stakeholder group, never per member. A constant number of "
            "queries whatever the number of posts and reactions.",
            "parameters": [
                {
                    "name": "language",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Only posts written in or translated into this language",
                }
            ],
            "responses": {
                "200": json_response("The ranked posts", schema=list_of("CommonGroundEntry")),
                **COMMON_ERRORS,
                "422": error_response("`language` is not a language code"),
            },
        },
    },
    "/api/v1/posts/{post_id}/reaction": {
        "parameters": [_POST_ID],
        "get": {
            "operationId": "getOwnReaction",
            "summary": "Your own reaction to a post, and its aggregates",
            "responses": {
                "200": json_response("Your stance (or null) and the counts", "OwnReaction"),
                **COMMON_ERRORS,
                "409": error_response("The post is hidden"),
            },
        },
        "put": {
            "operationId": "reactToPost",
            "summary": "Agree, disagree or pass on a post (any member; the latest wins)",
            "description": "The deliberation and the item must be open; muted members and "
            "non-members (admins included) are refused. The item's room receives the "
            "`reactions` event with the post's new aggregates.",
            "requestBody": json_request("ReactionInput"),
            "responses": {
                "200": json_response("Your stance and the post's new counts", "OwnReaction"),
                **WRITE_ERRORS,
                "429": error_response("Reacting too often (`rate_limited`)"),
            },
        },
    },
    "/api/v1/items/{item_id}/summaries": {
        "parameters": [_ITEM_ID],
        "get": {
            "operationId": "listConsensusSummaries",
            "summary": "The item's consensus summary versions, newest first",
            "description": "Moderators and admins see drafts too; everyone else who may read "
            "the deliberation sees published versions only.",
            "responses": {
                "200": json_response("The versions", schema=list_of("ConsensusSummary")),
                **COMMON_ERRORS,
            },
        },
        "post": {
            "operationId": "createConsensusSummary",
            "summary": "Save a new draft version (moderators)",
            "description": "Versions are numbered 1, 2, … per item across languages. A "
            "translation is a version in another language `based_on` the one it translates.",
            "requestBody": json_request("ConsensusSummaryInput"),
            "responses": {"201": _SUMMARY, **WRITE_ERRORS},
        },
    },
    "/api/v1/summaries/{summary_id}": {
        "parameters": [_SUMMARY_ID],
        "get": {
            "operationId": "getConsensusSummary",
            "summary": "One summary version (a draft is not found for non-moderators)",
            "responses": {"200": _SUMMARY, **COMMON_ERRORS},
        },
        "patch": {
            "operationId": "reviseConsensusSummary",
            "summary": "Save changes to a draft as a new version (moderators)",
            "description": "Every save is a new version: the answer is the new version, "
            "`based_on` the draft (unchanged text: the draft itself). A published version "
            "never changes (409 `published`); a draft already revised is outdated (409 "
            "`outdated`).",
            "requestBody": json_request("ConsensusSummaryPatch"),
            "responses": {"200": _SUMMARY, **WRITE_ERRORS},
        },
    },
    "/api/v1/summaries/{summary_id}/publish": {
        "parameters": [_SUMMARY_ID],
        "post": {
            "operationId": "publishConsensusSummary",
            "summary": "Publish a draft (moderators); it becomes immutable",
            "description": "Supersedes the version published before in the same language "
            "(which must be an earlier one: 409 `outdated` otherwise). Writes "
            "`summary.publish` and `summary.supersede` audit events; the item's room "
            "receives `summary:published`.",
            "responses": {"200": _SUMMARY, **WRITE_ERRORS},
        },
    },
    "/api/v1/summaries/{summary_id}/diff": {
        "parameters": [_SUMMARY_ID],
        "get": {
            "operationId": "diffConsensusSummary",
            "summary": "Word-level differences between two versions, per section",
            "parameters": [
                {
                    "name": "from",
                    "in": "query",
                    "schema": {"type": "integer"},
                    "description": "The older version (default: the one this is based on, "
                    "else the previous version)",
                }
            ],
            "responses": {
                "200": json_response(
                    "Segments per section; `equal`+`delete` give the old text, "
                    "`equal`+`insert` the new",
                    schema={
                        "type": "object",
                        "required": ["from", "to", "sections"],
                        "properties": {
                            "from": {"type": "integer"},
                            "to": {"type": "integer"},
                            "sections": {
                                "type": "object",
                                "additionalProperties": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "op": {
                                                "type": "string",
                                                "enum": ["equal", "delete", "insert"],
                                            },
                                            "text": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                ),
                **COMMON_ERRORS,
                "422": error_response("No earlier version to compare with, or `from` is bad"),
            },
        },
    },
}
