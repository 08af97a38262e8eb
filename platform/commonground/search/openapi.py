"""OpenAPI description of the search endpoint (``api.py``); its component schemas are
``schemas.OPENAPI_SCHEMAS``."""

from ..api.schemas import (
    ANYONE,
    COMMON_ERRORS,
    error_response,
    json_response,
    operation,
    query_parameter,
)
from ..deliberations.openapi import SLUG
from .rules import MAX_PER_PAGE, MAX_QUERY_LENGTH, MAX_TERMS, PER_PAGE

OPENAPI_PATHS: dict = {
    "/api/v1/deliberations/{slug}/search": {
        "get": operation(
            "Search posts, translations, agenda items and summaries",
            {"200": json_response("One page of results, best first", "SearchResults")},
            operation_id="searchDeliberation",
            tags=["Search"],
            security=ANYONE,
            description="Finds what the caller may read in the deliberation: posts and "
            "their translations (hidden ones for moderators only), agenda items and their "
            "translations, consensus summaries (the current published version of each "
            "language; drafts too for moderators). Every word of `q` must occur, anywhere "
            "in the text (substrings: a two-character Chinese word finds the posts "
            "containing it). The newest 200 matches are ranked by relevance (SQLite: FTS5 "
            "trigram bm25; PostgreSQL: `pg_trgm` finds, full-text `ts_rank` ranks), newest "
            "first among equals, and come first; older matches follow, newest first, with "
            "`score` 0. `has_more` says whether another page follows.",
            parameters=[
                SLUG,
                query_parameter(
                    "q",
                    {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH},
                    f"What to find: up to {MAX_TERMS} words, any case",
                    required=True,
                ),
                query_parameter(
                    "page", {"type": "integer", "minimum": 1, "maximum": 10000}, "Page, from 1"
                ),
                query_parameter(
                    "per_page",
                    {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                    f"Results per page (default {PER_PAGE})",
                ),
            ],
            errors={
                **COMMON_ERRORS,
                "422": error_response(
                    "`q` is missing, empty, too long or has too many words; or `page` / "
                    "`per_page` is out of range (`error.field` names it)"
                ),
            },
        )
    },
}
