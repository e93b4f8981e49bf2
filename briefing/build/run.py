"""One build: :func:`build`, the public entry point, and :class:`_Run`, its steps in order.

Under the output folder's lock: skip the briefs whose bytes and outputs are unchanged (not even
parsed); read the rest behind the barrier one by one as the workers ask for jobs, each with the
HTML of its stale editions, and plan it; publish each result as it comes, then remove what is
gone and write the cache and the manifest.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from briefing import warm
from briefing.build.cache import Cache, Keys, logos_shown
from briefing.build.editions import Edition, check_unique, find, make_job, plan
from briefing.build.job import RenderJob
from briefing.build.paths import inside, relative
from briefing.build.publish import (
    output_lock,
    publish_result,
    remove_leftovers,
    remove_stale,
    save_cache,
    write_manifest,
)
from briefing.build.report import Report, Result
from briefing.build.textcheck import checker_for
from briefing.build.uptodate import command, record
from briefing.build.versions import stamp
from briefing.build.workers import LocalPool, Runner, run_dask
from briefing.config import Config, default_jobs
from briefing.content.discovery import slug_of
from briefing.errors import BriefError
from briefing.render.loaders import make_loader

if TYPE_CHECKING:
    from briefing.build.barrier import Outcome
    from briefing.build.load import Page
    from briefing.content.brief import Brief


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
    runner: Runner | None = None,
) -> Report:
    """Build what changed under ``paths`` (default: the content folder) into ``out_dir``.

    Unchanged outputs are skipped, outputs whose brief or audience is gone are removed, each
    PDF is replaced atomically, and ``manifest.json`` is written last. One build at a time per
    output folder (a lock file): a second one waits, or fails with ``wait=False``.

    ``audiences``: build only these editions (configured audience names; others raise
    :class:`BriefError`). The other editions are neither built, reported nor removed.
    ``on_result`` is called with each output's result as it is known, ``on_plan`` with the
    number of editions about to be rendered. ``runner``: where the render jobs run (default:
    local worker processes of this build, or the Dask cluster at ``scheduler``); e.g.
    :func:`~briefing.build.workers.run_here` renders in this process, and a
    :class:`~briefing.build.workers.LocalPool` kept by the caller (``watch``, ``serve``) keeps
    its warm workers after the build.
    """
    started, started_ns = time.perf_counter(), time.time_ns()
    out_dir = out_dir or config.output_dir
    paths = list(paths)
    unknown = sorted(set(audiences or ()) - set(config.audiences))
    if unknown:
        raise BriefError(
            config.root / "briefing.toml",
            f"unknown audience "
            f"{', '.join(map(repr, unknown))} (configured: "
            f"{', '.join(sorted(config.audiences))})",
        )
    run = _Run(
        config,
        out_dir,
        force=force,
        wanted=frozenset(audiences or config.audiences),
        on_result=on_result,
        asked=command(config.root, out_dir, paths, audiences),
        started_ns=started_ns,
    )
    with contextlib.ExitStack() as stack:
        if runner is None:
            runner = _default_runner(config, jobs or default_jobs(config), scheduler)
            if isinstance(runner, LocalPool):
                stack.enter_context(runner)  # this build's own workers end with it
        stack.callback(warm.discard)  # a worker forked at start-up and never used
        stack.enter_context(output_lock(out_dir, wait=wait))
        run.run(paths, runner=runner, remote=scheduler is not None, on_plan=on_plan)
    run.report.seconds = time.perf_counter() - started
    return run.report


class _Run:
    """One build, under the output folder's lock: its report, cache and keys."""

    def __init__(
        self,
        config: Config,
        out_dir: Path,
        *,
        force: bool,
        wanted: frozenset[str],
        on_result: Callable[[Result], None] | None,
        asked: dict[str, Any] | None,
        started_ns: int,
    ) -> None:
        self.config, self.out_dir, self.wanted, self.on_result = config, out_dir, wanted, on_result
        self.force, self.asked, self.started_ns = force, asked, started_ns
        self.report = Report()
        # what each job in flight becomes when it comes back
        self.in_flight: dict[str, _InFlight] = {}

    def run(
        self,
        paths: list[Path],
        *,
        runner: Runner,
        remote: bool,
        on_plan: Callable[[int], None] | None,
    ) -> None:
        config, out_dir = self.config, self.out_dir
        self.cache = Cache.load(out_dir, stamp())
        self.loaders = {name: make_loader(config, name) for name in config.audiences}
        self.keys = Keys(config, out_dir, self.cache, self.loaders, force=self.force)
        remove_leftovers(out_dir)
        files, self.report.errors = find(config, paths)
        unchanged, to_load = self._skip_unchanged(files)
        if not to_load:
            warm.discard()  # nothing to render: the worker forked at start-up is not needed
        elif isinstance(runner, LocalPool):
            # something to render, most likely: the workers warm up while the briefs load
            fonts = (str(config.fonts_dir), config.build.pdf_variant)
            runner.start(len(to_load) * len(self.wanted), warm=fonts)
        if on_plan:  # at most this many; the exact number once every brief is read
            on_plan(len(to_load) * len(self.wanted))
        self.loaded: list[Brief] = []  # read, in order
        stale = self._stale(self._briefs(to_load))
        self._render(self._jobs(stale, remote=remote, on_plan=on_plan), runner)
        current = unchanged | {relative(b.source.path, config.root) for b in self.loaded}
        remove_stale(self.cache, current, out_dir, config, self.emit, self.wanted)
        save_cache(self.cache)
        write_manifest(out_dir, self.cache)
        self._record(files)

    def _render(self, jobs: Iterator[RenderJob], runner: Runner) -> None:
        """Render, check and publish the stale editions, each as its result comes back."""
        self.checker = checker_for(self.config)
        for job_result in runner(jobs):
            sent = self.in_flight.pop(job_result.name)
            self.checker.check(job_result, sent.expected, sent.edition.brief.source.path)
            self.emit(
                publish_result(job_result, sent.edition, self.keys, sent.templates, sent.logos)
            )

    def emit(self, result: Result) -> None:
        self.report.results.append(result)
        if self.on_result:
            self.on_result(result)

    def _skipped(self, name: str, source: Path, rel: str) -> Result:
        """``rel``: the output's path in the output folder, as the cache names it."""
        entry = self.cache.entries[rel]
        return Result(
            name,
            source,
            self.out_dir / rel,
            "skipped",
            pages=entry.get("pages"),
            fidelity=entry.get("fidelity"),
            sha256=entry.get("sha256"),
        )

    def _skipped_all(self, path: Path, outputs: Iterable[Sequence[str]]) -> list[Result]:
        """A brief's recorded ``(output, audience)`` pairs, as skipped results."""
        return [self._skipped(f"{slug_of(path)}/{aud}", path, out) for out, aud in outputs]

    def _record(self, files: list[Path]) -> None:
        """4. What the next build with nothing to do will answer without asking the cache
        (:mod:`briefing.build.uptodate`): every wanted output skipped, in the order a build
        that reads the cache reports them."""
        noop: list[Result] | None = None
        if self.report.ok:  # else the next build must run, to report the failure again
            noop = []
            for path in files:
                recorded = self.cache.sources[relative(path, self.config.root)]["outputs"]
                noop += self._skipped_all(path, [o for o in recorded if o[1] in self.wanted])
        record(
            self.config,
            self.cache,
            self.asked,
            noop,
            out_dir=self.out_dir,
            briefs=files,
            started_ns=self.started_ns,
        )

    def _skip_unchanged(self, files: list[Path]) -> tuple[set[str], list[Path]]:
        """1. Briefs whose bytes, plan and outputs are all unchanged are not even parsed: that
        is what keeps a no-op rebuild of a large catalogue well under a second."""
        unchanged: set[str] = set()
        to_load: list[Path] = []
        for path in files:
            outputs = self.keys.unchanged(path, self.wanted)
            if outputs is None:
                to_load.append(path)
                continue
            unchanged.add(relative(path, self.config.root))
            for result in self._skipped_all(path, outputs):
                self.emit(result)
        return unchanged, to_load

    def _briefs(self, to_load: list[Path]) -> Iterator[Brief]:
        """Each brief that may have changed, read behind the barrier as the workers ask for
        jobs (so the first brief's PDF renders while the next briefs are read); the process is
        primed first when more than one child will be forked. The parsing stack (YAML,
        Markdown, the content model, figures) is imported here only: a no-op rebuild never
        loads it."""
        if not to_load:
            return
        from briefing.build.load import load_each
        from briefing.build.prime import prime

        config = self.config
        if len(to_load) * len(self.wanted) > 1:
            prime(config, self.environments, self.wanted)
        outcomes: Iterable[Outcome[Path, Brief]] = load_each(to_load, config)
        if not self._apart(to_load):  # two editions might claim one path: all read first
            outcomes = list(outcomes)
            self._refuse_clashes(outcomes)
        for outcome in outcomes:
            if outcome.value is None:
                assert outcome.error is not None
                self.report.errors.append(outcome.error)
            else:
                self.loaded.append(outcome.value)
                yield outcome.value

    def _apart(self, files: list[Path]) -> bool:
        """No two editions these briefs could have (each with every audience) share an output
        file. True unless ``paths.output_name`` is ambiguous (``{slug}-{audience}.pdf`` with
        slugs and audiences that have dashes) or a symlink in the output folder joins two
        outputs; then every brief is read before anything renders, so that the clash is
        refused first, as when every brief was read before the first render."""
        claims = [
            inside(self.out_dir, self.config.paths.output_name.format(slug=slug_of(f), audience=a))
            for f in files
            for a in self.config.audiences
        ]
        real = {c.resolve() for c in claims if c is not None}
        return len(real) == len(claims)

    def _refuse_clashes(self, outcomes: list[Outcome[Path, Brief]]) -> None:
        briefs = [o.value for o in outcomes if o.value is not None]
        check_unique([(e.output, e.name) for e in plan(briefs, self.config, self.out_dir)])

    def _stale(self, briefs: Iterable[Brief]) -> Iterator[Edition]:
        """2. Each read brief's editions, all recorded in the cache (so no later build takes
        the others for gone); those of the ``wanted`` audiences still fresh are reported
        skipped, the stale ones yielded."""
        for brief in briefs:
            editions = plan([brief], self.config, self.out_dir)
            self.cache.sources[relative(brief.source.path, self.config.root)] = {
                "digest": brief.source.digest,
                "plan": self.keys.plan,
                "outputs": [[relative(e.output, self.out_dir), e.audience] for e in editions],
            }
            for edition in (e for e in editions if e.audience in self.wanted):
                rel = relative(edition.output, self.out_dir)
                if self.keys.fresh(rel, brief.source.digest, edition.audience):
                    self.emit(self._skipped(edition.name, brief.source.path, rel))
                else:
                    yield edition

    def _jobs(
        self, stale: Iterable[Edition], *, remote: bool, on_plan: Callable[[int], None] | None
    ) -> Iterator[RenderJob]:
        """3. Each stale edition as a render job, its HTML written behind the barrier as a
        worker asks for it, so the workers start on the first PDF while the next briefs are
        read and the next HTML written, with environments that stay for the next build of
        this process. ``on_plan`` gets the number of stale editions at the end."""
        from briefing.build.load import write_pages  # (as in run: only when something changed)
        from briefing.render import kept_environment

        config = self.config
        self.environments = {name: kept_environment(config, name) for name in config.audiences}
        count = 0
        for edition, page, error in write_pages(stale, config, self.environments):
            count += 1
            if page is None:
                source = edition.brief.source.path
                self.emit(Result(edition.name, source, edition.output, "failed", error=error))
                continue
            yield self._job(edition, page, remote=remote)
        if on_plan:
            on_plan(count)

    def _job(self, edition: Edition, page: Page, *, remote: bool) -> RenderJob:
        job = make_job(edition, page.html, self.config, remote=remote)
        self.in_flight[job.name] = _InFlight(
            edition,
            self.keys.templates(edition.audience, page.templates),
            logos_shown(page.html, self.config),
            page.expected,
        )
        if page.expected:
            self.checker.start()  # its child loads the readers while the first PDF renders
        return job


class _InFlight(NamedTuple):
    """A job handed to the workers, and what its result needs when it comes back."""

    edition: Edition
    templates: dict[str, str]  # name → path:sha256, for the cache
    logos: list[Path]
    expected: tuple[tuple[str, str], ...]  # what the text-layer check looks for


def _default_runner(config: Config, processes: int, scheduler: str | None) -> Runner:
    """Local worker processes under the config's limits, or the Dask cluster at ``scheduler``."""
    limits = config.limits
    if scheduler:
        return lambda jobs: run_dask(jobs, scheduler=scheduler, timeout=limits.render_timeout)
    return LocalPool(
        processes=processes, timeout=limits.render_timeout, memory_mb=limits.worker_memory_mb
    )
