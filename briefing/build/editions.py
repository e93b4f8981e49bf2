"""Plan: which editions to build — each brief × each audience it asks for and qualifies for —
and which brief files may be built at all (a safe name, inside the content folder, unique).
Two outputs claiming one path are refused here, before anything is rendered (Pelican's
FileOverwriteFailedError). :func:`make_job` turns an edition's HTML into its render job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.build.bundle import embed, pack
from briefing.build.cache import logos_shown
from briefing.build.job import RenderJob
from briefing.build.paths import inside
from briefing.config import Config, builtin_dir
from briefing.content.discovery import escape, find_briefs, leaves_folder, slug_of, slug_problem
from briefing.errors import BriefError

if TYPE_CHECKING:
    from briefing.content.brief import Brief


@dataclass(frozen=True)
class Edition:
    """One output: a brief in one audience's edition."""

    brief: Brief
    audience: str
    output: Path

    @property
    def name(self) -> str:
        return f"{self.brief.slug}/{self.audience}"


def find(config: Config, paths: Iterable[Path] = ()) -> tuple[list[Path], list[BriefError]]:
    """The brief files under ``paths`` (default: the content folder), without those that
    cannot be built: a name that is not safe as a file name, a symlink leading out of the
    content folder, or a name another brief also has (both would write the same PDFs)."""
    try:
        files = find_briefs(list(paths) or [config.content_dir])
    except BriefError as exc:
        return [], [exc]
    errors: list[BriefError] = []
    content = config.content_dir.absolute()
    kept = []
    for path in files:
        problem = slug_problem(slug_of(path))
        if (
            problem is None
            and path.absolute().is_relative_to(content)
            and leaves_folder(path, content)
        ):
            problem = (
                f"{escape(str(path))} leads outside the content folder (a symlink to "
                f"{escape(str(path.resolve()))}); refused"
            )
        if problem:
            errors.append(BriefError(path, problem))
        else:
            kept.append(path)
    clashes = _slug_clashes(kept, config)
    errors += [
        BriefError(
            path,
            f"another brief has the same name {escape(slug_of(path))} "
            f"({other}); rename one: they would write the same PDFs",
        )
        for path, other in clashes.items()
    ]
    return [f for f in kept if f not in clashes], errors


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
            output = inside(out_dir, rel)
            if output is None:
                raise BriefError(
                    brief.source.path,
                    f"output {escape(rel)} would leave the output folder; rename the brief",
                )
            editions.append(Edition(brief, name, output))
    check_unique([(e.output, e.name) for e in editions])
    return editions


def _slug_clashes(files: list[Path], config: Config) -> dict[Path, Path]:
    """Briefs that share a slug (``x.md`` and ``x/index.md``), against the whole content folder
    so that building one file cannot overwrite another brief's PDFs."""
    everyone = {f.resolve(): f for f in files}
    if config.content_dir.is_dir():
        for f in find_briefs([config.content_dir]):
            everyone.setdefault(f.resolve(), f)
    by_slug: dict[str, list[Path]] = {}
    for real in sorted(everyone):
        by_slug.setdefault(slug_of(real), []).append(real)
    asked = {f.resolve() for f in files}
    return {
        everyone[real]: everyone[next(o for o in group if o != real)]
        for group in by_slug.values()
        if len(group) > 1
        for real in group
        if real in asked
    }


def check_unique(claims: list[tuple[Path, str]]) -> None:
    """Two editions claiming one output path would overwrite each other: refuse it."""
    seen: dict[Path, str] = {}
    for path, who in claims:
        key = path.resolve()
        if key in seen:
            raise BriefError(path, f"two outputs claim this path: {seen[key]} and {who}")
        seen[key] = who


def make_job(
    edition: Edition,
    html: str,
    config: Config,
    *,
    remote: bool,
) -> RenderJob:
    """The render job of one edition's HTML. ``remote``: for another machine, which cannot
    read the project's files — the brief's folder travels in the job, logos inside the HTML."""
    brief = edition.brief
    own = brief.source.own_folder
    if remote:
        html = embed(html, logos_shown(html, config))
    return RenderJob(
        name=edition.name,
        source=str(brief.source.path),
        html=html,
        folder=str(brief.source.folder),
        roots=job_roots(config, own),
        fonts_dir=str(config.fonts_dir),
        pdf_variant=config.build.pdf_variant,
        allow_remote=tuple(config.security.allow_remote),
        max_resource_bytes=config.limits.max_resource_bytes,
        max_image_pixels=config.limits.max_image_pixels,
        max_pages=config.audiences[edition.audience].max_pages,
        bundle=(pack(own, config.limits.max_resource_bytes) if own else {}) if remote else None,
    )


def job_roots(config: Config, own_folder: Path | None) -> tuple[str, ...]:
    """What a brief may load: fonts, the template folders (theme assets), its own folder (if
    it has one) and the configured logo files themselves (not the folders they are in)."""
    roots = [config.fonts_dir, builtin_dir("templates"), config.root / config.paths.templates]
    if own_folder is not None:
        roots.append(own_folder)
    roots += config.logo_files()
    return tuple(str(r) for r in roots if r.exists())
