"""Account endpoints of /api/v1."""

from flask import Blueprint

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")

OPENAPI_PATHS: dict = {}
