"""OpenAPI description of the live session's REST mirrors (``api.py``); their component
schemas are ``schemas.OPENAPI_SCHEMAS``."""

from collections.abc import Sequence

from ..api.schemas import (
    ANYONE,
    COMMON_ERRORS,
    WRITE_ERRORS,
    error_response,
    json_response,
    list_of,
    operation,
    query_parameter,
)
from ..deliberations.openapi import MEMBER_ID, SLUG

TAGS = ["Live session"]
STATE = json_response("The session's state after the action", "SessionState")
MODERATORS = "Moderators of the deliberation and administrators only (403 otherwise)."


def console_action(
    operation_id: str,
    summary: str,
    body: str,
    description: str,
    *,
    parameters: Sequence[dict] = (),
    body_required: bool = True,
) -> dict:
    """A console action: a POST on the deliberation's session answering with its new state."""
    return operation(
        summary,
        {"200": STATE},
        operation_id=operation_id,
        description=description,
        tags=TAGS,
        parameters=[SLUG, *parameters],
        body=body,
        body_required=body_required,
        errors=WRITE_ERRORS,
    )


OPENAPI_PATHS: dict = {
    "/api/v1/deliberations/{slug}/session": {
        "get": operation(
            "The live session state: current item, round, speakers' queue, speaker, latest "
            "announcement",
            {"200": json_response("The state", "SessionState")},
            operation_id="getSession",
            tags=TAGS,
            security=ANYONE,
            parameters=[SLUG],
        )
    },
    "/api/v1/deliberations/{slug}/session/current": {
        "post": console_action(
            "setSessionCurrentItem",
            "Make an agenda item the current one (null: none)",
            "SessionCurrentInput",
            MODERATORS + " The speaker's turn ends with the item.",
        )
    },
    "/api/v1/deliberations/{slug}/session/round/start": {
        "post": console_action(
            "startRound",
            "Start a timed round",
            "RoundStartInput",
            MODERATORS + " `round.ends_at` is the server's; clients count down from it.",
        )
    },
    "/api/v1/deliberations/{slug}/session/round/extend": {
        "post": console_action(
            "extendRound",
            "Give the running round more seconds",
            "RoundExtendInput",
            MODERATORS + " A round whose time ran out is extended from now; 409 "
            "`no_round` without a round.",
        )
    },
    "/api/v1/deliberations/{slug}/session/round/stop": {
        "post": console_action(
            "stopRound",
            "End the running round",
            "EmptyInput",
            MODERATORS + " 409 `no_round` without a round.",
            body_required=False,
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/request": {
        "post": console_action(
            "requestFloor",
            "Ask to speak on the current item",
            "FloorItemInput",
            "For members who may post in the item; 409 `not_current` for another item. "
            "Asking again while waiting changes nothing.",
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/withdraw": {
        "post": console_action(
            "withdrawFloor",
            "Leave the speakers' queue (or yield the floor)",
            "FloorItemInput",
            "409 `not_in_queue` when the caller is not waiting.",
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/grant": {
        "post": console_action(
            "grantFloor",
            "Give the floor to a waiting member",
            "FloorMemberInput",
            MODERATORS + " The member's next post in the item is a floor intervention.",
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/skip": {
        "post": console_action(
            "skipFloor",
            "Pass over a waiting member (or end the speaker's turn)",
            "FloorMemberInput",
            MODERATORS,
        )
    },
    "/api/v1/deliberations/{slug}/session/floor/clear": {
        "post": console_action(
            "clearFloorQueue",
            "Pass over everyone waiting on the current item",
            "EmptyInput",
            MODERATORS,
            body_required=False,
        )
    },
    "/api/v1/deliberations/{slug}/session/announcement/clear": {
        "post": console_action(
            "clearAnnouncement",
            "Take the announcement banner down",
            "EmptyInput",
            MODERATORS + " The announcement stays in the record; clearing an empty banner "
            "changes nothing. Banners also leave by themselves after `ANNOUNCEMENT_TTL` "
            "seconds (`announcement.expires_at` in the state).",
            body_required=False,
        )
    },
    "/api/v1/deliberations/{slug}/session/announcements": {
        "get": operation(
            "Every announcement, newest first",
            {"200": json_response("The announcements", schema=list_of("Announcement"))},
            operation_id="listAnnouncements",
            tags=TAGS,
            security=ANYONE,
            parameters=[SLUG],
        ),
        "post": operation(
            "Post an announcement (a banner for everyone, kept in the record)",
            {"201": json_response("The announcement", "Announcement")},
            operation_id="announce",
            description=MODERATORS,
            tags=TAGS,
            parameters=[SLUG],
            body="AnnouncementInput",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/session/members/{member_id}/mute": {
        "post": console_action(
            "muteMember",
            "Mute or unmute a member",
            "MuteInput",
            MODERATORS + " A muted member leaves the speakers' queues and loses the floor.",
            parameters=[MEMBER_ID],
        )
    },
    "/api/v1/deliberations/{slug}/participation": {
        "get": operation(
            "Participation by stakeholder group against each group's share",
            {"200": json_response("The figures", "Participation")},
            operation_id="getParticipation",
            description="Posts, floor interventions, reactions and ballots per group, with "
            "each group's share, members and expected fraction, and an imbalance index per "
            "activity. `?item=` narrows it to one agenda item.",
            tags=TAGS,
            security=ANYONE,
            parameters=[
                SLUG,
                query_parameter(
                    "item",
                    {"type": "integer"},
                    "An agenda item of the deliberation",
                    required=False,
                ),
            ],
            errors={
                "422": error_response("`item` is not an item of this deliberation"),
                **COMMON_ERRORS,
            },
        )
    },
}
