"""Two delegates in two browsers see each other's posts and replies appear live (Playwright
driving Debian's Chromium against the real app on a real port)."""

import re

import pytest
from conftest import PASSWORD, make_deliberation, make_group, make_item, make_member, make_user
from playwright.sync_api import expect

from commonground.db import db
from commonground.deliberations.models import Deliberation

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = 10_000  # ms a live update may take before the test gives up


@pytest.fixture
def forum(live_server):
    """An open deliberation with an open item and two delegates of different groups."""
    with live_server.app.app_context():
        deliberation = make_deliberation("live-forum")
        gov = make_group(deliberation, "governments")
        civ = make_group(deliberation, "civil_society", position=1)
        make_member(make_user("alice@example.org", "Alice Ames"), deliberation, "delegate", gov)
        make_member(make_user("bob@example.org", "Bob Baker"), deliberation, "delegate", civ)
        item = make_item(deliberation, "Shared rules for frontier models")
        db.session.commit()
        url = f"{live_server.url}/d/{deliberation.slug}/items/{item.id}"
        db.session.remove()
    return url


def signed_in_page(browser, live_server, email: str):
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(LIVE)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()
    return context, page


def open_discussion(page, url: str) -> None:
    page.goto(url)
    # The script says when the socket is live; until then forms post the classic way.
    page.locator("#discussion [data-live-status][data-state=live]").wait_for()


def test_two_delegates_see_each_others_post_and_reply_live(browser, live_server, forum):
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    bob_context, bob = signed_in_page(browser, live_server, "bob@example.org")
    errors: list[str] = []
    for page in (alice, bob):
        page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_discussion(alice, forum)
        open_discussion(bob, forum)

        # Presence: each sees both, by group.
        alice.locator("#discussion [data-presence-count]", has_text="2").wait_for()
        assert "Civil Society" in alice.locator("#discussion [data-presence-groups]").inner_text()

        # Alice writes; Bob sees her typing, then her post, without reloading.
        alice.fill("#compose-body", "We need **shared** evaluation rules.")
        bob.locator("#discussion [data-typing]", has_text="Alice Ames is writing").wait_for()
        alice.click("#compose button[type=submit]")
        post = bob.locator("li.post-node", has_text="We need shared evaluation rules.")
        post.wait_for()
        assert post.locator("strong").inner_text() == "shared"
        assert post.locator(".post-author").inner_text() == "Alice Ames"
        expect(alice.locator("#compose-body")).to_have_value("")  # cleared once sent

        # Bob replies in place; Alice sees the reply nested under her post.
        post.locator("a[data-action=reply]").click()
        reply_form = post.locator("form.reply-form")
        reply_form.locator("textarea").fill("Agreed, and they should be public.")
        reply_form.locator("button[type=submit]").click()
        mine = alice.locator("li.post-node", has_text="We need shared evaluation rules.").first
        reply = mine.locator(
            "ol.replies li.post-node", has_text="Agreed, and they should be public."
        )
        reply.wait_for()
        assert reply.locator(".post-author").inner_text() == "Bob Baker"
        assert reply_form.count() == 0  # Bob's form closed after sending

        # Both pages hold the same thread, each post once.
        for page in (alice, bob):
            assert page.locator("li.post-node[data-post-id]").count() == 2
        assert bob.url.split("#")[0] == forum  # no reload, no navigation
        assert errors == []
    finally:
        alice_context.close()
        bob_context.close()


def test_a_reloaded_page_shows_the_same_thread_without_javascript(browser, live_server, forum):
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    try:
        open_discussion(alice, forum)
        alice.fill("#compose-body", "Posted live")
        alice.click("#compose button[type=submit]")
        alice.locator("li.post-node", has_text="Posted live").wait_for()

        plain = browser.new_context(locale="en-US", java_script_enabled=False)
        page = plain.new_page()
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=email]", "bob@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form").filter(has=page.locator("input[name=password]")).locator(
            "button[type=submit]"
        ).click()
        page.goto(forum)
        expect(page.locator("#discussion li.post-node", has_text="Posted live")).to_have_count(1)
        # Without JavaScript, Reply is a link to the same page with the form open.
        page.locator("a[data-action=reply]").click()
        assert re.search(r"reply_to=\d+", page.url)
        page.fill("form.reply-form textarea", "A reply without JavaScript")
        with page.expect_navigation():
            page.click("form.reply-form button[type=submit]")
        expect(
            page.locator(
                "#discussion ol.replies li.post-node", has_text="A reply without JavaScript"
            )
        ).to_have_count(1)
        # And it reached Alice's live page.
        alice.locator("ol.replies li.post-node", has_text="A reply without JavaScript").wait_for()
        plain.close()
    finally:
        alice_context.close()


def test_a_post_that_arrives_live_takes_reactions_without_reload(browser, live_server, forum):
    with live_server.app.app_context():
        deliberation = db.session.query(Deliberation).filter_by(slug="live-forum").one()
        olga = make_member(make_user("olga@example.org", "Olga Orr"), deliberation, "observer")
        olga.muted = True  # she may read, not react
        db.session.commit()
        db.session.remove()
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    bob_context, bob = signed_in_page(browser, live_server, "bob@example.org")
    olga_context, olga = signed_in_page(browser, live_server, "olga@example.org")
    errors: list[str] = []
    for page in (alice, bob, olga):
        page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for page in (alice, bob, olga):
            open_discussion(page, forum)
            page.evaluate("window.__stillHere = true")

        alice.fill("#compose-body", "Evaluations should be published.")
        alice.click("#compose button[type=submit]")
        arrived = bob.locator("li.post-node", has_text="Evaluations should be published.")
        arrived.wait_for()
        post_id = arrived.get_attribute("data-post-id")

        # The same block as a server-rendered post: counts at 0, nothing pressed, the plain
        # form (for when the socket fails) aimed at this post and back to this page.
        block = arrived.locator(f"#cg-post-{post_id}[data-cg-post='{post_id}']")
        for stance in ("agree", "disagree", "pass"):
            expect(block.locator(f"[data-total={stance}]")).to_have_text("0")
        form = block.locator(f"form[data-reaction-form][data-post='{post_id}']")
        assert form.get_attribute("action").endswith(f"/posts/{post_id}/reaction")
        assert form.locator("input[name=next]").get_attribute("value") == forum.removeprefix(
            live_server.url
        )
        expect(form.locator("button[aria-pressed=true]")).to_have_count(0)

        # One click; Bob stays on the page and sees his stance and the count.
        form.locator("button[value=agree]").click()
        expect(form.locator("button[value=agree]")).to_have_attribute("aria-pressed", "true")
        expect(block.locator("[data-total=agree]")).to_have_text("1")
        assert bob.evaluate("window.__stillHere") is True
        assert bob.url.split("#")[0] == forum

        # Alice (whose copy also arrived live) and Olga see the count change live; Olga is
        # muted, so she has the counts without buttons, as on the posts served with the page.
        for page in (alice, olga):
            live_block = page.locator(f"#cg-post-{post_id}")
            expect(live_block.locator("[data-total=agree]")).to_have_text("1")
            assert page.evaluate("window.__stillHere") is True
        expect(olga.locator(f"#cg-post-{post_id} form[data-reaction-form]")).to_have_count(0)

        # A change of mind replaces the reaction; the counts follow on every page.
        form.locator("button[value=disagree]").click()
        expect(form.locator("button[value=agree]")).to_have_attribute("aria-pressed", "false")
        for page in (alice, bob, olga):
            live_block = page.locator(f"#cg-post-{post_id}")
            expect(live_block.locator("[data-total=disagree]")).to_have_text("1")
            expect(live_block.locator("[data-total=agree]")).to_have_text("0")
        assert bob.evaluate("window.__stillHere") is True
        assert errors == []
    finally:
        alice_context.close()
        bob_context.close()
        olga_context.close()
