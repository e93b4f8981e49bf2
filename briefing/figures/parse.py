"""Figures as authors write them → validated figures, or an
error that names the file, the line and the key.

Two ways in: the front-matter ``figures`` list (:func:`parse_figures`, with the loader's line of
every key) and the YAML of a ```figure fence in the body (:func:`parse_figure_block`, which
finds the lines itself). pydantic's errors are reworded here in the project's style.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from briefing.errors import BriefError
from briefing.figures.model import Datum, Figure

Loc = tuple[str | int, ...]

_FIGURES = TypeAdapter(list[Figure])


def parse_figures(
    raw: object,
    path: Path,
    line: int | None,
    *,
    line_of: Callable[[Loc], int] | None = None,
) -> list[Figure]:
    """Validate the front-matter ``figures`` value (a list of mappings).

    ``line`` is the line of the ``figures:`` key. When the loader knows the line of every key,
    pass ``line_of`` (e.g. ``Source.line_of``, called with a full path such as
    ``("figures", 1, "data", 0, "value")``) and errors point at the offending line itself.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BriefError(
            path, "figures: should be a list of figures (each with kind, title and data)", line
        )
    try:
        return _FIGURES.validate_python(raw)
    except ValidationError as exc:
        loc, message = _explain(exc, ("figures",))
        where = line_of(loc) if line_of else line
        raise BriefError(path, message, where) from None


def parse_figure_block(text: str, path: Path, line: int) -> Figure:
    """Validate the YAML inside a ```figure fence; ``line`` is the file line of the fence."""
    from briefing.content.yamlparse import SAFE_LOADERS, load_yaml

    try:
        # an alias bomb is refused before anything expands it
        node, raw = load_yaml(path, text, line + 1, "figure block", SAFE_LOADERS)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = line + 1 + mark.line if mark is not None else line
        raise BriefError(path, f"YAML error in figure block: {problem}", where) from exc
    if not isinstance(raw, dict):
        raise BriefError(path, "figure block: should be a mapping with kind, title and data", line)
    lines = dict(_key_lines(node, ())) if node is not None else {}
    try:
        return Figure.model_validate(raw)
    except ValidationError as exc:
        loc, message = _explain(exc, ())
        while loc and loc not in lines:
            loc = loc[:-1]
        raise BriefError(path, f"figure block: {message}", line + 1 + lines.get(loc, -1)) from None


def _key_lines(node: yaml.Node, loc: Loc) -> Iterator[tuple[Loc, int]]:
    """0-based YAML line of every key and list item, with its path."""
    yield loc, node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield (*loc, key.value), key.start_mark.line
                yield from _key_lines(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _key_lines(item, (*loc, i))


_REL_PATH = re.compile(r"^((?:[A-Za-z_]\w*|\[\d+\])(?:\.[A-Za-z_]\w*|\[\d+\])*): (.*)$", re.S)


def _explain(exc: ValidationError, prefix: Loc) -> tuple[Loc, str]:
    """First problem of a ValidationError as (key path, message) in the project's wording."""
    err = exc.errors()[0]
    loc: Loc = prefix + tuple(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if match := _REL_PATH.match(msg):  # from Figure._check_kind: "data[2].date: missing …"
        rel = tuple(
            int(p[1:-1]) if p.startswith("[") else p
            for p in re.findall(r"\[\d+\]|[A-Za-z_]\w*", match.group(1))
        )
        loc, msg = loc + rel, match.group(2)
    key = _key(loc)
    if err["type"] == "extra_forbidden":
        model = Datum if "data" in loc[:-1] else Figure
        message = f"unknown key '{key}' (allowed: {', '.join(model.model_fields)})"
    elif err["type"] == "missing":
        message = f"missing required key '{key}'"
    elif err["type"] in ("model_type", "dict_type"):
        got = type(err["input"]).__name__
        message = f"{key}: should be a mapping (key: value lines), got {got}"
    else:
        message = f"{key}: {msg}" if key else msg
    more = len(exc.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return loc, message


def _key(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
