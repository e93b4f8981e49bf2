"""The config schema is the one place defaults are written: every option has a docstring, and
the two ``briefing.toml`` files users read (the repository's and the one ``briefing init``
writes) name only options that exist and show their defaults — a value that differs from the
default must say so in a comment ("example", "override") on its line or above its table."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from briefing.config import DEFAULT_AUDIENCES, Audience, Branding, Config, Palette

ROOT = Path(__file__).resolve().parent.parent
SHOWN = [ROOT / "briefing.toml", ROOT / "briefing" / "commands" / "skeleton" / "briefing.toml"]
MARKER = re.compile(r"\b(example|override)", re.IGNORECASE)
TABLE = re.compile(r"^\[([a-z_.-]+)\]")
KEY = re.compile(r"^([a-z_]+)\s*=")


def sections(model: type[BaseModel]) -> list[type[BaseModel]]:
    """``model`` and every model nested in it."""
    found = [model]
    for field in model.model_fields.values():
        for kind in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(kind, type) and issubclass(kind, BaseModel) and kind not in found:
                found += [s for s in sections(kind) if s not in found]
    return found


def test_every_option_has_a_docstring():
    undocumented = [
        f"{model.__name__}.{name}"
        for model in {*sections(Config), Audience, Branding, Palette}
        for name, field in model.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert not undocumented


def uncommented(path: Path) -> tuple[str, dict[int, bool]]:
    """The file with its commented-out settings switched on (they show defaults too), and for
    each line number whether a comment there or above its table marks a deliberate change."""
    lines, marked, table_marked, previous_comment = [], {}, False, ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw
        body = raw.lstrip("# ").rstrip() if raw.startswith("#") else raw
        if raw.startswith("#") and (TABLE.match(body) or KEY.match(body)):
            line = body
        if TABLE.match(line):
            table_marked = bool(MARKER.search(previous_comment) or MARKER.search(line))
        comment = line.split(" #", 1)[1] if " #" in line else ""
        marked[number] = table_marked or bool(MARKER.search(comment))
        previous_comment = raw if raw.startswith("#") and line is raw else ""
        lines.append(line)
    return "\n".join(lines) + "\n", marked


def defaults_of(table: str) -> tuple[type[BaseModel], dict[str, Any]] | None:
    """The model of a dotted table name and its default values; None when there is none."""
    parts = table.split(".") if table else []
    if parts[:1] == ["audiences"] and len(parts) >= 2:
        audience = Audience(**DEFAULT_AUDIENCES.get(parts[1], {}))
        model: BaseModel = audience
        rest = parts[2:]
    else:
        model, rest = Config(), parts
    for name in rest:
        if name not in type(model).model_fields:
            return None
        value = getattr(model, name)
        if value is None and name == "branding":
            value = Branding()
        if not isinstance(value, BaseModel):
            return None
        model = value
    return type(model), model.model_dump()


class Shown:
    """One settings file, checked table by table against the schema."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text, self.marked = uncommented(path)
        self.data = tomllib.loads(text)  # commented-out settings must still be valid TOML
        self.lines = text.splitlines()
        self.problems: list[str] = []

    def line_of(self, table: str, key: str) -> int:
        current = ""
        for number, line in enumerate(self.lines, 1):
            if found := TABLE.match(line):
                current = found[1]
            elif current == table and (named := KEY.match(line)) and named[1] == key:
                return number
        return 0

    def walk(self, table: str, values: dict[str, Any]) -> None:
        model = defaults_of(table)
        if model is None:
            self.problems.append(f"{self.path.name}: [{table}] is no table of the schema")
            return
        kind, default = model
        for key, value in values.items():
            name = f"{table}.{key}" if table else key
            if table == "" and key == "audiences":
                for audience, settings in value.items():
                    self.walk(f"audiences.{audience}", settings)
            elif key not in kind.model_fields:
                self.problems.append(f"{self.path.name}: unknown key {name}")
            elif isinstance(value, dict):
                self.walk(name, value)
            elif value != default.get(key) and not self.marked.get(self.line_of(table, key)):
                self.problems.append(
                    f"{self.path.name}:{self.line_of(table, key)}: {name} = {value!r}, but the "
                    f"default is {default.get(key)!r} (say 'example' or 'override' in a comment)"
                )


@pytest.mark.parametrize("path", SHOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_shown_settings_exist_and_show_their_defaults(path: Path):
    shown = Shown(path)
    shown.walk("", shown.data)
    assert not shown.problems, "\n".join(shown.problems)
