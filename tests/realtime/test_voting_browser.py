"""The live motion pages in a real browser (Playwright driving Debian's Chromium against the
real app on a real port): a ballot goes through the socket without a reload, every viewer's
tally follows, and the close shows the frozen result. Skipped when Chromium is missing."""

import pytest
import requests
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = 10_000  # ms a live update may take


@pytest.fixture
def chromium(browser):
    """The session's one Chromium: Playwright's sync API allows one instance per process."""
    return browser


def signed_in(chromium, live, email):
    context = chromium.new_context(locale="en-US")
    context.set_default_timeout(LIVE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()
    return page, errors


def test_a_ballot_and_the_close_reach_every_viewer_live(chromium, live, world):
    moderator = world.headers("moderator")
    created = requests.post(
        f"{live.url}/api/v1/items/{world.item.id}/motions",
        json={"text": "Adopt the plan.", "rule": {"kind": "majority"}, "secret": True},
        headers=moderator,
        timeout=10,
    ).json()
    motion_id = created["id"]
    requests.post(f"{live.url}/api/v1/motions/{motion_id}/open", headers=moderator, timeout=10)

    delegate, delegate_errors = signed_in(chromium, live, "delegate@example.org")
    observer, observer_errors = signed_in(chromium, live, "observer@example.org")
    delegate.goto(f"{live.url}/d/{world.deliberation.slug}/items/{world.item.id}")
    observer.goto(f"{live.url}/motions/{motion_id}")
    for page in (delegate, observer):
        page.locator("html[data-voting-live=on]").wait_for(state="attached")

    # The delegate votes through the socket: no navigation, the ballot and receipt appear.
    delegate.evaluate("window.__stillHere = true")
    delegate.locator(f"#motion-{motion_id} button[value=no]").click()
    delegate.locator(f"#motion-{motion_id} .own-ballot", has_text="Your ballot: No").wait_for()
    assert delegate.evaluate("window.__stillHere") is True
    receipt = delegate.locator(f"#motion-{motion_id} [data-receipt]").inner_text()
    assert len(receipt) == 64
    assert (
        delegate.locator(f"#motion-{motion_id} button[value=no]").get_attribute("aria-pressed")
        == "true"
    )

    # The observer's results follow without a reload: a secret ballot shows only how many
    # ballots were cast while it is open.
    observer.evaluate("window.__stillHere = true")
    observer.locator("[data-results-box] .vote-sealed", has_text="1 ballot cast").wait_for()
    assert observer.locator("[data-results-box]", has_text="Governments: No").count() == 0
    assert observer.evaluate("window.__stillHere") is True

    # The close: the observer sees the frozen result, the delegate's buttons go away.
    requests.post(f"{live.url}/api/v1/motions/{motion_id}/close", headers=moderator, timeout=10)
    observer.locator(".vote-outcome", has_text="Outcome: Rejected").wait_for()
    observer.locator("[data-results-box]", has_text="Governments: No 1 of 1").wait_for()
    delegate.locator(f"#motion-{motion_id}[data-status=closed]").wait_for()
    assert delegate.locator(f"#motion-{motion_id} button[value=no]").count() == 0
    assert delegate_errors == [] and observer_errors == []
