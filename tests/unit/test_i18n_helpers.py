"""Language helpers: browser preferences, text direction, language names, catalog building."""

import os
import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from commonground.config import LANGUAGES
from commonground.i18n import accepted_language, compile_catalogs, language_name, text_direction

ROOT = Path(__file__).resolve().parents[2]


def accept(header: str) -> LanguageAccept:
    return parse_accept_header(header, LanguageAccept)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr", "fr"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("ar-EG", "ar"),
        ("es-419,es;q=0.9", "es"),
        ("ru_RU", "ru"),
        # The reader's first choice wins even when only a later one matches exactly.
        ("fr-CA,en;q=0.5", "fr"),
        # Languages we do not offer are passed over, in order of preference.
        ("de-DE,pt;q=0.9,ar;q=0.3,en;q=0.2", "ar"),
        ("en;q=0.4,ru;q=0.8", "ru"),
    ],
)
def test_the_browsers_most_preferred_ui_language_is_chosen(header, language):
    assert accepted_language(accept(header)) == language


@pytest.mark.parametrize("header", ["", "de", "pt-BR,ja;q=0.5", "*", "fr;q=0"])
def test_no_ui_language_matches_when_the_browser_asks_for_none_we_offer(header):
    assert accepted_language(accept(header)) is None


def test_only_arabic_is_written_right_to_left():
    assert {code: text_direction(code) for code in LANGUAGES} == {
        "en": "ltr",
        "fr": "ltr",
        "es": "ltr",
        "ru": "ltr",
        "zh": "ltr",
        "ar": "rtl",
    }


def test_languages_are_named_in_their_own_language_by_default():
    names = {code: language_name(code) for code in LANGUAGES}
    assert names == {
        "en": "English",
        "fr": "français",
        "es": "español",
        "ru": "русский",
        "zh": "中文",
        "ar": "العربية",
    }


def test_languages_can_be_named_in_another_language_and_unknown_codes_stay_codes():
    assert language_name("ar", "fr") == "arabe"
    assert language_name("zh", "en") == "Chinese"
    assert language_name("pt-BR", "en") == "Portuguese (Brazil)"
    assert language_name("not a code") == "not a code"


@pytest.fixture
def catalogs(tmp_path) -> Path:
    """A copy of the shipped catalogs (sources only) to compile."""
    target = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def test_a_fresh_clone_gets_every_catalog_compiled_at_start(catalogs):
    compile_catalogs(str(catalogs))
    for code in LANGUAGES[1:]:
        mo_path = catalogs / code / "LC_MESSAGES" / "messages.mo"
        with mo_path.open("rb") as mo_file:
            compiled = read_mo(mo_file)
        assert len(compiled) > 20, code


def test_a_catalog_is_recompiled_only_when_its_source_is_newer(catalogs):
    compile_catalogs(str(catalogs))
    po_path = catalogs / "fr" / "LC_MESSAGES" / "messages.po"
    mo_path = po_path.with_suffix(".mo")
    os.utime(mo_path, (1, 1))
    os.utime(po_path, (0, 0))
    compile_catalogs(str(catalogs))
    assert mo_path.stat().st_mtime == 1, "an up-to-date catalog was rebuilt"

    os.utime(po_path, (2, 2))
    compile_catalogs(str(catalogs))
    assert mo_path.stat().st_mtime > 2, "a stale catalog was kept"
    assert not list(catalogs.rglob("*.tmp")), "a temporary file was left behind"
