"""JSON shapes of motions, tallies and ballots (DESIGN §6), shared by the API, sockets and
pages; ``OPENAPI_SCHEMAS`` describes exactly what they return and what the API accepts.

Nothing here ever puts a voter next to a choice for a secret motion: :func:`tally_json` holds
aggregates only, :func:`own_ballot_json` is shown to its voter alone, and
:func:`open_ballot_json` is used only for motions that are not secret.
"""

from __future__ import annotations

from fractions import Fraction

from ..db import iso
from ..records.pseudonyms import membership_name
from .models import MOTION_STATUSES, Ballot, Motion, MotionVoter
from .rules import (
    ABSTAIN_OPTIONS,
    CHOICES,
    OUTCOMES,
    RULE_KINDS,
    SCHEMES,
    Rule,
    Tally,
    legal_choices,
)


def _float(value: str | None) -> float | None:
    return None if value is None else float(Fraction(value))


def tally_json(motion: Motion, tally: Tally, *, casts: int) -> dict:
    """The TALLY shape of DESIGN §6, extended (never renamed) with what readers need.

    Extensions: ``motion``, ``status``, ``ballots`` (count), ``casts`` (ballots cast or
    changed so far; only grows), ``eligible_weight``, ``groups_in_favour``, ``unmet`` (the
    requirements that failed), and a float beside each exact ratio (``*_float``).
    """
    body = tally.to_json()
    body.update(
        {
            "motion": motion.id,
            "status": motion.status,
            "ballots": tally.ballots,
            "casts": casts,
            "eligible_weight": tally.eligible_weight,
            "groups_in_favour": str(tally.groups_in_favour),
            "unmet": list(tally.unmet),
            "participation_float": float(tally.participation),
            "min_agreement_float": float(tally.min_agreement),
            "group_informed_consensus_float": float(tally.group_informed_consensus),
        }
    )
    for group, group_tally in zip(body["groups"], tally.groups, strict=True):
        group["eligible_weight"] = group_tally.eligible_weight
        group["agreement_float"] = _float(group["agreement"])
        group["participation_float"] = float(group_tally.participation)
    return body


def sealed_tally_json(motion: Motion, *, ballots: int, casts: int) -> dict:
    """The tally of a secret motion while it is open: how many ballots were cast, nothing
    per choice or per group — watching per-choice figures change after a cast would tell
    what the person who just voted chose. The figures appear in the result at close."""
    return {
        "motion": motion.id,
        "status": motion.status,
        "scheme": motion.scheme,
        "rule": motion.rule,
        "sealed": True,
        "ballots": ballots,
        "casts": casts,
    }


def motion_json(motion: Motion, *, voters: int | None = None) -> dict:
    """A motion: text, rule, secrecy, status, times, legal choices and, once closed, the
    frozen result. ``voters`` is the size of the electorate snapshot (null before opening)."""
    item = motion.item
    return {
        "id": motion.id,
        "item": item.id,
        "deliberation": item.deliberation.slug,
        "text": motion.text,
        "rule": motion.rule,
        "secret": motion.secret,
        "status": motion.status,
        "scheme": motion.scheme,
        "choices": list(legal_choices(Rule.from_json(motion.rule))),
        "voters": voters,
        "created_at": iso(motion.created_at),
        "opened_at": iso(motion.opened_at),
        "closed_at": iso(motion.closed_at),
        "result": motion.result,
    }


def own_ballot_json(motion: Motion, voter: MotionVoter | None, ballot: Ballot | None) -> dict:
    """The requester's own ballot and receipt — shown to that voter only."""
    return {
        "motion": motion.id,
        "eligible": voter is not None,
        "group": voter.group_key if voter else None,
        "weight": voter.weight if voter else None,
        "choice": ballot.choice if ballot else None,
        "sequence": ballot.sequence if ballot else 0,
        "receipt": ballot.receipt if ballot else None,
        "cast_at": iso(ballot.cast_at) if ballot else None,
        "updated_at": iso(ballot.updated_at) if ballot else None,
        # Where the voter gets the proof that the log holds this ballot (records' API).
        "log_proof": (
            f"/api/v1/deliberations/{motion.item.deliberation.slug}/log/proof/inclusion"
            f"?receipt={ballot.receipt}"
            if ballot
            else None
        ),
    }


def open_ballot_json(ballot: Ballot, voter: MotionVoter, membership) -> dict:
    """One voter's ballot on an open-ballot (not secret) motion, as the record lists it."""
    return {
        "member": {
            "id": membership.id,
            "name": membership_name(membership),
            "group": voter.group_key,
        },
        "weight": voter.weight,
        "choice": ballot.choice,
        "sequence": ballot.sequence,
        "receipt": ballot.receipt,
        "updated_at": iso(ballot.updated_at),
    }


# --- OpenAPI (JSON Schema 2020-12) ---------------------------------------------------------

_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_RATIONAL = {
    "type": "string",
    "pattern": r"^-?\d+(/\d+)?$",
    "description": 'An exact rational as Python prints a Fraction: "7/12", "1", "0".',
}
_RATIONAL_OR_NULL = {**_RATIONAL, "type": ["string", "null"]}
_PROPORTION_INPUT = {
    "type": ["string", "number", "null"],
    "description": 'A proportion in (0, 1]: "2/3", "0.75", or a number.',
}
_RECEIPT = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

OPENAPI_SCHEMAS = {
    "Rule": {
        "type": "object",
        "description": (
            "How the motion is decided (DESIGN §3). `majority`: support > 1/2; "
            "`supermajority`: support ≥ threshold; `consensus`: no block and support ≥ "
            "threshold; `double_majority`: support ≥ threshold and the share of counted groups "
            "whose agreement is > 1/2 is ≥ group_threshold. `abstain: no` counts abstentions "
            "against; `chamber_thresholds` asks each named group's own agreement to reach its "
            "threshold; `quorum` is the minimum ballot weight over eligible weight; "
            "`min_groups` the minimum number of groups with a ballot."
        ),
        "required": ["kind"],
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": list(RULE_KINDS)},
            "threshold": _PROPORTION_INPUT,
            "group_threshold": _PROPORTION_INPUT,
            "abstain": {"enum": [*ABSTAIN_OPTIONS, None]},
            "chamber_thresholds": {
                "type": ["object", "null"],
                "additionalProperties": _PROPORTION_INPUT,
            },
            "quorum": _PROPORTION_INPUT,
            "min_groups": {"type": ["integer", "null"], "minimum": 1},
        },
    },
    "MotionCreate": {
        "type": "object",
        "required": ["text", "rule"],
        "additionalProperties": False,
        "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": 10000},
            "rule": {"$ref": "#/components/schemas/Rule"},
            "secret": {"type": "boolean", "default": False},
        },
    },
    "Motion": {
        "type": "object",
        "required": [
            "id",
            "item",
            "deliberation",
            "text",
            "rule",
            "secret",
            "status",
            "scheme",
            "choices",
            "voters",
            "created_at",
            "opened_at",
            "closed_at",
            "result",
        ],
        "properties": {
            "id": {"type": "integer"},
            "item": {"type": "integer"},
            "deliberation": {"type": "string", "description": "The deliberation's slug."},
            "text": {"type": "string"},
            "rule": {
                "type": "object",
                "description": "The rule as stored: every field present, rationals exact.",
            },
            "secret": {"type": "boolean"},
            "status": {"enum": list(MOTION_STATUSES)},
            "scheme": {
                "enum": [*SCHEMES, None],
                "description": "Copied from the deliberation when the motion opens.",
            },
            "choices": {"type": "array", "items": {"enum": list(CHOICES)}},
            "voters": {
                "type": ["integer", "null"],
                "description": "Delegates in the electorate snapshot taken at opening.",
            },
            "created_at": _TIME,
            "opened_at": _TIME_OR_NULL,
            "closed_at": _TIME_OR_NULL,
            "result": {
                "oneOf": [{"$ref": "#/components/schemas/Tally"}, {"type": "null"}],
                "description": "The tally frozen at close; never recomputed.",
            },
        },
    },
    "GroupTally": {
        "type": "object",
        "required": [
            "key",
            "share",
            "ballots",
            "yes",
            "no",
            "abstain",
            "block",
            "agreement",
            "participation",
        ],
        "properties": {
            "key": {"type": "string"},
            "share": {"type": "integer"},
            "ballots": {"type": "integer", "description": "Number of ballots (a count)."},
            "yes": {"type": "integer", "description": "Summed weight."},
            "no": {"type": "integer"},
            "abstain": {"type": "integer"},
            "block": {"type": "integer"},
            "agreement": {
                **_RATIONAL_OR_NULL,
                "description": "r_g; null when the group cast no yes/no/block ballot.",
            },
            "agreement_float": {"type": ["number", "null"]},
            "participation": _RATIONAL,
            "participation_float": {"type": "number"},
            "eligible_weight": {"type": "integer"},
        },
    },
    "SealedTally": {
        "type": "object",
        "description": (
            "The tally of a secret motion while it is open: only the number of ballots "
            "cast. Nobody, moderators included, sees figures per choice before the close."
        ),
        "required": ["motion", "status", "scheme", "rule", "sealed", "ballots", "casts"],
        "properties": {
            "motion": {"type": "integer"},
            "status": {"enum": list(MOTION_STATUSES)},
            "scheme": {"enum": list(SCHEMES)},
            "rule": {"type": "object"},
            "sealed": {"const": True},
            "ballots": {"type": "integer"},
            "casts": {
                "type": "integer",
                "description": "Ballots cast or changed so far; a later tally never has fewer.",
            },
        },
    },
    "Tally": {
        "type": "object",
        "description": "DESIGN §6 TALLY. yes/no/abstain/block are summed weights.",
        "required": [
            "scheme",
            "rule",
            "yes",
            "no",
            "abstain",
            "block",
            "support",
            "participation",
            "outcome",
            "groups",
            "min_agreement",
            "group_informed_consensus",
        ],
        "properties": {
            "motion": {"type": "integer"},
            "status": {"enum": list(MOTION_STATUSES)},
            "scheme": {"enum": list(SCHEMES)},
            "rule": {"type": "object"},
            "yes": {"type": "integer"},
            "no": {"type": "integer"},
            "abstain": {"type": "integer"},
            "block": {"type": "integer"},
            "ballots": {"type": "integer"},
            "casts": {
                "type": "integer",
                "description": "Ballots cast or changed so far; a later tally never has fewer.",
            },
            "eligible_weight": {"type": "integer"},
            "support": _RATIONAL,
            "support_float": {"type": "number"},
            "threshold": _RATIONAL_OR_NULL,
            "participation": _RATIONAL,
            "participation_float": {"type": "number"},
            "outcome": {"enum": list(OUTCOMES)},
            "unmet": {
                "type": "array",
                "items": {"type": "string"},
                "description": (
                    "Requirements not met: quorum, min_groups, block, support, "
                    "group_threshold, chamber:<key>."
                ),
            },
            "groups_in_favour": _RATIONAL,
            "groups": {"type": "array", "items": {"$ref": "#/components/schemas/GroupTally"}},
            "min_agreement": _RATIONAL,
            "min_agreement_float": {"type": "number"},
            "group_informed_consensus": _RATIONAL,
            "group_informed_consensus_float": {"type": "number"},
            "receipts_digest": {
                "type": "string",
                "description": (
                    "In a frozen result only: SHA-256 of the sorted receipts of the counted "
                    "ballots, one per line."
                ),
            },
        },
    },
    "BallotInput": {
        "type": "object",
        "required": ["choice"],
        "properties": {"choice": {"enum": list(CHOICES)}},
    },
    "OwnBallot": {
        "type": "object",
        "description": "The requester's own ballot; `choice` is null before the first cast.",
        "required": ["motion", "eligible", "choice", "sequence", "receipt"],
        "properties": {
            "motion": {"type": "integer"},
            "eligible": {"type": "boolean"},
            "group": {"type": ["string", "null"]},
            "weight": {"type": ["integer", "null"]},
            "choice": {"enum": [*CHOICES, None]},
            "sequence": {"type": "integer", "description": "How many times it was cast."},
            "receipt": {
                **_RECEIPT,
                "type": ["string", "null"],
                "description": (
                    "HMAC-SHA256 (keyed by the server) of motion, voter, sequence and choice; "
                    "check it later at /api/v1/motions/{id}/receipts/{receipt} or in the "
                    "published receipt list."
                ),
            },
            "cast_at": _TIME_OR_NULL,
            "updated_at": _TIME_OR_NULL,
            "log_proof": {
                "type": ["string", "null"],
                "description": (
                    "The path of this ballot's inclusion proof in the deliberation's "
                    "transparency log (its leaf holds the receipt only, for a secret motion)."
                ),
            },
        },
    },
    "OpenBallot": {
        "type": "object",
        "required": ["member", "weight", "choice", "sequence", "receipt", "updated_at"],
        "properties": {
            "member": {
                "type": "object",
                "required": ["id", "name", "group"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "group": {"type": "string"},
                },
            },
            "weight": {"type": "integer"},
            "choice": {"enum": list(CHOICES)},
            "sequence": {"type": "integer"},
            "receipt": _RECEIPT,
            "updated_at": _TIME,
        },
    },
    "ReceiptCheck": {
        "type": "object",
        "required": ["motion", "receipt", "counted", "sequence"],
        "properties": {
            "motion": {"type": "integer"},
            "receipt": _RECEIPT,
            "counted": {"type": "boolean", "const": True},
            "sequence": {"type": "integer"},
            "motion_status": {"enum": list(MOTION_STATUSES)},
        },
    },
    "ReceiptList": {
        "type": "object",
        "required": ["items", "digest", "matches_result", "altered_ballots"],
        "properties": {
            "items": {"type": "array", "items": _RECEIPT},
            "digest": {"type": "string"},
            "matches_result": {
                "type": "boolean",
                "description": "Whether the digest equals the frozen result's receipts_digest.",
            },
            "altered_ballots": {
                "type": "integer",
                "description": "Ballots whose stored receipt no longer matches their content.",
            },
        },
    },
}
