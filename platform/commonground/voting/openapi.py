"""OpenAPI description of the voting endpoints (``api.py``); their component schemas are
``schemas.OPENAPI_SCHEMAS``."""

from ..api.schemas import (
    ANYONE,
    COMMON_ERRORS,
    SIGNED_IN,
    WRITE_ERRORS,
    error_response,
    json_response,
    list_of,
    operation,
    path_parameter,
)
from ..deliberations.openapi import ITEM_ID

MOTION_ID = path_parameter("motion_id", {"type": "integer"}, "The motion's id")
RECEIPT = path_parameter("receipt", {"type": "string"}, "A ballot receipt (64 hex digits)")
TAGS = ["Voting"]

OPENAPI_PATHS: dict = {
    "/api/v1/items/{item_id}/motions": {
        "get": operation(
            "The item's motions, oldest first",
            {
                "200": json_response(
                    "Drafts are listed for moderators only", schema=list_of("Motion")
                )
            },
            operation_id="listMotions",
            tags=TAGS,
            security=ANYONE,
            parameters=[ITEM_ID],
        ),
        "post": operation(
            "Put a motion on the item, as a draft (moderators)",
            {"201": json_response("The new draft motion", "Motion")},
            operation_id="createMotion",
            description="The rule is validated against DESIGN §3 and the deliberation's "
            "groups; a refusal names the field inside the rule, e.g. `error.field` = "
            "`rule.threshold`. A closed item answers 409.",
            tags=TAGS,
            parameters=[ITEM_ID],
            body="MotionCreate",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/motions/{motion_id}": {
        "get": operation(
            "One motion (with its frozen result once closed)",
            {"200": json_response("The motion", "Motion")},
            operation_id="getMotion",
            description="Draft motions are visible to moderators only (404 for everyone else).",
            tags=TAGS,
            security=ANYONE,
            parameters=[MOTION_ID],
        )
    },
    "/api/v1/motions/{motion_id}/open": {
        "post": operation(
            "Open a draft motion for voting (moderators)",
            {"200": json_response("The open motion", "Motion")},
            operation_id="openMotion",
            description="Snapshots the electorate — every delegate (and every moderator who "
            "belongs to a group) with group and weight, and every group's share — and copies "
            "the deliberation's scheme. 409 unless the motion is a draft and its item and "
            "deliberation are open. Emits `motion:open` to the room `item:<id>`.",
            tags=TAGS,
            parameters=[MOTION_ID],
            errors=WRITE_ERRORS,
        )
    },
    "/api/v1/motions/{motion_id}/close": {
        "post": operation(
            "Close the vote and freeze its result (moderators)",
            {"200": json_response("The closed motion with `result` (TALLY)", "Motion")},
            operation_id="closeMotion",
            description="409 unless the motion is open. The result is stored and never "
            "recomputed; an audit event records its outcome and SHA-256. Emits "
            "`motion:closed`.",
            tags=TAGS,
            parameters=[MOTION_ID],
            errors=WRITE_ERRORS,
        )
    },
    "/api/v1/motions/{motion_id}/tally": {
        "get": operation(
            "The live tally (open) or the frozen result (closed)",
            {
                "200": json_response(
                    "Aggregates only, never an individual ballot; while a secret motion is "
                    "open, only the number of ballots cast (SealedTally)",
                    schema={
                        "oneOf": [
                            {"$ref": "#/components/schemas/Tally"},
                            {"$ref": "#/components/schemas/SealedTally"},
                        ]
                    },
                )
            },
            operation_id="getTally",
            tags=TAGS,
            security=ANYONE,
            parameters=[MOTION_ID],
            errors={**COMMON_ERRORS, "409": error_response("The motion has not been opened")},
        )
    },
    "/api/v1/motions/{motion_id}/ballot": {
        "get": operation(
            "The caller's own ballot and receipt",
            {"200": json_response("`eligible` false for callers who may not vote", "OwnBallot")},
            operation_id="getOwnBallot",
            tags=TAGS,
            security=SIGNED_IN,
            parameters=[MOTION_ID],
        ),
        "put": operation(
            "Cast or change the caller's ballot",
            {"200": json_response("The caller's current ballot and its new receipt", "OwnBallot")},
            operation_id="castBallot",
            description="Only delegates in the motion's electorate snapshot may vote (403 "
            "`not_a_voter`). 409 `motion_not_open` when the motion is not open (or "
            "`item_closed`); 422 for a choice the rule does not allow (`block` only under "
            "a consensus rule). Every cast increments `sequence` and issues a new receipt. "
            "Emits `tally` (aggregates) to the room `item:<id>`.",
            tags=TAGS,
            parameters=[MOTION_ID],
            body="BallotInput",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/motions/{motion_id}/ballots": {
        "get": operation(
            "Who voted what (open-ballot motions only)",
            {"200": json_response("Ballots by group and name", schema=list_of("OpenBallot"))},
            operation_id="listOpenBallots",
            description="A secret motion answers 403 `secret_ballot` to everyone, moderators "
            "included.",
            tags=TAGS,
            security=ANYONE,
            parameters=[MOTION_ID],
        )
    },
    "/api/v1/motions/{motion_id}/receipts": {
        "get": operation(
            "The receipts of the counted ballots of a closed motion",
            {"200": json_response("Sorted, so they reveal neither voter nor order", "ReceiptList")},
            operation_id="listReceipts",
            description="Receipts are keyed hashes (see the `OwnBallot` schema): nobody can "
            "tell whose they are or what they stand for, so the list is published for secret "
            "motions too. A voter checks that their receipt is listed and that `digest` "
            "equals the frozen result's `receipts_digest`, which the audit chain records at "
            "close.",
            tags=TAGS,
            security=ANYONE,
            parameters=[MOTION_ID],
            errors={**COMMON_ERRORS, "409": error_response("The motion is not closed yet")},
        )
    },
    "/api/v1/motions/{motion_id}/receipts/{receipt}": {
        "get": operation(
            "Whether a receipt belongs to a ballot counted in the motion",
            {"200": json_response("The receipt is counted", "ReceiptCheck")},
            operation_id="checkReceipt",
            description="404 `unknown_receipt` for a receipt that is not the current receipt "
            "of any ballot (a superseded receipt of a changed ballot included).",
            tags=TAGS,
            security=ANYONE,
            parameters=[MOTION_ID, RECEIPT],
        )
    },
}
