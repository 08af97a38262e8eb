"""Deliberation endpoints of /api/v1: deliberations, groups, members, agenda items.

Thin: find the resource (404), read the JSON body (400), call the service (which
authorises and validates), commit, answer in the shapes of ``schemas.py``.
"""

from collections.abc import Mapping

from flask import Blueprint, jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..api import write_body
from ..api.openapi import describe_blueprint
from ..errors import Invalid
from ..live.state import session_state
from ..transactions import transactional
from . import queries, services
from .access import (
    can_moderate,
    get_deliberation,
    get_item,
    require_moderator,
    require_reader,
)
from .openapi import OPENAPI_PATHS
from .schemas import OPENAPI_SCHEMAS, deliberation_json, group_json, item_json, member_json

bp = Blueprint("deliberations_api", __name__, url_prefix="/api/v1")
describe_blueprint(bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)


def _created(shape: Mapping):
    return jsonify(shape), 201


# --- deliberations -------------------------------------------------------------------------

DELIBERATION_CREATE_FIELDS = (
    "slug",
    "title",
    "description",
    "scheme",
    "languages",
    "source_language",
    "groups",
    "is_public",
    "observers_may_post",
)
DELIBERATION_UPDATE_FIELDS = (
    "title",
    "description",
    "status",
    "scheme",
    "languages",
    "source_language",
    "is_public",
    "observers_may_post",
)


@bp.get("/deliberations")
def list_deliberations():
    """The deliberations the caller may read, newest first."""
    deliberations = queries.readable_deliberations(current_user)
    return jsonify(items=[deliberation_json(d) for d in deliberations])


@bp.post("/deliberations")
@transactional
def create_deliberation():
    """Create a draft deliberation with its groups (administrators)."""
    data = write_body(DELIBERATION_CREATE_FIELDS)
    deliberation = services.create_deliberation(current_user, **data)
    return _created(deliberation_json(deliberation))


@bp.get("/deliberations/<slug>")
def show_deliberation(slug):
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    return jsonify(deliberation_json(deliberation))


@bp.patch("/deliberations/<slug>")
@transactional
def update_deliberation(slug):
    """Change settings or status (moderators)."""
    deliberation = get_deliberation(slug)
    data = write_body(DELIBERATION_UPDATE_FIELDS)
    services.update_deliberation(current_user, deliberation, **data)
    return jsonify(deliberation_json(deliberation))


# --- groups --------------------------------------------------------------------------------


@bp.get("/deliberations/<slug>/groups")
def list_groups(slug):
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    return jsonify(items=[group_json(g) for g in deliberation.groups])


@bp.post("/deliberations/<slug>/groups")
@transactional
def add_group(slug):
    deliberation = get_deliberation(slug)
    data = write_body(("key", "name", "share", "name_translations"))
    group = services.add_group(current_user, deliberation, **data)
    return _created(group_json(group))


@bp.patch("/deliberations/<slug>/groups/<key>")
@transactional
def update_group(slug, key):
    group = queries.get_group(get_deliberation(slug), key)
    data = write_body(("name", "share", "name_translations"))
    services.update_group(current_user, group, **data)
    return jsonify(group_json(group))


@bp.delete("/deliberations/<slug>/groups/<key>")
@transactional
def remove_group(slug, key):
    group = queries.get_group(get_deliberation(slug), key)
    services.remove_group(current_user, group)
    return "", 204


# --- members -------------------------------------------------------------------------------


@bp.get("/deliberations/<slug>/members")
def list_members(slug):
    """Members by group; email addresses only for the deliberation's moderators."""
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    show_email = can_moderate(current_user, deliberation)
    members = queries.memberships_of(deliberation)
    return jsonify(items=[member_json(m, show_email=show_email) for m in members])


@bp.post("/deliberations/<slug>/members")
@transactional
def add_member(slug):
    deliberation = get_deliberation(slug)
    data = write_body(("email", "role", "group", "weight"))
    membership = services.add_member(current_user, deliberation, **data)
    return _created(member_json(membership, show_email=True))


@bp.patch("/deliberations/<slug>/members/<int:member_id>")
@transactional
def update_member(slug, member_id):
    membership = queries.get_membership(get_deliberation(slug), member_id)
    data = write_body(("role", "group", "weight", "muted"))
    services.update_member(current_user, membership, **data)
    return jsonify(member_json(membership, show_email=True))


@bp.delete("/deliberations/<slug>/members/<int:member_id>")
@transactional
def remove_member(slug, member_id):
    membership = queries.get_membership(get_deliberation(slug), member_id)
    services.remove_member(current_user, membership)
    return "", 204


@bp.post("/deliberations/<slug>/session/members/<int:member_id>/mute")
@transactional
def mute_member(slug, member_id):
    """Mute or unmute a member from the live session (moderators); a muted member leaves the
    speakers' queues (``live`` receives ``member_updated``). Answers with the session state."""
    data = write_body(("muted",))
    if "muted" not in data:
        raise Invalid(_l("This is required."), field="muted")
    deliberation = get_deliberation(slug)
    require_moderator(current_user, deliberation)
    membership = queries.get_membership(deliberation, member_id)
    services.update_member(current_user, membership, muted=data["muted"])
    return jsonify(session_state(deliberation))


# --- agenda items --------------------------------------------------------------------------


@bp.get("/deliberations/<slug>/items")
def list_items(slug):
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    return jsonify(items=[item_json(i) for i in queries.agenda_of(deliberation)])


@bp.post("/deliberations/<slug>/items")
@transactional
def add_item(slug):
    deliberation = get_deliberation(slug)
    data = write_body(("title", "body", "numeral", "language"))
    item = services.add_item(current_user, deliberation, **data)
    return _created(item_json(item))


@bp.get("/items/<int:item_id>")
def show_item(item_id):
    item = get_item(item_id)
    require_reader(current_user, item.deliberation)
    return jsonify(item_json(item))


@bp.patch("/items/<int:item_id>")
@transactional
def update_item(item_id):
    item = get_item(item_id)
    data = write_body(("status", "title", "body", "numeral", "language", "locked"))
    services.update_item(current_user, item, **data)
    return jsonify(item_json(item))


@bp.put("/items/<int:item_id>/translations/<language>")
@transactional
def set_item_translation(item_id, language):
    """Add (201) or replace (200) the item's title and text in ``language``."""
    item = get_item(item_id)
    data = write_body(("title", "body"))
    _, created = services.set_item_translation(current_user, item, language=language, **data)
    return jsonify(item_json(item)), 201 if created else 200
