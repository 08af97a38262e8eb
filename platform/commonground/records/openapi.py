"""OpenAPI description of the record and transparency log endpoints (``api.py``) and of
the record's schema."""

from ..api.schemas import (
    ANYONE,
    COMMON_ERRORS,
    component,
    error_response,
    json_response,
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
    "moderator's reason; published summaries only). Members appear under keyed pseudonyms; "
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


PSEUDONYM_MAP_SCHEMA = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pseudonym", "name", "former", "role", "group"],
                "properties": {
                    "pseudonym": {"type": ["string", "null"], "pattern": "^m-[0-9a-f]{16}$"},
                    "name": {"type": "string"},
                    "former": {"type": "boolean", "description": "The account was erased"},
                    "role": {"type": "string", "enum": ["moderator", "delegate", "observer"]},
                    "group": {"type": ["string", "null"]},
                },
            },
        }
    },
}

OPENAPI_PATHS: dict = {
    "/api/v1/deliberations/{slug}/pseudonyms": {
        "get": operation(
            "The moderators' key to the record: pseudonyms mapped back to names (moderator)",
            {"200": json_response("Every member", schema=PSEUDONYM_MAP_SCHEMA)},
            operation_id="getPseudonymMap",
            description="Every member's pseudonym in the deliberation's records and log, "
            "with their name, role and group, sorted by pseudonym. A member who erased their "
            'account is named "Former member". Moderators of the deliberation and admins '
            "only: 401 without an account, 403 for everyone else.",
            tags=TAGS,
            parameters=[SLUG],
        )
    },
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

LOG_TAGS = ["Transparency log"]
LOG_ACCESS = (
    "Whoever may read the deliberation (for a public one anyone, without an account); "
    "read-only tokens suffice."
)
HEX_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
LOG_ERRORS = {
    **COMMON_ERRORS,
    "422": error_response("A size or leaf number is not a whole number within the log"),
}
SIZE = {"type": "integer", "minimum": 0}


def log_operation(operation_id: str, summary: str, description: str, schema: str, **kw) -> dict:
    """A read of a deliberation's transparency log."""
    return operation(
        summary,
        {"200": json_response(summary, schema)},
        operation_id=operation_id,
        description=f"{description}\n\n{LOG_ACCESS}",
        tags=LOG_TAGS,
        security=ANYONE,
        parameters=[SLUG, *kw.pop("parameters", [])],
        errors=LOG_ERRORS,
    )


LOG_PATHS: dict = {
    "/api/v1/log/key": {
        "get": operation(
            "The public key that signs the log heads",
            {"200": json_response("The instance's Ed25519 public key", "LogKey")},
            operation_id="getLogKey",
            description="Save it once, beside the heads you keep: `records verify FILE "
            "--key KEY.json` checks heads and records with it.",
            tags=LOG_TAGS,
            security=ANYONE,
            errors={},
        )
    },
    "/api/v1/deliberations/{slug}/log/head": {
        "get": log_operation(
            "getLogHead",
            "The deliberation's latest signed tree head",
            "The size and RFC 9162 Merkle root (SHA-256) of the deliberation's log of every "
            "event, the time of its last leaf, and an Ed25519 signature over the canonical "
            "JSON of the other members. The same log yields the same head, byte for byte. "
            "Keep or publish it: a record exported later must extend it "
            "(`records verify FILE --head HEAD.json`).",
            "SignedTreeHead",
        )
    },
    "/api/v1/deliberations/{slug}/log/proof/inclusion": {
        "get": log_operation(
            "getLogInclusionProof",
            "The inclusion proof of one leaf",
            "The leaf's entry and hash and its audit path (RFC 9162 §2.1.3) in the tree of "
            "the first `size` leaves (by default the latest head's), with that tree's root "
            "and the latest signed head. Name the leaf by number, by post (its creation) "
            "or, for a voter checking their ballot, by its receipt.",
            "LogInclusionProof",
            parameters=[
                query_parameter("leaf", SIZE, "The leaf's 0-based index", required=False),
                query_parameter(
                    "receipt", HEX_HASH, "A ballot receipt, instead of `leaf`", required=False
                ),
                query_parameter(
                    "post",
                    {"type": "integer", "minimum": 1},
                    "A post, instead of `leaf`: the leaf of its creation",
                    required=False,
                ),
                query_parameter("size", SIZE, "The tree's size", required=False),
            ],
        )
    },
    "/api/v1/deliberations/{slug}/log/proof/consistency": {
        "get": log_operation(
            "getLogConsistencyProof",
            "The consistency proof between two sizes of the log",
            "The proof (RFC 9162 §2.1.4) that the tree of the first `from` leaves is a "
            "prefix of the tree of the first `to` (by default the latest head's size), with "
            "both roots and the latest signed head: the log was only appended to.",
            "LogConsistencyProof",
            parameters=[
                query_parameter("from", SIZE, "The earlier size", required=True),
                query_parameter("to", SIZE, "The later size", required=False),
            ],
        )
    },
}
OPENAPI_PATHS.update(LOG_PATHS)

_HEAD_PROPERTIES = {
    "deliberation": {"type": "string"},
    "size": SIZE,
    "root": HEX_HASH,
    "timestamp": {"type": ["string", "null"], "format": "date-time"},
    "key_id": HEX_HASH,
    "signature": {"type": "string", "description": "Ed25519, base64"},
}
_PROOF = {"type": "array", "items": HEX_HASH}

#: The record's schema, for the OpenAPI document (``$defs`` references resolve inside it).
OPENAPI_SCHEMAS = {
    "ConsensusRecord": {
        "type": "object",
        "description": "See /api/v1/schemas/record.json for the full JSON Schema.",
        "required": ["format", "scope", "deliberation", "posts", "audit", "integrity"],
    },
    "LogKey": {
        "type": "object",
        "required": ["key_id", "algorithm", "public_key"],
        "properties": {
            "key_id": {**HEX_HASH, "description": "SHA-256 of the raw public key"},
            "algorithm": {"const": "Ed25519"},
            "public_key": {"type": "string", "description": "The raw 32-byte key, base64"},
        },
    },
    "SignedTreeHead": {
        "type": "object",
        "required": list(_HEAD_PROPERTIES),
        "properties": _HEAD_PROPERTIES,
    },
    "LogInclusionProof": {
        "type": "object",
        "required": ["deliberation", "leaf", "size", "entry", "leaf_hash", "proof", "root", "head"],
        "properties": {
            "deliberation": {"type": "string"},
            "leaf": SIZE,
            "size": SIZE,
            "entry": {"type": "string", "description": "The leaf's canonical JSON"},
            "leaf_hash": HEX_HASH,
            "proof": _PROOF,
            "root": HEX_HASH,
            "head": component("SignedTreeHead"),
        },
    },
    "LogConsistencyProof": {
        "type": "object",
        "required": ["deliberation", "from", "to", "from_root", "to_root", "proof", "head"],
        "properties": {
            "deliberation": {"type": "string"},
            "from": SIZE,
            "to": SIZE,
            "from_root": HEX_HASH,
            "to_root": HEX_HASH,
            "proof": _PROOF,
            "head": component("SignedTreeHead"),
        },
    },
}
