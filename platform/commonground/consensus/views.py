"""Pages of common ground and consensus summaries (all forms work without JavaScript).

- ``/d/<slug>/items/<id>/common-ground``: the item's posts ranked by group-informed
  consensus, a bar chart per group, a language filter, one-click reactions;
- ``/d/<slug>/items/<id>/summaries``: the versions of the item's summary; the editor
  (``…/summaries/new``, ``/d/<slug>/summaries/<id>/edit``) with the evidence beside it;
  one version (``/d/<slug>/summaries/<id>``), publishing it, and the differences between
  two versions (``…/diff``).

The item page shows the current summary and links here through ``item_consensus(item)``
(a template global used by ``consensus/_item_consensus.html``).
"""

import math
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from .. import fields
from ..deliberations.access import (
    can_moderate,
    get_deliberation,
    get_item,
    get_item_of,
    membership_of,
    participation_error,
    require_reader,
)
from ..deliberations.models import AgendaItem, StakeholderGroup
from ..discussion.queries import get_post
from ..errors import NotFound, ServiceError
from ..fields import LANGUAGE_RE
from ..i18n import current_language, language_name, percent
from ..labels import outcome_label, reaction_script_strings, reaction_words, stance_labels
from ..pages import form_action, is_refusal_of_the_person, safe_next_url
from ..transactions import in_transaction
from . import queries, services
from .bridging import LEVEL, LINE, Bridging
from .drafting import Cited, DraftLabels, draft_sections
from .metrics import GroupCounts
from .models import ConsensusSummary
from .opinion_map import colours, cross_count, layout
from .rules import PostScore, citation, diff_text
from .schemas import SummaryRefs
from .services import SECTIONS

bp = Blueprint("consensus", __name__, template_folder="templates")


def section_labels() -> dict[str, str]:
    return {
        "agreements": _("Agreements"),
        "divergences": _("Divergences"),
        "recommendations": _("Recommendations"),
    }


# --- charts ----------------------------------------------------------------------------------


@dataclass
class Bar:
    """One group's row of a post's chart: counts, widths (percent of the bar) and the text
    alternative."""

    key: str
    name: str
    counts: GroupCounts

    @property
    def seen(self) -> int:
        return self.counts.seen

    def width(self, stance: str) -> str:
        """The share of ``stance`` as an SVG width in percent ("0" when nobody responded)."""
        if not self.seen:
            return "0"
        value = {"agree": self.counts.agree, "disagree": self.counts.disagree}.get(
            stance, self.counts.pass_
        )
        return f"{100 * value / self.seen:.2f}"

    def offset(self, stance: str) -> str:
        """Where the ``stance`` segment starts: agree, then pass, then disagree."""
        if stance == "agree" or not self.seen:
            return "0"
        before = self.counts.agree + (self.counts.pass_ if stance == "disagree" else 0)
        return f"{100 * before / self.seen:.2f}"

    @property
    def description(self) -> str:
        return _(
            "%(group)s: %(agree)s agree, %(disagree)s disagree, %(pass)s pass",
            group=self.name,
            agree=self.counts.agree,
            disagree=self.counts.disagree,
            **{"pass": self.counts.pass_},
        )


#: The chart row of members without a group (no group key can start with "_").
UNGROUPED_KEY = "_ungrouped"


def chart(score: PostScore, names: dict[str, str]) -> list[Bar]:
    """The rows of a post's per-group chart, and a row "Without a group" when members
    without one reacted: the rows add up to the totals."""
    bars = [Bar(key, names.get(key, key), counts) for key, counts in score.groups]
    if score.ungrouped.seen:
        bars.append(Bar(UNGROUPED_KEY, _("Without a group"), score.ungrouped))
    return bars


def measure_texts(score: PostScore) -> dict[str, str]:
    """The measures as the page prints them, in the reader's locale."""
    return {
        "gic": format_decimal(float(score.group_informed_consensus), format="0.000"),
        "min_agreement": percent(score.min_agreement),
        "majority_p": percent(score.majority.p),
    }


def _floor_percent(value: float) -> str:
    """A share as a whole percentage, rounded *down*: an interval that reaches 99.6 % is not
    shown as "100 %" — nothing short of certainty is."""
    return format_percent(math.floor(100 * value) / 100, format="#,##0%")


def bridging_texts(bridge: Bridging) -> dict[str, str]:
    """A post's bridging figure, its interval and the verdict, in words (issue 13)."""
    figures = {
        "score": _floor_percent(bridge.score),
        "low": _floor_percent(bridge.low),
        "high": _floor_percent(bridge.high),
    }
    level = format_percent(LEVEL, format="#,##0%")
    line = format_percent(LINE, format="#,##0%")
    if bridge.qualifies:
        # i18n: %(low)s is a percentage; %(level)s the confidence, e.g. "95 %".
        verdict = _(
            "Common ground: with %(level)s confidence, at least %(low)s of every group agrees.",
            level=level,
            low=figures["low"],
        )
    elif bridge.silent:
        verdict = ngettext(
            "Not yet common ground: %(num)d of %(total)d groups has not responded.",
            "Not yet common ground: %(num)d of %(total)d groups have not responded.",
            bridge.silent,
            total=bridge.total,
        )
    else:
        # i18n: %(low)s and %(high)s are percentages; %(line)s is "50 %".
        verdict = _(
            "Not yet common ground: the least convinced group agrees somewhere between "
            "%(low)s and %(high)s; the lower end must pass %(line)s.",
            low=figures["low"],
            high=figures["high"],
            line=line,
        )
    return {
        **figures,
        # i18n: the bridging figure of a post and its credible interval.
        "figure": _(
            "%(score)s (%(level)s interval: %(low)s to %(high)s)",
            score=figures["score"],
            level=level,
            low=figures["low"],
            high=figures["high"],
        ),
        "coverage": _(
            "%(responding)s of %(total)s groups responded",
            responding=bridge.responding,
            total=bridge.total,
        ),
        "verdict": verdict,
    }


def rank_by_bridging(entries: list[dict]) -> list[dict]:
    """Highest lower bound first (then the highest figure, then the previous order): a post
    agreed by a few ranks below one agreed by many."""
    return sorted(entries, key=lambda entry: (-entry["bridge"].low, -entry["bridge"].score))


bp.add_app_template_global(reaction_words, "reaction_words")


def motion_evidence(motion, names: dict[str, str]) -> dict:
    """A closed motion as the editor shows it: text, outcome, support, each group's
    agreement — read from the result frozen at close, never recomputed."""
    result = motion.result or {}
    return {
        "motion": motion,
        "reference": citation("motion", motion.id),
        "outcome": outcome_label(result.get("outcome") or "–"),
        "support": percent(result.get("support")),
        "groups": [
            (names.get(group.get("key"), group.get("key")), percent(group.get("agreement")))
            for group in result.get("groups") or []
        ],
    }


# --- helpers ---------------------------------------------------------------------------------


def _summary_in(slug: str, summary_id: int) -> tuple[ConsensusSummary, AgendaItem]:
    summary = queries.readable_summary(current_user, summary_id)
    item = queries.item_of(summary)
    if item.deliberation.slug != slug:
        raise NotFound(_("There is no summary with this number."))
    return summary, item


def _group_names(groups: list[StakeholderGroup], language: str) -> dict[str, str]:
    return {group.key: group.name_in(language) for group in groups}


def _language_filter() -> str | None:
    value = request.args.get("post_language") or None
    return value if value and LANGUAGE_RE.match(value) else None


# --- common ground ---------------------------------------------------------------------------


@bp.get("/d/<slug>/items/<int:item_id>/common-ground")
def common_ground(slug, item_id):
    """The item's visible posts ranked by group-informed consensus."""
    item = get_item_of(get_deliberation(slug), item_id)
    language = current_language()
    ground = queries.common_ground(current_user, item, language=_language_filter(), with_own=True)
    names = _group_names(ground.groups, language)
    refusal = participation_error(
        current_user, "react", item.deliberation, item, ground.reader.membership
    )
    entries = [
        {
            "post": entry.post,
            "score": entry.score,
            "bars": chart(entry.score, names),
            "measures": measure_texts(entry.score),
            "translation": entry.post.translation_into(language),
            "group_name": names.get(entry.post.author.group) if entry.post.author.group else None,
            "bridge": entry.bridging,
            "bridging": bridging_texts(entry.bridging),
        }
        for entry in ground.entries
    ]
    entries = rank_by_bridging(entries)
    return render_template(
        "consensus/common_ground.html",
        deliberation=item.deliberation,
        item=item,
        text=item.text_in(language),
        ground=ground,
        entries=entries,
        groups=[(group.key, names[group.key]) for group in ground.groups],
        refusal=refusal,
        stances=stance_labels(),
        language=language,
        bridging_level=format_percent(LEVEL, format="#,##0%"),
        bridging_line=format_percent(LINE, format="#,##0%"),
        language_counts=[
            (code, language_name(code, language), count) for code, count in ground.languages.items()
        ],
        client_config={
            "item": item.id,
            "api": {"reaction": "/api/v1/posts/{post}/reaction"},
            "urls": {
                "reactions": url_for("consensus.reaction_fragments", slug=slug, item_id=item.id)
            },
            "ids_per_fetch": fields.MAX_IDS,
            "strings": reaction_script_strings(),
        },
    )


@bp.get("/d/<slug>/items/<int:item_id>/reactions")
def reaction_fragments(slug, item_id):
    """The reactions of some posts (``ids=1,2,3``) as the pages render them, for a live page
    to swap in when they change: ``view=totals`` the thread's line of totals, else Common
    Ground's chart and measures. Hidden posts have none, as on the pages."""
    item = get_item_of(get_deliberation(slug), item_id)
    scores = queries.post_scores(current_user, item, fields.ids(request.args.get("ids")))
    names = _group_names(item.deliberation.groups, current_language())
    return render_template(
        "consensus/_reaction_fragments.html",
        view="totals" if request.args.get("view") == "totals" else "figures",
        entries=[
            {
                "post_id": post_id,
                "score": score,
                "bars": chart(score, names),
                "measures": measure_texts(score),
            }
            for post_id, score in scores.items()
        ],
        words=reaction_words(),
    )


@bp.post("/d/<slug>/posts/<int:post_id>/reaction")
def react(slug, post_id):
    """React to a post (the form behind each post's buttons); back to where it was sent."""
    post = get_post(post_id)
    item = get_item(post.item_id)
    if item.deliberation.slug != slug:
        raise NotFound(_("There is no post with this number."))
    fallback = url_for("consensus.common_ground", slug=slug, item_id=item.id)
    target = safe_next_url(request.form.get("next") or fallback)
    return form_action(
        lambda: services.react(current_user, post, request.form.get("stance")),
        done=_("Your reaction was recorded."),
        # A target that names its own place (the item page's card) keeps it.
        back=target if "#" in target else f"{target}#cg-post-{post.id}",
    )


# --- summaries: reading ----------------------------------------------------------------------


@bp.get("/d/<slug>/items/<int:item_id>/summaries")
def summaries(slug, item_id):
    """The versions of the item's summary (drafts for moderators), the current one of each
    language first."""
    item = get_item_of(get_deliberation(slug), item_id)
    versions = queries.item_summaries(current_user, item)
    refs = SummaryRefs.for_item(item, versions)
    language = current_language()
    return render_template(
        "consensus/summaries.html",
        deliberation=item.deliberation,
        item=item,
        text=item.text_in(language),
        versions=versions,
        numbers={v.id: v.version for v in versions},
        current=queries.current_summaries(versions),
        refs=refs,
        moderator=can_moderate(current_user, item.deliberation),
        writable=item.deliberation.status != "closed",
        sections=section_labels(),
        language=language,
        client_config={"item": item.id, "strings": reaction_script_strings()},
    )


@bp.get("/d/<slug>/summaries/<int:summary_id>")
def summary(slug, summary_id):
    """One version of a summary, with the evidence it cites."""
    version, item = _summary_in(slug, summary_id)
    refs = SummaryRefs.for_item(item, [version])
    language = current_language()
    previous = queries.previous_version(current_user, version)
    return render_template(
        "consensus/summary.html",
        deliberation=item.deliberation,
        item=item,
        text=item.text_in(language),
        summary=version,
        refs=refs,
        previous=previous,
        moderator=can_moderate(current_user, item.deliberation),
        writable=item.deliberation.status != "closed",
        sections=section_labels(),
        language=language,
    )


@bp.get("/d/<slug>/summaries/<int:summary_id>/diff")
def diff(slug, summary_id):
    """What changed from an earlier version (``?from=<id>``, default: the one it is based
    on) to this one, word by word."""
    newer, item = _summary_in(slug, summary_id)
    raw = request.args.get("from", "")
    if raw.isdigit():
        older, older_item = _summary_in(slug, int(raw))
        if older_item.id != item.id:
            raise NotFound(_("There is no summary with this number."))
    else:
        older = queries.previous_version(current_user, newer)
    versions = queries.item_summaries(current_user, item)
    language = current_language()
    return render_template(
        "consensus/diff.html",
        deliberation=item.deliberation,
        item=item,
        text=item.text_in(language),
        newer=newer,
        older=older,
        versions=[v for v in versions if v.id != newer.id],
        sections=section_labels(),
        diffs=(
            {name: diff_text(getattr(older, name), getattr(newer, name)) for name in SECTIONS}
            if older is not None
            else None
        ),
        language=language,
    )


# --- summaries: writing ----------------------------------------------------------------------


def cited_draft(item: AgendaItem) -> dict[str, str]:
    """A first draft of the item's summary from its figures, every line citing its post."""
    evidence = queries.draft_evidence(current_user, item)
    notes = {
        "agree": _("this group agrees, more than the others"),
        "disagree": _("this group disagrees, more than the others"),
    }
    return draft_sections(
        [Cited(post.id, post.body) for post in evidence.agreements],
        [Cited(post.id, post.body) for post in evidence.divergences],
        [
            (
                opinion_group_name(group),
                [Cited(post.id, post.body, notes[direction]) for post, direction in chosen],
            )
            for group, chosen in evidence.groups
        ],
        DraftLabels(
            no_agreement=_("No post qualifies as common ground yet."),
            no_divergence=_("No post divides the groups clearly yet."),
            recommendations="",
        ),
    )


def _render_editor(
    item: AgendaItem, *, draft=None, based_on=None, failed=None, values=None, prefill=None
):
    """The editor: the three sections, the language, and the evidence beside them;
    ``prefill``: the sections of a cited draft to start from."""
    language = current_language()
    evidence = queries.summary_evidence(current_user, item)
    names = _group_names(evidence.groups, language)
    deliberation = item.deliberation
    source = draft or based_on
    choices = list(dict.fromkeys([*deliberation.languages, deliberation.source_language]))
    if source is not None and source.language not in choices:
        choices.append(source.language)
    default_language = source.language if source else deliberation.source_language
    if based_on is not None and request.args.get("translate"):
        default_language = next((c for c in choices if c != based_on.language), default_language)
    return render_template(
        "consensus/editor.html",
        deliberation=deliberation,
        item=item,
        text=item.text_in(language),
        draft=draft,
        based_on=based_on,
        refs_for_source=SummaryRefs.for_item(item, [based_on]) if based_on else None,
        source=source,
        failed=failed,
        values=values or {},
        prefill=prefill,
        default_language=default_language,
        language_options=[(code, language_name(code, language)) for code in choices],
        sections=section_labels(),
        motions=[motion_evidence(motion, names) for motion in evidence.motions],
        posts=[
            {
                "post": entry.post,
                "score": entry.score,
                "bars": chart(entry.score, names),
                "measures": measure_texts(entry.score),
                "reference": citation("post", entry.post.id),
            }
            for entry in evidence.posts
        ],
        group_names=names,
        language=language,
    ), (422 if failed else 200)


def _editor_failed(error: ServiceError) -> dict:
    field = error.field if error.field in (*SECTIONS, "language", "based_on") else None
    return {"form": "summary", "field": field, "message": str(error.message)}


def _saved(version: ConsensusSummary, draft: ConsensusSummary | None = None) -> str:
    """What saving the editor did: a new version, or nothing when ``draft`` was unchanged."""
    if draft is not None and version.id == draft.id:
        return _("Nothing changed: no new version was saved.")
    return _("Version %(version)s was saved as a draft.", version=version.version)


def _summary_url(slug: str, version: ConsensusSummary) -> str:
    return url_for("consensus.summary", slug=slug, summary_id=version.id)


@bp.route("/d/<slug>/items/<int:item_id>/summaries/new", methods=["GET", "POST"])
def new_summary(slug, item_id):
    """Write a new version (``?based_on=<id>`` continues or, with ``translate=1``,
    translates that version)."""
    item = get_item_of(get_deliberation(slug), item_id)
    raw = request.values.get("based_on", "")
    based_on = None
    if raw.isdigit():
        based_on, based_item = _summary_in(slug, int(raw))
        if based_item.id != item.id:
            raise NotFound(_("There is no summary with this number."))
    if request.method == "GET":
        prefill = cited_draft(item) if request.args.get("draft") and based_on is None else None
        return _render_editor(item, based_on=based_on, prefill=prefill)
    form = request.form
    return form_action(
        lambda: services.create_summary(
            current_user,
            item,
            language=form.get("language"),
            agreements=form.get("agreements", ""),
            divergences=form.get("divergences", ""),
            recommendations=form.get("recommendations", ""),
            based_on=based_on.id if based_on else None,
        ),
        done=_saved,
        back=lambda created: _summary_url(slug, created),
        refused=lambda error: _render_editor(
            item, based_on=based_on, failed=_editor_failed(error), values=form
        ),
    )


@bp.route("/d/<slug>/summaries/<int:summary_id>/edit", methods=["GET", "POST"])
def edit_summary(slug, summary_id):
    """Edit a draft: saving makes a new version based on it."""
    draft, item = _summary_in(slug, summary_id)
    if request.method == "GET":
        queries.summary_evidence(current_user, item)
        if draft.status == "published":
            flash(
                _("A published summary cannot be changed. Write a new version based on it."),
                "error",
            )
            return redirect(
                url_for("consensus.new_summary", slug=slug, item_id=item.id, based_on=draft.id),
                code=303,
            )
        return _render_editor(item, draft=draft)
    form = request.form
    return form_action(
        lambda: services.revise_summary(
            current_user, draft, {name: form.get(name, "") for name in (*SECTIONS, "language")}
        ),
        done=lambda revised: _saved(revised, draft),
        back=lambda revised: _summary_url(slug, revised),
        refused=lambda error: _render_editor(
            item, draft=draft, failed=_editor_failed(error), values=form
        ),
    )


@bp.post("/d/<slug>/summaries/<int:summary_id>/publish")
def publish(slug, summary_id):
    """Publish a draft version."""
    draft, _item = _summary_in(slug, summary_id)
    return form_action(
        lambda: services.publish_summary(current_user, draft),
        done=lambda published: _("Version %(version)s is published.", version=published.version),
        back=_summary_url(slug, draft),
    )


# --- on the item page ------------------------------------------------------------------------


@dataclass
class ItemConsensus:
    """What the item page shows of this capability: links, and the current summary."""

    item: AgendaItem
    summary: ConsensusSummary | None
    languages: list[str]
    refs: SummaryRefs | None
    moderator: bool
    may_react: bool


@bp.app_template_global("item_consensus")
def item_consensus(item: AgendaItem) -> ItemConsensus:
    """The item page's common-ground links and current summary in the reader's language."""
    require_reader(current_user, item.deliberation)
    chosen, languages = queries.current_summary(current_user, item, current_language())
    membership = membership_of(current_user, item.deliberation)
    return ItemConsensus(
        item=item,
        summary=chosen,
        languages=languages,
        refs=SummaryRefs.for_item(item, [chosen]) if chosen else None,
        moderator=can_moderate(current_user, item.deliberation),
        may_react=participation_error(current_user, "react", item.deliberation, item, membership)
        is None,
    )


@bp.app_template_global("summary_sections")
def summary_sections() -> dict[str, str]:
    return section_labels()


# --- opinion groups --------------------------------------------------------------------------


def opinion_group_name(group: int) -> str:
    """How the pages name opinion group ``group``: A, B, C…"""
    # i18n: an opinion group found in the reactions; %(letter)s is A, B, C…
    return _("Opinion group %(letter)s", letter=chr(ord("A") + group))


@bp.get("/d/<slug>/items/<int:item_id>/opinions")
def opinions(slug, item_id):
    """The item's opinion groups: the map, the same data as a table, and the statements that
    set each group apart or unite everyone."""
    item = get_item_of(get_deliberation(slug), item_id)
    language = current_language()
    view = queries.opinion_view(current_user, item)
    result, matrix = view.opinions.groups, view.opinions.matrix
    keys = [group.key for group in view.groups]
    names = _group_names(view.groups, language)
    table = colours(keys)
    counts = cross_count(result.labels, matrix.declared, keys)
    present = {key for row in counts.values() for key in row}
    legend = [(names[key], table[key]) for key in keys if key in present]
    if None in present:
        legend.append((_("No stakeholder group"), table[None]))
    columns = [key for key in keys if key in present] + ([None] if None in present else [])

    def posts_of(columns_: list[int]) -> list:
        return [view.posts[matrix.posts[c]] for c in columns_ if matrix.posts[c] in view.posts]

    groups = [
        {
            "id": group,
            "name": opinion_group_name(group),
            "size": len(result.members(group)),
            "counts": [counts.get(group, {}).get(key, 0) for key in columns],
            "representative": [
                (view.posts[matrix.posts[s.statement]], s)
                for s in result.representative.get(group, [])
                if matrix.posts[s.statement] in view.posts
            ],
        }
        for group in range(result.group_count)
    ]
    return render_template(
        "consensus/opinions.html",
        deliberation=item.deliberation,
        item=item,
        text=item.text_in(language),
        result=result,
        algorithm=view.opinions.algorithm,
        responding=len(matrix.members),
        clusterable=view.opinions.clusterable,
        map=layout(result.projection, result.labels, matrix.declared, keys),
        legend=legend,
        columns=[names[key] if key else _("No stakeholder group") for key in columns],
        groups=groups,
        unclustered=[counts.get(-1, {}).get(key, 0) for key in columns],
        outline_names={group["id"]: group["name"] for group in groups},
        consensus_agree=posts_of(result.consensus_agree),
        consensus_disagree=posts_of(result.consensus_disagree),
        language=language,
        client_config={"item": item.id, "strings": reaction_script_strings()},
    )


# --- react to statements, one at a time ------------------------------------------------------


@dataclass
class StatementCard:
    """The next post a member is offered to react to (its offer recorded as an exposure),
    or why there is none, with where the card's links lead."""

    refusal: Exception | None
    offer: object | None
    post: object | None
    translation: object | None
    #: Where reacting or skipping comes back to without JavaScript.
    back: str
    #: The next card alone (``react_card``), for the page to swap in after a reaction.
    next_url: str
    #: The reaction buttons' labels.
    stances: dict


def statement_card(item: AgendaItem, back: str) -> StatementCard:
    """Offer the current user the item's next statement (``services.offer_next_statement``,
    in its own transaction), unless they may not react here."""
    membership = membership_of(current_user, item.deliberation)
    refusal = participation_error(current_user, "react", item.deliberation, item, membership)
    offer, post = None, None
    if refusal is None:
        offer = in_transaction(lambda: services.offer_next_statement(current_user, item))
        if offer.post_id is not None:
            post = queries.post_view(current_user, item, offer.post_id)
    return StatementCard(
        refusal,
        offer,
        post,
        post.translation_into(current_language()) if post else None,
        back,
        url_for("consensus.react_card", slug=item.deliberation.slug, item_id=item.id, back=back),
        stance_labels(),
    )


@bp.get("/d/<slug>/items/<int:item_id>/react")
def react_to_statements(slug, item_id):
    """One post at a time to react to, chosen by routing; reacting brings the next."""
    item = get_item_of(get_deliberation(slug), item_id)
    language = current_language()
    membership = membership_of(current_user, item.deliberation)
    refusal = participation_error(current_user, "react", item.deliberation, item, membership)
    if refusal is not None and is_refusal_of_the_person(refusal):
        raise refusal
    return render_template(
        "consensus/react.html",
        deliberation=item.deliberation,
        item=item,
        text=item.text_in(language),
        card=statement_card(item, request.path),
        language=language,
    )


@bp.get("/d/<slug>/items/<int:item_id>/react/card")
def react_card(slug, item_id):
    """The next card alone (``consensus/_react_card.html``), for a page to swap in."""
    item = get_item_of(get_deliberation(slug), item_id)
    require_reader(current_user, item.deliberation)
    return render_template(
        "consensus/_react_card.html",
        deliberation=item.deliberation,
        card=statement_card(item, safe_next_url(request.args.get("back") or request.path)),
        language=current_language(),
    )


@bp.app_template_global("item_statement_card")
def item_statement_card(item: AgendaItem) -> StatementCard:
    """The card of the item page's "react to posts one at a time" mode (``?mode=react``)."""
    back = url_for("deliberations.item", slug=item.deliberation.slug, item_id=item.id, mode="react")
    return statement_card(item, back + "#react-mode")
