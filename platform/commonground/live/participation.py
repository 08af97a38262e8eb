"""Participation balance by stakeholder group, for an agenda item or a whole deliberation.

``participation(deliberation, item=None)`` is a plain function returning plain data, read
in a constant number of queries (one GROUP BY per activity), whatever the size of the
deliberation. The console shows it; the record export reuses it as it is.

What counts:
- **posts**: every post written by a member of the group (hidden ones too: they were said,
  and the record keeps them);
- **floor_interventions**: those of the posts made while holding the floor;
- **reactions**: reactions by members of the group (to posts of the item, or anywhere);
- **ballots**: ballots cast by members of the group (on motions of the item, or anywhere);
- **members**: the group's members now, whatever their role.
A member's group is the one they belong to now.
"""

from fractions import Fraction

import sqlalchemy as sa

from ..db import db
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..discussion.models import Post, Reaction
from ..voting.models import Ballot, Motion
from .rules import expected_fractions, fraction_text, imbalance, observed_fractions

#: The activities counted, in the order they are shown.
ACTIVITIES = ("posts", "floor_interventions", "reactions", "ballots")
#: Key of the pseudo-group of members without a stakeholder group in the counts.
UNGROUPED = None


def participation(deliberation: Deliberation, item: AgendaItem | None = None) -> dict:
    """Activity by stakeholder group against each group's share and size.

    ``item``: count only what happened in that agenda item (posts in it, reactions to its
    posts, ballots on its motions); None for the whole deliberation. Returns::

        {"deliberation": slug, "item": id | None,
         "groups": [{"key", "name", "name_translations", "share", "members",
                     "expected": "2/3" | "0", "posts", "floor_interventions", "reactions",
                     "ballots", "fractions": {activity: "1/2" | None}}],
         "ungrouped": {"members", "posts", "floor_interventions", "reactions", "ballots"},
         "totals": {"members", "posts", "floor_interventions", "reactions", "ballots"},
         "imbalance": {activity: {"index": "1/6" | None, "index_float", "level", "over",
                                  "under"}}}

    Fractions are exact (``str(Fraction)``); ``expected`` is the share over the shares of
    the groups that have members; ``level`` is balanced / uneven / imbalanced, or None
    without enough activity to judge (rules.py).
    """
    groups = list(
        db.session.scalars(
            sa.select(StakeholderGroup)
            .where(StakeholderGroup.deliberation_id == deliberation.id)
            .order_by(StakeholderGroup.position, StakeholderGroup.id)
        )
    )
    members = _by_group(
        sa.select(Membership.group_id, sa.func.count(Membership.id))
        .where(Membership.deliberation_id == deliberation.id)
        .group_by(Membership.group_id)
    )
    post_query = (
        sa.select(
            Membership.group_id,
            sa.func.count(Post.id),
            sa.func.coalesce(sa.func.sum(sa.case((Post.floor_intervention, 1), else_=0)), 0),
        )
        .join(Membership, Membership.id == Post.author_id)
        .where(Membership.deliberation_id == deliberation.id)
        .group_by(Membership.group_id)
    )
    reaction_query = (
        sa.select(Membership.group_id, sa.func.count(Reaction.id))
        .join(Membership, Membership.id == Reaction.membership_id)
        .where(Membership.deliberation_id == deliberation.id)
        .group_by(Membership.group_id)
    )
    ballot_query = (
        sa.select(Membership.group_id, sa.func.count(Ballot.id))
        .join(Membership, Membership.id == Ballot.membership_id)
        .where(Membership.deliberation_id == deliberation.id)
        .group_by(Membership.group_id)
    )
    if item is not None:
        post_query = post_query.where(Post.item_id == item.id)
        reaction_query = reaction_query.join(Post, Post.id == Reaction.post_id).where(
            Post.item_id == item.id
        )
        ballot_query = ballot_query.join(Motion, Motion.id == Ballot.motion_id).where(
            Motion.item_id == item.id
        )
    posts: dict = {}
    floor: dict = {}
    for group_id, count, interventions in db.session.execute(post_query):
        posts[group_id] = count
        floor[group_id] = int(interventions)
    counts = {
        "posts": posts,
        "floor_interventions": floor,
        "reactions": _by_group(reaction_query),
        "ballots": _by_group(ballot_query),
    }

    # Activity of members whose group is not (or no longer) one of this deliberation's
    # groups is counted with the ungrouped, so the totals always add up.
    known = {group.id for group in groups}
    ungrouped = {"members": _outside(members, known)}
    for activity in ACTIVITIES:
        ungrouped[activity] = _outside(counts[activity], known)

    shares = {group.id: group.share for group in groups}
    expected = expected_fractions(shares, members)
    observed = {
        activity: observed_fractions(counts[activity], list(shares)) for activity in ACTIVITIES
    }
    keys = {group.id: group.key for group in groups}
    rows = []
    for group in groups:
        rows.append(
            {
                "key": group.key,
                "name": group.name,
                "name_translations": dict(group.name_translations or {}),
                "share": group.share,
                "members": members.get(group.id, 0),
                "expected": fraction_text(expected[group.id]),
                **{activity: counts[activity].get(group.id, 0) for activity in ACTIVITIES},
                "fractions": {
                    activity: fraction_text(observed[activity][group.id]) for activity in ACTIVITIES
                },
            }
        )
    totals = {
        "members": sum(members.values()),
        **{activity: sum(counts[activity].values()) for activity in ACTIVITIES},
    }
    return {
        "deliberation": deliberation.slug,
        "item": item.id if item is not None else None,
        "groups": rows,
        "ungrouped": ungrouped,
        "totals": totals,
        "imbalance": {
            activity: _imbalance_json(imbalance(counts[activity], shares, members), keys)
            for activity in ACTIVITIES
        },
    }


def _by_group(query) -> dict:
    return {group_id: count for group_id, count in db.session.execute(query)}


def _outside(counts: dict, known: set) -> int:
    return sum(count for group_id, count in counts.items() if group_id not in known)


def _imbalance_json(result, keys: dict) -> dict:
    index: Fraction | None = result.index
    return {
        "index": fraction_text(index),
        "index_float": float(index) if index is not None else None,
        "level": result.level,
        "over": keys.get(result.over),
        "under": keys.get(result.under),
    }
