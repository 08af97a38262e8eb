"""Two delegates in two browsers see each other's posts and replies appear live (Playwright
driving Debian's Chromium against the real app on a real port)."""

import re
from dataclasses import dataclass

import pytest
import requests
from conftest import (
    PASSWORD,
    make_deliberation,
    make_group,
    make_item,
    make_member,
    make_post,
    make_token,
    make_user,
)
from playwright.sync_api import expect

from commonground.accounts.models import User
from commonground.db import db
from commonground.deliberations.models import Deliberation
from commonground.discussion.rules import MAX_BODY_LENGTH

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


class Api:
    """The forum's REST API as one member (a fresh token of theirs)."""

    def __init__(self, live_server, forum: str, email: str):
        with live_server.app.app_context():
            token = make_token(db.session.query(User).filter_by(email=email).one())
            db.session.commit()
            db.session.remove()
        self.url = f"{live_server.url}/api/v1"
        self.item = int(forum.rsplit("/", 1)[1])
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: dict) -> dict:
        response = requests.request(
            method, f"{self.url}{path}", json=body, headers=self.headers, timeout=10
        )
        assert response.ok, response.text
        return response.json()

    def post(self, body: str, parent: int | None = None) -> int:
        """Publish a post (a reply to ``parent``); its id."""
        created = self.call("POST", f"/items/{self.item}/posts", {"body": body, "parent": parent})
        return created["id"]


def thread_shape(page) -> list[dict]:
    """Every post of the page's thread in order: where it sits and its rendered article
    (CSRF tokens left out: each rendering signs its own)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("[data-thread] li.post-node")].map((node) => ({
            id: node.id,
            level: node.dataset.level,
            under: node.parentElement.closest("li.post-node")?.id ?? null,
            folded: node.closest("details.branch") ? node.closest("details.branch").open : null,
            summary: node.closest("details.branch")?.querySelector(":scope > summary").textContent,
            article: node.querySelector(":scope > article").innerHTML
                .replace(/name="csrf_token" value="[^"]*"/g, ""),
        }))"""
    )


def test_a_thread_that_grew_live_is_the_thread_a_reload_shows(browser, live_server, forum):
    """Replies at every depth (folded branches, deeper than the page indents), an edit and
    a hide, all arriving live, leave the page as the server renders it."""
    live_server.app.config["POST_RATE_LIMIT"] = "100/60"
    with live_server.app.app_context():
        deliberation = db.session.query(Deliberation).filter_by(slug="live-forum").one()
        make_member(make_user("mo@example.org", "Mo Moderator"), deliberation, "moderator")
        db.session.commit()
        db.session.remove()
    bob, mo = (Api(live_server, forum, email) for email in ("bob@example.org", "mo@example.org"))
    post = bob.post
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    errors: list[str] = []
    alice.on("pageerror", lambda error: errors.append(str(error)))

    try:
        open_discussion(alice, forum)
        top = post("The top of the thread")
        parent, chain = top, []
        for depth in range(1, 7):  # deeper than the page indents (MAX_NESTING)
            parent = post(f"Reply at depth {depth}", parent)
            chain.append(parent)
        post("A second reply to the top", top)
        post("A second reply at depth 3", chain[1])
        post("Another thread")
        bob.call("PATCH", f"/posts/{top}", {"body": "The top, edited"})
        mo.call("POST", f"/posts/{chain[0]}/hide", {"reason": "Off topic"})
        expect(alice.locator("[data-thread] li.post-node")).to_have_count(10)
        expect(alice.locator(f"#post-{top}")).to_contain_text("The top, edited")
        expect(alice.locator(f"#post-{chain[0]}")).to_contain_text("Hidden by moderator")
        expect(alice.locator("#discussion-count")).to_have_text("10 posts")
        live = thread_shape(alice)

        alice.goto(forum)
        assert thread_shape(alice) == live
        assert errors == []
    finally:
        alice_context.close()


def test_a_reply_being_written_survives_an_edit_of_its_post(browser, live_server, forum):
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    bob_context, bob = signed_in_page(browser, live_server, "bob@example.org")
    try:
        open_discussion(alice, forum)
        open_discussion(bob, forum)
        alice.fill("#compose-body", "A first version.")
        alice.click("#compose button[type=submit]")
        arrived = bob.locator("li.post-node", has_text="A first version.")
        post = bob.locator(f"#post-{arrived.get_attribute('data-post-id')}")
        post.locator("a[data-action=reply]").click()
        reply = post.locator("form.reply-form textarea")
        reply.fill("Half a thought")
        expect(reply).to_be_focused()

        # Alice edits (the page's form, without the socket): Bob's copy changes in place.
        mine = alice.locator("li.post-node", has_text="A first version.")
        mine.locator("a[data-action=edit]").click()
        alice.fill("form.edit-form textarea", "A second version.")
        alice.click("form.edit-form button[type=submit]")
        expect(post.locator(".post-body")).to_have_text("A second version.")
        expect(post.locator(".post-edited")).to_be_visible()

        # His reply is still there, still his to finish.
        expect(reply).to_have_value("Half a thought")
        expect(reply).to_be_focused()
        reply.press_sequentially(", finished.")
        post.locator("form.reply-form button[type=submit]").click()
        alice.locator("ol.replies li.post-node", has_text="Half a thought, finished.").wait_for()
    finally:
        alice_context.close()
        bob_context.close()


def test_posts_missed_while_disconnected_arrive_after_reconnecting(browser, live_server, forum):
    bob = Api(live_server, forum, "bob@example.org")
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    try:
        open_discussion(alice, forum)
        # The page's own socket (the module is shared), dropped as by a network failure.
        alice.evaluate(
            "(async () => (await import('/static/js/live.js')).sharedSocket().disconnect())()"
        )
        alice.locator("#discussion [data-live-status][data-state=offline]").wait_for()
        first = bob.post("Missed one")
        bob.post("Missed two, a reply", first)
        alice.wait_for_timeout(300)
        expect(alice.locator("li.post-node")).to_have_count(0)

        alice.evaluate(
            "(async () => (await import('/static/js/live.js')).sharedSocket().connect())()"
        )
        reply = alice.locator(f"#post-{first} ol.replies li.post-node", has_text="Missed two")
        reply.wait_for()
        expect(alice.locator("li.post-node")).to_have_count(2)
        expect(alice.locator("#discussion-count")).to_have_text("2 posts")
        expect(alice.locator("[data-empty]")).to_be_hidden()
    finally:
        alice_context.close()


def test_common_ground_charts_follow_reactions_live(browser, live_server, forum):
    alice = Api(live_server, forum, "alice@example.org")
    post = alice.post("Publish the evaluations.")
    bob_context, bob = signed_in_page(browser, live_server, "bob@example.org")
    errors: list[str] = []
    bob.on("pageerror", lambda error: errors.append(str(error)))
    try:
        bob.goto(f"{forum}/common-ground")
        bob.wait_for_function(
            "import('/static/js/live.js').then((live) => live.sharedSocket().connected)"
        )
        bob.wait_for_timeout(300)  # the join reaches the server
        bob.evaluate("window.__stillHere = true")
        figures = bob.locator(f"#cg-figures-{post}")
        governments = figures.locator("tr[data-group=governments]")
        expect(governments.locator("[data-count=agree]")).to_have_text("0")

        # Alice (governments) agrees elsewhere: Bob's chart and measures follow.
        alice.call("PUT", f"/posts/{post}/reaction", {"stance": "agree"})
        expect(governments.locator("[data-count=agree]")).to_have_text("1")
        expect(governments.locator("rect[data-bar=agree]")).to_have_attribute("width", "100.00")
        expect(governments.locator("[data-bar-title]")).to_have_text(
            "Governments: 1 agree, 0 disagree, 0 pass"
        )
        expect(figures.locator("[data-total=agree]")).to_have_text("1")

        # Bob (civil society) disagrees with one click; the focus stays on his button.
        button = bob.locator(f"#cg-post-{post} form[data-reaction-form] button[value=disagree]")
        button.click()
        civil = figures.locator("tr[data-group=civil_society]")
        expect(civil.locator("[data-count=disagree]")).to_have_text("1")
        expect(figures.locator('[data-measure="majority"]')).to_have_text("no")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_be_focused()
        assert bob.evaluate("window.__stillHere") is True
        assert errors == []
    finally:
        bob_context.close()


def test_locking_an_item_live_disables_the_whole_form_beside_its_notice_and_the_badge(
    browser, live_server, forum
):
    with live_server.app.app_context():
        deliberation = db.session.query(Deliberation).filter_by(slug="live-forum").one()
        moderator = make_user("mo@example.org", "Mo Moderator")
        make_member(moderator, deliberation, "moderator")
        token = make_token(moderator)
        db.session.commit()
        db.session.remove()
    context, alice = signed_in_page(browser, live_server, "alice@example.org")
    try:
        open_discussion(alice, forum)
        compose = alice.locator("#compose")
        alice.fill("#compose-body", "A thought in progress.")
        # The counter under the box follows the writing.
        expect(alice.locator("#compose-count")).to_have_text(f"22 / {MAX_BODY_LENGTH:,}")
        item_id = int(forum.rsplit("/", 1)[1])

        def moderate(method, action, body):
            requests.request(
                method,
                f"{live_server.url}/api/v1/items/{item_id}/{action}".rstrip("/"),
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            ).raise_for_status()

        moderate("POST", "lock", {"locked": True})
        expect(compose.get_by_role("button", name="Publish")).to_be_disabled()
        expect(compose.locator("textarea")).to_be_disabled()
        expect(compose.locator("select")).to_be_disabled()
        expect(alice.locator("[data-compose-state]")).to_have_text(
            "A moderator has locked this discussion: it accepts no new posts for now."
        )
        expect(alice.locator("[data-item-locked-badge]")).to_be_visible()
        # The draft stays where it was, ready for when the item reopens.
        expect(compose.locator("textarea")).to_have_value("A thought in progress.")

        moderate("POST", "lock", {"locked": False})
        expect(compose.get_by_role("button", name="Publish")).to_be_enabled()
        expect(alice.locator("[data-item-locked-badge]")).to_be_hidden()
        expect(alice.locator("[data-compose-state]")).to_have_text("")

        # Closing the item changes its status badge too.
        moderate("PATCH", "", {"status": "closed"})
        badge = alice.locator("[data-item-status-badge]")
        expect(badge).to_have_class(re.compile(r"\bstatus-closed\b"))
        expect(badge).to_contain_text("Closed")
        expect(compose.get_by_role("button", name="Publish")).to_be_disabled()
    finally:
        context.close()


def test_a_published_summary_appears_on_open_item_pages_named_by_its_language(
    browser, live_server, forum
):
    with live_server.app.app_context():
        deliberation = db.session.query(Deliberation).filter_by(slug="live-forum").one()
        moderator = make_member(make_user("mo@example.org"), deliberation, "moderator")
        headers = {"Authorization": f"Bearer {make_token(moderator.user)}"}
        db.session.commit()
        db.session.remove()
    item_id = int(forum.rsplit("/", 1)[1])
    context, alice = signed_in_page(browser, live_server, "alice@example.org")
    try:
        open_discussion(alice, forum)
        consensus = alice.locator("#consensus")
        expect(consensus).to_contain_text("No consensus summary has been published")
        draft = requests.post(
            f"{live_server.url}/api/v1/items/{item_id}/summaries",
            json={"language": "fr", "agreements": "Des règles communes."},
            headers=headers,
            timeout=10,
        )
        draft.raise_for_status()
        requests.post(
            f"{live_server.url}/api/v1/summaries/{draft.json()['id']}/publish",
            headers=headers,
            timeout=10,
        ).raise_for_status()
        expect(consensus).to_contain_text("Des règles communes.")
        expect(alice.get_by_role("status").filter(has_text="published in")).to_have_text(
            "Version 1 of the summary was published in French."
        )
    finally:
        context.close()


def seed_threads(live_server, count: int) -> list[tuple[int, int]]:
    """``count`` threads of the forum's item, each a post of Alice and Bob's reply."""
    with live_server.app.app_context():
        deliberation = db.session.query(Deliberation).filter_by(slug="live-forum").one()
        item = deliberation.items[0]
        alice, bob = (
            next(m for m in deliberation.memberships if m.user.email == email)
            for email in ("alice@example.org", "bob@example.org")
        )
        made = []
        for number in range(count):
            root = make_post(item, alice, f"Thread number {number}")
            made.append((root.id, make_post(item, bob, f"Answer {number}", parent=root).id))
        db.session.commit()
        db.session.remove()
    return made


@dataclass
class Windowed:
    """Twelve threads shown five at a time; Alice reads in a browser, Bob posts by API."""

    made: list[tuple[int, int]]
    bob: Api
    alice: object
    errors: list[str]


@pytest.fixture
def windowed(browser, live_server, forum):
    live_server.app.config["THREAD_WINDOW_THREADS"] = 5
    made = seed_threads(live_server, 12)
    bob = Api(live_server, forum, "bob@example.org")
    alice_context, alice = signed_in_page(browser, live_server, "alice@example.org")
    errors: list[str] = []
    alice.on("pageerror", lambda error: errors.append(str(error)))
    yield Windowed(made, bob, alice, errors)
    alice_context.close()


def test_scrolling_up_loads_older_threads_and_live_posts_still_arrive(forum, windowed):
    made, bob, alice = windowed.made, windowed.bob, windowed.alice
    open_discussion(alice, forum)
    posts = alice.locator("[data-thread] li.post-node")
    expect(posts).to_have_count(10)
    expect(alice.locator(f"#post-{made[0][0]}")).to_have_count(0)

    # Reading upwards: each time the "Older posts" link comes into view, the threads
    # before come in above it, without a reload, until the first thread.
    for shown in (20, 24):
        alice.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        alice.locator("#discussion-older").scroll_into_view_if_needed()
        expect(posts).to_have_count(shown)
    expect(alice.locator("#discussion-older")).to_be_hidden()
    ids = [int(i) for i in posts.evaluate_all("nodes => nodes.map(n => n.dataset.postId)")]
    assert ids == [i for pair in made for i in pair]
    assert "?" not in alice.url  # loaded in place

    # Live updates go on: a reply to the first (older) thread, and a new thread.
    reply = bob.post("Late reply to the first thread", made[0][0])
    alice.locator(f"#post-{made[0][0]} ol.replies #post-{reply}").wait_for()
    newest = bob.post("A brand new thread")
    alice.locator(f"[data-thread] > #post-{newest}").wait_for()
    expect(posts).to_have_count(26)
    assert windowed.errors == []


def test_a_link_to_an_old_post_loads_the_window_holding_it(forum, windowed):
    made, bob, alice = windowed.made, windowed.bob, windowed.alice
    old = made[1][1]
    open_discussion(alice, f"{forum}#post-{old}")
    expect(alice.locator(f"#post-{old}")).to_be_in_viewport()
    expect(alice.locator(f"#post-{made[-1][0]}")).to_have_count(0)
    expect(alice.locator("#discussion-newer a")).to_be_visible()

    # A new thread belongs to the newest window, not this one; a reply to a thread
    # shown here arrives live.
    newest = bob.post("A thread for the newest window")
    reply = bob.post("An answer in the old window", made[2][0])
    alice.locator(f"#post-{made[2][0]} ol.replies #post-{reply}").wait_for()
    expect(alice.locator(f"#post-{newest}")).to_have_count(0)

    # Another anchor on the same page: the window holding it, in place.
    alice.evaluate(f"window.location.hash = 'post-{made[-1][1]}'")
    expect(alice.locator(f"#post-{made[-1][1]}")).to_be_in_viewport()
    # Reading down, the newer threads come in below, the new thread among them.
    alice.evaluate(f"window.location.hash = 'post-{made[0][0]}'")
    expect(alice.locator(f"#post-{made[0][0]}")).to_be_in_viewport()
    newer_cursor = "document.querySelector('#discussion-newer a')?.dataset.cursor ?? null"
    while cursor := alice.evaluate(newer_cursor):
        alice.evaluate("document.getElementById('discussion-newer').scrollIntoView()")
        alice.wait_for_function(f"c => ({newer_cursor}) !== c", arg=cursor)
    alice.locator(f"[data-thread] > #post-{newest}").wait_for()
    ids = alice.locator("[data-thread] li.post-node").evaluate_all(
        "nodes => nodes.map(n => Number(n.dataset.postId))"
    )
    assert sorted(ids) == sorted([i for pair in made for i in pair] + [reply, newest])
    assert windowed.errors == []
