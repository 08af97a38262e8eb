"""The /api/v1 wiring: blueprints, authentication rules, JSON errors, OpenAPI."""

from collections.abc import Iterable

from flask import Blueprint, Flask, g, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..errors import Forbidden, Invalid, ServiceError, Unauthorized
from ..extensions import csrf
from ..pages import render_service_error
from .openapi import bp as openapi_bp

API_PREFIX = "/api/v1"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_api(app: Flask) -> None:
    """The shared request rules, JSON errors and the OpenAPI document; each capability
    adds its own blueprint with :func:`register_api_blueprint`."""
    register_api_blueprint(app, openapi_bp)
    app.before_request(check_credentials)

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        if is_api_request():
            return jsonify(error=error.to_dict()), error.status
        return render_service_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if not is_api_request():
            return error
        code = {413: "payload_too_large", 405: "method_not_allowed", 404: "not_found"}
        body = {"code": code.get(error.code, "http_error"), "message": error.description}
        return jsonify(error=body), error.code


def register_api_blueprint(app: Flask, bp: Blueprint) -> None:
    """Add a capability's ``/api/v1`` blueprint."""
    # Tokens need no CSRF token; cookie sessions are checked in check_credentials.
    csrf.exempt(bp)
    app.register_blueprint(bp)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


def check_credentials() -> None:
    """For API requests: a rejected token is a 401; read-only tokens may not write; a
    browser session writing through the API must carry the CSRF token of our pages."""
    if not is_api_request():
        return
    if g.get("bearer_rejected"):
        raise Unauthorized(_l("The API token is not valid or has been revoked."))
    if request.method not in UNSAFE_METHODS:
        return
    token = g.get("api_token")
    if token is not None:
        if token.scope != "write":
            raise Forbidden(_l("This API token may only read."))
        return
    if current_user.is_authenticated:
        csrf.protect()


def json_body() -> dict:
    """The request's JSON object, or a 400 error naming what is wrong."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError(_l("The request body must be a JSON object."), code="bad_json")
    return data


def write_body(allowed: Iterable[str], *, optional: bool = False) -> dict:
    """The JSON object of a write request, holding only ``allowed`` fields (422 naming any
    other); with ``optional``, a request without a body reads as ``{}``.

    Anonymous writers are refused (401) before their body is read.
    """
    if not current_user.is_authenticated:
        raise Unauthorized()
    if optional and not request.get_data():
        return {}
    data = json_body()
    allowed = frozenset(allowed)
    for name in data:
        if name not in allowed:
            raise Invalid(_l("This field is not known here."), field=str(name))
    return data
