"""Read and validate each brief, and write each edition's HTML — both behind the per-brief
barrier (:mod:`briefing.build.barrier`), so one brief that hangs or explodes fails alone, and a
broken brief is reported with its path and line and does not stop the others. ``check`` reads
every brief, then writes (as Pelican and Sphinx do); a build streams the two, so the first
brief's PDF renders while the next briefs are read (:mod:`briefing.build.run`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from jinja2 import Environment

from briefing.build.barrier import Outcome, run_isolated
from briefing.build.editions import Edition, check_unique, find, plan
from briefing.config import Config, default_jobs
from briefing.content import bounds
from briefing.content.brief import Brief
from briefing.content.markdown.body import parse_body
from briefing.content.model import validate
from briefing.content.source import read_source
from briefing.errors import BriefError
from briefing.render import make_environment, render_html, visible_blocks
from briefing.render.environment import TrackingEnvironment


def load_brief(path: Path, config: Config) -> Brief:
    """load → model → markup for one file, in this process; raises :class:`BriefError`.

    Unbounded in time: callers run it through :func:`load_each` (the per-brief barrier)."""
    with bounds.using(config.limits):
        return _load_brief(path, config)


def _load_brief(path: Path, config: Config) -> Brief:
    source = read_source(path, max_bytes=config.limits.max_source_bytes)
    meta = validate(source)
    blocks = None
    try:
        from briefing import figures
    except ImportError:  # pragma: no cover
        figures = None  # type: ignore[assignment]
    if figures is not None and hasattr(figures, "block_renderer"):
        blocks = figures.block_renderer(path)
    body = parse_body(source.body, path, source.body_line, blocks)
    known = set(config.audiences)
    for name in meta.audiences or []:
        if name not in known:
            raise BriefError(
                path,
                f"unknown audience '{name}' (configured: {', '.join(sorted(known))})",
                source.line_of(("audiences",)),
            )
    for section in body.sections:
        for name in sorted(section.audiences or ()):
            if name not in known:
                raise BriefError(
                    path,
                    f"unknown audience '{name}' in section mark (configured: "
                    f"{', '.join(sorted(known))})",
                    section.line,
                )
    return Brief(source=source, meta=meta, body=body)


def gather(config: Config, paths: Iterable[Path] = ()) -> tuple[list[Brief], list[BriefError]]:
    """Load and validate every brief; errors are collected, not raised."""
    files, errors = find(config, paths)
    briefs, load_errors = load_all(files, config)
    return briefs, errors + load_errors


def load_each(files: list[Path], config: Config) -> Iterator[Outcome[Path, Brief]]:
    """:func:`load_brief` for each file behind the per-brief barrier (a killable child process,
    under ``limits.parse_timeout``), each outcome as soon as it and those before it are in."""
    return run_isolated(
        lambda path: load_brief(path, config),
        files,
        path_of=lambda path: path,
        what="reading this brief",
        timeout=config.limits.parse_timeout,
        memory_mb=config.limits.worker_memory_mb,
        processes=default_jobs(config),
    )


def load_all(files: Iterable[Path], config: Config) -> tuple[list[Brief], list[BriefError]]:
    """:func:`load_each`, errors collected, not raised."""
    briefs: list[Brief] = []
    errors: list[BriefError] = []
    for outcome in load_each(list(files), config):
        if outcome.error is not None:
            errors.append(outcome.error)
        else:
            briefs.append(cast(Brief, outcome.value))
    return briefs, errors


@dataclass(frozen=True)
class Page:
    """One edition's HTML, made behind the barrier, with what the build cache needs."""

    html: str
    templates: tuple[str, ...]  # template names the render used
    expected: tuple[tuple[str, str], ...]  # (section, text) the text-layer check looks for


def write_page(edition: Edition, config: Config, env: Environment) -> Page:
    """One edition's HTML (Jinja, figures, Markdown fields), in this process: callers run it
    behind the barrier (:func:`write_pages`)."""
    tracking = cast(TrackingEnvironment, env)
    tracking.used = {}
    with bounds.using(config.limits):
        html = render_html(edition.brief, config, edition.audience, tracking)
    return Page(
        html,
        tuple(sorted(tracking.used)),
        tuple(visible_blocks(html)) if config.build.text_check else (),
    )


def write_pages(
    editions: Iterable[Edition], config: Config, environments: dict[str, Environment]
) -> Iterator[tuple[Edition, Page | None, BriefError | None]]:
    """The HTML of each edition (:func:`write_page`), each in a killable child process under
    ``limits.parse_timeout``: ``(edition, page, None)`` or ``(edition, None, error)``, in order.
    ``editions`` may be a stream (a build's, as its briefs are read: see
    :func:`~briefing.build.barrier.run_isolated`). ``build`` and ``check`` share it, so check
    finds what build would."""
    for outcome in run_isolated(
        lambda edition: write_page(edition, config, environments[edition.audience]),
        editions,
        path_of=lambda e: e.brief.source.path,
        what="writing the HTML of this edition",
        timeout=config.limits.parse_timeout,
        memory_mb=config.limits.worker_memory_mb,
        processes=default_jobs(config),
    ):
        if outcome.value is not None:
            _compile(environments[outcome.task.audience], outcome.value.templates)
        yield outcome.task, outcome.value, outcome.error


def _compile(env: Environment, names: Iterable[str]) -> None:
    """Compile, in this process, the templates an edition's HTML used, so the next editions'
    children (forks of this process) find them compiled: each child compiling the theme again
    cost ~0.1 s of CPU per edition. Templates are trusted (no content runs here); a template
    that fails is left for the children to report, with the brief's name."""
    for name in names:
        try:
            env.get_template(name)
        except Exception:  # reported by the child that renders it, naming the brief
            continue


def check_all(config: Config, paths: Iterable[Path] = ()) -> tuple[int, int, list[BriefError]]:
    """What ``briefing check`` does: every step of a build but the PDF render — gather, plan,
    and each edition's HTML (templates, figures, Markdown fields) behind the barrier — so
    check reports what build would fail on. Returns (good briefs, editions, errors)."""
    briefs, errors = gather(config, paths)
    editions = []
    for brief in briefs:
        try:
            editions += plan([brief], config, config.output_dir)
        except BriefError as exc:
            errors.append(exc)
    try:
        check_unique([(e.output, e.name) for e in editions])
    except BriefError as exc:
        errors.append(exc)
    environments = {name: make_environment(config, name) for name in config.audiences}
    failed = set()
    for edition, _page, error in write_pages(editions, config, environments):
        if error is not None:
            errors.append(error)
            failed.add(edition.brief.source.path)
    good = sum(1 for b in briefs if b.source.path not in failed)
    return good, len(editions), errors
