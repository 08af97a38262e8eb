"""The search results as the API returns them, and their OpenAPI description."""

from flask import url_for

from ..db import iso
from .queries import KIND_CODES, Hit, Results


def hit_url(deliberation_slug: str, hit: Hit) -> str:
    """Where a result is read: the post in its item's thread, the item, the summary."""
    if hit.kind == "summary":
        return url_for("consensus.summary", slug=deliberation_slug, summary_id=hit.id)
    anchor = f"post-{hit.post}" if hit.post is not None else None
    return url_for(
        "deliberations.item", slug=deliberation_slug, item_id=hit.item.id, _anchor=anchor
    )


def hit_json(deliberation_slug: str, hit: Hit) -> dict:
    """One result: what it is, where it is, and the marked snippet (as text with the
    matches' offsets, and as HTML with every other character escaped)."""
    return {
        "kind": hit.kind,
        "id": hit.id,
        "item": hit.item.id,
        "post": hit.post,
        "language": hit.language,
        "snippet": hit.snippet.text,
        "matches": [list(span) for span in hit.snippet.matches],
        "highlight": str(hit.snippet.html()),
        "hidden": hit.hidden,
        "draft": hit.draft,
        "created_at": iso(hit.created_at),
        "score": hit.score,
        "url": hit_url(deliberation_slug, hit),
    }


def results_json(results: Results) -> dict:
    slug = results.deliberation.slug
    return {
        "query": results.query.text,
        "terms": list(results.query.terms),
        "page": results.page,
        "per_page": results.per_page,
        "has_more": results.has_more,
        "items": [hit_json(slug, hit) for hit in results.hits],
    }


OPENAPI_SCHEMAS = {
    "SearchHit": {
        "type": "object",
        "required": [
            "kind",
            "id",
            "item",
            "post",
            "language",
            "snippet",
            "matches",
            "highlight",
            "hidden",
            "draft",
            "created_at",
            "score",
            "url",
        ],
        "properties": {
            "kind": {
                "type": "string",
                "enum": list(KIND_CODES),
                "description": "`post`; `translation` (of a post); `item` (an agenda item's "
                "title and text); `item_translation`; `summary` (a consensus summary version)",
            },
            "id": {
                "type": "integer",
                "description": "The id of the post, translation, item, "
                "item translation or summary found",
            },
            "item": {"type": "integer", "description": "The agenda item it belongs to"},
            "post": {
                "type": ["integer", "null"],
                "description": "The post (posts and their translations)",
            },
            "language": {"type": "string"},
            "snippet": {"type": "string", "description": "Plain text around the first match"},
            "matches": {
                "type": "array",
                "items": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "minItems": 2,
                    "maxItems": 2,
                },
                "description": "[start, end) offsets of the matches in `snippet`",
            },
            "highlight": {
                "type": "string",
                "description": "`snippet` as HTML: every character escaped, each match in `<mark>`",
            },
            "hidden": {
                "type": "boolean",
                "description": "A hidden post or its translation (moderators only see these)",
            },
            "draft": {"type": "boolean", "description": "A summary draft (moderators only)"},
            "created_at": {"type": "string", "format": "date-time"},
            "score": {
                "type": "number",
                "description": "Relevance; higher is better (0 beyond the newest 200 matches)",
            },
            "url": {"type": "string", "description": "The page where it is read"},
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["query", "terms", "page", "per_page", "has_more", "items"],
        "properties": {
            "query": {"type": "string"},
            "terms": {"type": "array", "items": {"type": "string"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "has_more": {"type": "boolean"},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}},
        },
    },
}
