"""The structure holds: the import contract of pyproject.toml is kept, no module of the
package imports itself back through others, and the capabilities meet through signals."""

from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contract_of_pyproject_is_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def import_circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return circles


def test_no_module_imports_itself_back_through_others():
    graph = grimp.build_graph("commonground", cache_dir=None)
    assert import_circles(graph) == []


def test_the_circle_finder_finds_a_circle(tmp_path, monkeypatch):
    package = tmp_path / "circled"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("from . import c\n")
    (package / "c.py").write_text("from . import a\n")
    (package / "d.py").write_text("from . import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circled", cache_dir=None)
    assert import_circles(graph) == [["circled.a", "circled.b", "circled.c"]]


@pytest.mark.parametrize(
    ("capability", "forbidden"),
    [
        ("discussion", "commonground.live.services"),
        ("deliberations", "commonground.discussion.services"),
        ("consensus", "commonground.discussion.services"),
        ("records", "commonground.voting.services"),
    ],
)
def test_capabilities_do_not_reach_into_each_others_actions(capability, forbidden):
    graph = grimp.build_graph("commonground", cache_dir=None)
    importers = graph.find_downstream_modules(forbidden)
    assert not {m for m in importers if m.startswith(f"commonground.{capability}.")}
