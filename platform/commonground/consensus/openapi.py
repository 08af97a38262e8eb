"""OpenAPI description of the common ground, reaction and summary endpoints (``api.py``);
their component schemas are ``schemas.OPENAPI_SCHEMAS``."""

from ..api.schemas import (
    COMMON_ERRORS,
    WRITE_ERRORS,
    error_response,
    json_response,
    list_of,
    operation,
    path_parameter,
    query_parameter,
)
from ..discussion.openapi import ITEM_ID, POST_ID

SUMMARY_ID = path_parameter("summary_id", {"type": "integer"})
SUMMARY = json_response("The summary version", "ConsensusSummary")

#: Segments of a word-level difference, per section of a summary.
DIFF_SCHEMA = {
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
                        "op": {"type": "string", "enum": ["equal", "delete", "insert"]},
                        "text": {"type": "string"},
                    },
                },
            },
        },
    },
}

#: The ranked posts, and the bridging method that scored them.
COMMON_GROUND = {
    **list_of("CommonGroundEntry"),
    "properties": {
        **list_of("CommonGroundEntry")["properties"],
        "bridging": {
            "type": "object",
            "properties": {
                "method": {
                    "type": "object",
                    "required": ["name", "version", "params"],
                    "description": "How `bridging` is computed: `line` is what the lower "
                    "bound must clear, `level` the interval's credibility",
                }
            },
        },
    },
}

OPENAPI_PATHS: dict = {
    "/api/v1/items/{item_id}/common-ground": {
        "parameters": [ITEM_ID],
        "get": operation(
            "The item's posts ranked by group-informed consensus",
            {"200": json_response("The ranked posts", schema=COMMON_GROUND)},
            operation_id="getCommonGround",
            description="Visible posts only (hidden ones are left out for everyone), "
            "highest group-informed consensus first, ties in post order. Reactions appear "
            "only as counts per stakeholder group, never per member. A constant number of "
            "queries whatever the number of posts and reactions.",
            parameters=[
                query_parameter(
                    "language",
                    {"type": "string"},
                    "Only posts written in or translated into this language",
                )
            ],
            errors={**COMMON_ERRORS, "422": error_response("`language` is not a language code")},
        ),
    },
    "/api/v1/items/{item_id}/opinions": {
        "parameters": [ITEM_ID],
        "get": operation(
            "Opinion groups emerging from the item's reactions",
            {
                "200": json_response(
                    "The groups, consensus and representative statements", "OpinionGroups"
                )
            },
            operation_id="getOpinionGroups",
            description="Computed as Pol.is classic does (participants × statements matrix, "
            "hidden posts zeroed, at least 7 responses to be clustered, column-mean "
            "imputation, PCA to 2 components, k-means with k from 2 to 5 chosen by "
            "silhouette, fixed start). With too few participants `clustered` is false and "
            "`reason` says why. Results are cached per item and recomputed at most every "
            "`OPINIONS_INTERVAL` seconds while reactions change.",
        ),
    },
    "/api/v1/items/{item_id}/next-statement": {
        "parameters": [ITEM_ID],
        "get": operation(
            "The next post for you to react to",
            {"200": json_response("The post (or null) and how it was chosen", "NextStatement")},
            operation_id="getNextStatement",
            description="Chosen at random, weighted by the Pol.is priority as Pol.is meant "
            "it (not the constant 49 of a version it shipped), raised for posts that groups "
            "have not seen; posts never shown to you come first; your own posts and those "
            "you reacted to are never offered. Being shown a post is recorded: it counts as "
            "seen, never as a pass. Members who may react only (403 otherwise, 409 when the "
            "item or deliberation is not open).",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/posts/{post_id}/reaction": {
        "parameters": [POST_ID],
        "get": operation(
            "Your own reaction to a post, and its aggregates",
            {"200": json_response("Your stance (or null) and the counts", "OwnReaction")},
            operation_id="getOwnReaction",
            errors={**COMMON_ERRORS, "409": error_response("The post is hidden")},
        ),
        "put": operation(
            "Agree, disagree or pass on a post (any member; the latest wins)",
            {"200": json_response("Your stance and the post's new counts", "OwnReaction")},
            operation_id="reactToPost",
            description="The deliberation and the item must be open; muted members and "
            "non-members (admins included) are refused. The item's room receives the "
            "`reactions` event with the post's new aggregates.",
            body="ReactionInput",
            errors={**WRITE_ERRORS, "429": error_response("Reacting too often (`rate_limited`)")},
        ),
    },
    "/api/v1/items/{item_id}/summaries": {
        "parameters": [ITEM_ID],
        "get": operation(
            "The item's consensus summary versions, newest first",
            {"200": json_response("The versions", schema=list_of("ConsensusSummary"))},
            operation_id="listConsensusSummaries",
            description="Moderators and admins see drafts too; everyone else who may read "
            "the deliberation sees published versions only.",
        ),
        "post": operation(
            "Save a new draft version (moderators)",
            {"201": SUMMARY},
            operation_id="createConsensusSummary",
            description="Versions are numbered 1, 2, … per item across languages. A "
            "translation is a version in another language `based_on` the one it translates.",
            body="ConsensusSummaryInput",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/summaries/{summary_id}": {
        "parameters": [SUMMARY_ID],
        "get": operation(
            "One summary version (a draft is not found for non-moderators)",
            {"200": SUMMARY},
            operation_id="getConsensusSummary",
        ),
        "patch": operation(
            "Save changes to a draft as a new version (moderators)",
            {"200": SUMMARY},
            operation_id="reviseConsensusSummary",
            description="Every save is a new version: the answer is the new version, "
            "`based_on` the draft (unchanged text: the draft itself). A published version "
            "never changes (409 `published`); a draft already revised is outdated (409 "
            "`outdated`).",
            body="ConsensusSummaryPatch",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/summaries/{summary_id}/publish": {
        "parameters": [SUMMARY_ID],
        "post": operation(
            "Publish a draft (moderators); it becomes immutable",
            {"200": SUMMARY},
            operation_id="publishConsensusSummary",
            description="Supersedes the version published before in the same language "
            "(which must be an earlier one: 409 `outdated` otherwise). Writes "
            "`summary.publish` and `summary.supersede` audit events; the item's room "
            "receives `summary:published`.",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/summaries/{summary_id}/diff": {
        "parameters": [SUMMARY_ID],
        "get": operation(
            "Word-level differences between two versions, per section",
            {
                "200": json_response(
                    "Segments per section; `equal`+`delete` give the old text, "
                    "`equal`+`insert` the new",
                    schema=DIFF_SCHEMA,
                )
            },
            operation_id="diffConsensusSummary",
            parameters=[
                query_parameter(
                    "from",
                    {"type": "integer"},
                    "The older version (default: the one this is based on, else the "
                    "previous version)",
                )
            ],
            errors={
                **COMMON_ERRORS,
                "422": error_response("No earlier version to compare with, or `from` is bad"),
            },
        ),
    },
}
