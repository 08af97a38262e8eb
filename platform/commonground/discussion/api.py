"""Discussion endpoints of /api/v1 (DESIGN §6): posts, replies, edits, hiding,
translations, revisions and the item lock. Thin: the services do the work."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from .. import fields
from ..api import json_body
from ..api.openapi import describe_blueprint
from ..db import iso
from ..deliberations.access import get_deliberation, get_item, require_moderator, require_reader
from ..errors import Invalid
from ..transactions import transactional
from . import queries, services
from .openapi import OPENAPI_PATHS
from .rules import render_markdown
from .schemas import OPENAPI_SCHEMAS, redaction_json
from .windows import window_from_args

bp = Blueprint("discussion_api", __name__, url_prefix="/api/v1")
describe_blueprint(bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)


@bp.get("/items/<int:item_id>/posts")
def list_posts(item_id: int):
    """The item's posts in thread order: a window of whole threads, the newest by default
    (``before``, ``from``, ``around`` and ``limit`` choose another, ``window`` in the answer
    says what lies around it); ``?after=<id>`` alone for every post newer than a post
    (catching up); ``?language=<code>`` for those written in or translated into a
    language."""
    item = get_item(item_id)
    require_reader(current_user, item.deliberation)  # before the window says anything
    after = _optional_integer("after", minimum=0)
    language = request.args.get("language") or None
    if language is not None:
        language = fields.language(language)
    window = window_from_args(item, request.args, whole_thread=after is not None)
    thread = queries.read_thread(current_user, item, after=after, language=language, window=window)
    return jsonify(
        items=[post.to_json() for post in thread.posts],
        window=window.to_json() if window is not None else None,
    )


def _optional_integer(name: str, **bounds) -> int | None:
    value = request.args.get(name)
    return fields.integer(value, name, **bounds) if value not in (None, "") else None


@bp.post("/items/<int:item_id>/posts")
@transactional
def create_post(item_id: int):
    """Post in the item's thread (``parent`` for a reply)."""
    data = json_body()
    item = get_item(item_id)
    post = services.create_post(
        current_user,
        item,
        body=data.get("body"),
        parent=data.get("parent"),
        language=data.get("language"),
    )
    return jsonify(queries.read_post(current_user, post).to_json()), 201


@bp.get("/posts/<int:post_id>")
def show_post(post_id: int):
    """One post."""
    post = queries.get_post(post_id)
    return jsonify(queries.read_post(current_user, post).to_json())


@bp.patch("/posts/<int:post_id>")
@transactional
def edit_post(post_id: int):
    """The author edits a post; the previous body is kept (see ``revisions``)."""
    data = json_body()
    post = queries.get_post(post_id)
    services.edit_post(current_user, post, body=data.get("body"), language=data.get("language"))
    return jsonify(queries.read_post(current_user, post).to_json())


@bp.post("/posts/<int:post_id>/hide")
@transactional
def hide_post(post_id: int):
    """A moderator hides a post, giving a reason."""
    data = json_body()
    post = queries.get_post(post_id)
    services.hide_post(current_user, post, reason=data.get("reason"))
    return jsonify(queries.read_post(current_user, post).to_json())


@bp.post("/posts/<int:post_id>/translations")
@transactional
def translate_post(post_id: int):
    """Add (or replace one's own) human translation of a post."""
    data = json_body()
    post = queries.get_post(post_id)
    services.translate_post(
        current_user, post, language=data.get("language"), body=data.get("body")
    )
    return jsonify(queries.read_post(current_user, post).to_json()), 201


@bp.get("/posts/<int:post_id>/revisions")
def post_revisions(post_id: int):
    """The previous bodies of an edited post, newest first."""
    post = queries.get_post(post_id)
    revisions = queries.post_revisions(current_user, post)
    return jsonify(
        items=[
            {"body": r.body, "html": render_markdown(r.body), "replaced_at": iso(r.replaced_at)}
            for r in revisions
        ]
    )


@bp.post("/items/<int:item_id>/lock")
@transactional
def lock_item(item_id: int):
    """A moderator locks or unlocks the item's discussion: ``{"locked": true|false}``."""
    data = json_body()
    if "locked" not in data:
        raise Invalid(field="locked")
    item = get_item(item_id)
    services.lock_item(current_user, item, locked=data["locked"])
    return jsonify(id=item.id, status=item.status, locked=item.locked)


@bp.get("/deliberations/<slug>/redactions")
def list_redactions(slug: str):
    """Former members' pending requests to remove their posts' text (moderators)."""
    deliberation = get_deliberation(slug)
    requests = services.pending_redactions(current_user, deliberation)
    return jsonify(items=[redaction_json(r) for r in requests])


@bp.post("/deliberations/<slug>/redactions/<int:request_id>/approve")
@transactional
def approve_redaction(slug: str, request_id: int):
    """A moderator agrees: the former member's posts keep their place, their text goes."""
    return _decide(slug, request_id, approve=True)


@bp.post("/deliberations/<slug>/redactions/<int:request_id>/refuse")
@transactional
def refuse_redaction(slug: str, request_id: int):
    """A moderator refuses: the posts stay as they are, under the former member's
    pseudonym."""
    return _decide(slug, request_id, approve=False)


def _decide(slug: str, request_id: int, *, approve: bool):
    deliberation = get_deliberation(slug)
    require_moderator(current_user, deliberation)
    request_ = services.get_redaction(deliberation, request_id)
    posts = services.decide_redaction(current_user, deliberation, request_, approve=approve)
    return jsonify({**redaction_json(request_), "posts": posts})
