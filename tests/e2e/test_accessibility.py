"""Every page type passes axe-core's WCAG 2.2 AA checks with no critical or serious
violation, for a visitor, a delegate and a moderator, in English, Arabic and Chinese; and
every page reflows at 320 CSS px without scrolling sideways.

axe-core is a test-only tool installed from ``package.json`` (``npm ci``; ``.ci/run`` and
``make test`` do it); without it these tests are skipped, saying so.
"""

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from conftest import (
    PASSWORD,
    ROOT,
    make_deliberation,
    make_group,
    make_item,
    make_member,
    make_post,
    make_user,
)

from commonground.consensus.models import ConsensusSummary
from commonground.db import db, utcnow
from commonground.discussion.models import Reaction
from commonground.voting.models import Motion
from commonground.voting.services import cast_ballot, open_motion

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Browser locales: the app picks the interface language from Accept-Language.
LOCALES = {"en": "en-US", "ar": "ar", "zh": "zh-CN"}
ACCOUNTS = {"delegate": "dee@example.org", "moderator": "mo@example.org"}
SLUG = "a11y-forum"


@dataclass
class Forum:
    """The paths of one page of each type."""

    item: int
    summary: int
    motion: int


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed ({AXE.relative_to(ROOT)}): run `npm ci`")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def forum(live_server) -> Forum:
    """A public open deliberation with posts, reactions, a published summary and an open
    motion with a ballot: every part of every page has something to show."""
    with live_server.app.app_context():
        deliberation = make_deliberation(
            SLUG, public=True, scheme="groups", title="AI Governance", languages=["en", "ar"]
        )
        gov = make_group(deliberation, "governments", share=2)
        civ = make_group(deliberation, "civil_society", position=1)
        moderator = make_member(
            make_user(ACCOUNTS["moderator"], "Mo Moderator"), deliberation, "moderator"
        )
        dee = make_member(
            make_user(ACCOUNTS["delegate"], "Dee Delegate"), deliberation, "delegate", gov
        )
        dora = make_member(
            make_user("dora@example.org", "Dora Delegate"), deliberation, "delegate", civ
        )
        item = make_item(deliberation, "Shared rules for frontier models", body="Why **rules**.")
        make_item(deliberation, "Closed item", status="closed")
        first = make_post(item, dee, "We need shared evaluation rules.")
        make_post(item, dora, "Agreed, with independent audits.", parent=first)
        make_post(item, dora, "Nous devons partager les règles.", language="fr")
        db.session.add_all(
            [
                Reaction(post_id=first.id, membership_id=dora.id, stance="agree"),
                Reaction(post_id=first.id, membership_id=moderator.id, stance="disagree"),
            ]
        )
        summary = ConsensusSummary(
            item_id=item.id,
            version=1,
            language="en",
            agreements="Shared rules.",
            divergences="Who audits.",
            recommendations="A working group.",
            status="published",
            author_id=moderator.id,
            published_at=utcnow(),
        )
        motion = Motion(item_id=item.id, text="Adopt the shared rules", rule={"kind": "majority"})
        db.session.add_all([summary, motion])
        db.session.flush()
        with live_server.app.test_request_context():
            open_motion(moderator.user, motion)
            cast_ballot(dee.user, motion, "yes")
        db.session.commit()
        ids = Forum(item.id, summary.id, motion.id)
        db.session.remove()
    return ids


def pages_for(role: str, forum: Forum) -> list[str]:
    """The page types a role can reach."""
    item = f"/d/{SLUG}/items/{forum.item}"
    paths = [
        "/",
        f"/d/{SLUG}",
        item,
        f"{item}/common-ground",
        f"{item}/summaries",
        f"/d/{SLUG}/summaries/{forum.summary}",
        f"/motions/{forum.motion}",
        f"/api/v1/deliberations/{SLUG}/record.html",
    ]
    if role == "anonymous":
        return ["/login", "/password/forgot", *paths]
    paths += ["/account/tokens", "/account/privacy", "/account", "/notifications"]
    if role == "moderator":
        paths += [f"/d/{SLUG}/console", f"/d/{SLUG}/members", f"/d/{SLUG}/redactions"]
    return paths


def serious_violations(page, axe_source: str) -> list[str]:
    """axe-core's critical and serious WCAG 2.2 AA violations on the page, one line each."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                    resultTypes: ["violations"]})""",
        WCAG_22_AA,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} — "
        f"{node['failureSummary'].splitlines()[1].strip()}"
        for violation in result["violations"]
        if violation["impact"] in ("critical", "serious")
        for node in violation["nodes"]
    ]


@contextmanager
def visiting(browser, server, role: str, language: str, **options):
    """A page in a fresh browser context in ``language``, signed in as ``role``."""
    context = browser.new_context(locale=LOCALES[language], **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        if role != "anonymous":
            page.goto(f"{server.url}/login")
            page.locator("#email").fill(ACCOUNTS[role])
            page.locator("#password").fill(PASSWORD)
            with page.expect_navigation():
                page.locator("form.stacked button[type=submit]").click()
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize("role", ["anonymous", "delegate", "moderator"])
def test_every_page_type_has_no_serious_wcag_22_aa_violation(
    browser, live_server, forum, axe_source, role, language
):
    # The record's strict CSP forbids inline scripts; axe is the test's, not the page's.
    with visiting(browser, live_server, role, language, bypass_csp=True) as page:
        found = {}
        for path in pages_for(role, forum):
            response = page.goto(live_server.url + path)
            assert response.ok, f"{path}: {response.status}"
            assert page.locator("html").get_attribute("lang") == language, path
            page.wait_for_load_state("networkidle")
            if violations := serious_violations(page, axe_source):
                found[path] = violations
        assert not found, "\n".join(
            f"{path}:\n  " + "\n  ".join(lines) for path, lines in found.items()
        )


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize(
    ("role", "width"),
    [("anonymous", 320), ("moderator", 320), ("moderator", 390), ("moderator", 640)],
)
def test_every_page_reflows_at_320_css_pixels_without_scrolling_sideways(
    browser, live_server, forum, role, language, width
):
    """WCAG 1.4.10: at 320 CSS px wide (a phone, or 1280 px zoomed to 400 %) nothing makes
    the page scroll sideways; wide tables scroll inside their own box. The same at 390 px
    (a common phone) and 640 px (1280 px zoomed to 200 %)."""
    phone = {"width": width, "height": 640}
    with visiting(browser, live_server, role, language, viewport=phone) as page:
        wide = {}
        for path in pages_for(role, forum):
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > page.evaluate("window.innerWidth"):
                wide[path] = width
        assert not wide, f"wider than {width} px: {wide}"


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb(r, g, b)`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in colour[colour.index("(") + 1 : -1].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_focus_ring_stands_out_on_the_page_and_on_cards(browser, live_server, forum):
    """WCAG 1.4.11: the keyboard focus ring reaches 3:1 on the page and on white cards."""
    with visiting(browser, live_server, "anonymous", "en") as page:
        page.goto(f"{live_server.url}/d/{SLUG}/items/{forum.item}")
        page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return [s.outlineColor, s.outlineWidth, s.outlineStyle]; }"""
        )
        assert ring[2] == "solid" and float(ring[1].removesuffix("px")) >= 2
        for background in ("rgb(255, 255, 255)", "rgb(246, 248, 250)"):  # paper, wash
            assert contrast(ring[0], background) >= 3, (ring, background)
