"""Records over /api/v1 (DESIGN §6, §7): the record of a deliberation (or of one item) as
JSON, Data Package and printable HTML, the JSON Schema of the record, and the transparency
log's signed heads, public key and proofs.

Who may export (``collect.record_source``): whoever may read the deliberation — its
observers, delegates and moderators, admins, and for a public deliberation anyone, without
an account. Read-only API tokens suffice (these are GET requests). Moderators and admins get
the moderators' record; everyone else the readers' record.

Responses stream: the first bytes leave before the last post is read.
"""

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import fields
from ..api.openapi import describe_blueprint
from ..deliberations.access import get_deliberation, require_reader
from ..errors import NotFound
from ..i18n import current_language
from . import log, signing
from .collect import record_source
from .datapackage import stream_datapackage
from .export import stream_record_json
from .html import content_security_policy, stream_record_html
from .openapi import OPENAPI_PATHS, OPENAPI_SCHEMAS
from .pseudonyms import pseudonym_map

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


@bp.get("/deliberations/<slug>/pseudonyms")
def pseudonyms(slug: str):
    """The moderators' edition of the record's members: each pseudonym mapped back to the
    member's name (moderators and admins only)."""
    deliberation = get_deliberation(slug)
    response = jsonify(items=pseudonym_map(current_user, deliberation))
    response.headers["Cache-Control"] = "private, no-store"
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


# --- the transparency log -------------------------------------------------------------------


def _log_deliberation(slug: str):
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    return deliberation


def _signed_head(deliberation) -> dict:
    return signing.signed(log.tree_head(deliberation).to_json())


@bp.get("/log/key")
def log_key():
    """The public key that signs every log head of this instance."""
    return signing.instance_public_key()


@bp.get("/deliberations/<slug>/log/head")
def log_head(slug: str):
    """The deliberation's latest signed tree head."""
    return _signed_head(_log_deliberation(slug))


@bp.get("/deliberations/<slug>/log/proof/inclusion")
def log_inclusion(slug: str):
    """The audit path of one leaf (``leaf=N``, the leaf of a ballot ``receipt`` or of a
    ``post``'s creation) in the
    tree of the latest head (or of its first ``size`` leaves)."""
    deliberation = _log_deliberation(slug)
    head = _signed_head(deliberation)
    size = _size_argument("size", head["size"])
    if request.args.get("receipt") not in (None, ""):
        index = log.receipt_leaf(deliberation, request.args["receipt"])
    elif request.args.get("post") not in (None, ""):
        index = log.post_leaf(deliberation, fields.integer(request.args["post"], "post", minimum=1))
    else:
        index = fields.integer(request.args.get("leaf"), "leaf", minimum=0)
    if index >= size:
        raise NotFound(_l("The log has no such leaf."), code="no_such_leaf")
    leaf = log.leaf_at(deliberation, index)
    return {
        "deliberation": deliberation.slug,
        "leaf": index,
        "size": size,
        "entry": leaf.entry,
        "leaf_hash": leaf.hash,
        "proof": [node.hex() for node in log.inclusion(deliberation, index, size)],
        "root": log.root_at(deliberation, size).hex(),
        "head": head,
    }


@bp.get("/deliberations/<slug>/log/proof/consistency")
def log_consistency(slug: str):
    """The proof that the log's first ``from`` leaves are a prefix of its first ``to``."""
    deliberation = _log_deliberation(slug)
    head = _signed_head(deliberation)
    new_size = _size_argument("to", head["size"])
    old_size = fields.integer(request.args.get("from"), "from", minimum=0, maximum=new_size)
    return {
        "deliberation": deliberation.slug,
        "from": old_size,
        "to": new_size,
        "from_root": log.root_at(deliberation, old_size).hex(),
        "to_root": log.root_at(deliberation, new_size).hex(),
        "proof": [node.hex() for node in log.consistency(deliberation, old_size, new_size)],
        "head": head,
    }


def _size_argument(name: str, current: int) -> int:
    """A tree size from the query (at most the current one), the current one by default."""
    value = request.args.get(name)
    if value in (None, ""):
        return current
    return fields.integer(value, name, minimum=0, maximum=current)
