"""The OpenAPI 3.1 document of /api/v1, assembled from each capability's path descriptions."""

from flask import Blueprint, jsonify

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


def openapi_document() -> dict:
    """The whole document; every capability contributes its ``OPENAPI_PATHS``."""
    from ..accounts.api import OPENAPI_PATHS as accounts_paths
    from ..deliberations.api import OPENAPI_PATHS as deliberations_paths
    from .schemas import COMPONENTS

    paths = {
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This OpenAPI document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI 3.1 document"}},
            }
        },
        **accounts_paths,
        **deliberations_paths,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Common Ground API",
            "version": "1",
            "description": (
                "Multi-stakeholder deliberation: deliberations, stakeholder groups, members, "
                "agenda items. Authenticate with `Authorization: Bearer <token>` (create one with "
                "`flask --app app tokens create EMAIL` or on the API tokens page) or with the "
                "browser session plus the `X-CSRFToken` header for unsafe methods. Errors are "
                '`{"error": {"code", "message", "field"?}}`.'
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": COMPONENTS,
    }


@bp.get("/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    return jsonify(openapi_document())
