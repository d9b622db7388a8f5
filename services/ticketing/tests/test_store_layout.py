"""The store adapters stay small modules that import one another in one direction only."""

from __future__ import annotations

import ast
from pathlib import Path

import ticketing.store

STORE = Path(ticketing.store.__file__).parent
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    modules = {}
    for path in STORE.rglob("*.py"):
        parts = path.relative_to(STORE.parent.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _imports(path: Path, known: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {n for n in names if n in known}
    return found


def test_every_store_module_is_under_the_line_limit() -> None:
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text().splitlines())) >= MAX_LINES
    }
    assert long == {}


def test_the_store_modules_import_each_other_without_a_circle() -> None:
    modules = _modules()
    graph = {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}
    # A package's __init__ re-exporting its adapter is the one edge allowed upwards.
    graph = {
        name: {d for d in deps if not (name.startswith(f"{d}.") and d in modules)}
        for name, deps in graph.items()
    }
    state: dict[str, str] = {}
    circle: list[str] = []

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done" or circle:
            return
        if state.get(name) == "open":
            circle.extend([*path[path.index(name) :], name])
            return
        state[name] = "open"
        for dep in sorted(graph[name]):
            visit(dep, [*path, name])
        state[name] = "done"

    for name in sorted(graph):
        visit(name, [])
    assert circle == []
