"""Every UI string is translated in all five catalogs (DESIGN §8: "every catalog complete").

The strings are extracted from the code exactly as ``make translations`` does (same babel.cfg,
same keywords), so a string added without running ``make translations`` and translating it
fails here, naming the string and the catalog.
"""

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from commonground.config import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
#: The keywords the Makefile passes to ``pybabel extract``
#: (-k _l -k lazy_gettext -k lazy_pgettext:1c,2).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_pgettext": ((1, "c"), 2),
}
#: printf-style placeholders: %(name)s, %s, %d …; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def placeholders(text: str) -> list[str]:
    """The printf placeholders of ``text``, sorted, without literal percent signs."""
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """Every translatable string of the code and templates, as ``make translations`` sees it."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, "babel.cfg")
    catalog = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, locations=[(filename, lineno)], context=context)
    return catalog


def read_catalog(language: str) -> Catalog:
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make translations`"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language)


def test_the_code_has_strings_to_translate(extracted):
    assert len([m for m in extracted if m.id]) > 20


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_extracted_string_is_translated(extracted, language):
    catalog = read_catalog(language)
    problems = []
    for source in extracted:
        if not source.id:
            continue
        where = f"{source.locations[0][0]}:{source.locations[0][1]}"
        translated = catalog.get(source.id, source.context)
        if translated is None:
            problems.append(f"missing   {source.id!r} ({where})")
            continue
        forms = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        if translated.fuzzy:
            problems.append(f"fuzzy     {source.id!r} ({where})")
        elif not all(forms):
            problems.append(f"empty     {source.id!r} ({where})")
        elif source.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(
                f"plurals   {source.id!r}: {len(forms)} forms, {language} needs "
                f"{catalog.num_plurals} ({where})"
            )
        else:
            problems.extend(
                f"format    {source.id!r}: {problem} ({where})"
                for problem in placeholder_problems(source.id, forms)
            )
    assert not problems, (
        f"translations/{language}/LC_MESSAGES/messages.po is incomplete "
        f"(run `make translations`, then translate):\n  " + "\n  ".join(problems)
    )


def placeholder_problems(msgid: str | tuple, forms: tuple[str, ...]) -> list[str]:
    """Placeholders a translation lost, added or renamed.

    A singular message must keep exactly its placeholders. A plural form may leave the
    count out (Arabic and Russian "one" forms often spell it as a word), but may not use a
    placeholder the source lacks, and the forms together must use every one.
    """
    if isinstance(msgid, str):
        expected = placeholders(msgid)
        got = placeholders(forms[0])
        return [] if got == expected else [f"placeholders {got}, expected {expected}"]
    allowed = set(placeholders(msgid[0])) | set(placeholders(msgid[1]))
    used = set()
    problems = []
    for index, form in enumerate(forms):
        found = set(placeholders(form))
        if extra := found - allowed:
            problems.append(f"form {index} uses unknown placeholders {sorted(extra)}")
        used |= found
    if missing := allowed - used:
        problems.append(f"no form uses {sorted(missing)}")
    return problems


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_compiles_without_fuzzy_header(language, tmp_path):
    """A catalog marked fuzzy as a whole is skipped by ``pybabel compile``: never ship one."""
    catalog = read_catalog(language)
    assert not catalog.fuzzy, f"the header of the {language} catalog is marked fuzzy"
    with (tmp_path / "messages.mo").open("wb") as mo_file:
        write_mo(mo_file, catalog)
    assert (tmp_path / "messages.mo").stat().st_size > 100


def test_placeholder_check_catches_a_renamed_placeholder():
    assert placeholder_problems("Welcome, %(name)s.", ("Bienvenue, %(nom)s.",))
    assert placeholder_problems("Welcome, %(name)s.", ("Bienvenue.",))
    assert not placeholder_problems("Welcome, %(name)s.", ("Bienvenue, %(name)s.",))
    assert not placeholder_problems("100%% sure", ("sûr à 100 %%",))
    plural = ("%(num)d reply", "%(num)d replies")
    assert not placeholder_problems(plural, ("رد واحد", "%(num)d ردود"))
    assert placeholder_problems(plural, ("رد واحد", "ردود"))
