"""Search over /api/v1: ``GET /api/v1/deliberations/<slug>/search?q=…``."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from ..api.openapi import describe_blueprint
from . import queries
from .openapi import OPENAPI_PATHS
from .schemas import OPENAPI_SCHEMAS, results_json

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")
describe_blueprint(bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)


@bp.get("/deliberations/<slug>/search")
def search(slug: str):
    """One page of what the caller may read in the deliberation matching ``q``."""
    args = request.args
    results = queries.search_request(
        current_user, slug, args.get("q"), args.get("page"), args.get("per_page")
    )
    return jsonify(results_json(results))
