"""The summary aid: a cited first draft of a consensus summary (issue 13). Pure.

From what the item's figures say — the posts that qualify as common ground, the posts that
divide the groups most, what sets each opinion group apart — it writes Markdown in the
summary's three sections, every line ending with the reference of its post (``[post #12]``),
which the published summary turns into a link. The moderator edits it before saving: it is
an aid, never a summary of its own, and it needs no network service.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .rules import citation

__all__ = ["Cited", "DraftLabels", "draft_sections", "excerpt"]

#: Characters of a post quoted in a draft line.
EXCERPT_LENGTH = 160


@dataclass(frozen=True)
class Cited:
    """A post quoted in the draft: its id, its text, and an optional note."""

    post_id: int
    text: str
    note: str = ""


@dataclass(frozen=True)
class DraftLabels:
    """The words of the draft in the moderator's language (translated by the caller)."""

    no_agreement: str
    no_divergence: str
    recommendations: str


def excerpt(markdown: str, length: int = EXCERPT_LENGTH) -> str:
    """One line of a post's text: whitespace collapsed, cut at a word before ``length``
    characters with an ellipsis. Square brackets become parentheses, so that a quoted text
    can never pass for a reference."""
    text = " ".join((markdown or "").split()).replace("[", "(").replace("]", ")")
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] or text[:length]
    return re.sub(r"[\s.,;:]+$", "", cut) + "…"


def _line(cited: Cited) -> str:
    note = f"{cited.note}: " if cited.note else ""
    return f"- {note}{excerpt(cited.text)} {citation('post', cited.post_id)}"


def draft_sections(
    agreements: Sequence[Cited],
    divergences: Sequence[Cited],
    groups: Sequence[tuple[str, Sequence[Cited]]],
    labels: DraftLabels,
) -> dict[str, str]:
    """The three sections of a draft. ``groups``: (heading, representative posts) of each
    opinion group, added to the divergences."""
    agreement_lines = [_line(c) for c in agreements] or [labels.no_agreement]
    divergence_lines = [_line(c) for c in divergences] or [labels.no_divergence]
    for heading, cited in groups:
        if cited:
            divergence_lines += ["", f"**{heading}**", "", *(_line(c) for c in cited)]
    return {
        "agreements": "\n".join(agreement_lines),
        "divergences": "\n".join(divergence_lines),
        "recommendations": labels.recommendations,
    }
