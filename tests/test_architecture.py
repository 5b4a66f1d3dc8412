"""The core's shape: no import cycles between its modules (imports at module level; lazy imports inside functions
are how a lower layer reaches an upper one on purpose, and are not counted)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "emozoo"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_imports(tree: ast.Module) -> list[ast.stmt]:
    """Import statements outside functions and outside ``if TYPE_CHECKING:`` blocks."""
    found: list[ast.stmt] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body + node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body])

    visit(tree.body)
    return found


def import_graph(*, lazy: bool = False) -> dict[str, set[str]]:
    """module -> core modules it imports at module level (with ``lazy``: anywhere, function bodies included);
    ``from pkg import sub`` counts as ``pkg.sub``."""
    modules = {_module_name(p): p for p in CORE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))] if lazy else _module_level_imports(tree)
        for node in nodes:
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_the_checker_finds_a_planted_cycle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_core_has_no_import_cycle():
    assert find_cycles(import_graph()) == []


def test_artifact_imports_nothing_above_it():
    """DESIGN.md §7: artifact.py imports nothing above it (no hub, model, registry or api), not even lazily."""
    allowed = {"emozoo.errors", "emozoo.hash_cache", "emozoo._fileio", "emozoo._version"}
    assert import_graph(lazy=True)["emozoo.artifact"] <= allowed


def test_in_ci_a_skip_for_a_missing_package_is_a_failure(tmp_path):
    """The root conftest turns importorskip-style skips into failures when CI is set (jsonschema must run there)."""
    import os
    import subprocess
    import sys
    import textwrap

    (tmp_path / "test_needs_pkg.py").write_text(textwrap.dedent("""
        import pytest
        def test_needs():
            pytest.importorskip("a_package_that_does_not_exist_here")
    """))
    (tmp_path / "conftest.py").write_text((REPO / "conftest.py").read_text())
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_needs_pkg.py"]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    local = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)  # a loaded machine can take minutes to import torch twice
    ci = subprocess.run(cmd, cwd=tmp_path, env={**env, "CI": "true"}, capture_output=True, text=True, timeout=600)
    assert local.returncode == 0 and "1 skipped" in local.stdout
    assert ci.returncode == 1 and "1 failed" in ci.stdout and "skipped in CI, where it must run" in ci.stdout
