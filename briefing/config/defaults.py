"""Built-in defaults that are not a single option: the four audiences, where the built-in
theme and fonts live, and the defaults a render worker needs. Every other option's default is
in :mod:`briefing.config.schema`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

CONFIG_NAME = "briefing.toml"
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the briefing package
#: What ``briefing new`` and ``briefing init`` copy (shipped inside the package).
SKELETON_DIR = PACKAGE_DIR / "commands" / "skeleton"


def builtin_dir(name: str) -> Path:
    """The default theme or fonts: inside the package when installed, else the repo's copy."""
    packaged = PACKAGE_DIR / "_data" / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


#: The defaults of the options a render job carries (:class:`briefing.build.job.RenderJob`):
#: declared here, not in the schema, because a render worker does not import pydantic (0.3 s
#: of its start-up). The schema's fields take their defaults from these.
PDF_VARIANT: Final = "pdf/ua-1"
MAX_RESOURCE_BYTES: Final = 20_000_000
MAX_IMAGE_PIXELS: Final = 40_000_000
#: ``paths.output``'s default, here for the same reason: a no-op rebuild finds its record
#: (:mod:`briefing.build.uptodate`) before pydantic is imported.
OUTPUT_DIR: Final = "dist"


#: The built-in editions; a project's ``[audiences.NAME]`` overrides keys of one of them (or
#: adds a new audience). Keys are :class:`briefing.config.schema.Audience` options.
DEFAULT_AUDIENCES: dict[str, dict[str, Any]] = {
    "full": {"title": "التحليل الكامل"},
    "executive": {
        "title": "النسخة التنفيذية",
        "parts": ["cover", "summary", "key_points", "figures", "recommendations"],
        "max_pages": 2,
        "template": "executive.html",
    },
    "public": {
        "title": "النسخة العامة",
        "parts": [
            "cover",
            "contents",
            "summary",
            "key_points",
            "figures",
            "sections",
            "footnotes",
            "recommendations",
            "sources",
            "english",
        ],
    },
    "english": {
        "title": "English summary",
        "template": "english.html",
        "lang": "en",
        "digits": "latin",
        "parts": ["summary", "key_points", "recommendations"],
        "requires_english": True,
        "max_pages": 2,
    },
}
