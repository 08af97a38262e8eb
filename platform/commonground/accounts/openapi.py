"""OpenAPI description of the account endpoints (``api.py``), in the shapes of ``schemas.py``."""

from ..api.schemas import (
    UNAUTHORIZED,
    WRITE_ERRORS,
    error_response,
    json_response,
    list_of,
    operation,
)
from ..deliberations.openapi import MEMBER_ID, SLUG
from .schemas import (
    CREATED_INVITATION_SCHEMA,
    ERASE_INPUT_SCHEMA,
    ERASED_SCHEMA,
    INVITATION_SCHEMA,
    ME_SCHEMA,
    NEW_INVITATION_SCHEMA,
    PASSWORD_CHANGE_SCHEMA,
    PASSWORD_RESET_LINK_SCHEMA,
    PERSONAL_DATA_SCHEMA,
    PROFILE_CHANGE_SCHEMA,
)

TAGS = ["accounts"]

OPENAPI_PATHS: dict = {
    "/api/v1/me": {
        "get": operation(
            "The signed-in user and their memberships",
            {"200": json_response("The user", schema=ME_SCHEMA)},
            tags=TAGS,
            errors=UNAUTHORIZED,
        ),
        "delete": operation(
            "Erase your account",
            {"200": json_response("The account is erased", schema=ERASED_SCHEMA)},
            operation_id="eraseMe",
            description=(
                'Needs `{"confirm": true}` (422 `confirmation_required` otherwise; a wrong '
                "`password`, when given, is 422 `wrong_password`; nothing is changed either "
                "way). Your e-mail address, name, password and API tokens are gone and every "
                "session ends. Your memberships, posts, reactions and ballots stay in the "
                'record under your pseudonym, shown as "Former member"; tallies and the '
                "signed log are unchanged. With `redact_posts`, the moderators of each "
                "deliberation are asked to replace your posts' text by a notice."
            ),
            tags=TAGS,
            body=ERASE_INPUT_SCHEMA,
            errors=WRITE_ERRORS,
        ),
        "patch": operation(
            "Change my display name or preferred language",
            {"200": json_response("The user", schema=ME_SCHEMA)},
            tags=TAGS,
            body=PROFILE_CHANGE_SCHEMA,
            errors=WRITE_ERRORS,
        ),
    },
    "/api/v1/me/password": {
        "post": operation(
            "Change my password (the current one is required)",
            {"204": {"description": "Changed; every other session of the account ended"}},
            description="A wrong `current_password` is a 422 naming that field; wrong "
            "guesses count against the sign-in attempts of the account (429).",
            tags=TAGS,
            body=PASSWORD_CHANGE_SCHEMA,
            errors={**WRITE_ERRORS, "429": error_response("Too many attempts")},
        )
    },
    "/api/v1/me/export": {
        "get": operation(
            "Everything stored about you, as JSON",
            {"200": json_response("Your data", schema=PERSONAL_DATA_SCHEMA)},
            operation_id="exportMe",
            description="Account, API tokens (never the tokens themselves), memberships "
            "and pseudonyms, posts with every earlier version and their translations, the "
            "translations you made (each with the post revision it was made from and "
            "`outdated`), reactions (with `before_edit`), ballots with their receipts.",
            tags=TAGS,
            errors=UNAUTHORIZED,
        )
    },
    "/api/v1/deliberations/{slug}/members/{member_id}/password-reset": {
        "parameters": [SLUG, MEMBER_ID],
        "post": operation(
            "Issue a one-time password reset link for a member (moderator)",
            {"201": json_response("The link", schema=PASSWORD_RESET_LINK_SCHEMA)},
            description=(
                "For a member whose account can do nothing the moderator cannot (not an "
                "admin, not oneself, a member only of deliberations the moderator moderates); "
                "admins may issue one for anyone. The link works once, for 24 hours; only its "
                "hash is stored. Hand it over yourself, as an invitation."
            ),
            tags=TAGS,
            body=None,
            errors=WRITE_ERRORS,
        ),
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
