"""The schema of ``briefing.toml``: every option, typed, with its default and a docstring.

This is the one place defaults are written (``briefing.toml`` and the skeleton only show them;
``tests/test_config_schema.py`` checks that they agree). Unknown keys are errors naming the key
— a typo in a config must never silently fall back to a default.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from briefing.config.defaults import (
    MAX_IMAGE_PIXELS,
    MAX_RESOURCE_BYTES,
    OUTPUT_DIR,
    PDF_VARIANT,
    builtin_dir,
)

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


class _Section(BaseModel):
    # Attribute docstrings become each option's description (the schema test reads them).
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Palette(_Section):
    """House colours, passed to templates and CSS as ``palette.*``."""

    primary: Colour = "#1f3a5f"
    """Headings, cover band, table header."""
    accent: Colour = "#b5292b"
    """Rules, numbers, pull-quote marks."""
    tint: Colour = "#eef2f7"
    """Summary box and table stripes."""
    text: Colour = "#1d1d1f"
    """Body text."""


class Branding(_Section):
    """Who publishes: names, logo and colours (per audience too, through its ``branding``)."""

    organisation: str = "مركز الدراسات الاستراتيجية"
    """Printed on the cover and in the footer."""
    organisation_en: str = "Centre for Strategic Studies"
    """On the English edition."""
    logo: str | None = None
    """Image path relative to the project root (SVG or PNG)."""
    palette: Palette = Palette()
    """House colours."""


class Audience(_Section):
    """One edition of every brief. All keys optional; the built-in ones are
    :data:`briefing.config.defaults.DEFAULT_AUDIENCES`."""

    enabled: bool = True
    """Set false to stop building a built-in audience."""
    title: str = ""
    """Human name of the edition, shown in the preview."""
    template: str = "brief.html"
    """Entry template, looked up through the template loaders."""
    lang: Literal["ar", "en"] = "ar"
    """Document language (and direction: ar → rtl)."""
    parts: list[Part] = Field(default_factory=lambda: list(ALL_PARTS))  # type: ignore[arg-type]
    """What appears, in order."""
    page_size: str = "A4"
    """CSS ``size`` of the page."""
    margins: str = "24mm 20mm 24mm 20mm"
    """CSS ``margin`` of the page."""
    marking: str = ""
    """Classification or distribution marking, printed on every page."""
    digits: Literal["arabic", "latin", "as-written"] = "arabic"
    """Arabic-Indic (٣) or Western (3) numbers in all Arabic text; as-written: the body as typed."""
    header: str = ""
    """Running header text; empty → the series, else the title."""
    footer: str = ""
    """Footer text beside the page number; empty → the organisation."""
    max_pages: int | None = None
    """Warn (and fail the brief) when the edition is longer."""
    requires_english: bool = False
    """Only build for briefs that have an ``english`` block."""
    branding: Branding | None = None
    """Overrides the project's branding for this edition."""

    @field_validator("margins")
    @classmethod
    def _css_lengths(cls, value: str) -> str:
        if not re.fullmatch(r"(\s*\d+(\.\d+)?(mm|cm|in|pt|px)\s*){1,4}", value):
            raise ValueError("margins must be 1–4 CSS lengths, e.g. '24mm 20mm'")
        return value


class Paths(_Section):
    """Where things are, relative to the project root."""

    content: str = "content"
    """Where briefs are found."""
    output: str = OUTPUT_DIR
    """Where PDFs and manifest.json go."""
    templates: str = "templates"
    """The house theme (overrides the built-in one)."""
    output_name: str = "{slug}/{audience}.pdf"
    """Relative to output; {slug} and {audience}."""
    fonts: str = ""
    """A folder with the theme's font files (Amiri, Noto Kufi Arabic, Noto Sans under the
    built-in names), for a project that keeps its own copies; empty → the built-in fonts."""

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
    """Bounds on the work done for one brief (untrusted content)."""

    max_source_bytes: int = Field(1_000_000, gt=0)
    """Largest brief file accepted."""
    max_resource_bytes: int = Field(MAX_RESOURCE_BYTES, gt=0)
    """Largest image/font a brief may load."""
    max_image_pixels: int = Field(MAX_IMAGE_PIXELS, gt=0)
    """Decompression-bomb guard."""
    render_timeout: float = Field(180.0, gt=0)
    """Seconds one edition may take to render."""
    worker_memory_mb: int = Field(3072, gt=0)
    """Address-space cap of a render worker."""
    parse_timeout: float = Field(60.0, gt=0)
    """Seconds loading one brief (YAML, Markdown, figures) or writing one edition's HTML may
    take."""
    max_front_matter_nodes: int = Field(100_000, gt=0)
    """YAML values, after alias expansion."""
    max_depth: int = Field(40, gt=0)
    """Nesting of YAML collections, Markdown lists and quotes."""
    max_line_chars: int = Field(20_000, gt=0)
    """Longest line of a brief."""
    max_list_items: int = Field(1_000, gt=0)
    """Items in one front-matter list."""
    max_label_chars: int = Field(300, gt=0)
    """Longest figure label."""
    max_brackets: int = Field(300, gt=0)
    """'[' and '<' in one Markdown paragraph."""
    import_timeout: float = Field(60.0, gt=0)
    """Seconds one pandoc run of ``briefing import`` may take (a Word file is untrusted too)."""


class Build(_Section):
    """How PDFs are made and checked."""

    jobs: int = Field(0, ge=0)
    """Worker processes; 0 → one per core."""
    text_check: bool = True
    """Verify each PDF's text layer after rendering."""
    min_fidelity: float = Field(0.99, ge=0, le=1)
    """Warn below this share of words."""
    pdf_variant: Literal["pdf/ua-1", "pdf/a-3u", "none"] = PDF_VARIANT
    """Tagged PDF by default."""


class Security(_Section):
    """What content may reach beyond its own folder."""

    allow_remote: list[str] = Field(default_factory=list)
    """URL prefixes content may load."""


class Config(_Section):
    """The whole of ``briefing.toml``, merged over the defaults, plus the project root."""

    root: Path = Path(".")
    """The project folder (not a key of the file: where it was found)."""
    paths: Paths = Paths()
    """``[paths]``."""
    build: Build = Build()
    """``[build]``."""
    limits: Limits = Limits()
    """``[limits]``."""
    security: Security = Security()
    """``[security]``."""
    branding: Branding = Branding()
    """``[branding]``."""
    audiences: dict[str, Audience] = Field(default_factory=dict)
    """``[audiences.NAME]``: the enabled editions, built-in ones merged with the project's."""

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
        return self.root / self.paths.fonts if self.paths.fonts else builtin_dir("fonts")

    def logo_files(self) -> list[Path]:
        """Every configured logo (the project's and each audience's), resolved and sorted: the
        files a render may load, the watcher watches and the build cache hashes."""
        logos = {self.branding.logo} | {
            a.branding.logo for a in self.audiences.values() if a.branding is not None
        }
        return sorted((self.root / logo).resolve() for logo in logos if logo)


def default_jobs(config: Config) -> int:
    """Worker processes for ``build.jobs = 0``: one per core."""
    return config.build.jobs or os.cpu_count() or 1
