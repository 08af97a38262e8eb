"""Common ground, reactions and consensus summaries over /api/v1 (DESIGN §6).

Thin: find the resource, call the service, commit (live events leave at commit), answer in
the shapes of ``schemas``.
"""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from .. import fields
from ..api import json_body
from ..api.openapi import describe_blueprint
from ..deliberations.access import get_item
from ..discussion.queries import get_post, reader_for
from ..errors import Invalid
from ..transactions import transactional
from . import queries, reactions, sensemaking, services
from .openapi import OPENAPI_PATHS
from .rules import SECTIONS, diff_text
from .schemas import (
    OPENAPI_SCHEMAS,
    SummaryRefs,
    common_ground_json,
    offer_json,
    opinions_json,
    summary_json,
)

bp = Blueprint("consensus_api", __name__, url_prefix="/api/v1")
describe_blueprint(bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)


@bp.get("/items/<int:item_id>/common-ground")
def common_ground(item_id: int):
    """The item's visible posts ranked by group-informed consensus, with counts per group."""
    item = get_item(item_id)
    language = request.args.get("language") or None
    ground = queries.common_ground(current_user, item, language=language)
    return jsonify(common_ground_json(ground))


@bp.get("/items/<int:item_id>/opinions")
def opinions(item_id: int):
    """The opinion groups emerging from the item's reactions (Pol.is classic)."""
    item = get_item(item_id)
    opinions = sensemaking.readable_opinions(current_user, item)
    reader = reader_for(current_user, item.deliberation)
    return jsonify(
        opinions_json(
            opinions, shown_members=lambda member: reader.moderator or member == reader.member_id
        )
    )


@bp.get("/items/<int:item_id>/next-statement")
@transactional
def next_statement(item_id: int):
    """The next post for you to react to, chosen by the corrected Pol.is priority; being
    shown it is recorded (as seen, not as a pass)."""
    item = get_item(item_id)
    offer = services.offer_next_statement(current_user, item)
    return jsonify(offer_json(offer, item, current_user))


@bp.get("/posts/<int:post_id>/reaction")
def own_reaction(post_id: int):
    """Your own stance on a post, and its aggregates."""
    post = get_post(post_id)
    return jsonify(reactions.own_reaction(current_user, post).to_json())


@bp.put("/posts/<int:post_id>/reaction")
@transactional
def react(post_id: int):
    """Agree, disagree or pass on a post; the latest reaction wins."""
    data = json_body()
    post = get_post(post_id)
    result = services.react(current_user, post, data.get("stance"))
    return jsonify(result.to_json())


@bp.get("/items/<int:item_id>/summaries")
def list_summaries(item_id: int):
    """The item's summary versions, newest first (drafts for moderators only)."""
    item = get_item(item_id)
    summaries = queries.item_summaries(current_user, item)
    refs = SummaryRefs.for_item(item, summaries)
    return jsonify(items=[summary_json(s, refs) for s in summaries])


@bp.post("/items/<int:item_id>/summaries")
@transactional
def create_summary(item_id: int):
    """Save a new draft version of the item's summary."""
    data = json_body()
    item = get_item(item_id)
    summary = services.create_summary(
        current_user,
        item,
        language=data.get("language"),
        agreements=data.get("agreements"),
        divergences=data.get("divergences"),
        recommendations=data.get("recommendations"),
        based_on=data.get("based_on"),
    )
    return jsonify(summary_json(summary, SummaryRefs.for_item(item, [summary]))), 201


@bp.get("/summaries/<int:summary_id>")
def show_summary(summary_id: int):
    """One summary version."""
    summary = queries.readable_summary(current_user, summary_id)
    item = queries.item_of(summary)
    return jsonify(summary_json(summary, SummaryRefs.for_item(item, [summary])))


@bp.patch("/summaries/<int:summary_id>")
@transactional
def revise_summary(summary_id: int):
    """Save changes to a draft: the answer is the new version (its own id and number)."""
    data = json_body()
    summary = queries.readable_summary(current_user, summary_id)
    revised = services.revise_summary(current_user, summary, data)
    item = queries.item_of(revised)
    return jsonify(summary_json(revised, SummaryRefs.for_item(item, [revised])))


@bp.post("/summaries/<int:summary_id>/publish")
@transactional
def publish_summary(summary_id: int):
    """Publish a draft version; it supersedes the one published before in its language."""
    summary = queries.readable_summary(current_user, summary_id)
    services.publish_summary(current_user, summary)
    item = queries.item_of(summary)
    return jsonify(summary_json(summary, SummaryRefs.for_item(item, [summary])))


@bp.get("/summaries/<int:summary_id>/diff")
def diff_summary(summary_id: int):
    """Word-level differences from version ``?from=<id>`` (default: the version it is based
    on, else the previous one) to this one, per section."""
    summary = queries.readable_summary(current_user, summary_id)
    raw = request.args.get("from")
    if raw not in (None, ""):
        older = queries.readable_summary(current_user, fields.integer(raw, "from", minimum=1))
    else:
        older = queries.previous_version(current_user, summary)
    if older is None or older.item_id != summary.item_id:
        raise Invalid(field="from")
    return jsonify(
        {
            "from": older.id,
            "to": summary.id,
            "sections": {
                name: [
                    {"op": op, "text": text}
                    for op, text in diff_text(getattr(older, name), getattr(summary, name))
                ]
                for name in SECTIONS
            },
        }
    )
