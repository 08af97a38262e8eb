"""Notification endpoints of /api/v1: my notifications, marking them read, my settings,
and the handles the mention picker offers."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from ..api import write_body
from ..api.openapi import describe_blueprint
from ..deliberations.access import get_deliberation, require_signed_in
from ..transactions import transactional
from . import services
from .openapi import OPENAPI_PATHS
from .schemas import SCHEMAS, notification_json, settings_json

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")
describe_blueprint(bp, OPENAPI_PATHS, SCHEMAS)


@bp.get("/me/notifications")
def list_notifications():
    """The signed-in user's notifications, newest first, a page at a time."""
    require_signed_in(current_user)
    notifications, following = services.list_notifications(
        current_user,
        before=request.args.get("before"),
        limit=request.args.get("limit"),
        unread=request.args.get("unread"),
    )
    return jsonify(
        items=[notification_json(n) for n in notifications],
        unread=services.unread_count(current_user),
        next=following,
    )


@bp.post("/me/notifications/read")
@transactional
def mark_read():
    """Mark some (``ids``), those of one agenda item (``item``) or ``all`` of the user's
    notifications read."""
    data = write_body(("ids", "item", "all"))
    changed = services.mark_read(
        current_user, ids=data.get("ids"), item=data.get("item"), all=data.get("all")
    )
    return jsonify(read=changed, unread=services.unread_count(current_user))


@bp.get("/me/notifications/settings")
def get_settings():
    """Which kinds the user receives, and whether by e-mail digest too."""
    require_signed_in(current_user)
    return jsonify(settings_json(services.settings_of(current_user)))


@bp.put("/me/notifications/settings")
@transactional
def put_settings():
    """Change which kinds the user receives, or the e-mail digest."""
    data = write_body(("kinds", "email_digest"))
    row = services.update_settings(
        current_user, kinds=data.get("kinds"), email_digest=data.get("email_digest")
    )
    return jsonify(settings_json(row))


@bp.get("/deliberations/<slug>/handles")
def handles(slug):
    """Members' handles for ``@mentions``, filtered by the beginning ``q``."""
    deliberation = get_deliberation(slug)
    return jsonify(items=services.member_handles(current_user, deliberation, request.args.get("q")))
