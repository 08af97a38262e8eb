"""A visitor reads the demo, switches to Arabic (right to left), and a delegate signs in."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DEMO_PATH = "/d/ai-action-plan"


def test_a_visitor_reads_the_demo_in_arabic_and_a_delegate_signs_in(demo_server, page):
    page.goto(demo_server.url + DEMO_PATH)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Global AI Governance Action Plan")
    agenda = page.locator("ol.agenda > li")
    expect(agenda).to_have_count(13)
    expect(agenda.first).to_contain_text("Seizing Artificial Intelligence Opportunities Together")

    # Moving through the list changes nothing (keyboard users browse it); the button does.
    switcher = page.get_by_label("Language")
    switcher.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile(re.escape(DEMO_PATH) + "$"))
    expect(html).to_have_attribute("lang", "en")
    switcher.select_option("ar")
    expect(html).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(re.compile(re.escape(DEMO_PATH) + "$"))
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(agenda.first).to_contain_text("اغتنام فرص الذكاء الاصطناعي معًا")
    expect(agenda.nth(12)).to_contain_text("بناء نموذج حوكمة شامل")
    # Right to left for real: the agenda's numeral sits to the right of its title.
    numeral = agenda.first.locator(".numeral").bounding_box()
    title = agenda.first.locator("a").first.bounding_box()
    assert numeral["x"] > title["x"]

    page.get_by_role("link", name="تسجيل الدخول").click()
    page.locator("#email").fill("governments@demo.local")
    page.locator("#password").fill("demo-governments")
    with page.expect_navigation():
        page.locator("form.stacked button[type=submit]").click()

    expect(page).to_have_url(re.compile(re.escape(DEMO_PATH) + "$"))
    expect(html).to_have_attribute("dir", "rtl")  # the chosen language survives signing in
    expect(page.locator(".account-nav")).to_contain_text("Governments Delegate")
    expect(agenda).to_have_count(13)
