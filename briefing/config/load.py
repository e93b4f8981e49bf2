"""Reading ``briefing.toml``: TOML, merged over the defaults, validated by the schema; every
error names the file, the key and (where it can be found) the line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from briefing.config.defaults import CONFIG_NAME, DEFAULT_AUDIENCES
from briefing.config.schema import Config
from briefing.errors import BriefError


def load_config(root: Path) -> Config:
    """Read ``root/briefing.toml`` (optional) and merge it over the built-in defaults."""
    path = root / CONFIG_NAME
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            line = re.search(r"line (\d+)", str(exc))
            raise BriefError(path, f"invalid TOML: {exc}", int(line[1]) if line else None) from exc
    audiences = {name: dict(values) for name, values in DEFAULT_AUDIENCES.items()}
    user_audiences = data.pop("audiences", {})
    if not isinstance(user_audiences, dict):
        raise BriefError(path, "'audiences' must be a table of [audiences.NAME] sections")
    for name, values in user_audiences.items():
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
            raise BriefError(
                path, f"audience name '{name}' must be lowercase letters, digits, - or _"
            )
        if not isinstance(values, dict):
            raise BriefError(path, f"[audiences.{name}] must be a table")
        audiences[name] = {**audiences.get(name, {}), **values}
    try:
        config = Config.model_validate({**data, "root": root, "audiences": audiences})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            msg = f"unknown key '{key}'"
        else:
            msg = f"{key}: {err['msg'].removeprefix('Value error, ')}"
        raise BriefError(path, msg, _toml_line(path, err["loc"])) from None
    enabled = {k: v for k, v in config.audiences.items() if v.enabled}
    config = config.model_copy(update={"audiences": enabled})
    for name, audience in config.audiences.items():
        branding = audience.branding or config.branding
        if branding.logo and not (root / branding.logo).is_file():
            raise BriefError(path, f"audiences.{name}: logo file not found: {branding.logo}")
    return config


def _toml_line(path: Path, loc: tuple[Any, ...]) -> int | None:
    """Best effort: the line where the last key of ``loc`` is written."""
    if not path.is_file():
        return None
    key = str(loc[-1]) if loc else ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        table = f"[{'.'.join(map(str, loc))}]"
        if re.match(rf"\s*{re.escape(key)}\s*=", line) or line.strip() == table:
            return number
    return None
