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
from ..api.schemas import COMMON_ERRORS, error_response
from ..i18n import current_language
from .collect import record_source
from .datapackage import stream_datapackage
from .export import stream_record_json
from .html import content_security_policy, stream_record_html

bp = Blueprint("records_api", __name__, url_prefix="/api/v1", template_folder="templates")

__all__ = ["OPENAPI_PATHS", "bp"]

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


# --- OpenAPI ----------------------------------------------------------------------------------

SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The deliberation's slug",
}
ITEM = {
    "name": "item",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1},
    "description": "Only this agenda item (its posts, motions and summaries; the whole audit "
    "chain, which can only be verified whole)",
}
ANYONE = [{}, {"bearer": []}, {"session": []}]
TAGS = ["Records"]
ACCESS = (
    "Observers, delegates and moderators of the deliberation and admins may export it; for a "
    "public deliberation anyone may, without an account. Read-only tokens suffice. Moderators "
    "and admins get the moderators' record (text of hidden posts, flagged; every summary "
    "version; draft motions); everyone else the readers' record (hidden posts show only the "
    "moderator's reason; published summaries only). Members appear as pseudonymous ids; "
    "secret ballots never appear individually. Nothing depends on the moment of export: two "
    "exports of a closed deliberation are identical byte for byte."
)
RECORD_ERRORS = {
    **COMMON_ERRORS,
    "422": error_response("`item` is not a positive whole number"),
}


def _record_operation(operation_id: str, summary: str, description: str, content: dict) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": f"{description}\n\n{ACCESS}",
        "tags": TAGS,
        "security": ANYONE,
        "parameters": [SLUG, ITEM],
        "responses": {"200": {"description": summary, "content": content}, **RECORD_ERRORS},
    }


OPENAPI_PATHS: dict = {
    "/api/v1/deliberations/{slug}/record.json": {
        "get": _record_operation(
            "getRecordJson",
            "The consensus record as JSON",
            "Canonical JSON (sorted keys, no whitespace, UTF-8) valid against "
            "`/api/v1/schemas/record.json`, ending with an `integrity` member: the SHA-256 of "
            "the body (everything else) and of each member, and the head of the audit hash "
            "chain. Check it with `flask --app app records verify FILE`.",
            {"application/json": {"schema": {"$ref": "#/components/schemas/ConsensusRecord"}}},
        )
    },
    "/api/v1/deliberations/{slug}/record.zip": {
        "get": _record_operation(
            "getRecordDataPackage",
            "The consensus record as a Frictionless Data Package",
            "A zip of `datapackage.json` (Data Package v1: a Table Schema per resource with "
            "types, primary and foreign keys, and each file's SHA-256) and one UTF-8 CSV per "
            "table: deliberation, groups, members, items, item_translations, posts, "
            "post_translations, post_revisions, reactions, reactions_by_group, motions, "
            "tallies, ballots (open-ballot motions only), receipts, summaries, participation, "
            "participation_totals, announcements, audit_events.",
            {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        )
    },
    "/api/v1/deliberations/{slug}/record.html": {
        "get": _record_operation(
            "getRecordHtml",
            "The printable consensus record",
            "A self-contained HTML document in the reader's language (`?lang=`, the account's "
            "language or Accept-Language): agenda, summaries, motion results with per-group "
            "charts, participation by group, notable common-ground statements and every post "
            "in an appendix; print CSS for a clean PDF. It cites the SHA-256 of the JSON "
            "record of the same scope.",
            {"text/html": {"schema": {"type": "string"}}},
        )
    },
    "/api/v1/schemas/record.json": {
        "get": {
            "operationId": "getRecordSchema",
            "summary": "The JSON Schema (2020-12) of record.json",
            "tags": TAGS,
            "security": ANYONE,
            "responses": {
                "200": {
                    "description": "The schema",
                    "content": {"application/schema+json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
}

#: The record's schema, for the OpenAPI document (``$defs`` references resolve inside it).
OPENAPI_SCHEMAS = {
    "ConsensusRecord": {
        "type": "object",
        "description": "See /api/v1/schemas/record.json for the full JSON Schema.",
        "required": ["format", "scope", "deliberation", "posts", "audit", "integrity"],
    }
}
