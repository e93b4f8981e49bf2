"""Packages that re-export their modules' names without importing them (PEP 562).

Importing one module of a package runs the package's ``__init__`` first, so an ``__init__``
that imports every module makes each of them cost all of them: the render worker, which only
needs :mod:`briefing.build.job`, paid for pydantic, Jinja and Markdown through
``briefing.build`` (0.8 s of its start-up), and a no-op rebuild paid for the whole pipeline.

A package imports its public names under ``if TYPE_CHECKING:`` (what mypy and editors read)
and sets ``__getattr__ = lazy.exports(__name__, __file__)``: that block is the one list, read
from the source here, and each name is imported on first use.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any


def exports(package: str, init_file: str) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``, for the names its ``if TYPE_CHECKING:`` imports."""
    names = exported(Path(init_file))

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(importlib.import_module(package), name, value)  # later lookups are plain
        return value

    return __getattr__


def exported(init_file: Path) -> dict[str, str]:
    """name → module of every ``from module import name`` under ``if TYPE_CHECKING:``.

    No name may be that of one of the package's own modules: importing the module sets the
    package's attribute of that name to the module, hiding the lazy name for good
    (``tests/test_style.py`` checks)."""
    names: dict[str, str] = {}
    for node in ast.parse(init_file.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    for alias in statement.names:
                        names[alias.asname or alias.name] = statement.module
    return names
