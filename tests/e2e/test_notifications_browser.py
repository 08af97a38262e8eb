"""In two browsers: the mention picker inserts a member's handle into a post, and the member
mentioned sees the unread count of their header change live, then reads the notification
(Playwright driving Debian's Chromium against the real app on a real port)."""

import pytest
from conftest import PASSWORD, make_deliberation, make_group, make_item, make_member, make_user
from playwright.sync_api import expect

from commonground.db import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = 10_000


@pytest.fixture
def forum(live_server):
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
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()
    return context, page


def test_a_mention_chosen_in_the_picker_notifies_the_member_live(browser, live_server, forum):
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    bob_context, bob = signed_in_page(browser, live_server, "bob@example.org")
    try:
        bob.goto(f"{live_server.url}/")
        badge = bob.locator("#notifications-badge")
        expect(badge).to_be_hidden()

        alice.goto(forum)
        alice.fill("#compose-body", "I agree with")
        alice.fill("#compose-mention", "bo")
        alice.get_by_role("button", name="Bob Baker (@Bob_Baker)").click()
        expect(alice.locator("#compose-body")).to_have_value("I agree with @Bob_Baker ")
        expect(alice.locator("#compose-body")).to_be_focused()
        alice.locator("#compose button[type=submit]").click()

        expect(badge).to_be_visible(timeout=LIVE)
        expect(badge).to_have_text("1 unread")
        bob.locator("#notifications-link").click()
        link = bob.get_by_role(
            "link", name="Alice Ames mentioned you in “Shared rules for frontier models”."
        )
        expect(link).to_be_visible()
        bob.get_by_role("button", name="Mark all as read").click()
        expect(bob.locator("#notifications-badge")).to_be_hidden()
    finally:
        alice_context.close()
        bob_context.close()
