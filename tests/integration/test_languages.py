"""Languages done right (issue 14.6): counts take the catalog's plural forms in every page
and fragment, numbers and times are the reader's locale's, and user text and names are
isolated from the direction of the page around them."""

import re

import pytest
from flask import render_template_string
from flask_babel import force_locale

TOTALS = (
    '{% import "consensus/_macros.html" as cm with context %}'
    "{{ cm.totals(agree, disagree, pass_, reaction_words()) }}"
)


def totals(app, locale: str, agree: int, disagree: int, pass_: int) -> str:
    with app.test_request_context("/"), force_locale(locale):
        html = render_template_string(TOTALS, agree=agree, disagree=disagree, pass_=pass_)
    return re.sub(r"[ \n]+", " ", html)


@pytest.mark.parametrize(
    ("locale", "counts", "expected"),
    [
        ("ru", (1, 2, 5), "1 согласен · 2 не согласны · 5 пропустили"),
        ("ru", (21, 11, 1), "21 согласен · 11 не согласны · 1 пропустил"),
        ("ar", (2, 3, 0), "2 موافقتان · 3 اعتراضات · 0 حياد"),
        ("en", (1, 2, 0), "1 agree · 2 disagree · 0 pass"),
    ],
)
def test_reaction_totals_take_the_plural_form_of_their_count(app, locale, counts, expected):
    assert re.sub(r"<[^>]+>", "", totals(app, locale, *counts)).strip() == expected


def test_reaction_counts_are_in_the_readers_digits(app):
    assert '<span data-total="agree">1,234</span>' in totals(app, "en", 1234, 0, 0)
    assert '<span data-total="agree">1\u00a0234</span>' in totals(app, "ru", 1234, 0, 0)


def following(app, locale: str) -> dict[str, str]:
    """The console's live "N following the session" forms, as the page script gets them."""
    from flask_babel import ngettext

    from commonground.i18n import plural_forms

    with app.test_request_context("/"), force_locale(locale):
        return plural_forms(
            lambda n: ngettext(
                "%(count)s following the session",
                "%(count)s following the session",
                n,
                count="{count}",
            )
        )


@pytest.mark.parametrize(
    ("locale", "categories"),
    [
        ("en", {"one", "other"}),
        ("ru", {"one", "few", "many"}),  # "other" is for fractions only
        ("ar", {"zero", "one", "two", "few", "many", "other"}),
        ("zh", {"other"}),
    ],
)
def test_the_page_script_gets_a_live_counts_forms_by_plural_category(app, locale, categories):
    forms = following(app, locale)
    assert set(forms) == categories
    assert all("{count}" in form for form in forms.values())


def test_russian_and_arabic_counts_take_their_own_forms(app):
    ru = following(app, "ru")
    assert ru["one"] == "{count} человек следит за заседанием"
    assert ru["few"] == "{count} человека следят за заседанием"
    ar = following(app, "ar")
    assert ar["two"] == "{count} متابعان للجلسة" and ar["few"] == "{count} متابعين للجلسة"


def test_an_arabic_name_and_english_text_are_isolated_from_the_page_around_them(client, world):
    from conftest import login, make_post

    from commonground.db import db

    delegate = world.memberships["delegate"]
    delegate.user.name = "نادية الخطيب"
    make_post(world.item, delegate, body="Shared evaluation rules.", language="en")
    db.session.commit()
    login(client, "mod@example.org")
    item = client.get(f"/d/ai-2026/items/{world.item.id}").get_data(as_text=True)
    assert re.search(r'class="post-author" id="post-\d+-by" dir="auto">نادية الخطيب<', item)
    assert re.search(r'class="post-body" lang="en" dir="auto"><p>Shared evaluation rules', item)
    members = client.get("/d/ai-2026/members").get_data(as_text=True)
    assert "<bdi>نادية الخطيب</bdi>" in members
    deliberation = client.get("/d/ai-2026?lang=ar").get_data(as_text=True)
    assert "<bdi>نادية الخطيب</bdi>" in deliberation
