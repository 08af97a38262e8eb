"""The printable record (``record.html``): one self-contained, localised HTML document.

Agenda, each item's published summary, motion results with an inline SVG chart per
stakeholder group, participation by group, the statements every group supports most
("notable common ground"), the opinion groups found in the reactions and the posts that bridge
them best (with the algorithms' names, versions and parameters), and an appendix with every
post. It carries its own stylesheet (print CSS included), loads nothing, and runs no script,
so it prints to a clean PDF from any browser and reads the same offline; served by the API,
its Content-Security-Policy allows exactly that stylesheet (by hash) and nothing else.

Rendered by streaming the template (``Template.generate``) over the same
:class:`~.collect.RecordSource` generators as the JSON and the Data Package, so the appendix
of a 100,000-post deliberation never sits in memory. The colophon cites the SHA-256 of the
JSON record of the same scope and audience, so a printed copy can be checked against it.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_datetime, format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..consensus.metrics import GroupCounts
from ..consensus.reactions import score_json
from ..consensus.rules import score_post
from ..db import db, iso
from ..deliberations.models import Membership, StakeholderGroup
from ..discussion.models import Post, Reaction
from ..discussion.rules import render_markdown
from ..i18n import language_name, percent, text_direction
from ..labels import CHOICE_LABELS, OUTCOME_LABELS, RULE_LABELS, STATUS_LABELS
from .collect import Progress, RecordSource
from .export import record_digest

TEMPLATE = "records/record.html"
STYLESHEET = Path(__file__).parent / "templates" / "records" / "record.css"
#: How many notable common-ground statements each item shows.
NOTABLE_STATEMENTS = 5
#: Replies deeper than this are indented no further in print.
MAX_INDENT = 6

#: Colours of ballot choices and reaction stances (with text alternatives beside them).
COLOURS = {
    "yes": "#1a7f37",
    "no": "#cf222e",
    "block": "#82071e",
    "abstain": "#6e7781",
    "agree": "#1a7f37",
    "disagree": "#cf222e",
    "pass": "#6e7781",
    "none": "#ffffff",
    "track": "#6e7781",
    "expected": "#24292f",
    "observed": "#0969da",
}


@cache
def stylesheet() -> str:
    """The record's stylesheet, inlined into the document."""
    return STYLESHEET.read_text(encoding="utf-8")


def content_security_policy() -> str:
    """The CSP of a served record: its own inline stylesheet (by hash) and nothing else."""
    digest = base64.b64encode(hashlib.sha256(stylesheet().encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


# --- formatting (in the locale the record is rendered in) -------------------------------------


def number(value) -> str:
    return "—" if value is None else format_decimal(value)


def when(value: str | None) -> str:
    """An ISO time from the record, localised (UTC)."""
    if not value:
        return ""
    return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), "medium")


def label(labels: dict, key) -> str:
    return str(labels.get(key, key)) if key is not None else ""


def markdown(source: str | None) -> Markup:
    """Sanitised HTML of user Markdown (the discussion's one renderer)."""
    return Markup(render_markdown(source or ""))


def parameters(params: dict) -> str:
    """An algorithm's parameters as ``name = value`` pairs, as the record names them."""
    return ", ".join(f"{key} = {number(value)}" for key, value in sorted(params.items()))


def floor_percent(value: float) -> str:
    """A share as a whole percentage rounded down: an interval reaching 99.6 % is not
    "100 %" (as on the Common Ground page)."""
    return format_percent(math.floor(100 * value) / 100, format="#,##0%")


# --- charts -----------------------------------------------------------------------------------


#: Parts of a bar a reader must tell apart: every segment is edged in white (so it meets white,
#: at ≥ 3:1, whatever its neighbour), the track is outlined, and "no"/"disagree" carries a white
#: stripe besides its colour (WCAG 1.4.1, 1.4.11).
STRIPED = frozenset({"no", "disagree"})


def bar(segments: list[tuple[str, float]], *, width: int = 200, height: int = 14, marker=None):
    """An inline SVG bar of ``segments`` ((colour key, fraction of the width)), left to
    right, with an optional vertical ``marker`` at a fraction. Decorative: every figure it
    shows is also written beside it, so it is hidden from assistive technology."""
    parts = [
        f'<svg class="bar" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'aria-hidden="true" focusable="false">',
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" '
        f'fill="{COLOURS["none"]}" stroke="{COLOURS["track"]}"/>',
    ]
    x = 0.0
    for colour, fraction in segments:
        span = max(0.0, min(float(fraction), 1.0)) * width
        if span > 0:
            parts.append(
                f'<rect x="{x:.2f}" y="0" width="{span:.2f}" height="{height}" '
                f'fill="{COLOURS[colour]}" stroke="#ffffff" stroke-width="1.5"/>'
            )
            if colour in STRIPED:
                parts.append(
                    f'<rect x="{x:.2f}" y="{height * 0.4:.2f}" width="{span:.2f}" '
                    f'height="{height * 0.2:.2f}" fill="#ffffff"/>'
                )
        x += span
    if marker is not None:
        at = max(0.0, min(float(marker), 1.0)) * width
        parts.append(
            f'<rect x="{max(at - 1, 0):.2f}" y="0" width="2" height="{height}" '
            f'fill="{COLOURS["expected"]}" stroke="#ffffff" stroke-width="1"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def group_tally_bar(group: dict) -> Markup:
    """A group's ballots as shares of its eligible weight: yes, no, block, abstain, then
    the weight that did not vote."""
    total = group.get("eligible_weight") or sum(group[c] for c in ("yes", "no", "block", "abstain"))
    if not total:
        return bar([])
    return bar([(choice, group[choice] / total) for choice in ("yes", "no", "block", "abstain")])


def reaction_bar(counts: dict) -> Markup:
    seen = counts["agree"] + counts["disagree"] + counts["pass"]
    if not seen:
        return bar([], width=120, height=10)
    return bar(
        [(stance, counts[stance] / seen) for stance in ("agree", "disagree", "pass")],
        width=120,
        height=10,
    )


def participation_bar(observed, expected) -> Markup:
    """A group's observed share of an activity, with a marker at its expected share."""
    return bar(
        [("observed", float(Fraction(observed)) if observed else 0.0)],
        marker=float(Fraction(expected)) if expected else None,
    )


# --- what the template reads -------------------------------------------------------------------


class PrintableRecord:
    """The record as the template reads it: small parts eagerly, posts as a generator."""

    def __init__(self, source: RecordSource, language: str, progress: Progress | None = None):
        self.source = source
        self.language = language
        self.progress = progress
        self.deliberation = source.deliberation()
        self.scope = source.scope()
        self.groups = source.groups()
        self.group_names = {
            g["key"]: g["name_translations"].get(language) or g["name"] for g in self.groups
        }
        self.items = [self._item_text(item) for item in source.items()]
        motions = source.motions()
        summaries = source.summaries()
        for item in self.items:
            item["motions"] = [m for m in motions if m["item"] == item["id"]]
            item["summaries"] = [s for s in summaries if s["item"] == item["id"]]
            item["summary"] = self._current_summary(item)
            item["drafts"] = [s for s in item["summaries"] if s["status"] == "draft"]
        self.participation = source.participation()
        self.announcements = source.announcements()
        self.audit_head, self.audit_events = source.audit_head()
        self._opinions: dict[int, dict] | None = None

    def _item_text(self, item: dict) -> dict:
        translation = next(
            (t for t in item["translations"] if t["language"] == self.language), None
        )
        item = dict(item)
        item["shown_title"] = translation["title"] if translation else item["title"]
        item["shown_language"] = translation["language"] if translation else item["language"]
        item["shown_body"] = (translation or {}).get("body") or item["body"]
        return item

    def _current_summary(self, item: dict) -> dict | None:
        """The published, not superseded summary in the reader's language, else in the
        item's language, else the newest published one."""
        current = [
            s for s in item["summaries"] if s["status"] == "published" and not s["superseded_at"]
        ]
        for language in (self.language, item["language"]):
            for summary in reversed(current):
                if summary["language"] == language:
                    return summary
        return current[-1] if current else None

    def group_name(self, key: str | None) -> str:
        if key is None:
            # i18n: members (moderators, observers) who belong to no stakeholder group
            return str(_l("No group"))
        return self.group_names.get(key, key)

    def notable(self, item_id: int) -> list[dict]:
        """The item's visible posts every group supports most: highest group-informed
        consensus among posts with reactions (ties: the earlier post)."""
        return notable_statements(self.source, item_id, NOTABLE_STATEMENTS)

    def opinions(self, item_id: int) -> dict | None:
        """The item's opinion groups and bridging figures as the record keeps them
        (``collect.RecordSource.opinions``), arranged for print: each group named by its
        letter, the algorithms' parameters written out, and the :data:`NOTABLE_STATEMENTS`
        posts with the highest lower end of their bridging interval."""
        if self._opinions is None:
            self._opinions = {o["item"]: o for o in self.source.opinions()}
        found = self._opinions.get(item_id)
        if found is None:
            return None
        ranked = sorted(found["posts"], key=lambda row: (-row["bridging"]["low"], row["post"]))[
            :NOTABLE_STATEMENTS
        ]
        return {
            **found,
            "algorithm_params": parameters(found["algorithm"]["params"]),
            "bridging_params": parameters(found["bridging_method"]["params"]),
            "named_groups": [
                # i18n: an opinion group found in the reactions, named by a letter (A, B, …)
                {**group, "name": str(_l("Opinion group %(letter)s", letter=chr(65 + group["id"])))}
                for group in found["groups"]
            ],
            "qualifying": sum(1 for row in found["posts"] if row["qualifies"]),
            "bridging_top": ranked,
        }

    def posts(self, item_id: int) -> Iterator[dict]:
        """The item's posts in thread order (streamed; the appendix shows no reactions)."""
        return self.source.item_posts(item_id, self.progress, reactions=False)

    def integrity(self) -> dict:
        """The integrity block of the JSON record of the same scope and audience."""
        return record_digest(self.source, self.progress)


def notable_statements(source: RecordSource, item_id: int, limit: int) -> list[dict]:
    """The ``limit`` visible posts of an item with the highest group-informed consensus,
    among those more members agree with than disagree with.

    One grouped query streamed in post order, folded into a bounded heap, so the work is
    linear in the reactions and the memory bounded by ``limit``; hidden posts are never
    statements (as on the Common Ground page).
    """
    rows = db.session.execute(
        sa.select(Reaction.post_id, StakeholderGroup.key, Reaction.stance, sa.func.count())
        .join(Post, Post.id == Reaction.post_id)
        .join(Membership, Membership.id == Reaction.membership_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
        .where(Post.item_id == item_id, Post.hidden.is_(False))
        .group_by(Reaction.post_id, StakeholderGroup.key, Reaction.stance)
        .order_by(Reaction.post_id)
        .execution_options(yield_per=2000)
    )
    best: list = []

    def offer(post_id, counts):
        score = score_post(source.group_keys, counts)
        if score.agree <= score.disagree:
            return  # not common ground, however evenly the groups reject it
        entry = (score.group_informed_consensus, -post_id, post_id, score)
        if len(best) < limit:
            heapq.heappush(best, entry)
        elif entry[:2] > best[0][:2]:
            heapq.heapreplace(best, entry)

    current, counts = None, {}
    for post_id, key, stance, number_ in rows:
        if post_id != current:
            if current is not None:
                offer(current, counts)
            current, counts = post_id, {}
        previous = counts.get(key, GroupCounts(0, 0, 0))
        counts[key] = GroupCounts(
            previous.agree + (number_ if stance == "agree" else 0),
            previous.disagree + (number_ if stance == "disagree" else 0),
            previous.pass_ + (number_ if stance == "pass" else 0),
        )
    if current is not None:
        offer(current, counts)
    ranked = sorted(best, key=lambda entry: (-entry[0], entry[2]))
    posts = {p["id"]: p for p in source.posts_by_id([entry[2] for entry in ranked])}
    return [
        {**posts[post_id], "reactions": score_json(score)}
        for _, _, post_id, score in ranked
        if post_id in posts
    ]


def stream_record_html(
    source: RecordSource, language: str, progress: Progress | None = None
) -> Iterator[str]:
    """``record.html`` in pieces, rendered in ``language``."""
    with force_locale(language):
        record = PrintableRecord(source, language, progress)
    template = current_app.jinja_env.get_template(TEMPLATE)
    context = {
        "record": record,
        "language": language,
        "direction": text_direction(language),
        "css": Markup(stylesheet()),
        "percent": percent,
        "floor_percent": floor_percent,
        "number": number,
        "when": when,
        "label": label,
        "markdown": markdown,
        "language_name": language_name,
        "group_tally_bar": group_tally_bar,
        "reaction_bar": reaction_bar,
        "participation_bar": participation_bar,
        "outcome_labels": OUTCOME_LABELS,
        "choice_labels": CHOICE_LABELS,
        "rule_labels": RULE_LABELS,
        "status_labels": STATUS_LABELS,
        "max_indent": MAX_INDENT,
        "colours": COLOURS,
        "iso": iso,
        "escape": escape,
    }

    def generate() -> Iterator[str]:
        with force_locale(language):
            yield from template.generate(context)

    return generate()
