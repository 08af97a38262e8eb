"""The OpenAPI 3.1 document of /api/v1, assembled from each capability's path descriptions."""

import sys

from flask import Blueprint, current_app, jsonify

from .schemas import COMPONENTS

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


def openapi_document() -> dict:
    """The whole document.

    Every registered blueprint whose module defines ``OPENAPI_PATHS`` (and, optionally,
    ``OPENAPI_SCHEMAS`` for ``components/schemas``) contributes them, so a capability's
    endpoints are documented where they are written and nothing needs listing here.
    """
    paths: dict = {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This OpenAPI document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI 3.1 document"}},
            }
        },
    }
    schemas = dict(COMPONENTS["schemas"])
    for blueprint in current_app.blueprints.values():
        module = sys.modules.get(blueprint.import_name)
        for path, operations in getattr(module, "OPENAPI_PATHS", {}).items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
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
        "components": {**COMPONENTS, "schemas": schemas},
    }


@bp.get("/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    return jsonify(openapi_document())
