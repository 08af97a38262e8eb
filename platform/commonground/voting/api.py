"""Voting endpoints of /api/v1: motions, their tally, ballots and receipts.

Thin: find the motion (404, drafts only for moderators), read the JSON body (400), call the
service (which authorises and validates), commit (retrying on concurrency failures), then
tell the item's room over Socket.IO — only after the commit.
"""

from flask import Blueprint, jsonify
from flask_login import current_user

from ..api import write_body
from ..api.openapi import describe_blueprint
from ..deliberations.access import get_item, require_signed_in
from ..transactions import in_transaction
from . import queries, services
from .openapi import OPENAPI_PATHS
from .schemas import (
    OPENAPI_SCHEMAS,
    motion_json,
    open_ballot_json,
    own_ballot_json,
)

bp = Blueprint("voting_api", __name__, url_prefix="/api/v1")
describe_blueprint(bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)

MOTION_FIELDS = ("text", "rule", "secret")


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
    data = write_body(MOTION_FIELDS)
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
    data = write_body(("choice",))

    def cast():
        # cast_ballot refuses whoever may not read the motion, as readable_motion would.
        motion = queries.get_motion(motion_id)
        ballot = services.cast_ballot(current_user, motion, data.get("choice"))
        # The ballot carries the voter's snapshot row: the answer describes this cast.
        return own_ballot_json(motion, ballot.voter, ballot)

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
