"""Keyboard-only journeys in Chromium (issue 16.9/16.10): posting, replying, reacting, voting
and the console with Tab, Enter and Space alone. Every element the focus meets shows a visible
focus ring, the focus always moves on (no trap), and after an action it lands on its result."""

import re

import pytest
from playwright.sync_api import expect

from .test_console import SLUG, session_world, signed_in_page  # noqa: F401
from .test_discussion_live import forum, open_discussion  # noqa: F401
from .test_discussion_live import signed_in_page as forum_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Whether the focused element shows a ring: an outline or a box shadow, not "none".
RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
}"""
FOCUSED = "() => document.activeElement.outerHTML.slice(0, 120)"


def tab_to(page, selector: str, *, limit: int = 400, backwards: bool = False) -> None:
    """Press Tab until the focus is on ``selector``; every stop shows a ring and differs
    from the one before (the focus is never trapped)."""
    previous = None
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        here = page.evaluate(FOCUSED)
        assert here != previous, f"focus trapped on {here}"
        if not here.startswith("<body"):
            assert page.evaluate(RING), f"no visible focus on {here}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        previous = here
    raise AssertionError(f"Tab never reached {selector}")


def test_a_delegate_posts_replies_and_reacts_with_the_keyboard_alone(
    browser,
    live_server,
    forum,  # noqa: F811
):
    context, alice = forum_page(browser, live_server, "alice@example.org")
    try:
        open_discussion(alice, forum)
        alice.locator("body").focus()
        tab_to(alice, "#compose-body")
        alice.keyboard.type("Typed without a mouse.")
        tab_to(alice, "#compose button[type=submit]")
        alice.keyboard.press("Enter")
        post = alice.locator("li.post-node", has_text="Typed without a mouse.")
        expect(post).to_have_count(1)
        post_id = post.get_attribute("data-post-id")

        # Reply: the link opens the form with the focus in it; publishing puts the focus on
        # the reply, not on the page.
        tab_to(alice, f"#post-{post_id} a[data-action=reply]", backwards=True)
        alice.keyboard.press("Enter")
        expect(alice.locator(f"#reply-{post_id} textarea")).to_be_focused()
        alice.keyboard.type("And a reply, too.")
        tab_to(alice, f"#reply-{post_id} button[type=submit]")
        alice.keyboard.press("Enter")
        reply = alice.locator("ol.replies li.post-node", has_text="And a reply, too.")
        expect(reply).to_have_count(1)
        expect(reply.locator(":scope > article")).to_be_focused()
        assert alice.evaluate(RING)

        # React with Space on a focused button: it stays focused and pressed.
        agree = reply.locator("form[data-reaction-form] button[value=agree]")
        tab_to(alice, f"#{reply.get_attribute('id')} form[data-reaction-form] button[value=agree]")
        alice.keyboard.press("Space")
        expect(agree).to_have_attribute("aria-pressed", "true")
        expect(agree).to_be_focused()
    finally:
        context.close()


def test_a_moderator_runs_the_console_and_a_delegate_votes_with_the_keyboard_alone(
    live_server,
    session_world,  # noqa: F811
    browser,
):
    ids = session_world
    console = signed_in_page(browser, live_server, "mod@example.org")
    delegate = None
    try:
        console.goto(f"{live_server.url}/d/{SLUG}/console")
        console.locator("[data-live-status]", has_text="Live").wait_for()
        console.locator("body").focus()
        tab_to(console, f'tr[data-item="{ids["first"]}"] form.make-current button')
        console.keyboard.press("Enter")
        expect(console.locator(f'tr[data-item="{ids["first"]}"]')).to_have_class(
            re.compile(r"\bis-current\b")
        )
        tab_to(console, "#round-minutes", backwards=True)
        tab_to(console, ".console-round form[data-socket-event='round:start'] button")
        console.keyboard.press("Enter")
        expect(console.locator("[data-now-round]")).to_be_focused()
        tab_to(console, "form[data-socket-event='round:stop'] button")
        console.keyboard.press("Enter")
        expect(console.locator("[data-now-round]")).to_have_text("No round is running.")
        expect(console.locator("[data-now-round]")).to_be_focused()
        # The item's motion opens with a plain form (the page comes back to the console).
        tab_to(console, "#motions form button")
        with console.expect_navigation():
            console.keyboard.press("Enter")
        expect(
            console.locator("#motions").get_by_role("button", name="Close the vote")
        ).to_be_visible()

        # The delegate votes from the item page with the keyboard.
        delegate = signed_in_page(browser, live_server, "dee@example.org")
        delegate.goto(f"{live_server.url}/d/{SLUG}/items/{ids['first']}")
        delegate.locator("body").focus()
        yes = delegate.locator("form[data-ballot-form] button[value=yes]")
        tab_to(delegate, "form[data-ballot-form] button[value=yes]")
        delegate.keyboard.press("Enter")
        expect(delegate.locator("[data-ballot-box] .own-ballot")).to_contain_text(
            "Your ballot: Yes"
        )
        expect(yes).to_be_focused()
        assert delegate.evaluate(RING)
    finally:
        console.context.close()
        if delegate is not None:
            delegate.context.close()
