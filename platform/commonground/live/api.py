"""REST mirrors of the live session for scripts (/api/v1): read the state, and every console
action as a POST answering with the new state.

Thin: find the deliberation (404), read the JSON body (400/422), call the service (which
authorises and validates), commit — the room gets the same events as from the console.
"""

from flask import Blueprint, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..api import write_body
from ..api.openapi import describe_blueprint
from ..deliberations.access import get_deliberation
from ..errors import Invalid
from ..transactions import in_transaction, transactional
from . import services
from .openapi import OPENAPI_PATHS
from .schemas import OPENAPI_SCHEMAS, announcement_json

bp = Blueprint("live_api", __name__, url_prefix="/api/v1")
describe_blueprint(bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)


def _state_after(slug: str, action):
    """Run ``action(deliberation)`` in one transaction; answer with the state it left (read
    in that transaction, so it is the state the room receives at its commit)."""

    def act():
        deliberation = get_deliberation(slug)
        action(deliberation)
        return services.read_session(current_user, deliberation)

    return jsonify(in_transaction(act))


@bp.get("/deliberations/<slug>/session")
def show_session(slug):
    """The live state (DESIGN §5) of the deliberation."""
    return jsonify(services.read_session(current_user, get_deliberation(slug)))


@bp.post("/deliberations/<slug>/session/current")
def set_current(slug):
    data = write_body(("item",))
    if "item" not in data:
        raise Invalid(_l("This is required."), field="item")
    return _state_after(
        slug, lambda d: services.set_current_item(current_user, d, data.get("item"))
    )


@bp.post("/deliberations/<slug>/session/round/start")
def start_round(slug):
    data = write_body(("title", "seconds"))
    return _state_after(
        slug,
        lambda d: services.start_round(
            current_user, d, title=data.get("title", ""), seconds=data.get("seconds")
        ),
    )


@bp.post("/deliberations/<slug>/session/round/extend")
def extend_round(slug):
    data = write_body(("seconds",))
    return _state_after(
        slug, lambda d: services.extend_round(current_user, d, seconds=data.get("seconds"))
    )


@bp.post("/deliberations/<slug>/session/round/stop")
def stop_round(slug):
    write_body((), optional=True)
    return _state_after(slug, lambda d: services.stop_round(current_user, d))


@bp.post("/deliberations/<slug>/session/floor/request")
def request_floor(slug):
    data = write_body(("item",))
    return _state_after(
        slug, lambda d: services.request_floor(current_user, services.item_of(d, data.get("item")))
    )


@bp.post("/deliberations/<slug>/session/floor/withdraw")
def withdraw_floor(slug):
    data = write_body(("item",))
    return _state_after(
        slug, lambda d: services.withdraw_floor(current_user, services.item_of(d, data.get("item")))
    )


@bp.post("/deliberations/<slug>/session/floor/grant")
def grant_floor(slug):
    data = write_body(("member",))
    return _state_after(slug, lambda d: services.grant_floor(current_user, d, data.get("member")))


@bp.post("/deliberations/<slug>/session/floor/skip")
def skip_floor(slug):
    data = write_body(("member",))
    return _state_after(slug, lambda d: services.skip_floor(current_user, d, data.get("member")))


@bp.post("/deliberations/<slug>/session/floor/clear")
def clear_queue(slug):
    write_body((), optional=True)
    return _state_after(slug, lambda d: services.clear_queue(current_user, d))


@bp.get("/deliberations/<slug>/session/announcements")
def list_announcements(slug):
    """Every announcement of the deliberation, newest first."""
    deliberation = get_deliberation(slug)
    return jsonify(items=services.announcements_of(current_user, deliberation))


@bp.post("/deliberations/<slug>/session/announcements")
@transactional
def announce(slug):
    data = write_body(("text", "language"))
    deliberation = get_deliberation(slug)
    announcement = services.announce(
        current_user, deliberation, text=data.get("text"), language=data.get("language")
    )
    return jsonify(announcement_json(announcement, current_user.name)), 201


@bp.post("/deliberations/<slug>/session/announcement/clear")
def clear_announcement(slug):
    """Take the announcement banner down (the announcement stays in the record)."""
    write_body((), optional=True)
    return _state_after(slug, lambda d: services.clear_announcement(current_user, d))


@bp.get("/deliberations/<slug>/participation")
def participation(slug):
    """Participation by stakeholder group; ``?item=<id>`` for one agenda item."""
    deliberation = get_deliberation(slug)
    return jsonify(services.participation_for(current_user, deliberation, request.args.get("item")))
