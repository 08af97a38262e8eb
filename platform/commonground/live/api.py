"""REST mirrors of the live session for scripts (/api/v1): read the state, and every console
action as a POST answering with the new state.

Thin: find the deliberation (404), read the JSON body (400/422), call the service (which
authorises and validates), commit — the room gets the same events as from the console.
"""

from collections.abc import Iterable

from flask import Blueprint, jsonify, request
from flask_babel import lazy_gettext as _l
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
from ..deliberations.access import get_deliberation, get_item, require_signed_in
from ..errors import Invalid
from ..transactions import committed
from . import services
from .schemas import OPENAPI_SCHEMAS, announcement_json

bp = Blueprint("live_api", __name__, url_prefix="/api/v1")

__all__ = ["OPENAPI_PATHS", "OPENAPI_SCHEMAS", "bp"]


def _body(allowed: Iterable[str], *, optional: bool = False) -> dict:
    """The request's JSON object with only ``allowed`` fields (``optional``: may be absent).

    Anonymous writers are refused (401) before their body is read.
    """
    require_signed_in(current_user)
    if optional and not request.get_data():
        return {}
    data = json_body()
    allowed = set(allowed)
    for name in data:
        if name not in allowed:
            raise Invalid(_l("This field is not known here."), field=str(name))
    return data


def _state_after(slug: str, action):
    """Run ``action(deliberation)`` in one transaction; answer with the state it left."""
    deliberation = get_deliberation(slug)
    with committed():
        action(deliberation)
    return jsonify(services.read_session(current_user, deliberation))


@bp.get("/deliberations/<slug>/session")
def show_session(slug):
    """The live state (DESIGN §5) of the deliberation."""
    return jsonify(services.read_session(current_user, get_deliberation(slug)))


@bp.post("/deliberations/<slug>/session/current")
def set_current(slug):
    data = _body(("item",))
    if "item" not in data:
        raise Invalid(_l("This is required."), field="item")
    return _state_after(
        slug, lambda d: services.set_current_item(current_user, d, data.get("item"))
    )


@bp.post("/deliberations/<slug>/session/round/start")
def start_round(slug):
    data = _body(("title", "seconds"))
    return _state_after(
        slug,
        lambda d: services.start_round(
            current_user, d, title=data.get("title", ""), seconds=data.get("seconds")
        ),
    )


@bp.post("/deliberations/<slug>/session/round/extend")
def extend_round(slug):
    data = _body(("seconds",))
    return _state_after(
        slug, lambda d: services.extend_round(current_user, d, seconds=data.get("seconds"))
    )


@bp.post("/deliberations/<slug>/session/round/stop")
def stop_round(slug):
    _body((), optional=True)
    return _state_after(slug, lambda d: services.stop_round(current_user, d))


@bp.post("/deliberations/<slug>/session/floor/request")
def request_floor(slug):
    data = _body(("item",))
    return _state_after(slug, lambda d: services.request_floor(current_user, _item(d, data)))


@bp.post("/deliberations/<slug>/session/floor/withdraw")
def withdraw_floor(slug):
    data = _body(("item",))
    return _state_after(slug, lambda d: services.withdraw_floor(current_user, _item(d, data)))


@bp.post("/deliberations/<slug>/session/floor/grant")
def grant_floor(slug):
    data = _body(("member",))
    return _state_after(slug, lambda d: services.grant_floor(current_user, d, data.get("member")))


@bp.post("/deliberations/<slug>/session/floor/skip")
def skip_floor(slug):
    data = _body(("member",))
    return _state_after(slug, lambda d: services.skip_floor(current_user, d, data.get("member")))


@bp.post("/deliberations/<slug>/session/floor/clear")
def clear_queue(slug):
    _body((), optional=True)
    return _state_after(slug, lambda d: services.clear_queue(current_user, d))


@bp.get("/deliberations/<slug>/session/announcements")
def list_announcements(slug):
    """Every announcement of the deliberation, newest first."""
    deliberation = get_deliberation(slug)
    return jsonify(items=services.announcements_of(current_user, deliberation))


@bp.post("/deliberations/<slug>/session/announcements")
def announce(slug):
    data = _body(("text", "language"))
    deliberation = get_deliberation(slug)
    with committed():
        announcement = services.announce(
            current_user, deliberation, text=data.get("text"), language=data.get("language")
        )
        shape = announcement_json(announcement, current_user.name)
    return jsonify(shape), 201


@bp.get("/deliberations/<slug>/participation")
def participation(slug):
    """Participation by stakeholder group; ``?item=<id>`` for one agenda item."""
    deliberation = get_deliberation(slug)
    return jsonify(services.participation_for(current_user, deliberation, request.args.get("item")))


def _item(deliberation, data: dict):
    item = get_item(fields.integer(data.get("item"), "item", minimum=1))
    if item.deliberation_id != deliberation.id:
        raise Invalid(_l("This agenda item belongs to another deliberation."), field="item")
    return item


# --- OpenAPI ---------------------------------------------------------------------------------

SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The deliberation's slug",
}
MEMBER_ID = {
    "name": "member_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
    "description": "The membership's id",
}
TAGS = ["Live session"]
ANYONE = [{}, {"bearer": []}, {"session": []}]
STATE = json_response("The session's state after the action", "SessionState")


def _action(operation_id: str, summary: str, body: str, description: str = "", params=()):
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": TAGS,
        "parameters": [SLUG, *params],
        "requestBody": json_request(body),
        "responses": {"200": STATE, **WRITE_ERRORS},
    }
    if description:
        operation["description"] = description
    return operation


def _optional_body(operation: dict) -> dict:
    return {**operation, "requestBody": {**operation["requestBody"], "required": False}}


MODERATORS = "Moderators of the deliberation and administrators only (403 otherwise)."

OPENAPI_PATHS: dict = {
    "/api/v1/deliberations/{slug}/session": {
        "get": {
            "operationId": "getSession",
            "summary": "The live session state: current item, round, speakers' queue, "
            "speaker, latest announcement",
            "tags": TAGS,
            "security": ANYONE,
            "parameters": [SLUG],
            "responses": {"200": json_response("The state", "SessionState"), **COMMON_ERRORS},
        }
    },
    "/api/v1/deliberations/{slug}/session/current": {
        "post": _action(
            "setSessionCurrentItem",
            "Make an agenda item the current one (null: none)",
            "SessionCurrentInput",
            MODERATORS + " The speaker's turn ends with the item.",
        )
    },
    "/api/v1/deliberations/{slug}/session/round/start": {
        "post": _action(
            "startRound",
            "Start a timed round",
            "RoundStartInput",
            MODERATORS + " `round.ends_at` is the server's; clients count down from it.",
        )
    },
    "/api/v1/deliberations/{slug}/session/round/extend": {
        "post": _action(
            "extendRound",
            "Give the running round more seconds",
            "RoundExtendInput",
            MODERATORS + " A round whose time ran out is extended from now; 409 "
            "`no_round` without a round.",
        )
    },
    "/api/v1/deliberations/{slug}/session/round/stop": {
        "post": _optional_body(
            _action(
                "stopRound",
                "End the running round",
                "EmptyInput",
                MODERATORS + " 409 `no_round` without a round.",
            )
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/request": {
        "post": _action(
            "requestFloor",
            "Ask to speak on the current item",
            "FloorItemInput",
            "For members who may post in the item; 409 `not_current` for another item. "
            "Asking again while waiting changes nothing.",
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/withdraw": {
        "post": _action(
            "withdrawFloor",
            "Leave the speakers' queue (or yield the floor)",
            "FloorItemInput",
            "409 `not_in_queue` when the caller is not waiting.",
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/grant": {
        "post": _action(
            "grantFloor",
            "Give the floor to a waiting member",
            "FloorMemberInput",
            MODERATORS + " The member's next post in the item is a floor intervention.",
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/skip": {
        "post": _action(
            "skipFloor",
            "Pass over a waiting member (or end the speaker's turn)",
            "FloorMemberInput",
            MODERATORS,
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/clear": {
        "post": _optional_body(
            _action(
                "clearFloorQueue",
                "Pass over everyone waiting on the current item",
                "EmptyInput",
                MODERATORS,
            )
        )
    },
    "/api/v1/deliberations/{slug}/session/announcements": {
        "get": {
            "operationId": "listAnnouncements",
            "summary": "Every announcement, newest first",
            "tags": TAGS,
            "security": ANYONE,
            "parameters": [SLUG],
            "responses": {
                "200": json_response("The announcements", schema=list_of("Announcement")),
                **COMMON_ERRORS,
            },
        },
        "post": {
            "operationId": "announce",
            "summary": "Post an announcement (a banner for everyone, kept in the record)",
            "description": MODERATORS,
            "tags": TAGS,
            "parameters": [SLUG],
            "requestBody": json_request("AnnouncementInput"),
            "responses": {
                "201": json_response("The announcement", "Announcement"),
                **WRITE_ERRORS,
            },
        },
    },
    "/api/v1/deliberations/{slug}/session/members/{member_id}/mute": {
        "post": _action(
            "muteMember",
            "Mute or unmute a member",
            "MuteInput",
            MODERATORS + " A muted member leaves the speakers' queues and loses the floor.",
            [MEMBER_ID],
        )
    },
    "/api/v1/deliberations/{slug}/participation": {
        "get": {
            "operationId": "getParticipation",
            "summary": "Participation by stakeholder group against each group's share",
            "description": "Posts, floor interventions, reactions and ballots per group, with "
            "each group's share, members and expected fraction, and an imbalance index per "
            "activity. `?item=` narrows it to one agenda item.",
            "tags": TAGS,
            "security": ANYONE,
            "parameters": [
                SLUG,
                {
                    "name": "item",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer"},
                    "description": "An agenda item of the deliberation",
                },
            ],
            "responses": {
                "200": json_response("The figures", "Participation"),
                "422": error_response("`item` is not an item of this deliberation"),
                **COMMON_ERRORS,
            },
        }
    },
}
