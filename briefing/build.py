"""The build: gather every brief, validate all of them, then render and publish each edition.

Gather first, then write (as Pelican and Sphinx do): a broken brief is reported with its path and
line and does not stop the others. Each edition is rendered by :func:`render_edition`, a pure
function of its inputs (HTML + the brief's folder → PDF bytes and facts), so it can run in this
process, in a worker process, or on another machine.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .config import Config
from .errors import BriefError
from .load import find_briefs, read_source
from .markup import parse_body
from .model import validate
from .publish import atomic_write, check_unique
from .render import Brief, make_environment, render_html, visible_text

log = logging.getLogger(__name__)

Status = Literal["built", "skipped", "failed", "removed"]


@dataclass(frozen=True)
class Edition:
    """One output: a brief in one audience's edition."""

    brief: Brief
    audience: str
    output: Path

    @property
    def name(self) -> str:
        return f"{self.brief.slug}/{self.audience}"


@dataclass
class Result:
    name: str
    source: Path
    output: Path
    status: Status
    pages: int | None = None
    error: BriefError | None = None
    fidelity: float | None = None
    seconds: float = 0.0
    sha256: str | None = None


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    errors: list[BriefError] = field(default_factory=list)  # briefs that never got to render
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed") + len(self.errors)

    @property
    def ok(self) -> bool:
        return self.failed == 0


def load_brief(path: Path, config: Config) -> Brief:
    """load → model → markup for one file; raises :class:`BriefError`."""
    source = read_source(path, max_bytes=config.limits.max_source_bytes)
    meta = validate(source)
    blocks = None
    try:
        from . import figures
    except ImportError:  # pragma: no cover
        figures = None  # type: ignore[assignment]
    if figures is not None and hasattr(figures, "block_renderer"):
        blocks = figures.block_renderer(path)
    body = parse_body(source.body, path, source.body_line, blocks)
    known = set(config.audiences)
    for name in meta.audiences or []:
        if name not in known:
            raise BriefError(path, f"unknown audience '{name}' (configured: "
                             f"{', '.join(sorted(known))})", source.line_of(("audiences",)))
    for section in body.sections:
        for name in sorted(section.audiences or ()):
            if name not in known:
                raise BriefError(path, f"unknown audience '{name}' in section mark (configured: "
                                 f"{', '.join(sorted(known))})", section.line)
    return Brief(source=source, meta=meta, body=body)


def gather(config: Config, paths: Iterable[Path] = ()) -> tuple[list[Brief], list[BriefError]]:
    """Load and validate every brief; errors are collected, not raised."""
    briefs: list[Brief] = []
    errors: list[BriefError] = []
    try:
        files = find_briefs(list(paths) or [config.content_dir])
    except BriefError as exc:
        return [], [exc]
    for path in files:
        try:
            briefs.append(load_brief(path, config))
        except BriefError as exc:
            errors.append(exc)
    return briefs, errors


def plan(briefs: list[Brief], config: Config, out_dir: Path) -> list[Edition]:
    """Every edition to build: each brief × each audience it asks for and qualifies for."""
    editions = []
    for brief in briefs:
        for name, audience in config.audiences.items():
            if brief.meta.audiences is not None and name not in brief.meta.audiences:
                continue
            if audience.requires_english and brief.meta.english is None:
                continue
            rel = config.paths.output_name.format(slug=brief.slug, audience=name)
            editions.append(Edition(brief, name, out_dir / rel))
    check_unique([(e.output, e.name) for e in editions])
    return editions


def build(
    config: Config,
    paths: Iterable[Path] = (),
    *,
    out_dir: Path | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> Report:
    """Build every edition of every brief under ``paths`` (default: the content folder)."""
    from .pdf import PdfRenderer

    started = time.perf_counter()
    out_dir = out_dir or config.output_dir
    briefs, errors = gather(config, paths)
    report = Report(errors=errors)
    for error in errors:
        log.error("%s", error)
    editions = plan(briefs, config, out_dir)
    renderer = PdfRenderer(config) if editions else None
    environments = {name: make_environment(config, name) for name in config.audiences}
    for edition in editions:
        result = _build_one(edition, config, renderer, environments[edition.audience])
        report.results.append(result)
        if on_result:
            on_result(result)
    report.seconds = time.perf_counter() - started
    return report


def _build_one(edition: Edition, config: Config, renderer, env) -> Result:
    started = time.perf_counter()
    brief = edition.brief
    result = Result(edition.name, brief.source.path, edition.output, "failed")
    try:
        html = render_html(brief, config, edition.audience, env)
        rendered = renderer.render(html, source=brief.source.path, folder=brief.source.folder)
        limit = config.audiences[edition.audience].max_pages
        if limit is not None and rendered.pages > limit:
            raise BriefError(brief.source.path, f"edition '{edition.audience}' has "
                             f"{rendered.pages} pages; its limit is {limit}")
        if config.build.text_check:
            result.fidelity = _check_text(rendered.data, html, edition)
        atomic_write(edition.output, rendered.data)
        result.status = "built"
        result.pages = rendered.pages
        result.sha256 = hashlib.sha256(rendered.data).hexdigest()
    except BriefError as exc:
        result.error = exc
        log.error("%s", exc)
    result.seconds = time.perf_counter() - started
    return result


def _check_text(pdf: bytes, html: str, edition: Edition) -> float | None:
    try:
        from . import textlayer
    except ImportError:  # TEMP until the text-layer module lands
        return None
    (fidelity,) = textlayer.measure(pdf, visible_text(html))
    if fidelity.words < 0.99:
        log.warning("%s: text layer of edition '%s' gives back %.1f%% of words (e.g. %s)",
                    edition.brief.source.path, edition.audience, 100 * fidelity.words,
                    ", ".join(fidelity.missing[:5]))
    return fidelity.words
