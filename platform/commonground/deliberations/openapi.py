"""OpenAPI description of the deliberation endpoints (``api.py``); their component schemas
are ``schemas.OPENAPI_SCHEMAS``.

The path parameters naming a deliberation, a membership and an agenda item are defined here
once, for every capability whose endpoints sit below them.
"""

from ..api.schemas import (
    ANYONE,
    COMMON_ERRORS,
    UNAUTHORIZED,
    WRITE_ERRORS,
    json_response,
    list_of,
    operation,
    path_parameter,
)

SLUG = path_parameter("slug", {"type": "string"}, "The deliberation's slug")
GROUP_KEY = path_parameter("key", {"type": "string"}, "The stakeholder group's key")
MEMBER_ID = path_parameter("member_id", {"type": "integer"}, "The membership's id")
ITEM_ID = path_parameter("item_id", {"type": "integer"}, "The agenda item's id")
LANGUAGE = path_parameter("language", {"type": "string"}, "A BCP 47 language code")

TAGS = ["Deliberations"]
NO_CONTENT = {"description": "Done; no content"}
DELETE_ERRORS = {**COMMON_ERRORS, "409": WRITE_ERRORS["409"]}

OPENAPI_PATHS: dict = {
    "/api/v1/deliberations": {
        "get": operation(
            "The deliberations the caller may read",
            {"200": json_response("Newest first", schema=list_of("Deliberation"))},
            operation_id="listDeliberations",
            tags=TAGS,
            security=ANYONE,
            parameters=[],
            # Nothing to forbid or find: the list holds what the caller may read.
            errors=UNAUTHORIZED,
        ),
        "post": operation(
            "Create a draft deliberation with its stakeholder groups (administrators)",
            {"201": json_response("The new deliberation", "Deliberation")},
            operation_id="createDeliberation",
            description="A slug already in use is a 409 with `error.field` = `slug`.",
            tags=TAGS,
            parameters=[],
            body="DeliberationCreate",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}": {
        "get": operation(
            "One deliberation with its groups",
            {"200": json_response("The deliberation", "Deliberation")},
            operation_id="getDeliberation",
            tags=TAGS,
            security=ANYONE,
            parameters=[SLUG],
        ),
        "patch": operation(
            "Change settings or status (moderators)",
            {"200": json_response("The deliberation as changed", "Deliberation")},
            operation_id="updateDeliberation",
            description="An illegal status change is a 409 with `error.field` = `status`.",
            tags=TAGS,
            parameters=[SLUG],
            body="DeliberationUpdate",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/groups": {
        "get": operation(
            "The stakeholder groups, in order",
            {"200": json_response("The groups", schema=list_of("Group"))},
            operation_id="listGroups",
            tags=TAGS,
            security=ANYONE,
            parameters=[SLUG],
        ),
        "post": operation(
            "Add a stakeholder group (moderators)",
            {"201": json_response("The new group", "Group")},
            operation_id="addGroup",
            tags=TAGS,
            parameters=[SLUG],
            body="GroupCreate",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/groups/{key}": {
        "patch": operation(
            "Rename a group or change its share (moderators)",
            {"200": json_response("The group as changed", "Group")},
            operation_id="updateGroup",
            tags=TAGS,
            parameters=[SLUG, GROUP_KEY],
            body="GroupUpdate",
            errors=WRITE_ERRORS,
        ),
        "delete": operation(
            "Remove a stakeholder group (moderators)",
            {"204": NO_CONTENT},
            operation_id="removeGroup",
            description="Refused with 409 while any member belongs to the group.",
            tags=TAGS,
            parameters=[SLUG, GROUP_KEY],
            errors=DELETE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/members": {
        "get": operation(
            "The members, by group (emails for moderators only)",
            {"200": json_response("The members", schema=list_of("Member"))},
            operation_id="listMembers",
            tags=TAGS,
            security=ANYONE,
            parameters=[SLUG],
        ),
        "post": operation(
            "Give an existing account a role in the deliberation (moderators)",
            {"201": json_response("The new member", "Member")},
            operation_id="addMember",
            description="An email without an account is a 404 with `error.field` = `email`; "
            "delegates need a `group`.",
            tags=TAGS,
            parameters=[SLUG],
            body="MemberCreate",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/members/{member_id}": {
        "patch": operation(
            "Change a member's role, group, weight or muting (moderators)",
            {"200": json_response("The member as changed", "Member")},
            operation_id="updateMember",
            tags=TAGS,
            parameters=[SLUG, MEMBER_ID],
            body="MemberUpdate",
            errors=WRITE_ERRORS,
        ),
        "delete": operation(
            "Remove a member (moderators)",
            {"204": NO_CONTENT},
            operation_id="removeMember",
            description="Refused with 409 once the member has posted, reacted or voted.",
            tags=TAGS,
            parameters=[SLUG, MEMBER_ID],
            errors=DELETE_ERRORS,
        ),
    },
    "/api/v1/deliberations/{slug}/items": {
        "get": operation(
            "The agenda, in order",
            {"200": json_response("The agenda items", schema=list_of("Item"))},
            operation_id="listItems",
            tags=TAGS,
            security=ANYONE,
            parameters=[SLUG],
        ),
        "post": operation(
            "Add a pending agenda item at the end of the agenda (moderators)",
            {"201": json_response("The new item", "Item")},
            operation_id="addItem",
            tags=TAGS,
            parameters=[SLUG],
            body="ItemCreate",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/items/{item_id}": {
        "get": operation(
            "One agenda item with its translations",
            {"200": json_response("The item", "Item")},
            operation_id="getItem",
            tags=TAGS,
            security=ANYONE,
            parameters=[ITEM_ID],
        ),
        "patch": operation(
            "Edit an agenda item or change its status (moderators)",
            {"200": json_response("The item as changed", "Item")},
            operation_id="updateItem",
            description="An illegal status change is a 409 with `error.field` = `status`.",
            tags=TAGS,
            parameters=[ITEM_ID],
            body="ItemUpdate",
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/items/{item_id}/translations/{language}": {
        "put": operation(
            "Add or replace the item's title and text in a language (moderators)",
            {
                "200": json_response("The item, the translation replaced", "Item"),
                "201": json_response("The item, the translation added", "Item"),
            },
            operation_id="setItemTranslation",
            tags=TAGS,
            parameters=[ITEM_ID, LANGUAGE],
            body="ItemTranslationInput",
            errors=WRITE_ERRORS,
        ),
    },
}
