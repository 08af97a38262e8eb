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
