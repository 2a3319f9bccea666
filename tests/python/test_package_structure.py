"""The package has no knots: no import cycle, no private name used across
modules, no file over 600 lines and no function over 100 lines.

The import graph is read with ``ast`` from every module of customer_lifecycle/,
imports at module level AND inside functions (a deferred import hides a cycle
from Python, not from this test).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = "customer_lifecycle"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 100


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative ones resolved)."""
    if not node.level:
        return node.module or ""
    package = module if MODULES[module].name == "__init__.py" else module
    base = package.split(".")
    base = base[: len(base) - node.level + (MODULES[module].name == "__init__.py")]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, tree: ast.AST) -> list[tuple[str, str | None, int]]:
    """``(imported package module, imported name or None, line)`` for every
    import of a package module anywhere in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:  # `from package import module`
                    found.append((sub, None, node.lineno))
                else:
                    found.append((target, alias.name, node.lineno))
    return [f for f in found if f[0] in MODULES]


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        graph[module] = {target for target, _, _ in imports_of(module, tree)}
        graph[module].discard(module)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_cycle_finder_finds_a_cycle():
    # the checker itself must be able to fail
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports(module):
    importlib.import_module(module)


def test_import_graph_is_acyclic():
    assert find_cycle(import_graph()) is None


def test_run_log_is_a_leaf():
    assert import_graph()[f"{PACKAGE}.run_log"] == set()


def private_uses(module: str, tree: ast.AST) -> list[str]:
    """Underscore names of another package module that ``tree`` imports or reads."""
    uses = []
    bound = {}  # local name -> package module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target, name, line in imports_of(module, tree):
                if name and name.startswith("_") and target != module:
                    uses.append(f"line {line}: from {target} import {name}")
            for alias in node.names:
                full = (
                    alias.name
                    if isinstance(node, ast.Import)
                    else f"{_resolve(module, node)}.{alias.name}"
                )
                if full in MODULES:
                    bound[alias.asname or alias.name.split(".")[-1]] = full
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and bound.get(node.value.id, module) != module
        ):
            uses.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return sorted(set(uses))


def test_private_use_finder_finds_one():
    tree = ast.parse(
        "from customer_lifecycle.btyd import base\n"
        "from customer_lifecycle.btyd.base import _x\n"
        "base._y\n"
    )
    assert private_uses(f"{PACKAGE}.clv", tree) == [
        "line 2: from customer_lifecycle.btyd.base import _x",
        "line 3: base._y",
    ]


def test_no_private_name_used_across_modules():
    found = {
        module: uses
        for module, path in MODULES.items()
        if (uses := private_uses(module, ast.parse(path.read_text())))
    }
    assert found == {}


def oversize(path: Path) -> list[str]:
    """What in ``path`` is over the size limits, in words."""
    source = path.read_text()
    problems = []
    if (n := len(source.splitlines())) > MAX_FILE_LINES:
        problems.append(f"{n} lines (> {MAX_FILE_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(f"{node.name}: {length} lines (> {MAX_FUNCTION_LINES})")
    return problems


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=str(p.relative_to(ROOT))) for p in sorted(ROOT.rglob("*.py"))],
)
def test_no_file_over_600_lines_and_no_function_over_100(path):
    assert oversize(path) == []
