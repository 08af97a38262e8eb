"""The item page's mode to react to posts one card at a time (issue 13), in Chromium: a
reaction swaps in the next card without leaving the page, and the last says there is none
left."""

import pytest
from conftest import make_deliberation, make_group, make_item, make_member, make_post, make_user

from commonground.db import db

from .test_discussion_live import LIVE, open_discussion, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def statements(live_server):
    """An open item with two posts by Bob for Alice to react to; the mode's URL."""
    with live_server.app.app_context():
        deliberation = make_deliberation("react-mode")
        gov = make_group(deliberation, "governments")
        civ = make_group(deliberation, "civil_society", position=1)
        make_member(make_user("alice@example.org", "Alice Ames"), deliberation, "delegate", gov)
        bob = make_member(make_user("bob@example.org", "Bob Baker"), deliberation, "delegate", civ)
        item = make_item(deliberation, "Shared rules for frontier models")
        bodies = ["Publish evaluation results.", "Share incident reports."]
        ids = [make_post(item, bob, body).id for body in bodies]
        db.session.commit()
        url = f"{live_server.url}/d/{deliberation.slug}/items/{item.id}?mode=react"
        db.session.remove()
    return url, dict(zip(ids, bodies, strict=True))


def test_reacting_on_a_card_brings_the_next_without_leaving_the_page(
    browser, live_server, statements
):
    url, bodies = statements
    context, page = signed_in_page(browser, live_server, "alice@example.org")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_discussion(page, url)
        page.evaluate("window.sameDocument = true")
        card = page.locator("#react-card")
        first = next(text for text in bodies.values() if text in card.inner_text())
        card.get_by_role("button", name="Agree", exact=True).click()
        page.wait_for_function(
            "text => !document.querySelector('#react-card').innerText.includes(text)",
            arg=first,
            timeout=LIVE,
        )
        second = next(text for text in bodies.values() if text != first)
        assert second in page.locator("#react-card").inner_text()
        page.locator("#react-card").get_by_role("button", name="Disagree").click()
        page.locator("#react-card", has_text="You have reacted to every post").wait_for()
        assert page.evaluate("window.sameDocument") is True  # no reload
        assert errors == []
    finally:
        context.close()
