"""Account endpoints of /api/v1: who am I, and invitations into a deliberation."""

from flask import Blueprint, jsonify, url_for
from flask_login import current_user

from ..api import json_body
from ..api.schemas import COMMON_ERRORS, WRITE_ERRORS, json_request, json_response
from ..deliberations.access import get_deliberation, require_moderator, require_signed_in
from ..transactions import committed
from . import services
from .schemas import (
    CREATED_INVITATION_SCHEMA,
    INVITATION_SCHEMA,
    ME_SCHEMA,
    NEW_INVITATION_SCHEMA,
    invitation_json,
    me_json,
)

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


@bp.get("/me")
def me():
    """The signed-in user and their memberships."""
    require_signed_in(current_user)
    return jsonify(me_json(current_user))


@bp.get("/deliberations/<slug>/invitations")
def list_invitations(slug):
    """The deliberation's pending invitations (moderators and admins)."""
    deliberation = get_deliberation(slug)
    invitations = services.pending_invitations(current_user, deliberation)
    return jsonify(items=[invitation_json(invitation) for invitation in invitations])


@bp.post("/deliberations/<slug>/invitations")
def create_invitation(slug):
    """Invite an email address; the answer carries the link, shown this once."""
    deliberation = get_deliberation(slug)
    # Authorise before reading the body, so outsiders learn nothing from validation errors.
    require_moderator(current_user, deliberation)
    data = json_body()
    with committed():
        invitation, token = services.invite_member(
            current_user,
            deliberation,
            data.get("email"),
            data.get("role"),
            data.get("group"),
            data.get("weight", 1),
        )
    url = url_for("accounts.accept_invitation", token=token, _external=True)
    response = jsonify(invitation_json(invitation, url=url))
    response.headers["Cache-Control"] = "no-store"
    return response, 201


_SLUG_PARAMETER = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The deliberation's slug",
}

OPENAPI_PATHS: dict = {
    "/api/v1/me": {
        "get": {
            "summary": "The signed-in user and their memberships",
            "tags": ["accounts"],
            "responses": {
                "200": json_response("The user", schema=ME_SCHEMA),
                "401": COMMON_ERRORS["401"],
            },
        }
    },
    "/api/v1/deliberations/{slug}/invitations": {
        "parameters": [_SLUG_PARAMETER],
        "get": {
            "summary": "Pending invitations of a deliberation (moderator)",
            "description": "Invitations neither accepted nor expired, newest first.",
            "tags": ["accounts"],
            "responses": {
                "200": json_response(
                    "The pending invitations",
                    schema={
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": INVITATION_SCHEMA}},
                    },
                ),
                **COMMON_ERRORS,
            },
        },
        "post": {
            "summary": "Invite an email address into the deliberation (moderator)",
            "description": (
                "Creates an invitation valid for 14 days. Opening `url` lets the person set a "
                "name and password (or sign in, when the email already has an account) and "
                "join with the role, group and weight given. The token inside `url` is not "
                "stored in clear and is returned only here."
            ),
            "tags": ["accounts"],
            "requestBody": json_request(schema=NEW_INVITATION_SCHEMA),
            "responses": {
                "201": json_response("The invitation", schema=CREATED_INVITATION_SCHEMA),
                **WRITE_ERRORS,
            },
        },
    },
}
