"""In two browsers: the mention picker inserts a member's handle into a post, and the member
mentioned sees the unread count of their header change live, then reads the notification
(Playwright driving Debian's Chromium against the real app on a real port)."""

import pytest
from playwright.sync_api import expect

# The same forum (two delegates, one open item) and sign-in as the live discussion's tests.
from .test_discussion_live import LIVE, forum, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["forum"]


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


def test_the_agenda_marks_the_item_live_and_opening_it_reads_its_notifications(
    browser, live_server, forum
):
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    bob_context, bob = signed_in_page(browser, live_server, "bob@example.org")
    try:
        deliberation_page = forum.rsplit("/items/", 1)[0]
        bob.goto(deliberation_page)
        marker = bob.locator("#agenda-list .unread-marker")
        expect(marker).to_have_count(0)

        alice.goto(forum)
        alice.fill("#compose-body", "What does @Bob_Baker think?")
        alice.locator("#compose button[type=submit]").click()

        # The agenda on Bob's open page marks the item, without a reload.
        expect(marker).to_have_text("1 unread notification", timeout=LIVE)
        expect(bob.locator("#notifications-badge")).to_have_text("1 unread")

        bob.get_by_role("link", name="Shared rules for frontier models").click()
        expect(bob.locator("#notifications-badge")).to_be_hidden()
        bob.go_back()
        bob.reload()
        expect(bob.locator("#agenda-list .unread-marker")).to_have_count(0)
    finally:
        alice_context.close()
        bob_context.close()
