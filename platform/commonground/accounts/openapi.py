"""OpenAPI description of the account endpoints (``api.py``), in the shapes of ``schemas.py``."""

from ..api.schemas import (
    UNAUTHORIZED,
    WRITE_ERRORS,
    json_response,
    list_of,
    operation,
)
from ..deliberations.openapi import SLUG
from .schemas import (
    CREATED_INVITATION_SCHEMA,
    INVITATION_SCHEMA,
    ME_SCHEMA,
    NEW_INVITATION_SCHEMA,
)

TAGS = ["accounts"]

OPENAPI_PATHS: dict = {
    "/api/v1/me": {
        "get": operation(
            "The signed-in user and their memberships",
            {"200": json_response("The user", schema=ME_SCHEMA)},
            tags=TAGS,
            errors=UNAUTHORIZED,
        )
    },
    "/api/v1/deliberations/{slug}/invitations": {
        "parameters": [SLUG],
        "get": operation(
            "Pending invitations of a deliberation (moderator)",
            {
                "200": json_response(
                    "The pending invitations", schema=list_of(schema=INVITATION_SCHEMA)
                )
            },
            description="Invitations neither accepted nor expired, newest first.",
            tags=TAGS,
        ),
        "post": operation(
            "Invite an email address into the deliberation (moderator)",
            {"201": json_response("The invitation", schema=CREATED_INVITATION_SCHEMA)},
            description=(
                "Creates an invitation valid for 14 days. Opening `url` lets the person set a "
                "name and password (or sign in, when the email already has an account) and "
                "join with the role, group and weight given. The token inside `url` is not "
                "stored in clear and is returned only here."
            ),
            tags=TAGS,
            body=NEW_INVITATION_SCHEMA,
            errors=WRITE_ERRORS,
        ),
    },
}
