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


@pytest.fixture
def recomputing_server(database_path, tmp_path):
    """The app with opinion groups recomputed in the background (the tests' default is to
    compute while reading), served on a free port."""
    from conftest import base_config

    from commonground import create_app

    from .conftest import served

    config = {**base_config(f"sqlite:///{database_path}", tmp_path), "OPINIONS_INTERVAL": 0.05}
    with served(create_app(config)) as server:
        yield server


def test_the_common_ground_page_swaps_in_recomputed_bridging(browser, recomputing_server):
    import requests
    from conftest import make_token

    live_server = recomputing_server
    with live_server.app.app_context():
        deliberation = make_deliberation("bridging-live")
        gov = make_group(deliberation, "governments")
        make_member(make_user("alice@example.org", "Alice Ames"), deliberation, "delegate", gov)
        bob_user = make_user("bob@example.org", "Bob Baker")
        bob = make_member(bob_user, deliberation, "delegate", gov)
        item = make_item(deliberation, "Shared rules for frontier models")
        post_id = make_post(item, bob, "Publish evaluation results.").id
        token = make_token(bob_user)
        db.session.commit()
        url = f"{live_server.url}/d/{deliberation.slug}/items/{item.id}/common-ground"
        db.session.remove()
    context, page = signed_in_page(browser, live_server, "alice@example.org")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(url)
        page.evaluate("window.sameDocument = true")
        status = page.locator("[data-live-status]")
        # Each changed reaction gives a new result, announced to the room: repeat until the
        # page (whose socket may still be joining) has heard one.
        for stance in ("agree", "disagree", "pass", "agree", "disagree"):
            response = requests.put(
                f"{live_server.url}/api/v1/posts/{post_id}/reaction",
                json={"stance": stance},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert response.status_code == 200, response.text
            try:
                status.filter(has_text="was recomputed").wait_for(timeout=3000)
                break
            except Exception:
                continue
        assert "recomputed from the latest reactions" in status.inner_text()
        assert page.locator(f"#cg-bridging-{post_id}").count() == 1
        assert page.evaluate("window.sameDocument") is True
        assert errors == []
    finally:
        context.close()
