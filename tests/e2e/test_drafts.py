"""Losing the connection while writing never loses the draft (issue 16.7), in Chromium: the
text stays in the box and in localStorage (per item and per box, across a reload), and
publishing waits for the connection, saying so, then sends."""

import pytest
from playwright.sync_api import expect

from .test_discussion_live import forum, open_discussion, signed_in_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SOCKET = "(async () => (await import('/static/js/live.js')).sharedSocket().{}())()"
DRAFTS = "Object.keys(localStorage).filter((key) => key.startsWith('commonground:draft:'))"


def test_a_draft_outlives_a_reload_and_a_lost_connection_and_is_sent_when_it_is_back(
    browser,
    live_server,
    forum,  # noqa: F811
):
    context, alice = signed_in_page(browser, live_server, "alice@example.org")
    errors: list[str] = []
    alice.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_discussion(alice, forum)
        box = alice.locator("#compose-body")
        box.press_sequentially("Written on a train")
        alice.reload()
        open_discussion(alice, forum)
        expect(box).to_have_value("Written on a train")

        # The connection drops; publishing waits, says so, and keeps the text.
        alice.evaluate(SOCKET.format("disconnect"))
        alice.locator("#discussion [data-live-status][data-state=offline]").wait_for()
        alice.click("#compose button[type=submit]")
        message = alice.locator("#compose [data-form-error]")
        expect(message).to_have_text("No connection: your post will be sent as soon as it is back.")
        expect(message).to_be_visible()
        expect(box).to_have_value("Written on a train")
        expect(alice.locator("li.post-node")).to_have_count(0)

        # Back online: the post goes, the box empties and the draft is forgotten.
        alice.evaluate(SOCKET.format("connect"))
        expect(alice.locator("li.post-node", has_text="Written on a train")).to_have_count(1)
        expect(box).to_have_value("")
        expect(message).to_be_hidden()
        assert alice.evaluate(DRAFTS) == []
        alice.reload()
        open_discussion(alice, forum)
        expect(box).to_have_value("")

        # A reply's draft is its own: it comes back when the reply form opens again.
        post = alice.locator("li.post-node", has_text="Written on a train")
        post.locator("a[data-action=reply]").click()
        post.locator("form.reply-form textarea").press_sequentially("Half a reply")
        alice.reload()
        open_discussion(alice, forum)
        expect(box).to_have_value("")
        post.locator("a[data-action=reply]").click()
        expect(post.locator("form.reply-form textarea")).to_have_value("Half a reply")
        assert errors == []
    finally:
        context.close()
