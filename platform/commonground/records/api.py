"""Records over /api/v1 (DESIGN §6, §7): the record of a deliberation (or of one item) as
JSON, Data Package and printable HTML, and the JSON Schema of the record.

Who may export (``collect.record_source``): whoever may read the deliberation — its
observers, delegates and moderators, admins, and for a public deliberation anyone, without
an account. Read-only API tokens suffice (these are GET requests). Moderators and admins get
the moderators' record; everyone else the readers' record.

Responses stream: the first bytes leave before the last post is read.
"""

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, request, stream_with_context
from flask_login import current_user

from .. import fields
from ..api.openapi import describe_blueprint
from ..i18n import current_language
from .collect import record_source
from .datapackage import stream_datapackage
from .export import stream_record_json
from .html import content_security_policy, stream_record_html
from .openapi import OPENAPI_PATHS, OPENAPI_SCHEMAS

bp = Blueprint("records_api", __name__, url_prefix="/api/v1", template_folder="templates")
describe_blueprint(bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "record.schema.json"


@cache
def record_schema() -> dict:
    """The JSON Schema of ``record.json`` shipped with the package."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _source(slug: str):
    item = request.args.get("item")
    item_id = None if item in (None, "") else fields.integer(item, "item", minimum=1)
    return record_source(current_user, slug, item_id)


def _filename(source, extension: str) -> str:
    suffix = f"-item-{source.item_id}" if source.item_id is not None else ""
    return f"{source.slug}{suffix}-record.{extension}"


def _streamed(body, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    response = Response(stream_with_context(body), mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # The record reflects the database at the moment of the request; for the audience only.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/deliberations/<slug>/record.json")
def record_json(slug: str):
    """The record as canonical JSON with its integrity block."""
    source = _source(slug)
    return _streamed(stream_record_json(source), "application/json", _filename(source, "json"))


@bp.get("/deliberations/<slug>/record.zip")
def record_zip(slug: str):
    """The record as a Frictionless Data Package."""
    source = _source(slug)
    return _streamed(stream_datapackage(source), "application/zip", _filename(source, "zip"))


@bp.get("/deliberations/<slug>/record.html")
def record_html(slug: str):
    """The printable record in the reader's language."""
    source = _source(slug)
    body = (chunk.encode("utf-8") for chunk in stream_record_html(source, current_language()))
    response = _streamed(body, "text/html", _filename(source, "html"), inline=True)
    response.mimetype = "text/html"
    response.charset = "utf-8"
    response.headers["Content-Security-Policy"] = content_security_policy()
    return response


@bp.get("/schemas/record.json")
def schema():
    """The JSON Schema (2020-12) every ``record.json`` validates against."""
    response = current_app.response_class(
        json.dumps(record_schema(), ensure_ascii=False, indent=2),
        mimetype="application/schema+json",
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
