"""Exact weighted tally of a motion (DESIGN §3).

Pure: no Flask, no database. Every sum and ratio is a :class:`fractions.Fraction`, so a tally is
reproducible to the last digit by anyone holding the record.

Two entry points share one code path:

* :func:`tally_from_sums` takes one row per (group, choice) with the ballot count and summed
  weight — exactly what ``SELECT group_key, choice, count(*), sum(weight) ... GROUP BY
  group_key, choice`` returns — and decides the outcome;
* :func:`tally` takes individual ballots, aggregates them into such rows and calls the former.

Choices made where the design is silent (each is also tested):

* ``abstain="no"`` turns abstentions into "no" everywhere a rule looks: in the support *and* in
  each group's r_g. A group that only abstained is then counted with r_g = 0, so its
  ``agreement`` is ``"0"``, not null.
* A group named in ``chamber_thresholds`` whose r_g is undefined (it cast no yes/no ballot) or
  that is not a group of the deliberation fails its chamber requirement: a safeguard that cannot
  be checked is not met. :meth:`Rule.check_groups` lets a service reject unknown keys up front.
* ``double_majority`` counts groups, not shares, in its second majority (as the EU Council counts
  member states): the fraction of counted groups with r_g > 1/2 must reach ``group_threshold``.
* The cross-group measures (DESIGN §4) use unweighted ballot counts and always treat an abstention
  as a pass, whatever the ``abstain`` option: they describe agreement, not the rule.
* Total eligible weight is the sum of the groups' eligible weights; there is no second argument
  that could disagree with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from ..consensus.metrics import GroupCounts, group_informed_consensus, min_agreement

__all__ = [
    "ABSTAIN_OPTIONS",
    "CHOICES",
    "OUTCOMES",
    "RULE_KINDS",
    "SCHEMES",
    "ChoiceSum",
    "GroupInfo",
    "GroupTally",
    "Rule",
    "RuleError",
    "Tally",
    "WeightedBallot",
    "legal_choices",
    "sum_changes",
    "tally",
    "tally_from_sums",
]

Scheme = Literal["members", "groups"]
RuleKind = Literal["majority", "supermajority", "consensus", "double_majority"]
AbstainOption = Literal["ignored", "no"]
Choice = Literal["yes", "no", "abstain", "block"]
Outcome = Literal["adopted", "rejected", "blocked", "no_quorum"]

SCHEMES: tuple[Scheme, ...] = ("members", "groups")
RULE_KINDS: tuple[RuleKind, ...] = ("majority", "supermajority", "consensus", "double_majority")
ABSTAIN_OPTIONS: tuple[AbstainOption, ...] = ("ignored", "no")
CHOICES: tuple[Choice, ...] = ("yes", "no", "abstain", "block")
OUTCOMES: tuple[Outcome, ...] = ("adopted", "rejected", "blocked", "no_quorum")

_HALF = Fraction(1, 2)
_RULE_FIELDS = (
    "kind",
    "threshold",
    "group_threshold",
    "abstain",
    "chamber_thresholds",
    "quorum",
    "min_groups",
)


class RuleError(ValueError):
    """A motion rule is invalid; ``field`` names the offending field of the rule JSON."""

    code = "invalid_rule"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _exact_fraction(value: object, field_name: str) -> Fraction:
    """Read a rational given as Fraction, int, string ("2/3", "0.75") or JSON number."""
    if isinstance(value, bool):
        raise RuleError(field_name, 'must be a fraction such as "2/3", not a boolean')
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RuleError(field_name, "must be a finite fraction")
        # A JSON 0.75 means the decimal 3/4, not the binary float nearest to it.
        return Fraction(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise RuleError(field_name, "must be a finite fraction")
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise RuleError(
                field_name, f'{value!r} is not a fraction such as "2/3" or "0.75"'
            ) from None
    raise RuleError(field_name, f'must be a fraction such as "2/3", not {type(value).__name__}')


def _proportion(value: object, field_name: str) -> Fraction:
    """Read a threshold: an exact rational in (0, 1]."""
    proportion = _exact_fraction(value, field_name)
    if not 0 < proportion <= 1:
        raise RuleError(field_name, f"must be greater than 0 and at most 1, got {proportion}")
    return proportion


def _fraction_json(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Rule:
    """How a motion is decided (DESIGN §3): the rule kind, its thresholds and options.

    Thresholds may be given as Fraction, int or string ("2/3"); they are stored as Fraction.
    Construction validates, raising :class:`RuleError` naming the field, so an invalid Rule
    cannot exist. ``chamber_thresholds`` is stored read-only.
    """

    kind: RuleKind
    threshold: Fraction | None = None
    group_threshold: Fraction | None = None
    abstain: AbstainOption = "ignored"
    chamber_thresholds: Mapping[str, Fraction] = field(default_factory=dict)
    quorum: Fraction | None = None
    min_groups: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise RuleError("kind", f"must be one of {', '.join(RULE_KINDS)}, got {self.kind!r}")

        if self.kind == "majority":
            if self.threshold is not None:
                raise RuleError(
                    "threshold", "a majority rule takes no threshold (use supermajority)"
                )
        elif self.threshold is None:
            raise RuleError("threshold", f"is required for a {self.kind} rule")
        else:
            object.__setattr__(self, "threshold", _proportion(self.threshold, "threshold"))

        if self.kind == "double_majority":
            if self.group_threshold is None:
                raise RuleError("group_threshold", "is required for a double_majority rule")
            group_threshold = _proportion(self.group_threshold, "group_threshold")
            object.__setattr__(self, "group_threshold", group_threshold)
        elif self.group_threshold is not None:
            raise RuleError("group_threshold", "only a double_majority rule takes one")

        if self.abstain not in ABSTAIN_OPTIONS:
            raise RuleError(
                "abstain", f"must be one of {', '.join(ABSTAIN_OPTIONS)}, got {self.abstain!r}"
            )

        if not isinstance(self.chamber_thresholds, Mapping):
            raise RuleError("chamber_thresholds", "must be an object {group key: threshold}")
        chambers: dict[str, Fraction] = {}
        for key, threshold in self.chamber_thresholds.items():
            if not isinstance(key, str) or not key:
                raise RuleError("chamber_thresholds", "group keys must be non-empty strings")
            chambers[key] = _proportion(threshold, "chamber_thresholds")
        object.__setattr__(self, "chamber_thresholds", MappingProxyType(chambers))

        if self.quorum is not None:
            object.__setattr__(self, "quorum", _proportion(self.quorum, "quorum"))

        if self.min_groups is not None and (
            isinstance(self.min_groups, bool)
            or not isinstance(self.min_groups, int)
            or self.min_groups < 1
        ):
            raise RuleError(
                "min_groups", f"must be a whole number of at least 1, got {self.min_groups!r}"
            )

    def __hash__(self) -> int:
        # The generated hash would choke on the mapping; hash its items instead.
        return hash(
            (
                self.kind,
                self.threshold,
                self.group_threshold,
                self.abstain,
                tuple(sorted(self.chamber_thresholds.items())),
                self.quorum,
                self.min_groups,
            )
        )

    @classmethod
    def from_json(cls, data: Any) -> Rule:
        """Build a Rule from its JSON object (DESIGN §6).

        E.g. ``{"kind": "supermajority", "threshold": "3/4", "chamber_thresholds": {...}}``.

        Missing or null optional fields take their defaults (abstain "ignored", no chambers,
        no quorum). Unknown fields are refused rather than ignored, so a misspelt "treshold"
        cannot silently leave a motion without its threshold. Raises :class:`RuleError`.
        """
        if not isinstance(data, Mapping):
            raise RuleError("rule", "must be a JSON object")
        unknown = sorted(str(key) for key in data if key not in _RULE_FIELDS)
        if unknown:
            raise RuleError(unknown[0], "is not a field of a rule")
        if "kind" not in data:
            raise RuleError("kind", "is required")
        abstain = data.get("abstain")
        chambers = data.get("chamber_thresholds")
        return cls(
            kind=data["kind"],
            threshold=data.get("threshold"),
            group_threshold=data.get("group_threshold"),
            abstain="ignored" if abstain is None else abstain,
            chamber_thresholds={} if chambers is None else chambers,
            quorum=data.get("quorum"),
            min_groups=data.get("min_groups"),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the rule as JSON, every field present, exact values as ``str(Fraction)``."""
        return {
            "kind": self.kind,
            "threshold": _fraction_json(self.threshold),
            "group_threshold": _fraction_json(self.group_threshold),
            "abstain": self.abstain,
            "chamber_thresholds": {
                key: str(threshold) for key, threshold in self.chamber_thresholds.items()
            },
            "quorum": _fraction_json(self.quorum),
            "min_groups": self.min_groups,
        }

    def check_groups(self, group_keys: Iterable[str]) -> None:
        """Refuse a rule that cannot work in a deliberation with these stakeholder groups.

        For the service that creates a motion: a chamber threshold on a group that does not
        exist would make the motion unadoptable, and so would asking for more groups than
        there are. Raises :class:`RuleError`.
        """
        keys = set(group_keys)
        for key in self.chamber_thresholds:
            if key not in keys:
                raise RuleError("chamber_thresholds", f"no stakeholder group {key!r} here")
        if self.min_groups is not None and self.min_groups > len(keys):
            raise RuleError(
                "min_groups",
                f"asks for {self.min_groups} groups but there are only {len(keys)}",
            )


def legal_choices(rule: Rule) -> tuple[Choice, ...]:
    """Return the ballot choices a delegate may cast under ``rule``: block only under consensus."""
    if rule.kind == "consensus":
        return CHOICES
    return ("yes", "no", "abstain")


def _whole_number(value: object, what: str) -> int:
    # Databases hand back sums as int, or as Decimal (PostgreSQL SUM over bigint): accept both
    # when whole, refuse anything that would smuggle a fraction of a vote into the tally.
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a whole number, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise TypeError(f"{what} must be a whole number, got {value!r}")


@dataclass(frozen=True)
class GroupInfo:
    """A stakeholder group as the tally sees it: key, share s_g and eligible weight.

    ``eligible_weight`` is the summed weight of the group's delegates who may vote on the
    motion; it may be 0 (a group with no delegates yet).
    """

    key: str
    share: int
    eligible_weight: int

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError("a group key must be a non-empty string")
        share = _whole_number(self.share, f"share of group {self.key!r}")
        if share < 1:
            raise ValueError(f"share of group {self.key!r} must be positive, got {share}")
        eligible = _whole_number(self.eligible_weight, f"eligible weight of group {self.key!r}")
        if eligible < 0:
            raise ValueError(f"eligible weight of group {self.key!r} must not be negative")
        object.__setattr__(self, "share", share)
        object.__setattr__(self, "eligible_weight", eligible)


class WeightedBallot(NamedTuple):
    """One ballot: the voter's group, the voter's weight and the choice. Plain tuples do too."""

    group_key: str
    weight: int
    choice: str


class ChoiceSum(NamedTuple):
    """Ballots of one group for one choice, aggregated: one row of a SQL GROUP BY."""

    group_key: str
    choice: str
    ballots: int
    weight: int


def sum_changes(
    before: tuple[str, int] | None, after: tuple[str, int]
) -> dict[str, tuple[int, int]]:
    """How one cast changes the running sums of its voter's group: for each choice touched,
    (change in ballots, change in casts), in the order of ``CHOICES``.

    ``before`` is the ballot's (choice, sequence) before the cast, None for a first cast;
    ``after`` is the same after it. The sums of a choice hold the number of ballots with
    that choice and the sum of their sequences, so a recount of the ballots gives the same
    figures (``weight`` moves with ``ballots`` times the voter's snapshot weight).
    """
    changes = {choice: [0, 0] for choice in CHOICES}
    if before is not None:
        choice, sequence = before
        changes[choice][0] -= 1
        changes[choice][1] -= sequence
    choice, sequence = after
    changes[choice][0] += 1
    changes[choice][1] += sequence
    return {
        choice: (ballots, casts) for choice, (ballots, casts) in changes.items() if ballots or casts
    }


@dataclass(frozen=True)
class GroupTally:
    """One group's part of a tally: ballot counts and summed weights by choice, r_g, turnout."""

    key: str
    share: int
    eligible_weight: int
    yes_ballots: int
    no_ballots: int
    abstain_ballots: int
    block_ballots: int
    yes: int
    no: int
    abstain: int
    block: int
    #: r_g as the rule uses it; None when its denominator is empty (the group is not counted).
    agreement: Fraction | None
    participation: Fraction

    @property
    def ballots(self) -> int:
        """Number of ballots the group cast, whatever the choice."""
        return self.yes_ballots + self.no_ballots + self.abstain_ballots + self.block_ballots

    @property
    def weight(self) -> int:
        """Summed weight of the group's ballots, whatever the choice."""
        return self.yes + self.no + self.abstain + self.block

    @property
    def counts(self) -> GroupCounts:
        """Unweighted agree/disagree/pass counts for the cross-group measures (DESIGN §4)."""
        return GroupCounts(
            agree=self.yes_ballots,
            disagree=self.no_ballots + self.block_ballots,
            pass_=self.abstain_ballots,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the group entry of the TALLY shape (DESIGN §6)."""
        return {
            "key": self.key,
            "share": self.share,
            "ballots": self.ballots,
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
            "block": self.block,
            "agreement": _fraction_json(self.agreement),
            "participation": str(self.participation),
        }


@dataclass(frozen=True)
class Tally:
    """The result of a motion: sums, support, outcome, per-group detail and common ground.

    ``yes``/``no``/``abstain``/``block`` are summed weights (block is reported apart, though it
    counts as "no" in support). ``unmet`` names every requirement that failed, in the order
    quorum, min_groups, block, support, group_threshold, ``chamber:<key>`` — empty when adopted.
    """

    scheme: Scheme
    rule: Rule
    yes: int
    no: int
    abstain: int
    block: int
    eligible_weight: int
    support: Fraction
    participation: Fraction
    #: Fraction of counted groups with r_g > 1/2 (the second majority of double_majority).
    groups_in_favour: Fraction
    outcome: Outcome
    unmet: tuple[str, ...]
    groups: tuple[GroupTally, ...]
    min_agreement: Fraction
    group_informed_consensus: Fraction

    @property
    def ballots(self) -> int:
        """Number of ballots cast, whatever the choice."""
        return sum(group.ballots for group in self.groups)

    def to_json(self) -> dict[str, Any]:
        """Return the TALLY shape of DESIGN §6, plus ``support_float`` and ``threshold``."""
        return {
            "scheme": self.scheme,
            "rule": self.rule.to_json(),
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
            "block": self.block,
            "support": str(self.support),
            "support_float": float(self.support),
            "threshold": _fraction_json(self.rule.threshold),
            "participation": str(self.participation),
            "outcome": self.outcome,
            "groups": [group.to_json() for group in self.groups],
            "min_agreement": str(self.min_agreement),
            "group_informed_consensus": str(self.group_informed_consensus),
        }


def _ratio(numerator: int, denominator: int) -> Fraction | None:
    # Empty denominators never divide (DESIGN §3): the caller decides what "undefined" means.
    return Fraction(numerator, denominator) if denominator else None


def _sums_by_group(
    rule: Rule, groups: Sequence[GroupInfo], sums: Iterable[ChoiceSum]
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Add up ``sums`` into ballot counts and weights by group key and choice.

    Every group of ``groups`` has an entry, with 0 for each choice it did not cast. Raises
    ValueError on a group listed twice, a row from an unknown group, a choice ``rule`` does
    not allow, or a count and weight that cannot come from positive whole weights.
    """
    allowed = legal_choices(rule)
    ballot_counts: dict[str, dict[str, int]] = {}
    weights: dict[str, dict[str, int]] = {}
    for group in groups:
        if group.key in ballot_counts:
            raise ValueError(f"group {group.key!r} is listed twice")
        ballot_counts[group.key] = dict.fromkeys(CHOICES, 0)
        weights[group.key] = dict.fromkeys(CHOICES, 0)

    for group_key, choice, row_ballots, row_weight in sums:
        if group_key not in ballot_counts:
            raise ValueError(f"ballots from {group_key!r}, which is not a group of the tally")
        if choice not in allowed:
            raise ValueError(f"{choice!r} is not a legal choice under a {rule.kind} rule")
        ballots = _whole_number(row_ballots, f"ballot count of {group_key!r}/{choice}")
        weight = _whole_number(row_weight, f"weight of {group_key!r}/{choice}")
        # Every ballot weighs at least 1, so a row's weight is at least its count.
        if ballots < 0 or weight < ballots or (ballots == 0 and weight != 0):
            raise ValueError(
                f"{group_key!r}/{choice}: {ballots} ballots cannot weigh {weight} in total"
            )
        ballot_counts[group_key][choice] += ballots
        weights[group_key][choice] += weight
    return ballot_counts, weights


def _weight_against(weights: Mapping[str, int], rule: Rule) -> int:
    """The weight that counts against a motion: no and block, and abstain under abstain="no"."""
    abstentions = weights["abstain"] if rule.abstain == "no" else 0
    return weights["no"] + weights["block"] + abstentions


def _group_tally(
    group: GroupInfo, count: Mapping[str, int], weight: Mapping[str, int], rule: Rule
) -> GroupTally:
    """One group's part of the tally: its sums by choice, its agreement r_g, its turnout.

    Raises ValueError when the group cast more weight than it has eligible.
    """
    cast = sum(weight.values())
    if cast > group.eligible_weight:
        raise ValueError(
            f"group {group.key!r} cast weight {cast} but only {group.eligible_weight} is eligible"
        )
    return GroupTally(
        key=group.key,
        share=group.share,
        eligible_weight=group.eligible_weight,
        yes_ballots=count["yes"],
        no_ballots=count["no"],
        abstain_ballots=count["abstain"],
        block_ballots=count["block"],
        yes=weight["yes"],
        no=weight["no"],
        abstain=weight["abstain"],
        block=weight["block"],
        agreement=_ratio(weight["yes"], weight["yes"] + _weight_against(weight, rule)),
        participation=_ratio(cast, group.eligible_weight) or Fraction(0),
    )


def _support(scheme: str, yes: int, against: int, counted: Sequence[GroupTally]) -> Fraction:
    """The motion's support under ``scheme`` (0 when nothing counts).

    ``members``: the yes weight over the yes and against weight. ``groups``: the mean of the
    counted groups' r_g, each weighed by its share s_g.
    """
    if scheme == "members":
        return _ratio(yes, yes + against) or Fraction(0)
    share_sum = sum(group.share for group in counted)
    weighted = sum((group.share * group.agreement for group in counted), Fraction(0))
    return weighted / share_sum if share_sum else Fraction(0)


def _groups_in_favour(counted: Sequence[GroupTally]) -> Fraction:
    """The fraction of counted groups whose r_g is above 1/2 (0 when none is counted)."""
    in_favour = sum(1 for group in counted if group.agreement > _HALF)
    return _ratio(in_favour, len(counted)) or Fraction(0)


def _unmet_quorum(
    rule: Rule, participation: Fraction, group_tallies: Sequence[GroupTally]
) -> list[str]:
    """The quorum requirements not met: ``quorum`` (the weight that voted), then
    ``min_groups`` (the groups that cast a ballot, whatever its choice)."""
    unmet: list[str] = []
    if rule.quorum is not None and participation < rule.quorum:
        unmet.append("quorum")
    groups_voting = sum(1 for group in group_tallies if group.ballots > 0)
    if rule.min_groups is not None and groups_voting < rule.min_groups:
        unmet.append("min_groups")
    return unmet


def _support_met(rule: Rule, support: Fraction, decided: bool) -> bool:
    """Whether ``support`` carries the motion: above 1/2 for a majority, at least the
    threshold otherwise; never when no yes/no ballot ``decided`` anything."""
    if rule.kind == "majority":
        return decided and support > _HALF
    return decided and support >= rule.threshold


def _unmet_chambers(rule: Rule, group_tallies: Sequence[GroupTally]) -> list[str]:
    """``chamber:<key>`` for every chamber threshold its group does not reach; a group that is
    missing or has no r_g does not reach it."""
    by_key = {group.key: group for group in group_tallies}
    unmet: list[str] = []
    for key, chamber_threshold in rule.chamber_thresholds.items():
        chamber = by_key.get(key)
        if chamber is None or chamber.agreement is None or chamber.agreement < chamber_threshold:
            unmet.append(f"chamber:{key}")
    return unmet


def _outcome(lacks_quorum: bool, blocked: bool, unmet: Sequence[str]) -> Outcome:
    """The outcome the unmet requirements lead to: a missing quorum decides first, then a
    block; any other unmet requirement rejects."""
    if lacks_quorum:
        return "no_quorum"
    if blocked:
        return "blocked"
    if unmet:
        return "rejected"
    return "adopted"


def tally_from_sums(
    scheme: str, rule: Rule, groups: Sequence[GroupInfo], sums: Iterable[ChoiceSum]
) -> Tally:
    """Decide a motion from per-(group, choice) ballot counts and summed weights.

    ``groups`` is every stakeholder group of the deliberation, in display order — groups that
    cast nothing have no row in a GROUP BY, yet still carry a share, an eligible weight and a
    factor in the group-informed consensus. ``sums`` rows may come in any order; rows for the
    same (group, choice) are added up, so partial aggregates can be fed as they are.

    Raises ValueError on inconsistent input: an unknown scheme or group, a choice the rule does
    not allow (block outside consensus), counts and weights that cannot come from positive
    integer weights, or more ballot weight in a group than it has eligible.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    ballot_counts, weights = _sums_by_group(rule, groups, sums)
    group_tallies = [
        _group_tally(group, ballot_counts[group.key], weights[group.key], rule) for group in groups
    ]

    total = {choice: sum(weights[g.key][choice] for g in groups) for choice in CHOICES}
    yes = total["yes"]
    against = _weight_against(total, rule)
    counted = [group for group in group_tallies if group.agreement is not None]
    support = _support(scheme, yes, against, counted)
    eligible = sum(group.eligible_weight for group in groups)
    participation = _ratio(sum(total.values()), eligible) or Fraction(0)
    groups_in_favour = _groups_in_favour(counted)

    # Requirements in the order they are reported; quorum ones decide "no_quorum" first.
    unmet = _unmet_quorum(rule, participation, group_tallies)
    lacks_quorum = bool(unmet)
    blocked = rule.kind == "consensus" and total["block"] > 0
    if blocked:
        unmet.append("block")
    # No yes/no ballot at all leaves nothing to adopt (support is then 0 by convention).
    decided = yes + against > 0
    if not _support_met(rule, support, decided):
        unmet.append("support")
    if rule.kind == "double_majority" and not (
        decided and groups_in_favour >= rule.group_threshold
    ):
        unmet.append("group_threshold")
    unmet.extend(_unmet_chambers(rule, group_tallies))

    counts = [group.counts for group in group_tallies]
    return Tally(
        scheme=scheme,  # type: ignore[arg-type]  # checked against SCHEMES above
        rule=rule,
        yes=yes,
        no=total["no"],
        abstain=total["abstain"],
        block=total["block"],
        eligible_weight=eligible,
        support=support,
        participation=participation,
        groups_in_favour=groups_in_favour,
        outcome=_outcome(lacks_quorum, blocked, unmet),
        unmet=tuple(unmet),
        groups=tuple(group_tallies),
        min_agreement=min_agreement(counts),
        group_informed_consensus=group_informed_consensus(counts),
    )


def tally(
    scheme: str,
    rule: Rule,
    groups: Sequence[GroupInfo],
    ballots: Iterable[WeightedBallot | tuple[str, int, str]],
) -> Tally:
    """Decide a motion from individual ballots ``(group_key, weight, choice)``.

    Aggregates the ballots the way SQL's GROUP BY would and hands the sums to
    :func:`tally_from_sums`, so both paths decide identically. Each weight must be a positive
    whole number. See :func:`tally_from_sums` for ``groups`` and the errors raised.
    """
    aggregated: dict[tuple[str, str], list[int]] = {}
    for group_key, ballot_weight, choice in ballots:
        weight = _whole_number(ballot_weight, f"weight of a ballot from {group_key!r}")
        if weight < 1:
            raise ValueError(f"a ballot from {group_key!r} has weight {weight}; must be positive")
        row = aggregated.setdefault((group_key, choice), [0, 0])
        row[0] += 1
        row[1] += weight
    rows = [
        ChoiceSum(group_key, choice, count, weight)
        for (group_key, choice), (count, weight) in aggregated.items()
    ]
    return tally_from_sums(scheme, rule, groups, rows)
