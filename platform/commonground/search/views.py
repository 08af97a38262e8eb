"""The search page of a deliberation: ``/d/<slug>/search?q=…`` (the box in every
deliberation page's header sends here; works without JavaScript)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..deliberations.access import get_deliberation, require_reader
from ..errors import Invalid
from . import queries
from .rules import MAX_QUERY_LENGTH
from .schemas import hit_url

bp = Blueprint("search", __name__, template_folder="templates")


@bp.get("/d/<slug>/search")
def results(slug: str):
    """The results of ``q``, a page at a time; the empty form when nothing was asked."""
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    q = request.args.get("q", "")
    found, error = None, None
    if q.strip():
        try:
            found = queries.search_request(
                current_user, slug, q, request.args.get("page"), request.args.get("per_page")
            )
        except Invalid as refusal:
            error = refusal
    return render_template(
        "search/results.html",
        deliberation=deliberation,
        q=q,
        results=found,
        error=error,
        hit_url=hit_url,
        max_length=MAX_QUERY_LENGTH,
    ), (error.status if error else 200)
