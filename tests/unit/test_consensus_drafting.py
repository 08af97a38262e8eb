"""The cited first draft of a summary (``consensus/drafting.py``) and the divisiveness it
uses (``consensus/bridging.py``), issue 13."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from commonground.consensus.bridging import divisiveness
from commonground.consensus.drafting import Cited, DraftLabels, draft_sections, excerpt
from commonground.consensus.rules import citations

LABELS = DraftLabels("Nothing qualifies yet.", "Nothing divides yet.", "")


def test_every_line_of_the_draft_cites_its_post():
    sections = draft_sections(
        [Cited(3, "Audits for every model.")],
        [Cited(5, "Open weights.")],
        [("Opinion group A", [Cited(7, "Licences.", "this group agrees")])],
        LABELS,
    )
    assert sections["agreements"] == "- Audits for every model. [post #3]"
    assert citations(sections["divergences"]) == [("post", 5), ("post", 7)]
    assert "**Opinion group A**" in sections["divergences"]
    assert "- this group agrees: Licences. [post #7]" in sections["divergences"]
    assert sections["recommendations"] == ""


def test_an_empty_draft_says_so_instead_of_inventing():
    sections = draft_sections([], [], [("Opinion group A", [])], LABELS)
    assert sections["agreements"] == "Nothing qualifies yet."
    assert sections["divergences"] == "Nothing divides yet."


def test_excerpts_are_one_line_and_never_pass_for_a_reference():
    assert excerpt("A\n\nlong   text") == "A long text"
    assert excerpt("See [post #9] here") == "See (post #9) here"
    long = "word " * 100
    cut = excerpt(long, 30)
    assert len(cut) <= 31 and cut.endswith("…")


@given(st.text(max_size=400))
def test_a_quoted_text_adds_no_citation(text):
    assert citations(excerpt(text)) == []


def test_divisiveness_is_the_gap_between_the_groups_that_took_a_side():
    agree = np.array([[9, 0, 0], [5, 5, 0], [3, 0, 0]])
    disagree = np.array([[0, 9, 0], [5, 5, 4], [0, 0, 0]])
    spread = divisiveness(agree, disagree)
    assert spread[0] == (10 / 11) - (1 / 11)
    assert spread[1] == 0.5 - 1 / 6
    assert spread[2] == 0  # only one group took a side
