"""Reactions: a member's agree / disagree / pass on a post, and their counts per group.

One reaction per member and post; the latest wins. Who reacted how never leaves this module
except to the member themselves: every other reader — pages, the API, the ``reactions``
socket event, exports — gets counts per stakeholder group, computed in SQL with one
``GROUP BY post, group, stance`` whatever the number of posts or reactions.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..db import db, iso, utcnow
from ..deliberations.access import membership_of, require_reader
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..discussion.models import STANCES, Post, Reaction
from ..errors import Conflict
from .metrics import GroupCounts
from .rules import PostScore, score_post

logger = logging.getLogger(__name__)

#: Config key of the per-member reaction rate (``count/seconds``), see ``check_rate``.

#: reaction counts: post id → group key (None: members without a group) → counts
Counts = dict[int, dict[str | None, GroupCounts]]


# --- counting (SQL) --------------------------------------------------------------------------


def count_reactions(item_id: int, post_ids: Iterable[int] | None = None) -> Counts:
    """Reaction counts of an item's visible posts (or of ``post_ids``), by post, group key
    and stance: one query, grouped in the database."""
    query = (
        sa.select(
            Reaction.post_id,
            StakeholderGroup.key,
            Reaction.stance,
            sa.func.count(Reaction.id),
        )
        .join(Post, Post.id == Reaction.post_id)
        .join(Membership, Membership.id == Reaction.membership_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
        .where(Post.item_id == item_id, Post.hidden.is_(False))
        .group_by(Reaction.post_id, StakeholderGroup.key, Reaction.stance)
    )
    if post_ids is not None:
        query = query.where(Reaction.post_id.in_(list(post_ids)))
    tallies: dict[int, dict[str | None, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(STANCES, 0))
    )
    for post_id, group_key, stance, number in db.session.execute(query):
        tallies[post_id][group_key][stance] = number
    return {
        post_id: {
            key: GroupCounts(agree=c["agree"], disagree=c["disagree"], pass_=c["pass"])
            for key, c in by_group.items()
        }
        for post_id, by_group in tallies.items()
    }


def group_keys(deliberation: Deliberation) -> list[str]:
    """The deliberation's stakeholder group keys, in display order."""
    return [group.key for group in deliberation.groups]


def score_json(score: PostScore) -> dict:
    """The aggregate part of a Common Ground entry and of the ``reactions`` event:
    ``agree``, ``disagree``, ``pass`` (the totals), ``groups`` and ``ungrouped`` (members
    without a group) — the totals are exactly their sum —, and the three measures (exact values as
    ``str(Fraction)``, DESIGN §6)."""
    return {
        "agree": score.agree,
        "disagree": score.disagree,
        "pass": score.pass_,
        "groups": [
            {"key": key, "agree": c.agree, "disagree": c.disagree, "pass": c.pass_}
            for key, c in score.groups
        ],
        "ungrouped": {
            "agree": score.ungrouped.agree,
            "disagree": score.ungrouped.disagree,
            "pass": score.ungrouped.pass_,
        },
        "min_agreement": str(score.min_agreement),
        "group_informed_consensus": str(score.group_informed_consensus),
        "majority_consensus": {
            "p": str(score.majority.p),
            "z": score.majority.z,
            "qualifies": score.majority.qualifies,
        },
    }


def post_reactions(item: AgendaItem, post_id: int) -> dict:
    """The ``reactions`` event body of one post: its aggregates, never a reactor.

    ``as_of`` (ISO time of the count) lets a client that receives two updates out of order
    keep the newer one.
    """
    counts = count_reactions(item.id, [post_id]).get(post_id, {})
    score = score_post(group_keys(item.deliberation), counts)
    return {"item": item.id, "post": post_id, **score_json(score), "as_of": iso(utcnow())}


def own_stances(membership: Membership | None, item_id: int) -> dict[int, str]:
    """The reader's own stance on each post of an item they reacted to (for their page)."""
    if membership is None:
        return {}
    rows = db.session.execute(
        sa.select(Reaction.post_id, Reaction.stance)
        .join(Post, Post.id == Reaction.post_id)
        .where(Reaction.membership_id == membership.id, Post.item_id == item_id)
    )
    return {post_id: stance for post_id, stance in rows}


def own_stances_before_edit(membership: Membership | None, item_id: int) -> set[int]:
    """The posts of an item the reader reacted to before their latest edit: the stance was
    given to an earlier text (the page says "before the edit")."""
    if membership is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(Reaction.post_id)
            .join(Post, Post.id == Reaction.post_id)
            .where(
                Reaction.membership_id == membership.id,
                Post.item_id == item_id,
                Post.edited_at.is_not(None),
                Reaction.updated_at < Post.edited_at,
            )
        )
    )


def reacted_before_edit(post: Post, updated_at: datetime | None) -> bool:
    """Whether a reaction last set at ``updated_at`` predates the post's latest edit."""
    return updated_at is not None and post.edited_at is not None and updated_at < post.edited_at


# --- a member's own reaction -----------------------------------------------------------------


@dataclass
class OwnReaction:
    """The acting member's reaction (theirs alone to see) and the post's new aggregates."""

    post: int
    stance: str | None
    updated_at: datetime | None
    reactions: dict
    #: the stance was given before the post's latest edit, to an earlier text
    before_edit: bool = False

    def to_json(self) -> dict:
        return {
            "post": self.post,
            "stance": self.stance,
            "updated_at": iso(self.updated_at),
            "before_edit": self.before_edit,
            "reactions": self.reactions,
        }


def own_reaction(user, post: Post) -> OwnReaction:
    """The user's own stance on ``post`` (None when they have not reacted) and its counts."""
    item = db.session.get(AgendaItem, post.item_id)
    require_reader(user, item.deliberation)
    if post.hidden:
        raise Conflict(_l("A post hidden by a moderator takes no reactions."), code="hidden")
    membership = membership_of(user, item.deliberation)
    reaction = (
        db.session.scalar(
            sa.select(Reaction).where(
                Reaction.post_id == post.id, Reaction.membership_id == membership.id
            )
        )
        if membership is not None
        else None
    )
    return OwnReaction(
        post.id,
        reaction.stance if reaction else None,
        reaction.updated_at if reaction else None,
        post_reactions(item, post.id),
        before_edit=reacted_before_edit(post, reaction.updated_at if reaction else None),
    )


def personal_data(user, **kwargs) -> dict:
    """Receiver of ``events.personal_data_requested``: the person's reactions, each with
    whether it was given before the post's latest edit."""
    rows = db.session.execute(
        sa.select(Reaction, Post)
        .join(Post, Post.id == Reaction.post_id)
        .join(Membership, Membership.id == Reaction.membership_id)
        .where(Membership.user_id == user.id)
        .order_by(Reaction.post_id)
    )
    return {
        "reactions": [
            {
                "post": post.id,
                "stance": reaction.stance,
                "updated_at": iso(reaction.updated_at),
                "before_edit": reacted_before_edit(post, reaction.updated_at),
            }
            for reaction, post in rows
        ]
    }
