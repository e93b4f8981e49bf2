"""``briefing new`` and ``briefing init``: a commented brief skeleton and a new project.

The skeleton files live in ``briefing/commands/skeleton/`` (shipped inside the package).
Nothing that exists is ever overwritten: every target is checked before the first file is
written, so a refused command writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from briefing.config.defaults import SKELETON_DIR
from briefing.errors import BriefError

SKELETON = SKELETON_DIR
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
FIRST_BRIEF = "first-brief"


def brief_text(today: dt.date | None = None) -> str:
    """The skeleton brief, dated today."""
    text = (SKELETON / "brief.md").read_text(encoding="utf-8")
    return text.replace("__DATE__", (today or dt.date.today()).isoformat())


def new_brief(content_dir: Path, slug: str, today: dt.date | None = None) -> Path:
    """Write ``content/<slug>/index.md`` from the skeleton; refuse if the brief exists."""
    if not _SLUG.fullmatch(slug):
        raise BriefError(
            None,
            f"brief name {slug!r}: use lowercase letters, digits and hyphens "
            "(e.g. moscow-pyongyang)",
        )
    folder = content_dir / slug
    for existing in (folder, content_dir / f"{slug}.md"):
        if existing.exists():
            raise BriefError(existing, "already exists; nothing was written (choose another name)")
    folder.mkdir(parents=True)
    path = folder / "index.md"
    path.write_text(brief_text(today), encoding="utf-8")
    return path


def init_project(root: Path, today: dt.date | None = None) -> list[Path]:
    """``briefing.toml`` (settings commented), ``content/`` with one brief, ``templates/``
    with a README on overrides. Refuses, writing nothing, if any of them exists."""
    toml = root / "briefing.toml"
    content = root / "content"
    templates = root / "templates"
    clash = [p for p in (toml, content, templates) if p.exists()]
    if clash:
        raise BriefError(
            clash[0],
            "already exists; `briefing init` starts a new project and "
            "writes nothing here (use `briefing new SLUG` to add a brief)",
        )
    root.mkdir(parents=True, exist_ok=True)
    toml.write_text((SKELETON / "briefing.toml").read_text(encoding="utf-8"), encoding="utf-8")
    templates.mkdir()
    readme = templates / "README.md"
    readme.write_text(
        (SKELETON / "templates-README.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    brief = new_brief(content, FIRST_BRIEF, today)
    return [toml, brief, readme]
