"""Live numbers in the reader's language (issue 14.6), in Chromium: counts take the catalog's
plural forms and every number the page script writes uses the digits Babel writes them in
for the page's locale (no "1 следят", no Arabic-Indic digits beside Latin ones)."""

from contextlib import contextmanager

import pytest
from babel.numbers import format_decimal
from playwright.sync_api import expect

from commonground.discussion.rules import MAX_BODY_LENGTH

from .test_console import SLUG, session_world, signed_in_page  # noqa: F401
from .test_discussion_live import forum, open_discussion  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@contextmanager
def reading(browser, server, email: str, locale: str):
    """A signed-in page whose browser asks for ``locale``; closed afterwards."""
    page = signed_in_page(browser, server, email, locale)
    try:
        yield page
    finally:
        page.context.close()


def test_the_character_counter_writes_numbers_as_the_server_does_in_arabic(
    browser,
    live_server,
    forum,  # noqa: F811
):
    written, most = (format_decimal(n, locale="ar") for n in (13, MAX_BODY_LENGTH))
    with reading(browser, live_server, "alice@example.org", "ar") as page:
        open_discussion(page, forum)
        assert page.locator("html").get_attribute("data-numbering") == "latn"
        page.locator("#compose-body").press_sequentially("مرحبا بالجميع")
        expect(page.locator("#compose-count")).to_have_text(f"{written} / {most}")


def test_the_consoles_follower_count_takes_the_russian_plural_form(
    browser,
    live_server,
    session_world,  # noqa: F811
):
    with reading(browser, live_server, "mod@example.org", "ru-RU") as console:
        console.goto(f"{live_server.url}/d/{SLUG}/console")
        expect(console.locator("html")).to_have_attribute("lang", "ru")
        count = console.locator("[data-presence-count]")
        expect(count).to_have_text("1 человек следит за заседанием")
