"""Reactions and consensus summaries: one function per action, shared by the pages, the
API and socket events. Reading the Common Ground view and the summaries is in ``queries.py``.

Summaries (DESIGN §2): every save is a new version row (1, 2, … per item, across
languages); a draft may be published once and never changes again; publishing a version
supersedes the version published before it in the same language; a translation is a
version in another language ``based_on`` the version it translates. Moderators (and admins)
write, publish and read drafts; everyone who may read the deliberation reads published
versions. Saving, publishing and superseding write audit events.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import events, fields
from ..db import db, lock_row, utcnow
from ..deliberations.access import (
    membership_of,
    participation_error,
    require_moderator,
    require_reader,
)
from ..deliberations.models import AgendaItem, Deliberation
from ..discussion.models import STANCES, Post, Reaction
from ..errors import Conflict, Invalid
from ..realtime.emitting import emit_after_commit
from ..realtime.ratelimit import check_rate
from ..realtime.rooms import item_room
from ..records.audit import record_event
from .models import ConsensusSummary, Exposure
from .queries import content_digest, item_of
from .reactions import OwnReaction, post_reactions, reacted_before_edit
from .routing import choose
from .rules import SECTIONS
from .schemas import SummaryRefs, summary_json
from .sensemaking import routing_candidates

logger = logging.getLogger(__name__)

#: Markdown characters per section.
SECTION_MAX_LENGTH = 50_000
#: The rate limit setting of reactions (per member, across pages, API, sockets and processes).
RATE_SETTING = "REACTION_RATE_LIMIT"


# --- reacting -------------------------------------------------------------------------------


def react(user, post: Post, stance) -> OwnReaction:
    """Mark ``post`` agree / disagree / pass for the user's membership (latest wins).

    Reacting again with the same stance changes nothing — unless the post was edited since:
    then it confirms the stance on the new text (no longer "before the edit"). Queues the
    post's ``reactions`` event (aggregates only) for the item's room, sent at commit.
    """
    item = db.session.get(AgendaItem, post.item_id)
    deliberation = item.deliberation
    require_reader(user, deliberation)
    membership = membership_of(user, deliberation)
    if (
        refusal := participation_error(user, "react", item.deliberation, item, membership)
    ) is not None:
        raise refusal
    if post.hidden:
        raise Conflict(_l("A post hidden by a moderator takes no reactions."), code="hidden")
    stance = fields.choice(stance, "stance", STANCES)
    check_rate(f"react:{membership.id}", RATE_SETTING)

    # Reactions to one post take turns (PostgreSQL; SQLite serialises every writer), so the
    # aggregates each one sends include every reaction committed before it.
    lock_row(Post.id, post.id)
    reaction = db.session.scalar(
        sa.select(Reaction).where(
            Reaction.post_id == post.id, Reaction.membership_id == membership.id
        )
    )
    if (
        reaction is not None
        and reaction.stance == stance
        and not reacted_before_edit(post, reaction.updated_at)
    ):
        return OwnReaction(post.id, stance, reaction.updated_at, post_reactions(item, post.id))
    if reaction is None:
        reaction = Reaction(post_id=post.id, membership_id=membership.id)
        db.session.add(reaction)
    reaction.stance = stance
    reaction.updated_at = utcnow()
    db.session.flush()
    events.reaction_changed.send(reaction, post=post, membership=membership, item=item)
    logger.info("reaction on post %s by member %s", post.id, membership.id)
    aggregates = post_reactions(item, post.id)
    emit_after_commit("reactions", aggregates, to=item_room(item.id))
    return OwnReaction(post.id, stance, reaction.updated_at, aggregates)


# --- routing: the next statement to react to ------------------------------------------------


@dataclass
class Offer:
    """The post offered to a member next (None: nothing left), and how it was chosen."""

    post_id: int | None
    priority: float | None
    #: Visible posts of the item the member has not reacted to yet.
    remaining: int


def offer_next_statement(user, item: AgendaItem, rng: random.Random | None = None) -> Offer:
    """Choose the next post for the user to react to (``routing.py``: the corrected Pol.is
    priority, favouring posts groups have not seen) and record that it was shown to them.

    Only members who may react are offered anything. Showing is not answering: the
    exposure is recorded as "seen", never as a pass.
    """
    deliberation = item.deliberation
    require_reader(user, deliberation)
    membership = membership_of(user, deliberation)
    if (refusal := participation_error(user, "react", deliberation, item, membership)) is not None:
        raise refusal
    candidates = routing_candidates(item, membership)
    chosen = choose(candidates.post_ids, candidates.weights, rng or random.Random())
    if chosen is None:
        return Offer(None, None, candidates.unanswered)
    now = utcnow()
    exposure = db.session.scalar(
        sa.select(Exposure).where(
            Exposure.post_id == chosen, Exposure.membership_id == membership.id
        )
    )
    if exposure is None:
        db.session.add(
            Exposure(
                post_id=chosen,
                membership_id=membership.id,
                first_shown_at=now,
                last_shown_at=now,
                times=1,
            )
        )
    else:
        exposure.last_shown_at = now
        exposure.times += 1
    db.session.flush()
    index = candidates.post_ids.index(chosen)
    logger.info("post %s offered to member %s", chosen, membership.id)
    return Offer(chosen, float(candidates.priorities[index]), candidates.unanswered)


# --- summaries: writing ----------------------------------------------------------------------


def _require_writable(user, item: AgendaItem) -> None:
    """Moderators write summaries while the deliberation is not closed (a closed
    deliberation is a read-only archive)."""
    require_moderator(user, item.deliberation)
    if item.deliberation.is_closed:
        raise Conflict(
            _l("This deliberation is closed: its record can be read but not added to."),
            code="deliberation_closed",
        )


def _lock(item: AgendaItem) -> None:
    """Summary writes of one deliberation take turns (the audit chain's lock order: the
    deliberation first), so version numbers and "current published" never race."""
    lock_row(Deliberation.id, item.deliberation_id)


def _sections(values: dict, defaults: ConsensusSummary | None = None) -> dict[str, str]:
    """The three Markdown sections from ``values`` (missing ones from ``defaults``); at
    least one must say something."""
    sections = {}
    for name in SECTIONS:
        value = values.get(name)
        if value is None and defaults is not None:
            value = getattr(defaults, name)
        sections[name] = fields.text(value, name, max_length=SECTION_MAX_LENGTH, required=False)
    if not any(sections.values()):
        raise Invalid(
            _l("Write at least one of agreements, divergences and recommendations."),
            field="agreements",
        )
    return sections


def _based_on(item: AgendaItem, based_on) -> ConsensusSummary | None:
    if based_on in (None, ""):
        return None
    summary_id = fields.integer(based_on, "based_on", minimum=1)
    summary = db.session.get(ConsensusSummary, summary_id)
    if summary is None or summary.item_id != item.id:
        raise Invalid(_l("There is no such summary version of this item."), field="based_on")
    return summary


def _next_version(item: AgendaItem) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(ConsensusSummary.version)).where(ConsensusSummary.item_id == item.id)
    )
    return (highest or 0) + 1


def _new_version(
    user, item: AgendaItem, language: str, sections: dict, based_on: ConsensusSummary | None
) -> ConsensusSummary:
    membership = membership_of(user, item.deliberation)
    summary = ConsensusSummary(
        item_id=item.id,
        version=_next_version(item),
        language=language,
        status="draft",
        based_on_id=based_on.id if based_on else None,
        author_id=membership.id if membership else None,
        created_at=utcnow(),
        **sections,
    )
    db.session.add(summary)
    db.session.flush()
    record_event(
        item.deliberation,
        user,
        "summary.save",
        f"summary:{summary.id}",
        {
            "item": item.id,
            "version": summary.version,
            "language": language,
            "based_on": summary.based_on_id,
        },
    )
    logger.info("summary %s (item %s v%s) saved", summary.id, item.id, summary.version)
    return summary


def create_summary(
    user,
    item: AgendaItem,
    *,
    language,
    agreements=None,
    divergences=None,
    recommendations=None,
    based_on=None,
) -> ConsensusSummary:
    """Save a new draft version of the item's summary (``based_on``: the version it
    continues or translates)."""
    _require_writable(user, item)
    language = fields.language(language)
    sections = _sections(
        {"agreements": agreements, "divergences": divergences, "recommendations": recommendations}
    )
    source = _based_on(item, based_on)
    _lock(item)
    return _new_version(user, item, language, sections, source)


def revise_summary(user, summary: ConsensusSummary, values: dict) -> ConsensusSummary:
    """Save changes to a draft as a new version based on it (``PATCH``).

    A published version never changes (409: write a new version based on it instead). A
    draft someone already revised is outdated (409), so two moderators editing one draft
    cannot overwrite each other unknowingly. Saving an unchanged text creates nothing.
    """
    item = item_of(summary)
    _require_writable(user, item)
    if summary.is_published:
        raise Conflict(
            _l("A published summary cannot be changed. Write a new version based on it."),
            code="published",
        )
    _lock(item)
    newer = db.session.scalar(
        sa.select(ConsensusSummary.version).where(
            ConsensusSummary.based_on_id == summary.id,
            ConsensusSummary.language == summary.language,
        )
    )
    if newer is not None:
        raise Conflict(
            _l(
                "This draft was revised since (version %(version)s). Edit the latest version.",
                version=newer,
            ),
            code="outdated",
        )
    language = fields.language(values.get("language") or summary.language)
    sections = _sections(values, defaults=summary)
    if language == summary.language and all(
        sections[name] == getattr(summary, name) for name in SECTIONS
    ):
        return summary
    return _new_version(user, item, language, sections, summary)


def publish_summary(user, summary: ConsensusSummary) -> ConsensusSummary:
    """Publish a draft: from now on it is immutable and every reader sees it.

    It supersedes the version currently published in its language, which must be an
    earlier one (a later published version is never replaced by an older draft). Writes
    ``summary.publish`` (with a digest of the text) and ``summary.supersede`` audit events
    and sends ``summary:published`` to the item's room at commit.
    """
    item = item_of(summary)
    _require_writable(user, item)
    _lock(item)
    db.session.refresh(summary)
    if summary.is_published:
        raise Conflict(_l("This version is already published."), code="already_published")
    current = db.session.scalar(
        sa.select(ConsensusSummary).where(
            ConsensusSummary.item_id == item.id,
            ConsensusSummary.language == summary.language,
            ConsensusSummary.status == "published",
            ConsensusSummary.superseded_at.is_(None),
        )
    )
    if current is not None and current.version > summary.version:
        raise Conflict(
            _l(
                "A later version (%(version)s) is already published in this language.",
                version=current.version,
            ),
            code="outdated",
        )
    now = utcnow()
    summary.status = "published"
    summary.published_at = now
    if current is not None:
        current.superseded_at = now
    db.session.flush()
    record_event(
        item.deliberation,
        user,
        "summary.publish",
        f"summary:{summary.id}",
        {
            "item": item.id,
            "version": summary.version,
            "language": summary.language,
            "digest": content_digest(summary),
            "supersedes": current.id if current else None,
        },
    )
    if current is not None:
        record_event(
            item.deliberation,
            user,
            "summary.supersede",
            f"summary:{current.id}",
            {"item": item.id, "version": current.version, "by": summary.id},
        )
    emit_after_commit(
        "summary:published",
        {
            "item": item.id,
            "summary": summary_json(summary, SummaryRefs.for_item(item)),
            "supersedes": current.id if current else None,
        },
        to=item_room(item.id),
    )
    events.summary_published.send(summary)
    logger.info("summary %s (item %s v%s) published", summary.id, item.id, summary.version)
    return summary
