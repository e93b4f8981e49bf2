"""Project settings: ``briefing.toml`` at the project root, typed and documented per option.

Config is trusted (kept by the publication team), content is not. Every option has a default,
so a folder with only ``content/`` builds. The four built-in audiences (``full``, ``executive``,
``public``, ``english``) are defined in :data:`DEFAULT_AUDIENCES`; a project's ``[audiences.X]``
table overrides keys of a built-in audience of the same name or adds a new one. Unknown keys are
errors naming the key — a typo in a config must never silently fall back to a default.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from briefing.errors import BriefError

CONFIG_NAME = "briefing.toml"
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the briefing package

Part = Literal[
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
]
ALL_PARTS: tuple[str, ...] = Part.__args__  # type: ignore[attr-defined]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


def builtin_dir(name: str) -> Path:
    """The default theme or fonts: inside the package when installed, else the repo's copy."""
    packaged = PACKAGE_DIR / "_data" / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Palette(_Section):
    """House colours, passed to templates and CSS as ``palette.*``."""

    primary: Colour = "#1f3a5f"  #: headings, cover band, table header
    accent: Colour = "#b5292b"  #: rules, numbers, pull-quote marks
    tint: Colour = "#eef2f7"  #: summary box and table stripes
    text: Colour = "#1d1d1f"  #: body text


class Branding(_Section):
    organisation: str = "مركز الدراسات الاستراتيجية"  #: printed on the cover and in the footer
    organisation_en: str = "Centre for Strategic Studies"  #: on the English edition
    logo: str | None = None  #: image path relative to the project root (SVG or PNG)
    palette: Palette = Palette()


class Audience(_Section):
    """One edition of every brief. All keys optional; see ``DEFAULT_AUDIENCES``."""

    enabled: bool = True  #: set false to stop building a built-in audience
    title: str = ""  #: human name of the edition, shown in the preview
    template: str = "brief.html"  #: entry template, looked up through the template loaders
    lang: Literal["ar", "en"] = "ar"  #: document language (and direction: ar → rtl)
    parts: list[Part] = Field(default_factory=lambda: list(ALL_PARTS))  #: what appears, in order
    page_size: str = "A4"  #: CSS ``size`` of the page
    margins: str = "24mm 20mm 24mm 20mm"  #: CSS ``margin`` of the page
    marking: str = ""  #: classification or distribution marking, printed on every page
    #: Arabic-Indic (٣) or Western (3) numbers in all Arabic text; as-written: the body as typed
    digits: Literal["arabic", "latin", "as-written"] = "arabic"
    header: str = ""  #: running header text; empty → the series, else the title
    footer: str = ""  #: footer text beside the page number; empty → the organisation
    max_pages: int | None = None  #: warn (and fail the brief) when the edition is longer
    requires_english: bool = False  #: only build for briefs that have an ``english`` block
    branding: Branding | None = None  #: overrides the project's branding for this edition

    @field_validator("margins")
    @classmethod
    def _css_lengths(cls, value: str) -> str:
        if not re.fullmatch(r"(\s*\d+(\.\d+)?(mm|cm|in|pt|px)\s*){1,4}", value):
            raise ValueError("margins must be 1–4 CSS lengths, e.g. '24mm 20mm'")
        return value


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


class Paths(_Section):
    content: str = "content"  #: where briefs are found
    output: str = "dist"  #: where PDFs and manifest.json go
    templates: str = "templates"  #: the house theme (overrides the built-in one)
    output_name: str = "{slug}/{audience}.pdf"  #: relative to output; {slug} and {audience}

    @field_validator("output_name")
    @classmethod
    def _one_path_per_output(cls, value: str) -> str:
        # Without both fields two editions would claim one file and overwrite each other.
        if "{slug}" not in value or "{audience}" not in value or not value.endswith(".pdf"):
            raise ValueError("must contain {slug} and {audience} and end in .pdf")
        if value.startswith("/") or ".." in value.split("/"):
            raise ValueError("must be a relative path inside the output folder")
        return value


class Limits(_Section):
    max_source_bytes: int = Field(1_000_000, gt=0)  #: largest brief file accepted
    max_resource_bytes: int = Field(20_000_000, gt=0)  #: largest image/font a brief may load
    max_image_pixels: int = Field(40_000_000, gt=0)  #: decompression-bomb guard
    render_timeout: float = Field(180.0, gt=0)  #: seconds one edition may take to render
    worker_memory_mb: int = Field(3072, gt=0)  #: address-space cap of a render worker
    #: seconds loading one brief (YAML, Markdown, figures) or writing one edition's HTML may take
    parse_timeout: float = Field(60.0, gt=0)
    max_front_matter_nodes: int = Field(100_000, gt=0)  #: YAML values, after alias expansion
    max_depth: int = Field(40, gt=0)  #: nesting of YAML collections, Markdown lists and quotes
    max_line_chars: int = Field(20_000, gt=0)  #: longest line of a brief
    max_list_items: int = Field(1_000, gt=0)  #: items in one front-matter list
    max_label_chars: int = Field(300, gt=0)  #: longest figure label
    max_brackets: int = Field(300, gt=0)  #: '[' and '<' in one Markdown paragraph


class Build(_Section):
    jobs: int = Field(0, ge=0)  #: worker processes; 0 → one per core
    text_check: bool = True  #: verify each PDF's text layer after rendering
    min_fidelity: float = Field(0.99, ge=0, le=1)  #: warn below this share of words
    pdf_variant: Literal["pdf/ua-1", "pdf/a-3u", "none"] = "pdf/ua-1"  #: tagged PDF by default


class Security(_Section):
    allow_remote: list[str] = Field(default_factory=list)  #: URL prefixes content may load


class Config(_Section):
    root: Path = Path(".")
    paths: Paths = Paths()
    build: Build = Build()
    limits: Limits = Limits()
    security: Security = Security()
    branding: Branding = Branding()
    audiences: dict[str, Audience] = Field(default_factory=dict)

    @property
    def content_dir(self) -> Path:
        return self.root / self.paths.content

    @property
    def output_dir(self) -> Path:
        return self.root / self.paths.output

    def template_dirs(self, audience: str) -> list[Path]:
        """Override order: the audience's folder, the house theme, the built-in theme."""
        project = self.root / self.paths.templates
        dirs = [project / audience, project, builtin_dir("templates")]
        seen: list[Path] = []
        for d in dirs:
            if d.is_dir() and d.resolve() not in [s.resolve() for s in seen]:
                seen.append(d)
        return seen

    def branding_for(self, audience: str) -> Branding:
        return self.audiences[audience].branding or self.branding

    @property
    def fonts_dir(self) -> Path:
        return builtin_dir("fonts")


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


def default_jobs(config: Config) -> int:
    return config.build.jobs or os.cpu_count() or 1
