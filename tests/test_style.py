"""The code's own hygiene, checked where CI runs the tests: lint, format, types, layering.

Each check runs the tool the README installs (``ruff``, ``mypy`` from the test extra) on the
whole tree with the settings in ``pyproject.toml``; a missing tool fails with how to get it.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "briefing"


def _tool(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed: run ./install.sh (pip install -e '.[test]')")
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_ruff_finds_nothing() -> None:
    done = _tool("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_tree_is_ruff_formatted() -> None:
    done = _tool("ruff", "format", "--check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean_on_the_package() -> None:
    done = _tool("mypy", "--no-incremental")
    assert done.returncode == 0, done.stdout + done.stderr


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of each ``from briefing… import …`` in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("briefing"):
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_module_imports_another_modules_private_names() -> None:
    offenders = [
        f"{path.relative_to(REPO)} imports {name} from {module}"
        for path in PACKAGE.rglob("*.py")
        for module, names in _imports(path)
        for name in names
        if name.startswith("_") and module != _module_name(path)
    ]
    assert offenders == []


def _module_graph() -> dict[str, set[str]]:
    """Module → the package modules it imports at module level.

    ``from package import submodule`` is an edge to the submodule, not to the package's
    ``__init__``. Imports inside functions are left out: deferring one is how a command keeps
    start-up light, and it creates no cycle at import time.
    """
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module in modules:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    graph[name].add(sub if sub in modules else node.module)
        graph[name].discard(name)
    return graph


def test_the_package_has_no_import_cycles() -> None:
    graph = _module_graph()
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_every_lazy_name_resolves_to_what_its_module_defines() -> None:
    """The packages that re-export lazily (:mod:`briefing.lazy`): each name gives the object
    its module defines, and none is also the name of one of the package's modules (which
    would replace it once that module is imported)."""
    from briefing import lazy

    checked = 0
    for init in PACKAGE.rglob("__init__.py"):
        names = lazy.exported(init)
        if not names:
            continue
        package = _module_name(init)
        folder = init.parent
        clashes = [n for n in names if (folder / f"{n}.py").exists() or (folder / n).is_dir()]
        assert clashes == [], f"{package}: lazy names that are also modules: {clashes}"
        module = importlib.import_module(package)
        for name, source in names.items():
            assert getattr(module, name) is getattr(importlib.import_module(source), name)
            checked += 1
    assert checked > 40  # config, build, render and figures re-export this many at least


#: Functions over 60 lines, each with the reason it is one piece (empty today: a new entry
#: needs a reason written here and beside the function).
LONG_FUNCTIONS: dict[str, str] = {}
MAX_MODULE_LINES = 420
MAX_FUNCTION_LINES = 60


def test_modules_and_functions_stay_small() -> None:
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{rel}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and f"{rel}:{node.name}" not in LONG_FUNCTIONS:
                    too_long.append(f"{rel}:{node.name}: {lines} lines")
    assert too_long == []
