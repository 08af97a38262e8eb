"""Six UI languages (DESIGN §8): who chooses the language, how pages announce it, how the
switcher remembers it, and how dates and numbers are written."""

import re
from datetime import UTC, datetime

import pytest
from conftest import csrf_token, login, make_user
from flask import render_template_string
from flask_babel import format_datetime, format_decimal, format_percent

from commonground.accounts.models import User
from commonground.config import LANGUAGES
from commonground.db import db

#: "Deliberations" (the home page heading) in each UI language.
DELIBERATIONS = {
    "en": "Deliberations",
    "fr": "Délibérations",
    "es": "Deliberaciones",
    "ru": "Обсуждения",
    "zh": "审议",
    "ar": "المداولات",
}


def page_language(response) -> tuple[str, str]:
    """The ``lang`` and ``dir`` of a page's <html> element."""
    html = response.get_data(as_text=True)
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
    assert match, "the page has no <html lang=… dir=…>"
    return match.group(1), match.group(2)


def switch_language(client, language: str, next_url: str = "/"):
    return client.post(
        "/language",
        data={"language": language, "next": next_url, "csrf_token": csrf_token(client)},
    )


# --- which language ------------------------------------------------------------------------


def test_english_is_the_default(client):
    response = client.get("/")
    assert page_language(response) == ("en", "ltr")
    assert "<h1>Deliberations</h1>" in response.get_data(as_text=True)


def test_accept_language_is_followed(client):
    response = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert page_language(response) == ("fr", "ltr")
    assert DELIBERATIONS["fr"] in response.get_data(as_text=True)


def test_lang_parameter_beats_accept_language(client):
    response = client.get("/?lang=es", headers={"Accept-Language": "fr"})
    assert page_language(response) == ("es", "ltr")


def test_an_unknown_lang_parameter_falls_back_to_accept_language(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "ru"})
    assert page_language(response) == ("ru", "ltr")


def test_a_language_nobody_offers_falls_back_to_english(client):
    response = client.get("/", headers={"Accept-Language": "de-DE,pt;q=0.8"})
    assert page_language(response) == ("en", "ltr")


def test_the_visitors_choice_beats_lang_parameter_and_accept_language(client):
    switch_language(client, "zh")
    response = client.get("/?lang=es", headers={"Accept-Language": "fr"})
    assert page_language(response) == ("zh", "ltr")


def test_a_users_stored_language_beats_every_other_signal(app, client):
    make_user("reader@example.org", locale="ar")
    db.session.commit()
    switch_language(client, "fr")  # chosen before signing in, in this browser
    login(client, "reader@example.org")
    response = client.get("/?lang=es", headers={"Accept-Language": "ru"})
    assert page_language(response) == ("ar", "rtl")


def test_a_user_without_a_stored_language_follows_the_other_signals(app, client):
    make_user("reader@example.org")
    db.session.commit()
    login(client, "reader@example.org")
    assert page_language(client.get("/?lang=ru")) == ("ru", "ltr")
    assert page_language(client.get("/", headers={"Accept-Language": "zh-CN"})) == ("zh", "ltr")


# --- how pages announce it -----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_declares_its_language_and_direction(client, language):
    response = client.get(f"/?lang={language}")
    expected_direction = "rtl" if language == "ar" else "ltr"
    assert page_language(response) == (language, expected_direction)
    assert DELIBERATIONS[language] in response.get_data(as_text=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_error_pages_are_translated_too(client, language):
    response = client.get(f"/d/no-such-deliberation?lang={language}")
    assert response.status_code == 404
    assert page_language(response)[0] == language


def test_the_language_switcher_offers_the_six_languages_by_their_own_names(client):
    html = client.get("/?lang=ar").get_data(as_text=True)
    switcher = re.search(r'<form[^>]+action="/language".*?</form>', html, re.S)
    assert switcher, "no language switcher on the page"
    options = re.findall(r'<option value="(\w+)" lang="\w+"\s*(selected)?>([^<]+)</option>', html)
    assert [(code, name) for code, _selected, name in options] == [
        ("en", "English"),
        ("fr", "français"),
        ("es", "español"),
        ("ru", "русский"),
        ("zh", "中文"),
        ("ar", "العربية"),
    ]
    assert [code for code, selected, _name in options if selected] == ["ar"]
    assert '<label for="language-select">اللغة</label>' in switcher.group()


# --- the switcher remembers the choice -----------------------------------------------------


def test_switching_language_returns_to_the_page_and_is_remembered_for_the_visitor(client):
    response = switch_language(client, "ru", next_url="/?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?page=2"
    with client.session_transaction() as session:
        assert session["locale"] == "ru"
    assert page_language(client.get("/")) == ("ru", "ltr")


def test_switching_language_is_stored_on_the_account_of_a_signed_in_user(app, client):
    make_user("reader@example.org", locale="fr")
    db.session.commit()
    login(client, "reader@example.org")
    switch_language(client, "zh")
    db.session.expire_all()
    assert db.session.scalar(db.select(User.locale).filter_by(email="reader@example.org")) == "zh"

    # The account carries the choice to a new browser.
    other_browser = app.test_client()
    login(other_browser, "reader@example.org")
    assert page_language(other_browser.get("/")) == ("zh", "ltr")


def test_switching_to_a_language_we_do_not_offer_changes_nothing(client):
    switch_language(client, "fr")
    response = switch_language(client, "de")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["locale"] == "fr"
    html = client.get("/").get_data(as_text=True)
    assert "Cette langue n'est pas disponible." in html.replace("&#39;", "'")


def test_switching_language_needs_the_csrf_token(client):
    response = client.post("/language", data={"language": "fr"})
    assert response.status_code == 400
    assert page_language(client.get("/")) == ("en", "ltr")


def test_the_switcher_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = switch_language(client, "es", next_url=target)
        assert response.headers["Location"] == "/", target


# --- dates and numbers ---------------------------------------------------------------------

MOMENT = datetime(2026, 7, 26, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "number", "percent", "date"),
    [
        ("en", "1,234,567.5", "75%", "Jul 26, 2026"),
        ("fr", "1\u202f234\u202f567,5", "75\xa0%", "26 juil. 2026"),
        ("es", "1.234.567,5", "75\xa0%", "26 jul 2026"),
        ("ru", "1\xa0234\xa0567,5", "75\xa0%", "26 июл. 2026"),
        ("zh", "1,234,567.5", "75%", "2026年7月26日"),
        ("ar", "1,234,567.5", "75%", "26\u200f/07\u200f/2026"),
    ],
)
def test_numbers_and_dates_are_written_the_readers_way(app, language, number, percent, date):
    with app.test_request_context(f"/?lang={language}"):
        assert format_decimal(1234567.5) == number
        assert format_percent(0.75) == percent
        assert format_datetime(MOMENT, "medium").startswith(date)
        # Templates format through the same Babel filters.
        rendered = render_template_string(
            "{{ n|number }}|{{ p|percent }}|{{ d|datetime }}", n=1234567.5, p=0.75, d=MOMENT
        )
        assert rendered.split("|")[:2] == [number, percent]
        assert rendered.split("|")[2].startswith(date)


def test_times_are_shown_in_utc_for_everyone(app):
    with app.test_request_context("/?lang=en"):
        assert format_datetime(MOMENT, "HH:mm") == "09:30"


def test_missing_dates_render_as_nothing(app):
    with app.test_request_context("/"):
        assert render_template_string("[{{ none|datetime }}]", none=None) == "[]"
