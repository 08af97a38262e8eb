"""The inline SVG charts of the printable record (records/html.py): exact, self-contained,
hidden from assistive technology (the figures are written beside them)."""

import re

from commonground.records.html import (
    bar,
    content_security_policy,
    group_tally_bar,
    participation_bar,
    reaction_bar,
    stylesheet,
)


def widths(svg: str) -> list[tuple[str, float]]:
    """(fill, width) of every segment (and marker) drawn over the outlined track."""
    rects = re.findall(r'<rect x="[^"]+" y="0" width="([^"]+)" height="\d+" fill="([^"]+)"', svg)
    return [(fill, float(width)) for width, fill in rects]


def test_a_bar_draws_its_segments_in_order_and_is_decorative():
    svg = str(bar([("yes", 0.5), ("no", 0.25)], width=200))
    assert 'aria-hidden="true"' in svg and "<script" not in svg and "style=" not in svg
    assert widths(svg) == [("#1a7f37", 100.0), ("#cf222e", 50.0)]


def test_a_bar_never_overflows_and_skips_empty_segments():
    svg = str(bar([("yes", 2.0), ("no", 0.0), ("abstain", -1)], width=100))
    assert widths(svg) == [("#1a7f37", 100.0)]


def test_a_groups_tally_is_drawn_against_its_eligible_weight():
    group = {"yes": 3, "no": 1, "block": 0, "abstain": 2, "eligible_weight": 12}
    drawn = widths(str(group_tally_bar(group)))
    assert drawn == [("#1a7f37", 50.0), ("#cf222e", 16.67), ("#6e7781", 33.33)]


def test_a_group_without_eligible_weight_gets_an_empty_bar():
    group = {"yes": 0, "no": 0, "block": 0, "abstain": 0, "eligible_weight": 0}
    assert widths(str(group_tally_bar(group))) == []


def test_reaction_and_participation_bars():
    drawn = widths(str(reaction_bar({"agree": 2, "disagree": 1, "pass": 1})))
    assert drawn == [("#1a7f37", 60.0), ("#cf222e", 30.0), ("#6e7781", 30.0)]
    svg = str(participation_bar("1/4", "1/2"))
    assert widths(svg)[0] == ("#0969da", 50.0)
    assert '<rect x="99.00" y="0" width="2"' in svg  # the expected share's mark


def test_the_policy_allows_exactly_the_inline_stylesheet():
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(stylesheet().encode()).digest()).decode()
    assert f"'sha256-{digest}'" in content_security_policy()
    assert "script-src" not in content_security_policy()
    assert "margin-left" not in stylesheet() and "padding-right" not in stylesheet()


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_part_of_a_bar_meets_white_at_three_to_one_and_no_is_striped():
    from commonground.records.html import COLOURS

    svg = str(bar([("yes", 0.4), ("no", 0.3), ("block", 0.1), ("abstain", 0.1)], marker=0.5))
    # Segments are edged in white, so each part's neighbour is white: ≥ 3:1 against it.
    assert svg.count('stroke="#ffffff"') == 5  # four segments and the marker
    for key in ("yes", "no", "block", "abstain", "agree", "disagree", "pass", "track"):
        assert contrast(COLOURS[key], "#ffffff") >= 3, key
    assert contrast(COLOURS["expected"], "#ffffff") >= 3
    # The empty track is outlined; "no" carries a white stripe, not only its colour.
    assert f'fill="#ffffff" stroke="{COLOURS["track"]}"' in svg
    assert re.search(r'<rect x="80.00" y="5.60" width="60.00" height="2.80" fill="#ffffff"/>', svg)
