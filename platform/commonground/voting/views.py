"""Voting pages: the motions section of an agenda item (included by the item page), the
motion page with its results, and the moderators' form to propose a motion.

Every form works without JavaScript (post, redirect, get); ``static/js/voting.js`` sends
ballots through the socket instead and refreshes the section when a tally arrives. Thin:
the services authorise, validate and change; here we only shape what the templates show.
"""

from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..db import db
from ..deliberations.access import can_moderate, get_item, require_moderator, require_reader
from ..deliberations.models import AgendaItem, StakeholderGroup
from ..errors import ServiceError, Unauthorized
from ..i18n import current_language, percent, text_direction
from ..labels import CHOICE_LABELS, RULE_LABELS, choice_label, outcome_label
from ..pages import form_action, safe_next_url
from . import queries, services
from .models import Ballot, Motion, MotionVoter
from .rules import RULE_KINDS, Rule, legal_choices
from .schemas import open_ballot_json

bp = Blueprint("voting", __name__, template_folder="templates")

ABSTAIN_LABELS = {
    "ignored": _l("Abstentions are left out of the support."),
    "no": _l("Abstentions count against."),
}
UNMET_LABELS = {
    "quorum": _l("Too little of the electorate voted (quorum)."),
    "min_groups": _l("Too few stakeholder groups voted."),
    "block": _l("At least one delegate blocked."),
    "support": _l("The support is below the threshold."),
    "group_threshold": _l("Too few stakeholder groups are in favour."),
}
#: Colours of the bars: the table and the text alternative carry the same numbers.
CHOICE_COLOURS = {"yes": "#1a7f37", "no": "#cf222e", "block": "#82071e", "abstain": "#6e7781"}
BAR_ORDER = ("yes", "no", "block", "abstain")


# --- formatting --------------------------------------------------------------------------


def rule_description(rule: Rule, group_names: dict[str, str]) -> list[str]:
    """The rule in sentences, in the reader's language."""
    if rule.kind == "majority":
        lines = [
            _("Adopted with more than %(threshold)s support.", threshold=percent(Fraction(1, 2)))
        ]
    elif rule.kind == "supermajority":
        lines = [
            _("Adopted with at least %(threshold)s support.", threshold=percent(rule.threshold))
        ]
    elif rule.kind == "consensus":
        lines = [
            _(
                "Adopted with at least %(threshold)s support and no block.",
                threshold=percent(rule.threshold),
            )
        ]
    else:
        lines = [
            _(
                "Adopted with at least %(threshold)s support and at least %(groups)s of the "
                "stakeholder groups in favour.",
                threshold=percent(rule.threshold),
                groups=percent(rule.group_threshold),
            )
        ]
    lines.append(str(ABSTAIN_LABELS[rule.abstain]))
    for key, threshold in rule.chamber_thresholds.items():
        lines.append(
            _(
                "%(group)s must also reach %(threshold)s on its own.",
                group=group_names.get(key, key),
                threshold=percent(threshold),
            )
        )
    if rule.quorum is not None:
        lines.append(
            _(
                "Quorum: ballots weighing at least %(quorum)s of the electorate.",
                quorum=percent(rule.quorum),
            )
        )
    if rule.min_groups is not None:
        lines.append(
            _(
                "At least %(count)s stakeholder groups must vote.",
                count=format_decimal(rule.min_groups),
            )
        )
    return lines


# --- what the templates show -------------------------------------------------------------


@dataclass
class Segment:
    """One coloured part of a bar, in percent of the bar's length."""

    choice: str
    label: str
    x: float
    width: float
    colour: str


@dataclass
class GroupResult:
    """One stakeholder group's line of the results."""

    key: str
    name: str
    share: int
    eligible: int
    ballots: int
    weights: dict[str, int]
    agreement: Fraction | None
    participation: Fraction
    segments: list[Segment]
    final: bool = False

    @property
    def summary(self) -> str:
        """The bar's text alternative."""
        parts = [
            f"{choice_label(choice)} {format_decimal(self.weights[choice])}"
            for choice in BAR_ORDER
            if self.weights[choice]
        ]
        return _(
            "%(group)s: %(votes)s of %(eligible)s eligible weight; agreement %(agreement)s.",
            group=self.name,
            votes=", ".join(parts) or _("no ballots"),
            eligible=format_decimal(self.eligible),
            agreement=percent(self.agreement)
            if self.agreement is not None
            # i18n: a closed vote's agreement in a group where nobody voted
            else _("none (no ballots)")
            if self.final
            else _("none yet"),
        )


@dataclass
class Results:
    """A tally (live or frozen) shaped for the page."""

    tally: dict
    final: bool
    rule: Rule
    groups: list[GroupResult]
    unmet: list[str]

    @property
    def outcome(self) -> str:
        return outcome_label(self.tally["outcome"])

    @property
    def support(self) -> Fraction:
        return Fraction(self.tally["support"])

    @property
    def participation(self) -> Fraction:
        return Fraction(self.tally["participation"])

    @property
    def support_needed(self) -> str:
        if self.rule.kind == "majority":
            return _("more than %(threshold)s", threshold=percent(Fraction(1, 2)))
        return _("at least %(threshold)s", threshold=percent(self.rule.threshold))

    @property
    def threshold(self) -> Fraction:
        return self.rule.threshold if self.rule.threshold is not None else Fraction(1, 2)

    @property
    def support_met(self) -> bool:
        return "support" not in self.tally.get("unmet", [])

    @property
    def quorum_met(self) -> bool:
        return "quorum" not in self.tally.get("unmet", [])


@dataclass
class MotionCard:
    """A motion as one reader sees it: text, rule, status, their ballot, results, actions."""

    motion: Motion
    item: AgendaItem
    rule: Rule
    rule_lines: list[str]
    moderator: bool
    voter: MotionVoter | None
    ballot: Ballot | None
    results: Results | None
    choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def may_vote(self) -> bool:
        return (
            self.voter is not None
            and self.motion.is_open
            and self.item.is_open
            and self.item.deliberation.is_open
        )

    @property
    def choice(self) -> str | None:
        return self.ballot.choice if self.ballot else None


def _group_names(motion: Motion, language: str) -> dict[str, str]:
    """Group key → name in ``language`` (a key no longer in use is shown as it is)."""
    current = db.session.scalars(
        sa.select(StakeholderGroup).where(
            StakeholderGroup.deliberation_id == motion.item.deliberation_id
        )
    )
    return {group.key: group.name_in(language) for group in current}


def _results(motion: Motion, rule: Rule, names: dict[str, str]) -> Results | None:
    if motion.is_draft:
        return None
    final = motion.is_closed
    tally = motion.result if final else queries.live_tally(motion)
    if tally.get("sealed"):
        return Results(tally, final, rule, [], [])
    groups = []
    for entry in tally["groups"]:
        eligible = entry.get("eligible_weight", 0)
        weights = {choice: entry[choice] for choice in BAR_ORDER}
        segments, x = [], 0.0
        for choice in BAR_ORDER:
            if weights[choice] and eligible:
                width = 100 * weights[choice] / eligible
                segments.append(
                    Segment(choice, choice_label(choice), x, width, CHOICE_COLOURS[choice])
                )
                x += width
        groups.append(
            GroupResult(
                key=entry["key"],
                name=names.get(entry["key"], entry["key"]),
                share=entry["share"],
                eligible=eligible,
                ballots=entry["ballots"],
                weights=weights,
                agreement=None if entry["agreement"] is None else Fraction(entry["agreement"]),
                participation=Fraction(entry["participation"]),
                segments=segments,
                final=final,
            )
        )
    unmet = []
    for requirement in tally.get("unmet", []):
        if requirement.startswith("chamber:"):
            key = requirement.split(":", 1)[1]
            unmet.append(_("%(group)s did not reach its own threshold.", group=names.get(key, key)))
        else:
            unmet.append(str(UNMET_LABELS.get(requirement, requirement)))
    return Results(tally, final, rule, groups, unmet)


def motion_card(user, motion: Motion) -> MotionCard:
    """Everything a page shows about ``motion`` to ``user``."""
    language = current_language()
    rule = queries.motion_rule(motion)
    names = _group_names(motion, language)
    voter = ballot = None
    if user.is_authenticated and not motion.is_draft:
        voter, ballot = queries.own_ballot(user, motion)
    return MotionCard(
        motion=motion,
        item=motion.item,
        rule=rule,
        rule_lines=rule_description(rule, names),
        moderator=can_moderate(user, motion.item.deliberation),
        voter=voter,
        ballot=ballot,
        results=_results(motion, rule, names),
        choices=[(choice, choice_label(choice)) for choice in legal_choices(rule)],
    )


@dataclass
class ItemMotions:
    """The motions section of an item page."""

    item: AgendaItem
    cards: list[MotionCard]
    moderator: bool


@bp.app_template_global("voting_item_motions")
def item_motions_section(item: AgendaItem) -> ItemMotions:
    """The motions of an item as the current reader sees them (for the item page)."""
    motions = queries.item_motions(current_user, item)
    return ItemMotions(
        item=item,
        cards=[motion_card(current_user, motion) for motion in motions],
        moderator=can_moderate(current_user, item.deliberation),
    )


@bp.app_context_processor
def voting_template_helpers():
    return {
        "voting_choice_label": choice_label,
        "voting_outcome_label": outcome_label,
        "voting_rtl": text_direction() == "rtl",
    }


# --- pages -------------------------------------------------------------------------------


def _motion_url(motion: Motion) -> str:
    return url_for("voting.show", motion_id=motion.id)


@bp.get("/motions/<int:motion_id>")
def show(motion_id):
    """The motion, the reader's ballot, and its results (live while open)."""
    motion = queries.readable_motion(current_user, motion_id)
    card = motion_card(current_user, motion)
    ballots = None
    if not motion.secret and not motion.is_draft:
        ballots = [open_ballot_json(*row) for row in queries.open_ballots(current_user, motion)]
    return render_template(
        "voting/motion.html",
        card=card,
        ballots=ballots,
        deliberation=motion.item.deliberation,
        names=_group_names(motion, current_language()),
    )


@bp.get("/motions/<int:motion_id>/results")
def results_fragment(motion_id):
    """Only the results block of the motion page (for the live page to swap in)."""
    motion = queries.readable_motion(current_user, motion_id)
    return render_template("voting/_results_fragment.html", card=motion_card(current_user, motion))


@bp.get("/items/<int:item_id>/motions/section")
def item_section(item_id):
    """Only the motions section of an item page (for the live page to swap in)."""
    item = get_item(item_id)
    require_reader(current_user, item.deliberation)
    return render_template("voting/_item_motions.html", item=item, deliberation=item.deliberation)


RULE_FORM_FIELDS = ("threshold", "group_threshold", "quorum", "min_groups")


def _rule_from_form(form, group_keys) -> dict:
    """The rule JSON from the proposal form; empty fields are left out."""
    rule: dict = {"kind": form.get("kind", "")}
    for name in RULE_FORM_FIELDS:
        value = form.get(name, "").strip()
        if value:
            rule[name] = int(value) if name == "min_groups" and value.isdigit() else value
    if form.get("abstain"):
        rule["abstain"] = form["abstain"]
    chambers = {
        key: form.get(f"chamber_{key}", "").strip()
        for key in group_keys
        if form.get(f"chamber_{key}", "").strip()
    }
    if chambers:
        rule["chamber_thresholds"] = chambers
    return rule


@bp.route("/items/<int:item_id>/motions/new", methods=["GET", "POST"])
def propose(item_id):
    """The moderators' form to put a motion on an item (as a draft)."""
    item = get_item(item_id)
    deliberation = item.deliberation
    require_moderator(current_user, deliberation)
    groups = list(deliberation.groups)
    language = current_language()

    def render(failed=None, status=200):
        page = render_template(
            "voting/propose.html",
            item=item,
            deliberation=deliberation,
            groups=[(g.key, g.name_in(language)) for g in groups],
            kinds=[(kind, str(RULE_LABELS[kind])) for kind in RULE_KINDS],
            abstain_options=[(k, str(v)) for k, v in ABSTAIN_LABELS.items()],
            failed=failed,
            values=request.form,
        )
        return page, status

    if request.method == "GET":
        return render()
    form = request.form

    def refused(error: ServiceError):
        field_name = (error.field or "").removeprefix("rule.")
        if field_name == "chamber_thresholds":
            field_name = "chambers"
        return render({"form": "motion", "field": field_name, "message": str(error.message)}, 422)

    return form_action(
        lambda: services.create_motion(
            current_user,
            item,
            text=form.get("text", ""),
            rule=_rule_from_form(form, [g.key for g in groups]),
            secret=form.get("secret"),
        ),
        done=_("The motion was saved as a draft. Open it when the vote should begin."),
        back=_motion_url,
        refused=refused,
    )


def _back(motion: Motion) -> str:
    """Where a form on the item page or the motion page returns to."""
    target = request.form.get("next")
    return safe_next_url(target) if target else _motion_url(motion)


def _needs_sign_in(error: ServiceError) -> bool:
    """Only a refusal to the anonymous leaves the page (for the sign-in form): any other
    refusal of a ballot or a moderator's button (not a voter, not a moderator, a motion no
    longer open) is a message on the page the form was on."""
    return isinstance(error, Unauthorized)


@bp.post("/motions/<int:motion_id>/open")
def open_motion(motion_id):
    """The moderators' button: open the vote."""
    motion = queries.readable_motion(current_user, motion_id)
    return form_action(
        lambda: services.open_motion(current_user, motion),
        done=_("The vote is open."),
        back=_back(motion),
        to_error_pages=_needs_sign_in,
    )


@bp.post("/motions/<int:motion_id>/close")
def close_motion(motion_id):
    """The moderators' button: close the vote and freeze its result."""
    motion = queries.readable_motion(current_user, motion_id)
    return form_action(
        lambda: services.close_motion(current_user, motion),
        done=_("The vote is closed and its result recorded."),
        back=_back(motion),
        to_error_pages=_needs_sign_in,
    )


@bp.post("/motions/<int:motion_id>/ballot")
def cast_ballot(motion_id):
    """The voter's buttons: cast or change the ballot, then back to the page."""
    motion = queries.readable_motion(current_user, motion_id)
    choice = request.form.get("choice")
    if choice is None:
        abort(400)
    label = choice_label(choice) if choice in CHOICE_LABELS else choice
    return form_action(
        lambda: services.cast_ballot(current_user, motion, choice),
        done=_("Your ballot was recorded: %(choice)s.", choice=label),
        back=_back(motion),
        to_error_pages=_needs_sign_in,
    )
