"""JSON shapes of common ground, reactions and summaries, shared by the API, socket events
and pages; plus their OpenAPI schemas.

Reactions leave here only as counts per stakeholder group. The one exception is the reader's
own stance, sent to that reader alone (``OwnReaction``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ..accounts.models import User
from ..db import db, iso
from ..deliberations.models import AgendaItem, Membership
from ..discussion.models import Post
from ..discussion.rules import render_markdown
from .bridging import LEVEL, LINE, METHOD, Bridging
from .models import ConsensusSummary
from .opinion_map import cross_count
from .queries import CommonGround, CommonGroundEntry, citation_targets, post_view
from .reactions import count_reactions, score_json
from .rules import SECTIONS, citations, group_responses, link_citations
from .sensemaking import ItemOpinions, bridging_of, item_opinions


def entry_json(entry: CommonGroundEntry) -> dict:
    """One Common Ground entry: ``{"post": POST, "agree", "disagree", "pass", "groups":
    [{"key", "agree", "disagree", "pass"}], "ungrouped", "min_agreement",
    "group_informed_consensus", "majority_consensus"}`` (the issue's shape, extended), then
    ``bridging``, ``coverage`` and ``qualifies`` (issue 13)."""
    return {
        "post": entry.post.to_json(),
        **score_json(entry.score),
        **bridging_json(entry.bridging),
    }


def bridging_json(bridge: Bridging) -> dict:
    """``bridging: {score, low, high}``, ``coverage: {responding, seen, total}``,
    ``qualifies``."""
    return {
        "bridging": {
            "score": _rounded(bridge.score),
            "low": _rounded(bridge.low),
            "high": _rounded(bridge.high),
        },
        "coverage": {
            "responding": bridge.responding,
            "seen": bridge.seen,
            "total": bridge.total,
        },
        "qualifies": bridge.qualifies,
    }


def common_ground_json(ground: CommonGround) -> dict:
    return {
        "items": [entry_json(entry) for entry in ground.entries],
        "bridging": {"method": {**METHOD, "params": {"line": LINE, "level": LEVEL}}},
    }


# --- summaries -------------------------------------------------------------------------------


@dataclass
class SummaryRefs:
    """What rendering summaries of one item needs: where citations point, and authors'
    names — loaded once for a whole list of versions."""

    slug: str
    item_id: int
    post_ids: set[int]
    motion_ids: set[int]
    authors: dict[int, str]

    @classmethod
    def for_item(cls, item: AgendaItem, summaries: Iterable[ConsensusSummary] = ()) -> SummaryRefs:
        post_ids, motion_ids = citation_targets(item)
        author_ids = {s.author_id for s in summaries if s.author_id is not None}
        authors = {}
        if author_ids:
            rows = db.session.execute(
                sa.select(Membership.id, User.name)
                .join(User, User.id == Membership.user_id)
                .where(Membership.id.in_(author_ids))
            )
            authors = {member_id: name for member_id, name in rows}
        return cls(item.deliberation.slug, item.id, post_ids, motion_ids, authors)

    def url(self, kind: str, number: int) -> str | None:
        """Where a citation of this item's post or motion points (None: not this item's)."""
        base = f"/d/{self.slug}/items/{self.item_id}"
        if kind == "post" and number in self.post_ids:
            return f"{base}?focus={number}#post-{number}"
        if kind == "motion" and number in self.motion_ids:
            return f"{base}#motion-{number}"
        return None

    def html(self, markdown: str) -> str:
        """Sanitised HTML of a section, its citations linked."""
        return render_markdown(link_citations(markdown, self.url))


def summary_json(summary: ConsensusSummary, refs: SummaryRefs) -> dict:
    """A summary version: its sections as Markdown and as HTML, its status, lineage,
    author, times and the evidence it cites."""
    cited = []
    for name in SECTIONS:
        for reference in citations(getattr(summary, name)):
            if reference not in cited:
                cited.append(reference)
    return {
        "id": summary.id,
        "item": summary.item_id,
        "version": summary.version,
        "language": summary.language,
        "status": summary.status,
        "current": summary.is_current,
        **{name: getattr(summary, name) for name in SECTIONS},
        "html": {name: refs.html(getattr(summary, name)) for name in SECTIONS},
        "based_on": summary.based_on_id,
        "author": {
            "id": summary.author_id,
            "name": refs.authors.get(summary.author_id) if summary.author_id else None,
        },
        "created_at": iso(summary.created_at),
        "published_at": iso(summary.published_at),
        "superseded_at": iso(summary.superseded_at),
        "citations": [
            {"kind": kind, "id": number, "url": refs.url(kind, number)} for kind, number in cited
        ],
    }


# --- opinion groups --------------------------------------------------------------------------


def _rounded(value: float) -> float | None:
    """Coordinates and statistics to six decimals (None for NaN): enough for any map, and
    the same bytes on every run."""
    return None if value != value else round(float(value), 6)


def opinions_json(opinions: ItemOpinions, shown_members: Callable[[int], bool]) -> dict:
    """``GET /api/v1/items/<id>/opinions``: the algorithm, the groups with their members and
    centres, every visible statement's counts per group, the consensus and representative
    statements (post ids), as issue 13 names them. Hidden posts count in the computation
    (zeroed) but are not statements anyone is shown.

    A group's ``members`` lists the membership ids ``shown_members`` allows: which group
    someone is in follows from how they reacted, so moderators see every member and everyone
    else only themselves (``size`` always counts everyone)."""
    result, matrix = opinions.groups, opinions.matrix
    posts = matrix.posts
    counts = opinions.group_counts()
    representative_of: dict[int, list[dict]] = {}
    for group, chosen in result.representative.items():
        for statement in chosen:
            representative_of.setdefault(statement.statement, []).append(
                {
                    "group": group,
                    "direction": statement.direction,
                    "p": _rounded(statement.p),
                    "p_test": _rounded(statement.p_test),
                    "repness": _rounded(statement.repness),
                    "repness_test": _rounded(statement.repness_test),
                }
            )
    values = matrix.values
    statements = []
    for column, post_id in enumerate(posts):
        if matrix.moderated[column]:
            continue
        responses = values[:, column]
        statements.append(
            {
                "post": post_id,
                "agree": int((responses == 1).sum()),
                "disagree": int((responses == -1).sum()),
                "pass": int((responses == 0).sum()),
                "groups": [
                    {
                        "id": group,
                        "agree": int(agree[column]),
                        "disagree": int(disagree[column]),
                        "pass": int(seen[column] - agree[column] - disagree[column]),
                    }
                    for group, (agree, disagree, seen) in counts.items()
                ],
                "representative": representative_of.get(column, []),
            }
        )
    return {
        "item": opinions.item_id,
        "algorithm": opinions.algorithm,
        "clustered": result.clustered,
        "reason": result.reason,
        "participants": {
            "responding": len(matrix.members),
            "clustered": int((result.labels >= 0).sum()),
        },
        "groups": [
            {
                "id": group,
                "size": len(result.members(group)),
                "members": [
                    matrix.members[row]
                    for row in result.members(group)
                    if shown_members(matrix.members[row])
                ],
                "centre": [_rounded(v) for v in result.centres[group]],
            }
            for group in range(result.group_count)
        ],
        "statements": statements,
        "consensus": {
            "agree": [posts[c] for c in result.consensus_agree],
            "disagree": [posts[c] for c in result.consensus_disagree],
        },
        "representative": {
            str(group): [posts[s.statement] for s in chosen]
            for group, chosen in result.representative.items()
        },
        "silhouette": None if result.silhouette is None else _rounded(result.silhouette),
    }


def opinions_record_json(item: AgendaItem) -> dict:
    """An item's opinion groups and bridging figures as the consensus record keeps them
    (issue 13): the algorithms and their parameters; each opinion group's size, centre and
    members counted by declared group (never who they are); the consensus and
    representative posts; and for every visible post its counts per opinion group — with
    ``reactions_by_group``, what bridging is computed from — and its bridging figures."""
    opinions = item_opinions(item, fresh=True)
    body = opinions_json(opinions, shown_members=lambda member: False)
    result, matrix = opinions.groups, opinions.matrix
    keys = [group.key for group in item.deliberation.groups]
    declared = cross_count(result.labels, matrix.declared, keys)
    visible = list(
        db.session.scalars(
            sa.select(Post.id)
            .where(Post.item_id == item.id, Post.hidden.is_(False))
            .order_by(Post.id)
        )
    )
    counts = count_reactions(item.id)
    # Bridging needs only the counts per group: not every post's exact measures.
    bridges = bridging_of(item, [(p, group_responses(keys, counts.get(p, {}))) for p in visible])
    by_opinion = {s["post"]: s["groups"] for s in body["statements"]}
    return {
        "item": item.id,
        "algorithm": body["algorithm"],
        "bridging_method": {**METHOD, "params": {"line": LINE, "level": LEVEL}},
        "clustered": body["clustered"],
        "reason": body["reason"],
        "participants": body["participants"],
        "groups": [
            {
                "id": group["id"],
                "size": group["size"],
                "centre": group["centre"],
                "declared": [
                    {"group": key, "members": n}
                    for key, n in sorted(
                        declared.get(group["id"], {}).items(), key=lambda kv: (kv[0] is None, kv)
                    )
                ],
            }
            for group in body["groups"]
        ],
        "consensus": body["consensus"],
        "representative": body["representative"],
        "posts": [
            {
                "post": post_id,
                "opinion_groups": by_opinion.get(post_id, []),
                **bridging_json(bridge),
            }
            for post_id, bridge in zip(visible, bridges, strict=True)
        ],
    }


# --- routing ---------------------------------------------------------------------------------

#: How the next statement is chosen, reported with every offer.
ROUTING_ALGORITHM = {
    "name": "polis-priority",
    "version": "1",
    "params": {"newness_half_life": 5, "newness_boost": 8, "unseen_group_boost": 1},
}


def offer_json(offer, item: AgendaItem, user) -> dict:
    """``GET /api/v1/items/<id>/next-statement``: the post (as the reader sees it) or null,
    its priority, how many posts are left, and the algorithm."""
    post = post_view(user, item, offer.post_id) if offer.post_id is not None else None
    return {
        "item": item.id,
        "post": post.to_json() if post else None,
        "priority": None if offer.priority is None else _rounded(offer.priority),
        "remaining": offer.remaining,
        "algorithm": ROUTING_ALGORITHM,
    }


# --- OpenAPI ---------------------------------------------------------------------------------

_RATIONAL = {
    "type": "string",
    "pattern": r"^-?\d+(/\d+)?$",
    "description": "An exact rational as Python's str(Fraction) prints it: '3/4', '1', '0'",
}

GROUP_REACTIONS = {
    "type": "object",
    "required": ["key", "agree", "disagree", "pass"],
    "properties": {
        "key": {"type": "string", "description": "Stakeholder group key"},
        "agree": {"type": "integer", "minimum": 0},
        "disagree": {"type": "integer", "minimum": 0},
        "pass": {"type": "integer", "minimum": 0},
    },
}

_AGGREGATES = {
    "agree": {"type": "integer", "minimum": 0, "description": "Every member's agrees"},
    "disagree": {"type": "integer", "minimum": 0},
    "pass": {"type": "integer", "minimum": 0},
    "groups": {
        "type": "array",
        "description": "Every stakeholder group of the deliberation, in its order, responding "
        "or not.",
        "items": {"$ref": "#/components/schemas/GroupReactions"},
    },
    "ungrouped": {
        "type": "object",
        "required": ["agree", "disagree", "pass"],
        "description": "Members without a group (moderators; observers where they take part): "
        "the totals are exactly the groups' counts plus these.",
        "properties": {
            "agree": {"type": "integer", "minimum": 0},
            "disagree": {"type": "integer", "minimum": 0},
            "pass": {"type": "integer", "minimum": 0},
        },
    },
    "min_agreement": {
        **_RATIONAL,
        "description": "min over responding groups of A/(A+D) (DESIGN §4)",
    },
    "group_informed_consensus": {
        **_RATIONAL,
        "description": "Π over every group of (A+1)/(S+2), as Pol.is defines it. Compare "
        "only within one item.",
    },
    "majority_consensus": {
        "type": "object",
        "required": ["p", "z", "qualifies"],
        "description": "Pol.is majority test over all reactions: p = (1+A)/(2+S); "
        "qualifies when p > 1/2 and z > 1.2816",
        "properties": {
            "p": _RATIONAL,
            "z": {"type": "number"},
            "qualifies": {"type": "boolean"},
        },
    },
}
_AGGREGATE_KEYS = list(_AGGREGATES)

_BRIDGING = {
    "bridging": {
        "type": "object",
        "required": ["score", "low", "high"],
        "description": "Agreement of the least convinced group — declared groups with "
        "members and opinion groups — as the median and 95 % interval of the posterior of "
        "min over groups of Beta(A+1, D+1)",
        "properties": {
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "low": {"type": "number", "minimum": 0, "maximum": 1},
            "high": {"type": "number", "minimum": 0, "maximum": 1},
        },
    },
    "coverage": {
        "type": "object",
        "required": ["responding", "total"],
        "description": "Groups that responded at all (passes count), and that responded or "
        "were shown the post by routing, of the groups counted",
        "properties": {
            "responding": {"type": "integer", "minimum": 0},
            "seen": {"type": "integer", "minimum": 0},
            "total": {"type": "integer", "minimum": 0},
        },
    },
    "qualifies": {
        "type": "boolean",
        "description": "Common ground: the interval's lower bound is above 1/2",
    },
}

COMMON_GROUND_ENTRY = {
    "type": "object",
    "required": ["post", *_AGGREGATE_KEYS, *_BRIDGING],
    "properties": {"post": {"$ref": "#/components/schemas/Post"}, **_AGGREGATES, **_BRIDGING},
}

POST_REACTIONS = {
    "type": "object",
    "description": "A post's reactions, aggregated per group (the `reactions` socket event)",
    "required": ["item", "post", *_AGGREGATE_KEYS, "as_of"],
    "properties": {
        "item": {"type": "integer"},
        "post": {"type": "integer"},
        **_AGGREGATES,
        "as_of": {
            "type": "string",
            "format": "date-time",
            "description": "When counted: of two updates, keep the later",
        },
    },
}

OWN_REACTION = {
    "type": "object",
    "required": ["post", "stance", "updated_at", "reactions"],
    "properties": {
        "post": {"type": "integer"},
        "stance": {
            "type": ["string", "null"],
            "enum": ["agree", "disagree", "pass", None],
            "description": "Your own stance (shown to you only); null if you have not reacted",
        },
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "before_edit": {
            "type": "boolean",
            "description": "The stance was given before the post's latest edit (to an "
            "earlier text); reacting again confirms it on the new text",
        },
        "reactions": {"$ref": "#/components/schemas/PostReactions"},
    },
}

REACTION_INPUT = {
    "type": "object",
    "required": ["stance"],
    "properties": {"stance": {"type": "string", "enum": ["agree", "disagree", "pass"]}},
}

_SECTION = {"type": "string", "maxLength": 50_000, "description": "Markdown"}

SUMMARY = {
    "type": "object",
    "required": [
        "id",
        "item",
        "version",
        "language",
        "status",
        "current",
        *SECTIONS,
        "html",
        "based_on",
        "author",
        "created_at",
        "published_at",
        "superseded_at",
        "citations",
    ],
    "properties": {
        "id": {"type": "integer"},
        "item": {"type": "integer"},
        "version": {"type": "integer", "minimum": 1, "description": "1, 2, … per item"},
        "language": {"type": "string", "description": "BCP 47 code"},
        "status": {"type": "string", "enum": ["draft", "published"]},
        "current": {
            "type": "boolean",
            "description": "Published and not superseded: the version to read in its language",
        },
        **{name: _SECTION for name in SECTIONS},
        "html": {
            "type": "object",
            "description": "Sanitised HTML of each section; `[post #12]` and `[motion #3]` "
            "references to this item's evidence become links",
            "properties": {name: {"type": "string"} for name in SECTIONS},
        },
        "based_on": {
            "type": ["integer", "null"],
            "description": "The version this one revises or translates",
        },
        "author": {
            "type": "object",
            "properties": {
                "id": {"type": ["integer", "null"], "description": "Membership id"},
                "name": {"type": ["string", "null"]},
            },
        },
        "created_at": {"type": "string", "format": "date-time"},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "superseded_at": {"type": ["string", "null"], "format": "date-time"},
        "citations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["post", "motion"]},
                    "id": {"type": "integer"},
                    "url": {"type": ["string", "null"]},
                },
            },
        },
    },
}

SUMMARY_INPUT = {
    "type": "object",
    "required": ["language"],
    "description": "At least one section must be non-empty.",
    "properties": {
        "language": {"type": "string", "description": "BCP 47 code"},
        **{name: _SECTION for name in SECTIONS},
        "based_on": {
            "type": ["integer", "null"],
            "description": "The version of this item the new one continues or translates",
        },
    },
}

_COUNTS = {
    "agree": {"type": "integer", "minimum": 0},
    "disagree": {"type": "integer", "minimum": 0},
    "pass": {"type": "integer", "minimum": 0},
}
_POST_IDS = {"type": "array", "items": {"type": "integer"}}

OPINION_GROUPS = {
    "type": "object",
    "description": "Opinion groups emerging from the reactions, as Pol.is classic finds them "
    "(issue 13). Hidden posts count in the computation as Pol.is counts statements moderated "
    "out (zeroed) but are not listed.",
    "required": [
        "item",
        "algorithm",
        "clustered",
        "reason",
        "participants",
        "groups",
        "statements",
        "consensus",
        "representative",
    ],
    "properties": {
        "item": {"type": "integer"},
        "algorithm": {
            "type": "object",
            "required": ["name", "version", "params"],
            "properties": {
                "name": {"type": "string", "const": "polis-classic"},
                "version": {"type": "string"},
                "params": {
                    "type": "object",
                    "description": "min_responses (to be clustered), min_participants (to "
                    "form groups), components, k_min, k_max, seed, pick_max, confidence",
                },
            },
        },
        "clustered": {
            "type": "boolean",
            "description": "False while too few members have responded enough: no group is "
            "invented",
        },
        "reason": {
            "type": ["string", "null"],
            "enum": ["too_few_participants", "too_little_variety", None],
        },
        "participants": {
            "type": "object",
            "required": ["responding", "clustered"],
            "properties": {
                "responding": {"type": "integer", "minimum": 0},
                "clustered": {"type": "integer", "minimum": 0},
            },
        },
        "groups": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "size", "members", "centre"],
                "properties": {
                    "id": {"type": "integer", "minimum": 0},
                    "size": {"type": "integer", "minimum": 1},
                    "members": {
                        "type": "array",
                        "items": {"type": "integer"},
                        "description": "Membership ids: every member for moderators; for "
                        "everyone else only their own, when they are in this group",
                    },
                    "centre": {
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 2,
                        "maxItems": 2,
                        "description": "In the plane of the first two principal components",
                    },
                },
            },
        },
        "statements": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["post", *_COUNTS, "groups", "representative"],
                "properties": {
                    "post": {"type": "integer"},
                    **_COUNTS,
                    "groups": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", *_COUNTS],
                            "properties": {"id": {"type": "integer"}, **_COUNTS},
                        },
                    },
                    "representative": {
                        "type": "array",
                        "description": "The groups this statement represents, with Pol.is's "
                        "figures: p = (1+n)/(2+N) in the group, repness = p / p of the rest",
                        "items": {
                            "type": "object",
                            "properties": {
                                "group": {"type": "integer"},
                                "direction": {"enum": ["agree", "disagree"]},
                                "p": {"type": "number"},
                                "p_test": {"type": "number"},
                                "repness": {"type": "number"},
                                "repness_test": {"type": "number"},
                            },
                        },
                    },
                },
            },
        },
        "consensus": {
            "type": "object",
            "required": ["agree", "disagree"],
            "description": "Post ids most of everyone agrees (disagrees) with: p > 1/2 at "
            "90 % confidence, strongest first, up to 5 each",
            "properties": {"agree": _POST_IDS, "disagree": _POST_IDS},
        },
        "representative": {
            "type": "object",
            "description": "Group id → the post ids that set the group apart (Pol.is repness), "
            "agreements first",
            "additionalProperties": _POST_IDS,
        },
        "silhouette": {"type": ["number", "null"]},
    },
}

NEXT_STATEMENT = {
    "type": "object",
    "required": ["item", "post", "priority", "remaining", "algorithm"],
    "properties": {
        "item": {"type": "integer"},
        "post": {
            "oneOf": [{"$ref": "#/components/schemas/Post"}, {"type": "null"}],
            "description": "The post to react to; null when you have reacted to every post you may",
        },
        "priority": {
            "type": ["number", "null"],
            "description": "Pol.is priority: (P(agree)·(1−P(pass))·(1+extremity)·(1+8·2^(−S/5)))²",
        },
        "remaining": {
            "type": "integer",
            "minimum": 0,
            "description": "Visible posts you have not reacted to",
        },
        "algorithm": {
            "type": "object",
            "required": ["name", "version", "params"],
            "properties": {"name": {"const": "polis-priority"}, "version": {"type": "string"}},
        },
    },
}

SUMMARY_PATCH = {
    "type": "object",
    "description": "Fields to change; the others are kept from the draft.",
    "properties": {
        "language": {"type": "string"},
        **{name: _SECTION for name in SECTIONS},
    },
}

OPENAPI_SCHEMAS = {
    "NextStatement": NEXT_STATEMENT,
    "OpinionGroups": OPINION_GROUPS,
    "GroupReactions": GROUP_REACTIONS,
    "CommonGroundEntry": COMMON_GROUND_ENTRY,
    "PostReactions": POST_REACTIONS,
    "OwnReaction": OWN_REACTION,
    "ReactionInput": REACTION_INPUT,
    "ConsensusSummary": SUMMARY,
    "ConsensusSummaryInput": SUMMARY_INPUT,
    "ConsensusSummaryPatch": SUMMARY_PATCH,
}
