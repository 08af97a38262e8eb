"""A moderator runs a live session from the console in Chromium while a delegate's item page
follows it live: the current item, the round's countdown, the speakers' queue (both
orders), the floor, an announcement, a floor intervention and the participation balance."""

import re

import pytest
import requests
from conftest import (
    PASSWORD,
    make_deliberation,
    make_group,
    make_item,
    make_member,
    make_token,
    make_user,
)
from playwright.sync_api import expect

from commonground.db import db
from commonground.discussion.models import Post
from commonground.voting.models import Motion

pytestmark = pytest.mark.browser

SLUG = "ai-2026"


@pytest.fixture
def session_world(live_server):
    """An open deliberation with two items, a moderator and delegates of two groups."""
    with live_server.app.app_context():
        deliberation = make_deliberation(SLUG, scheme="groups", title="AI Governance 2026")
        gov = make_group(deliberation, "governments", share=2, position=0)
        civ = make_group(deliberation, "civil_society", share=1, position=1)
        make_member(make_user("mod@example.org", "Mo Moderator"), deliberation, "moderator")
        dee = make_member(
            make_user("dee@example.org", "Dee Delegate"), deliberation, "delegate", gov
        )
        dora = make_member(
            make_user("dora@example.org", "Dora Delegate"), deliberation, "delegate", civ
        )
        first = make_item(deliberation, "First item", position=1)
        make_item(deliberation, "Second item", position=2)
        db.session.add(Motion(item_id=first.id, text="Adopt the plan", rule={"kind": "majority"}))
        ids = {
            "first": first.id,
            "dee": dee.id,
            "dora": dora.id,
            "dora_token": make_token(dora.user),
        }
        db.session.commit()
        db.session.remove()
    return ids


def console_error(page, message) -> None:
    # A browser may still ask for /favicon.ico (the icon is an SVG link); that is not the page.
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        page.errors.append(message.text)


def signed_in_page(browser, server, email, locale="en-US"):
    context = browser.new_context(locale=locale)
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Script errors and CSP violations show up on the console; the test fails on any.
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: console_error(page, message))
    page.goto(f"{server.url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form.stacked button[type=submit]").click()
    return page


def test_a_moderator_runs_a_session_and_a_delegates_page_follows_live(
    live_server, session_world, browser
):
    ids = session_world
    console = signed_in_page(browser, live_server, "mod@example.org")
    delegate = signed_in_page(browser, live_server, "dee@example.org")
    try:
        console.goto(f"{live_server.url}/d/{SLUG}/console")
        expect(console.locator("[data-live-status]")).to_have_text("Live")
        delegate.goto(f"{live_server.url}/d/{SLUG}/items/{ids['first']}")
        panel = delegate.locator("[data-live-session]")
        expect(panel).to_be_hidden()  # nothing is happening yet
        expect(panel.locator("[data-live-status]")).to_have_text("Live")
        expect(console.locator("[data-presence-count]")).to_have_text("2 following the session")
        expect(console.locator("[data-presence-groups]")).to_have_text("Governments: 1")
        # The moderator may mute others, never themself.
        rows = console.locator("#members tr")
        expect(rows.filter(has_text="Dee Delegate").get_by_role("button")).to_have_text("Mute")
        expect(rows.filter(has_text="Mo Moderator").get_by_role("button")).to_have_count(0)

        # The current item.
        row = console.locator(f'tr[data-item="{ids["first"]}"]')
        row.get_by_role("button", name="Make current").click()
        expect(row).to_have_class(re.compile(r"\bis-current\b"))
        expect(console.locator("#motions")).to_contain_text("Adopt the plan")
        expect(panel).to_be_visible()
        expect(panel.locator("[data-now-item]")).to_have_text("Now: Item 1 — First item")

        # A timed round: the delegate's countdown runs from the server's end time.
        console.locator("#round-title").fill("Opening statements")
        console.locator("#round-minutes").fill("2")
        console.get_by_role("button", name="Start a round").click()
        countdown = panel.locator("[data-countdown]")
        # The focus goes to the round that started, and screen readers hear it once (the
        # countdown itself is silent: not every second).
        expect(console.locator("[data-now-round]")).to_be_focused()
        expect(panel.locator("[data-round-announcer]")).to_have_text(
            re.compile(r"^The round has started: (2:00|1:5\d) left$")
        )
        expect(countdown).not_to_have_attribute("aria-live", re.compile("."))
        expect(panel.locator("[data-round-title]")).to_have_text("Opening statements")
        expect(countdown).to_have_text(re.compile(r"^(2:00|1:5\d) left$"))
        first_reading = countdown.inner_text()
        delegate.wait_for_timeout(2100)
        assert countdown.inner_text() != first_reading
        expect(console.locator("[data-now-round] [data-countdown]")).to_have_text(
            re.compile(r"^1:5\d left$")
        )

        # The speakers' queue: the delegate asks on the page, another through the API.
        panel.get_by_role("button", name="Request the floor").click()
        expect(panel.locator("[data-my-floor]")).to_have_text(
            "You are in the speakers' queue (place 1)."
        )
        expect(panel.get_by_role("button", name="Withdraw my request")).to_be_focused()
        # Live regions speak only of what changed: the item line is not rewritten when
        # someone else joins the queue.
        panel.locator("[data-now-item] a").evaluate("link => { link.kept = true; }")
        requests.post(
            f"{live_server.url}/api/v1/deliberations/{SLUG}/session/floor/request",
            json={"item": ids["first"]},
            headers={"Authorization": f"Bearer {ids['dora_token']}"},
            timeout=10,
        ).raise_for_status()
        plain = console.locator('[data-queue="plain"] li .queue-name')
        balanced = console.locator('[data-queue="balanced"] li .queue-name')
        expect(plain).to_have_text(["Dee Delegate", "Dora Delegate"])
        expect(balanced).to_have_text(["Dee Delegate", "Dora Delegate"])
        expect(panel.locator("[data-queue] li")).to_have_count(2)
        assert panel.locator("[data-now-item] a").evaluate("link => link.kept === true")

        # The floor.
        console.locator(f'[data-queue="plain"] li[data-member="{ids["dee"]}"]').get_by_role(
            "button", name="Give the floor"
        ).click()
        expect(panel.locator("[data-now-speaker]")).to_contain_text("Speaking now: Dee Delegate")
        expect(panel.locator("[data-my-floor]")).to_have_text(
            "You have the floor: your next post is your intervention."
        )
        expect(plain).to_have_text(["Dora Delegate"])
        # Holding the floor there is no request to withdraw, only the floor to yield.
        expect(panel.get_by_role("button", name="Withdraw my request")).to_have_count(0)
        expect(panel.get_by_role("button", name="Yield the floor")).to_be_visible()

        # An announcement, as a banner for everyone.
        console.locator("#announce-text").fill("Coffee at eleven")
        console.get_by_role("button", name="Announce").click()
        # The banner carries its time and fills the live region already in the page.
        region = panel.locator("[data-announcement]")
        expect(region).to_have_attribute("role", "status")
        expect(region).to_have_text(
            re.compile(r"^\s*Announcement at \d{1,2}:\d\d\s?[AP]M:\s+Coffee at eleven\s*$")
        )
        expect(console.locator("[data-announcements] li").first).to_contain_text("Coffee at eleven")
        # The moderator takes it down for everyone.
        console.get_by_role("button", name="Clear the announcement").click()
        expect(region.locator(".announcement-banner")).to_have_count(0)
        expect(console.locator("[data-now-announcement]")).to_be_hidden()

        # The speaker's post is the intervention; the turn ends; the balance updates.
        delegate.locator("#compose textarea[name=body]").fill("Our statement on the item.")
        delegate.locator("#compose").get_by_role("button", name="Publish").click()
        expect(delegate.locator("[data-live-session] [data-now-speaker]")).to_have_text(
            "Nobody has the floor."
        )
        governments = console.locator('[data-balance="balance-item"] tr[data-group="governments"]')
        expect(governments.locator('[data-count="floor_interventions"]')).to_have_text("1")
        expect(governments.locator('[data-count="posts"]')).to_have_text("1")
        with live_server.app.app_context():
            assert db.session.query(Post.floor_intervention).all() == [(True,)]
            db.session.remove()

        # Stopping the round clears the countdown everywhere.
        console.get_by_role("button", name="Stop the round").click()
        expect(delegate.locator("[data-live-session] [data-now-round]")).to_be_hidden()
        expect(console.locator("[data-now-round]")).to_be_focused()
        expect(console.locator("[data-now-round]")).to_have_text("No round is running.")
        # The item's motion is opened from the console (a plain form, back to the console).
        motions = console.locator("#motions")
        motions.get_by_role("button", name="Open the vote").click()
        expect(console).to_have_url(re.compile(r"/console#motions$"))
        expect(motions.get_by_role("button", name="Close the vote")).to_be_visible()
        assert console.errors == [] and delegate.errors == []
    finally:
        console.context.close()
        delegate.context.close()
