"""The build: gather every brief, validate all of them, then render and publish each edition.

Gather first, then write (as Pelican and Sphinx do): a broken brief is reported with its path and
line and does not stop the others. Each edition is rendered by :func:`render_edition`, a pure
function of its inputs (HTML + the brief's folder → PDF bytes and facts), so it can run in this
process, in a worker process, or on another machine.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import mimetypes
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from briefing.build.barrier import run_isolated
from briefing.build.cache import CACHE_NAME, CACHE_VERSION, Cache, digest_json
from briefing.build.job import JobResult, RenderJob, bundle_folder, job_roots
from briefing.build.publish import atomic_write, check_unique
from briefing.build.workers import run_dask, run_local
from briefing.config import Config, default_jobs
from briefing.content import bounds
from briefing.content.discovery import escape, find_briefs, leaves_folder, slug_of, slug_problem
from briefing.content.markdown.body import parse_body
from briefing.content.model import validate
from briefing.content.source import read_source
from briefing.errors import BriefError
from briefing.render import Brief, make_environment, render_html, visible_blocks

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".briefing.lock"

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
    """load → model → markup for one file, in this process; raises :class:`BriefError`.

    Unbounded in time: callers run it through :func:`load_all` (the per-brief barrier)."""
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


def load_all(files: Iterable[Path], config: Config) -> tuple[list[Brief], list[BriefError]]:
    """:func:`load_brief` for each file behind the per-brief barrier (its own killable process,
    under ``limits.parse_timeout``); errors are collected, not raised."""
    briefs: list[Brief] = []
    errors: list[BriefError] = []
    for outcome in run_isolated(
        lambda path: load_brief(path, config),
        list(files),
        path_of=lambda path: path,
        what="reading this brief",
        timeout=config.limits.parse_timeout,
        memory_mb=config.limits.worker_memory_mb,
        processes=default_jobs(config),
    ):
        if outcome.error is not None:
            errors.append(outcome.error)
        else:
            briefs.append(outcome.value)  # type: ignore[arg-type]
    return briefs, errors


@dataclass(frozen=True)
class Page:
    """One edition's HTML, made behind the barrier, with what the build cache needs."""

    html: str
    templates: tuple[str, ...]  # template names the render used
    expected: tuple[tuple[str, str], ...]  # (section, text) the text-layer check looks for


def write_pages(
    editions: list[Edition], config: Config, environments: dict
) -> Iterator[tuple[Edition, Page | None, BriefError | None]]:
    """The HTML of each edition (Jinja, figures, Markdown fields), each in its own killable
    process under ``limits.parse_timeout``: ``(edition, page, None)`` or ``(edition, None,
    error)``, in order. ``build`` and ``check`` share it, so check finds what build would."""

    def page(edition: Edition) -> Page:
        env = environments[edition.audience]
        env.used = {}
        with bounds.using(config.limits):
            html = render_html(edition.brief, config, edition.audience, env)
        return Page(
            html,
            tuple(sorted(env.used)),
            tuple(visible_blocks(html)) if config.build.text_check else (),
        )

    for outcome in run_isolated(
        page,
        editions,
        path_of=lambda e: e.brief.source.path,
        what="writing the HTML of this edition",
        timeout=config.limits.parse_timeout,
        memory_mb=config.limits.worker_memory_mb,
        processes=default_jobs(config),
    ):
        yield outcome.task, outcome.value, outcome.error


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


def build(
    config: Config,
    paths: Iterable[Path] = (),
    *,
    out_dir: Path | None = None,
    force: bool = False,
    jobs: int | None = None,
    scheduler: str | None = None,
    on_result: Callable[[Result], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    wait: bool = True,
    audiences: Collection[str] | None = None,
) -> Report:
    """Build what changed under ``paths`` (default: the content folder) into ``out_dir``.

    Unchanged outputs are skipped, outputs whose brief or audience is gone are removed, each
    PDF is replaced atomically, and ``manifest.json`` is written last. One build at a time per
    output folder (a lock file): a second one waits, or fails with ``wait=False``.

    ``audiences``: build only these editions (configured audience names; others raise
    :class:`BriefError`). The other editions are neither built, reported nor removed.
    """
    started = time.perf_counter()
    out_dir = out_dir or config.output_dir
    unknown = sorted(set(audiences or ()) - set(config.audiences))
    if unknown:
        raise BriefError(
            config.root / "briefing.toml",
            f"unknown audience "
            f"{', '.join(map(repr, unknown))} (configured: "
            f"{', '.join(sorted(config.audiences))})",
        )
    with output_lock(out_dir, wait=wait):
        report = _build_locked(
            config,
            list(paths),
            out_dir,
            force=force,
            jobs=jobs or default_jobs(config),
            scheduler=scheduler,
            on_result=on_result,
            on_plan=on_plan,
            wanted=frozenset(audiences or config.audiences),
        )
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(
    config: Config,
    paths: list[Path],
    out_dir: Path,
    *,
    force: bool,
    jobs: int,
    scheduler: str | None,
    on_result: Callable[[Result], None] | None,
    on_plan: Callable[[int], None] | None,
    wanted: frozenset[str],
) -> Report:
    report = Report()
    cache = Cache.load(out_dir, _stamp())
    environments = {name: make_environment(config, name) for name in config.audiences}
    resolvers = {name: _resolver(env, cache) for name, env in environments.items()}
    config_keys = {name: _config_key(config, name) for name in config.audiences}
    plan_key = digest_json(
        [config.paths.output_name, out_dir.resolve().as_posix(), sorted(config_keys.items())]
    )

    def emit(result: Result) -> None:
        report.results.append(result)
        if on_result:
            on_result(result)

    def key_of(digest: str, audience: str) -> str:
        return digest_json([digest, config_keys[audience]])

    def is_fresh(output: Path, digest: str, audience: str) -> bool:
        rel = _rel(output, out_dir)
        return not force and cache.fresh(rel, key_of(digest, audience), resolvers[audience], output)

    def skipped(name: str, source: Path, output: Path) -> Result:
        entry = cache.entries[_rel(output, out_dir)]
        return Result(
            name,
            source,
            output,
            "skipped",
            pages=entry.get("pages"),
            fidelity=entry.get("fidelity"),
            sha256=entry.get("sha256"),
        )

    # 1. Briefs whose bytes, plan and outputs are all unchanged are not even parsed: that is
    #    what keeps a no-op rebuild of a large catalogue well under a second.
    _remove_leftovers(out_dir)
    files, report.errors = find(config, paths)
    unchanged: set[str] = set()
    to_load: list[Path] = []
    for path in files:
        rel = _rel(path, config.root)
        record = cache.sources.get(rel)
        digest = _digest(path)
        if (
            record
            and digest
            and record.get("digest") == digest
            and record.get("plan") == plan_key
            and all(
                inside(out_dir, out) is not None and is_fresh(out_dir / out, digest, aud)
                for out, aud in record["outputs"]
                if aud in wanted
            )
        ):
            unchanged.add(rel)
            for out, aud in record["outputs"]:
                if aud in wanted:
                    emit(skipped(f"{slug_of(path)}/{aud}", path, out_dir / out))
        else:
            to_load.append(path)

    # 2. The others are loaded and validated (errors are collected, not raised) ... The cache
    #    records every edition of a brief (so no later build takes the others for gone); only
    #    the ``wanted`` audiences go on to be built.
    briefs, load_errors = load_all(to_load, config)
    report.errors += load_errors
    editions = plan(briefs, config, out_dir)
    for brief in briefs:
        rel = _rel(brief.source.path, config.root)
        cache.sources[rel] = {
            "digest": brief.source.digest,
            "plan": plan_key,
            "outputs": [
                [_rel(e.output, out_dir), e.audience] for e in editions if e.brief is brief
            ],
        }
    stale = []
    for edition in (e for e in editions if e.audience in wanted):
        if is_fresh(edition.output, edition.brief.source.digest, edition.audience):
            emit(skipped(edition.name, edition.brief.source.path, edition.output))
        else:
            stale.append(edition)
    if on_plan:
        on_plan(len(stale))

    # 3. ... and each stale edition becomes a render job, made as a worker asks for it, so the
    #    workers start on the first PDF while the HTML of the next ones is being written.
    by_name: dict[str, tuple[Edition, str, dict[str, str], tuple[Path, ...]]] = {}

    def make_jobs() -> Iterator[RenderJob]:
        for edition, page, error in write_pages(stale, config, environments):
            if page is None:
                emit(
                    Result(
                        edition.name,
                        edition.brief.source.path,
                        edition.output,
                        "failed",
                        error=error,
                    )
                )
                continue
            templates = {n: resolvers[edition.audience](n) or "" for n in page.templates}
            logos = _logos_shown(page.html, config)
            job = _job(
                edition,
                page.html,
                config,
                remote=scheduler is not None,
                logos=logos,
                expected=page.expected,
            )
            by_name[job.name] = (
                edition,
                key_of(edition.brief.source.digest, edition.audience),
                templates,
                logos,
            )
            yield job

    if scheduler:
        results = run_dask(make_jobs(), scheduler=scheduler, timeout=config.limits.render_timeout)
    else:
        results = run_local(
            make_jobs(),
            processes=jobs,
            timeout=config.limits.render_timeout,
            memory_mb=config.limits.worker_memory_mb,
        )
    for job_result in results:
        edition, key, templates, logos = by_name[job_result.name]
        emit(_publish(job_result, edition, key, templates, cache, out_dir, config, logos))

    current = unchanged | {_rel(b.source.path, config.root) for b in briefs}
    _remove_stale(cache, current, out_dir, config, emit, wanted)
    cache.save()
    write_manifest(out_dir, cache)
    return report


def inside(out_dir: Path, rel: str) -> Path | None:
    """``out_dir / rel`` when it stays inside the output folder (following symlinks) and is
    none of the build's own files; None otherwise. Every path written or removed is checked."""
    if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel:
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts) or parts[0] in (
        MANIFEST_NAME,
        LOCK_NAME,
        CACHE_NAME,
    ):
        return None
    path = out_dir / rel
    try:
        if not path.resolve().is_relative_to(out_dir.resolve()):
            return None
    except (OSError, RuntimeError):
        return None
    return path


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


def _remove_leftovers(out_dir: Path) -> None:
    """Temporary files of a build that was killed while writing (we hold the lock: no other
    build is writing now)."""
    real = out_dir.resolve()
    for tmp in out_dir.rglob(".*.tmp"):
        with contextlib.suppress(OSError):
            if tmp.resolve().is_relative_to(real):  # never through a symlink out of it
                tmp.unlink()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _publish(
    job_result: JobResult,
    edition: Edition,
    key: str,
    templates: dict[str, str],
    cache: Cache,
    out_dir: Path,
    config: Config,
    logos: list[Path],
) -> Result:
    """Write one finished PDF in place and record it; a failure leaves the old PDF alone."""
    brief = edition.brief
    result = Result(
        edition.name, brief.source.path, edition.output, "failed", seconds=job_result.seconds
    )
    error = job_result.brief_error()
    if error is None and job_result.pdf is not None:
        try:
            atomic_write(edition.output, job_result.pdf)
        except BriefError as exc:
            error = exc
    if error is not None:
        result.error = error
        return result
    result.status, result.pages = "built", job_result.pages
    result.sha256, result.fidelity = job_result.sha256, job_result.fidelity
    if job_result.fidelity_missing or (
        job_result.fidelity is not None and job_result.fidelity < config.build.min_fidelity
    ):
        missing = job_result.fidelity_missing
        log.warning(
            "%s: text layer of edition '%s': %d phrase%s not found as written "
            "by any reader checked (words found: %.1f%%)%s%s",
            brief.source.path,
            edition.audience,
            len(missing),
            "" if len(missing) == 1 else "s",
            100 * (job_result.fidelity or 0),
            "; " if missing else "",
            "; ".join(missing[:5]),
        )
    rel = _rel(edition.output, out_dir)
    previous = cache.entries.get(rel, {})
    built_at = previous.get("built_at") if previous.get("sha256") == result.sha256 else None
    cache.record(
        rel,
        key,
        sha256=result.sha256 or "",
        templates=templates,
        files=[
            brief.source.path.resolve().as_posix(),
            *job_result.served,
            *_font_files(config),
            *(p.as_posix() for p in logos),
        ],
        facts={
            "source": _rel(brief.source.path, config.root),
            "audience": edition.audience,
            "pages": result.pages,
            "fidelity": None if result.fidelity is None else round(result.fidelity, 4),
            "built_at": built_at or _now(),
        },
    )
    return result


def _remove_stale(
    cache: Cache,
    current: set[str],
    out_dir: Path,
    config: Config,
    emit: Callable[[Result], None],
    wanted: frozenset[str],
) -> None:
    """Remove outputs whose brief or audience is gone — never those of a brief that failed,
    nor those of briefs or audiences this build was not asked about (``briefing build one.md``,
    ``--audience full``).

    ``current``: the briefs (paths relative to the project) this build planned from;
    ``wanted``: the audiences it builds (an output of an audience gone from the config is
    removed only by a build of every audience).
    """
    everything = wanted >= set(config.audiences)
    planned = {out for rel in current for out, _ in cache.sources.get(rel, {}).get("outputs", [])}
    for rel in sorted(set(cache.entries) - planned):
        entry = cache.entries[rel]
        source = entry.get("source") or ""
        if (config.root / source).exists() and source not in current:
            continue  # out of this build's scope, or failed to load this time
        if entry.get("audience") not in wanted and not everything:
            continue  # another edition than the ones asked for
        path = inside(out_dir, rel)
        if path is None or not rel.endswith(".pdf"):
            log.warning(
                "%s: build cache names %s as an output, outside the output folder or "
                "not a PDF; not removed",
                out_dir / CACHE_NAME,
                escape(rel),
            )
            del cache.entries[rel]
            continue
        try:
            path.unlink(missing_ok=True)
            if path.parent != out_dir and not any(path.parent.iterdir()):
                path.parent.rmdir()
        except OSError as exc:
            log.error("%s: cannot remove stale output: %s", path, exc)
            continue
        del cache.entries[rel]
        emit(Result(rel.removesuffix(".pdf"), Path(entry.get("source", "")), path, "removed"))
    for source in [s for s in cache.sources if not (config.root / s).exists()]:
        del cache.sources[source]


def write_manifest(out_dir: Path, cache: Cache) -> None:
    """``manifest.json``: every output with its facts, sorted, written atomically and last."""
    outputs = []
    for rel, entry in sorted(cache.entries.items()):
        outputs.append(
            {
                "path": rel,
                "source": entry.get("source"),
                "audience": entry.get("audience"),
                "sha256": entry.get("sha256"),
                "pages": entry.get("pages"),
                "text_fidelity": entry.get("fidelity"),
                "built_at": entry.get("built_at"),
            }
        )
    data = {"generator": f"briefing {_version()}", "outputs": outputs}
    atomic_write(
        out_dir / MANIFEST_NAME, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    )


@contextmanager
def output_lock(out_dir: Path, *, wait: bool) -> Iterator[None]:
    """One build per output folder: the lock is released by the OS even after SIGKILL."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / LOCK_NAME, "a+")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise BriefError(out_dir, f"cannot use output folder: {exc.strerror or exc}") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BriefError(
                    out_dir,
                    "another build is running on this output folder; "
                    "try again when it has finished",
                ) from None
            log.warning(
                "%s: another build is running on this output folder; waiting for it", out_dir
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _job(
    edition: Edition,
    html: str,
    config: Config,
    *,
    remote: bool,
    logos: Iterable[Path] = (),
    expected: tuple[tuple[str, str], ...] = (),
) -> RenderJob:
    brief = edition.brief
    if remote:  # a remote worker cannot read the project's files: logos go inside the HTML
        for logo in logos:
            mime = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
            data = base64.b64encode(logo.read_bytes()).decode()
            html = html.replace(logo.as_uri(), f"data:{mime};base64,{data}")
    audience = config.audiences[edition.audience]
    folder = brief.source.folder
    return RenderJob(
        name=edition.name,
        source=str(brief.source.path),
        html=html,
        folder=str(folder),
        roots=job_roots(config, brief.source.own_folder),
        fonts_dir=str(config.fonts_dir),
        pdf_variant=config.build.pdf_variant,
        allow_remote=tuple(config.security.allow_remote),
        max_resource_bytes=config.limits.max_resource_bytes,
        max_image_pixels=config.limits.max_image_pixels,
        max_pages=audience.max_pages,
        expected=(expected or tuple(visible_blocks(html))) if config.build.text_check else None,
        min_fidelity=config.build.min_fidelity,
        bundle=(
            bundle_folder(brief.source.own_folder, config.limits.max_resource_bytes)
            if brief.source.own_folder
            else {}
        )
        if remote
        else None,
    )


def _logos_shown(html: str, config: Config) -> list[Path]:
    """The configured logo files this edition's HTML shows (absolute, resolved)."""
    logos = {config.branding.logo} | {
        a.branding.logo for a in config.audiences.values() if a.branding is not None
    }
    paths = sorted((config.root / logo).resolve() for logo in logos if logo)
    return [p for p in paths if p.as_uri() in html]


def _resolver(env, cache: Cache) -> Callable[[str], str | None]:
    memo: dict[str, str | None] = {}

    def resolve(name: str) -> str | None:
        if name not in memo:
            filename = env.loader.resolve(env, name)
            memo[name] = None if filename is None else f"{filename}:{cache.hashes.digest(filename)}"
        return memo[name]

    return resolve


def _font_files(config: Config) -> list[str]:
    """Every edition depends on the fonts folder. Not left to ``served``: a worker's one
    FontConfiguration fetches each font once, so only its first document reports them."""
    try:
        return sorted(
            p.resolve().as_posix()
            for p in config.fonts_dir.iterdir()
            if p.suffix.lower() in {".ttf", ".otf", ".woff", ".woff2"}
        )
    except OSError:
        return []


def _config_key(config: Config, audience: str) -> str:
    """What in the config changes an edition: its audience, branding, limits and PDF options."""
    data = config.model_dump(mode="json", exclude={"audiences", "root"})
    data["audience"] = config.audiences[audience].model_dump(mode="json")
    data["audience_name"] = audience
    data.pop("paths", None)
    # how the build runs, not what it makes: tuning these must not rebuild every output
    data["build"].pop("jobs", None)
    data["limits"].pop("render_timeout", None)
    data["limits"].pop("worker_memory_mb", None)
    return digest_json(data)


def _stamp() -> str:
    # metadata, not `import weasyprint`: a no-op rebuild should not pay a second for the import
    weasyprint = importlib.metadata.version("weasyprint")
    return f"briefing {_version()}; weasyprint {weasyprint}; cache {CACHE_VERSION}"


def _version() -> str:
    try:
        return importlib.metadata.version("briefing")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0+unknown"


def _rel(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
