"""Account endpoints of /api/v1: who am I (and my name, language, password), my data
(export, erasure), invitations into a deliberation, and password reset links issued by
moderators."""

from flask import Blueprint, jsonify, url_for
from flask_login import current_user, logout_user

from ..api import json_body, write_body
from ..api.openapi import describe_blueprint
from ..db import iso
from ..deliberations.access import get_deliberation, require_moderator, require_signed_in
from ..transactions import transactional
from . import services
from .openapi import OPENAPI_PATHS
from .schemas import invitation_json, me_json

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")
describe_blueprint(bp, OPENAPI_PATHS)


@bp.get("/me")
def me():
    """The signed-in user and their memberships."""
    require_signed_in(current_user)
    return jsonify(me_json(current_user))


@bp.get("/me/export")
def export_me():
    """Everything stored about the signed-in person, as one JSON document."""
    require_signed_in(current_user)
    response = jsonify(services.personal_data(current_user._get_current_object()))
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.delete("/me")
@transactional
def erase_me():
    """Erase the signed-in person's account (``{"confirm": true}``; ``password`` checked
    when given; ``redact_posts`` asks the moderators to remove their posts' text)."""
    require_signed_in(current_user)
    data = json_body()
    user = services.erase_account(
        current_user._get_current_object(),
        confirm=data.get("confirm"),
        password=data.get("password"),
        redact=data.get("redact_posts", False),
    )
    logout_user()
    return jsonify({"erased": True, "erased_at": iso(user.erased_at)})


@bp.get("/deliberations/<slug>/invitations")
def list_invitations(slug):
    """The deliberation's pending invitations (moderators and admins)."""
    deliberation = get_deliberation(slug)
    invitations = services.pending_invitations(current_user, deliberation)
    return jsonify(items=[invitation_json(invitation) for invitation in invitations])


@bp.post("/deliberations/<slug>/invitations")
@transactional
def create_invitation(slug):
    """Invite an email address; the answer carries the link, shown this once."""
    deliberation = get_deliberation(slug)
    # Authorise before reading the body, so outsiders learn nothing from validation errors.
    require_moderator(current_user, deliberation)
    data = json_body()
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


@bp.patch("/me")
@transactional
def update_me():
    """Change the signed-in user's display name or preferred language."""
    data = write_body(("name", "locale"))
    services.update_profile(current_user, name=data.get("name"), locale=data.get("locale"))
    return jsonify(me_json(current_user))


@bp.post("/me/password")
@transactional
def change_password():
    """Set a new password, proven by the current one; other sessions end."""
    data = write_body(("current_password", "new_password"))
    services.change_password(current_user, data.get("current_password"), data.get("new_password"))
    return "", 204


@bp.post("/deliberations/<slug>/members/<int:member_id>/password-reset")
@transactional
def issue_password_reset(slug, member_id):
    """A moderator issues a one-time password reset link for a member (shown this once)."""
    deliberation = get_deliberation(slug)
    reset, token = services.issue_password_reset(current_user, deliberation, member_id)
    url = url_for("accounts.reset_password", token=token, _external=True)
    response = jsonify(url=url, expires_at=iso(reset.expires_at))
    response.headers["Cache-Control"] = "no-store"
    return response, 201
