"""OpenAPI description of the record endpoints (``api.py``) and of the record's schema."""

from ..api.schemas import (
    ANYONE,
    COMMON_ERRORS,
    component,
    error_response,
    operation,
    query_parameter,
)
from ..deliberations.openapi import SLUG

ITEM = query_parameter(
    "item",
    {"type": "integer", "minimum": 1},
    "Only this agenda item (its posts, motions and summaries; the whole audit chain, which "
    "can only be verified whole)",
    required=False,
)
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


def record_operation(operation_id: str, summary: str, description: str, content: dict) -> dict:
    """An export of the record of a deliberation (or of one item), as ``content``."""
    return operation(
        summary,
        {"200": {"description": summary, "content": content}},
        operation_id=operation_id,
        description=f"{description}\n\n{ACCESS}",
        tags=TAGS,
        security=ANYONE,
        parameters=[SLUG, ITEM],
        errors=RECORD_ERRORS,
    )


OPENAPI_PATHS: dict = {
    "/api/v1/deliberations/{slug}/record.json": {
        "get": record_operation(
            "getRecordJson",
            "The consensus record as JSON",
            "Canonical JSON (sorted keys, no whitespace, UTF-8) valid against "
            "`/api/v1/schemas/record.json`, ending with an `integrity` member: the SHA-256 of "
            "the body (everything else) and of each member, and the head of the audit hash "
            "chain. Check it with `flask --app app records verify FILE`.",
            {"application/json": {"schema": component("ConsensusRecord")}},
        )
    },
    "/api/v1/deliberations/{slug}/record.zip": {
        "get": record_operation(
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
        "get": record_operation(
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
        "get": operation(
            "The JSON Schema (2020-12) of record.json",
            {
                "200": {
                    "description": "The schema",
                    "content": {"application/schema+json": {"schema": {"type": "object"}}},
                }
            },
            operation_id="getRecordSchema",
            tags=TAGS,
            security=ANYONE,
            errors={},
        )
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
