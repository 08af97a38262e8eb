"""Voting endpoints of /api/v1: motions, their tally, ballots and receipts.

Thin: find the motion (404, drafts only for moderators), read the JSON body (400), call the
service (which authorises and validates), commit (retrying on concurrency failures), then
tell the item's room over Socket.IO — only after the commit.
"""

from flask import Blueprint, jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..api import json_body
from ..api.schemas import COMMON_ERRORS, WRITE_ERRORS, error_response, json_request, json_response
from ..deliberations.access import get_item, require_signed_in
from ..errors import Invalid
from ..transactions import in_transaction
from . import queries, services
from .schemas import (
    OPENAPI_SCHEMAS,
    motion_json,
    open_ballot_json,
    own_ballot_json,
)

bp = Blueprint("voting_api", __name__, url_prefix="/api/v1")

__all__ = ["OPENAPI_PATHS", "OPENAPI_SCHEMAS", "bp"]

MOTION_FIELDS = ("text", "rule", "secret")


def _body(allowed) -> dict:
    """The JSON object of a write request, holding only ``allowed`` fields."""
    require_signed_in(current_user)
    data = json_body()
    for name in data:
        if name not in allowed:
            raise Invalid(_l("This field is not known here."), field=str(name))
    return data


def _motion(motion_id: int):
    return queries.readable_motion(current_user, motion_id)


def _motion_body(motion) -> dict:
    return motion_json(motion, voters=queries.voter_count(motion) if motion.opened_at else None)


@bp.get("/items/<int:item_id>/motions")
def list_motions(item_id):
    """The item's motions, oldest first (drafts only for moderators)."""
    motions = queries.item_motions(current_user, get_item(item_id))
    return jsonify(items=[_motion_body(m) for m in motions])


@bp.post("/items/<int:item_id>/motions")
def create_motion(item_id):
    """Put a motion on the item, as a draft (moderators)."""
    data = _body(MOTION_FIELDS)
    motion = in_transaction(
        lambda: services.create_motion_on_item(
            current_user,
            item_id,
            text=data.get("text"),
            rule=data.get("rule"),
            secret=data.get("secret", False),
        )
    )
    return jsonify(_motion_body(motion)), 201


@bp.get("/motions/<int:motion_id>")
def show_motion(motion_id):
    """One motion; once closed, with its frozen result."""
    return jsonify(_motion_body(_motion(motion_id)))


@bp.post("/motions/<int:motion_id>/open")
def open_motion(motion_id):
    """Open a draft for voting: snapshot the electorate (moderators)."""
    require_signed_in(current_user)
    motion = _motion(motion_id)
    motion = in_transaction(lambda: services.open_motion(current_user, motion))
    return jsonify(_motion_body(motion))


@bp.post("/motions/<int:motion_id>/close")
def close_motion(motion_id):
    """Close the vote and freeze the result (moderators)."""
    require_signed_in(current_user)
    motion = _motion(motion_id)
    motion = in_transaction(lambda: services.close_motion(current_user, motion))
    return jsonify(_motion_body(motion))


@bp.get("/motions/<int:motion_id>/tally")
def tally(motion_id):
    """The live tally of an open motion, or the frozen result of a closed one."""
    return jsonify(queries.current_tally(current_user, _motion(motion_id)))


@bp.get("/motions/<int:motion_id>/ballot")
def show_own_ballot(motion_id):
    """The caller's own ballot and receipt (``choice`` null before the first cast)."""
    motion = _motion(motion_id)
    voter, ballot = queries.own_ballot(current_user, motion)
    return jsonify(own_ballot_json(motion, voter, ballot))


@bp.put("/motions/<int:motion_id>/ballot")
def cast_ballot(motion_id):
    """Cast or change the caller's ballot (delegates in the motion's electorate)."""
    data = _body(("choice",))
    motion = _motion(motion_id)

    def cast():
        ballot = services.cast_ballot(current_user, motion, data.get("choice"))
        # Read inside the transaction: the answer describes this cast, not a later one.
        return own_ballot_json(motion, queries.voter_of(current_user, motion), ballot)

    answer = in_transaction(cast)
    return jsonify(answer)


@bp.get("/motions/<int:motion_id>/ballots")
def list_open_ballots(motion_id):
    """Who voted what — open-ballot motions only; a secret motion answers 403."""
    motion = _motion(motion_id)
    rows = queries.open_ballots(current_user, motion)
    return jsonify(items=[open_ballot_json(*row) for row in rows])


@bp.get("/motions/<int:motion_id>/receipts")
def list_receipts(motion_id):
    """The receipts of the counted ballots of a closed motion, sorted, and their checks."""
    return jsonify(services.receipt_list(current_user, _motion(motion_id)))


@bp.get("/motions/<int:motion_id>/receipts/<receipt>")
def check_receipt(motion_id, receipt):
    """Whether a receipt is that of a ballot counted in the motion."""
    motion = _motion(motion_id)
    ballot = services.receipt_status(current_user, motion, receipt)
    return jsonify(
        motion=motion.id,
        receipt=ballot.receipt,
        counted=True,
        sequence=ballot.sequence,
        motion_status=motion.status,
    )


# --- OpenAPI -------------------------------------------------------------------------------


def _path_parameter(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


ITEM_ID = _path_parameter("item_id", {"type": "integer"}, "The agenda item's id")
MOTION_ID = _path_parameter("motion_id", {"type": "integer"}, "The motion's id")
RECEIPT = _path_parameter("receipt", {"type": "string"}, "A ballot receipt (64 hex digits)")
ANYONE = [{}, {"bearer": []}, {"session": []}]
TAGS = ["Voting"]
NOT_OPEN = error_response("The motion is not open (or not closed, where that is needed)")


def _read(operation_id, summary, ok, parameters, description=None, also=None) -> dict:
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": TAGS,
        "security": ANYONE,
        "parameters": parameters,
        "responses": {"200": ok, **COMMON_ERRORS, **(also or {})},
    }
    if description:
        operation["description"] = description
    return operation


def _write(operation_id, summary, ok_status, ok, parameters, description, body_ref=None):
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": TAGS,
        "parameters": parameters,
        "responses": {ok_status: ok, **WRITE_ERRORS},
    }
    if body_ref:
        operation["requestBody"] = json_request(body_ref)
    return operation


def _list_of(ref: str) -> dict:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}
        },
    }


OPENAPI_PATHS: dict = {
    "/api/v1/items/{item_id}/motions": {
        "get": _read(
            "listMotions",
            "The item's motions, oldest first",
            json_response("Drafts are listed for moderators only", schema=_list_of("Motion")),
            [ITEM_ID],
        ),
        "post": _write(
            "createMotion",
            "Put a motion on the item, as a draft (moderators)",
            "201",
            json_response("The new draft motion", "Motion"),
            [ITEM_ID],
            "The rule is validated against DESIGN §3 and the deliberation's groups; a refusal "
            "names the field inside the rule, e.g. `error.field` = `rule.threshold`. A closed "
            "item answers 409.",
            "MotionCreate",
        ),
    },
    "/api/v1/motions/{motion_id}": {
        "get": _read(
            "getMotion",
            "One motion (with its frozen result once closed)",
            json_response("The motion", "Motion"),
            [MOTION_ID],
            "Draft motions are visible to moderators only (404 for everyone else).",
        )
    },
    "/api/v1/motions/{motion_id}/open": {
        "post": _write(
            "openMotion",
            "Open a draft motion for voting (moderators)",
            "200",
            json_response("The open motion", "Motion"),
            [MOTION_ID],
            "Snapshots the electorate — every delegate (and every moderator who belongs to a "
            "group) with group and weight, and every group's share — and copies the "
            "deliberation's scheme. 409 unless the motion is a draft and its item and "
            "deliberation are open. Emits `motion:open` to the room `item:<id>`.",
        )
    },
    "/api/v1/motions/{motion_id}/close": {
        "post": _write(
            "closeMotion",
            "Close the vote and freeze its result (moderators)",
            "200",
            json_response("The closed motion with `result` (TALLY)", "Motion"),
            [MOTION_ID],
            "409 unless the motion is open. The result is stored and never recomputed; an "
            "audit event records its outcome and SHA-256. Emits `motion:closed`.",
        )
    },
    "/api/v1/motions/{motion_id}/tally": {
        "get": _read(
            "getTally",
            "The live tally (open) or the frozen result (closed)",
            json_response("Aggregates only, never an individual ballot", "Tally"),
            [MOTION_ID],
            also={"409": error_response("The motion has not been opened")},
        )
    },
    "/api/v1/motions/{motion_id}/ballot": {
        "get": {
            **_read(
                "getOwnBallot",
                "The caller's own ballot and receipt",
                json_response("`eligible` false for callers who may not vote", "OwnBallot"),
                [MOTION_ID],
            ),
            "security": [{"bearer": []}, {"session": []}],
        },
        "put": {
            **_write(
                "castBallot",
                "Cast or change the caller's ballot",
                "200",
                json_response("The caller's current ballot and its new receipt", "OwnBallot"),
                [MOTION_ID],
                "Only delegates in the motion's electorate snapshot may vote (403 "
                "`not_a_voter`). 409 `motion_not_open` when the motion is not open (or "
                "`item_closed`); 422 for a choice the rule does not allow (`block` only under "
                "a consensus rule). Every cast increments `sequence` and issues a new receipt. "
                "Emits `tally` (aggregates) to the room `item:<id>`.",
                "BallotInput",
            ),
        },
    },
    "/api/v1/motions/{motion_id}/ballots": {
        "get": _read(
            "listOpenBallots",
            "Who voted what (open-ballot motions only)",
            json_response("Ballots by group and name", schema=_list_of("OpenBallot")),
            [MOTION_ID],
            "A secret motion answers 403 `secret_ballot` to everyone, moderators included.",
        )
    },
    "/api/v1/motions/{motion_id}/receipts": {
        "get": _read(
            "listReceipts",
            "The receipts of the counted ballots of a closed motion",
            json_response("Sorted, so they reveal neither voter nor order", "ReceiptList"),
            [MOTION_ID],
            "Receipts are keyed hashes (see the `OwnBallot` schema): nobody can tell whose "
            "they are or what they stand for, so the list is published for secret motions "
            "too. A voter checks that their receipt is listed and that `digest` equals the "
            "frozen result's `receipts_digest`, which the audit chain records at close.",
            {"409": error_response("The motion is not closed yet")},
        )
    },
    "/api/v1/motions/{motion_id}/receipts/{receipt}": {
        "get": _read(
            "checkReceipt",
            "Whether a receipt belongs to a ballot counted in the motion",
            json_response("The receipt is counted", "ReceiptCheck"),
            [MOTION_ID, RECEIPT],
            "404 `unknown_receipt` for a receipt that is not the current receipt of any "
            "ballot (a superseded receipt of a changed ballot included).",
        )
    },
}
