"""The OpenAPI 3.1 document of /api/v1, assembled from the fragments each capability
registers with the app.

Nothing here imports a capability. A capability describes its endpoints in its own
``openapi.py`` and attaches the description to its API blueprint with
:func:`describe_blueprint`; registering the blueprint on an app registers the description
too. :func:`register_openapi` is the same step for code that holds the app (an ``init_app``);
registering one description twice changes nothing.
"""

from flask import Blueprint, Flask, current_app, jsonify

from .schemas import COMPONENTS, SIGNED_IN, operation

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

#: The key of the registered fragments in ``app.extensions``.
EXTENSION = "commonground.openapi"


def register_openapi(app: Flask, paths: dict, schemas: dict | None = None) -> None:
    """Add path items (``paths``) and component schemas to ``app``'s OpenAPI document.

    Items of one path described by several capabilities are merged, method by method.
    """
    fragments = app.extensions.setdefault(EXTENSION, {"paths": {}, "schemas": {}})
    for path, item in paths.items():
        fragments["paths"].setdefault(path, {}).update(item)
    fragments["schemas"].update(schemas or {})


def describe_blueprint(blueprint: Blueprint, paths: dict, schemas: dict | None = None) -> None:
    """Register ``paths`` and ``schemas`` with every app that registers ``blueprint``.

    The description travels with the blueprint, so it is in the document of exactly the
    apps that serve the endpoints, however the blueprint is wired in.
    """
    blueprint.record_once(lambda state: register_openapi(state.app, paths, schemas))


def openapi_document() -> dict:
    """The whole document of the current app."""
    fragments = current_app.extensions.get(EXTENSION, {"paths": {}, "schemas": {}})
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
        "security": SIGNED_IN,
        "paths": fragments["paths"],
        "components": {
            **COMPONENTS,
            "schemas": {**COMPONENTS["schemas"], **fragments["schemas"]},
        },
    }


@bp.get("/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    return jsonify(openapi_document())


describe_blueprint(
    bp,
    {
        "/api/v1/openapi.json": {
            "get": operation(
                "This OpenAPI document",
                {"200": {"description": "The OpenAPI 3.1 document"}},
                operation_id="getOpenApiDocument",
                security=[],
                errors={},
            )
        }
    },
)
