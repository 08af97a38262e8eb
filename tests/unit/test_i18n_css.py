"""The stylesheets mirror for Arabic: CSS logical properties only, never left/right."""

import re
from pathlib import Path

import pytest

CSS_DIR = Path(__file__).resolve().parents[2] / "static" / "css"

#: Physical (left/right) declarations that do not flip in a right-to-left page.
PHYSICAL = [
    re.compile(r"\b(?:margin|padding|border|scroll-margin|scroll-padding)-(?:left|right)\b"),
    re.compile(r"\bborder-(?:top|bottom)-(?:left|right)-radius\b"),
    re.compile(r"(?<![\w-])(?:left|right)\s*:"),
    re.compile(r"\b(?:text-align|float|clear)\s*:\s*(?:left|right)\b"),
]


def physical_declarations(css: str) -> list[str]:
    """The lines of ``css`` (comments removed) that use a physical left/right property."""
    css = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), css, flags=re.S)
    return [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(css.splitlines(), start=1)
        if any(pattern.search(line) for pattern in PHYSICAL)
    ]


def stylesheets() -> list[Path]:
    return sorted(CSS_DIR.rglob("*.css"))


def test_there_are_stylesheets_to_check():
    assert stylesheets()


@pytest.mark.parametrize("path", stylesheets(), ids=lambda p: p.name)
def test_stylesheet_uses_logical_properties_only(path):
    found = physical_declarations(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.name} uses physical left/right properties, which do not mirror in Arabic; "
        "use margin-inline-start/end, padding-inline-*, inset-inline-*, text-align: start/end:\n"
        + "\n".join(found)
    )


@pytest.mark.parametrize(
    "css",
    [
        ".a { margin-left: 1rem; }",
        ".a { padding-right: 0 }",
        ".a { left: 0; }",
        ".a {\n  right : 2px;\n}",
        ".a { text-align: left; }",
        ".a { float: right; }",
        ".a { border-right: 1px solid; }",
        ".a { border-top-left-radius: 4px; }",
    ],
)
def test_the_check_catches_physical_properties(css):
    assert physical_declarations(css)


@pytest.mark.parametrize(
    "css",
    [
        ".a { margin-inline-start: 1rem; inset-inline-end: 0; text-align: start; }",
        "/* never margin-left: here */ .a { float: inline-start; }",
        ".a { border-inline-start: 4px solid; }",
        "@media (max-width: 48rem) { .a { inline-size: 100%; } }",
        ".a { background: url(arrow-right.svg); }",
    ],
)
def test_the_check_accepts_logical_properties(css):
    assert not physical_declarations(css)
