"""BENCHMARKS.md is shared by every benchmark: each one owns the section under its own
``## `` heading and replaces only that section, leaving the others as they are."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
TITLE = (
    "# Benchmarks\n\n"
    "Produced by `make bench` (`python -m benchmarks`), which runs every benchmark below; each "
    "section says how to rerun its own benchmark alone.\n"
)


def write_section(section: str, path: Path = BENCHMARKS) -> None:
    """Put ``section`` (starting with its ``## `` heading line) into ``path``, replacing the
    section with the same heading, or appending it when there is none yet."""
    heading = section.lstrip().splitlines()[0]
    if not heading.startswith("## "):
        raise ValueError(f"a section starts with a '## ' heading, not {heading!r}")
    current = path.read_text(encoding="utf-8") if path.exists() else TITLE
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    body = section.strip("\n") + "\n\n"
    if pattern.search(current):
        updated = pattern.sub(lambda _: body, current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + body
    path.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def database_label(db) -> str:
    """The database a benchmark ran on, with its version (``sqlite 3.40.1``)."""
    import sqlalchemy as sa

    dialect = db.engine.dialect.name
    version = db.session.execute(
        sa.text("SELECT sqlite_version()" if dialect == "sqlite" else "SHOW server_version")
    ).scalar()
    return f"{dialect} {version}"
