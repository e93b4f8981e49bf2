"""Local worker processes for render jobs, kept warm for as long as their owner wants.

Why not ``concurrent.futures.ProcessPoolExecutor``: a document that hangs WeasyPrint (a huge
table, a pathological font) must be killed after the time limit while the rest of the build goes
on, and a worker that runs out of memory must cost one edition, not the pool. So each worker is a
process with its own pipe; the parent kills and replaces a worker that overruns its time, and
reports a worker that dies. Processes, not threads (WeasyPrint is not thread-safe, WP#1742).

A worker warms itself up as soon as it is forked (:func:`briefing.build.job.warm_up`: the
imports, the renderer and its FontConfiguration), so a build starts its workers before it
reads the briefs and they get ready while the parent loads and writes HTML; the build process
itself never imports WeasyPrint. Jobs are taken from their iterator one ahead of the workers:
when a worker is given a job, the next one is made (its HTML written) while the workers render,
so a worker that finishes takes it at once. A :class:`LocalPool`
outlives one batch when its owner keeps it (``watch`` and ``serve`` do): its workers keep their
fonts, imports and renderer between rebuilds. Its time limit counts from when a worker is ready.
"""

from __future__ import annotations

import contextlib
import errno
import multiprocessing as mp
import os
import resource
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from briefing import warm as prestarted
from briefing.build.job import JobResult, RenderJob, run_job, warm_up
from briefing.build.lifeline import die_with_parent

#: What renders one job (in a worker): :func:`briefing.build.job.run_job`.
Render = Callable[[RenderJob], JobResult]
#: (fonts folder, pdf_variant): what a worker warms its renderer for.
Warm = tuple[str, str]


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    job: RenderJob | None = None
    started: float = 0.0
    ready: bool = False  # warmed up (its first message said so)


def _serve(
    conn: Connection,
    memory_mb: int,
    parent_end: Connection | None,
    parent_pid: int | None,
    render: Render,
    warm: Warm | None,
) -> None:
    """Worker main loop: warm up, say so, then receive a job and send back its result."""
    if parent_end is not None:
        parent_end.close()  # a forked worker holding both ends would never see EOF
    die_with_parent(parent_pid)
    # Imports before the memory cap: the cap is for documents, and a library that cannot even
    # be mapped would be reported as a confusing ImportError.
    if warm is not None:
        warm_up(*warm)
    if memory_mb:
        import PIL.Image  # noqa: F401
        import weasyprint  # noqa: F401

        from briefing.pdf import renderer as pdf  # noqa: F401

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(None)  # ready: the job's time limit starts now
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(_render_one(render, job, memory_mb))


def adopt(conn: Connection, parent_pid: int) -> None:
    """The prestarted worker (:mod:`briefing.warm`): import what a render needs before the
    pool says what it wants, then serve it as any worker."""
    die_with_parent(parent_pid)
    import PIL.Image  # noqa: F401
    import weasyprint  # noqa: F401

    from briefing.pdf import renderer  # noqa: F401

    try:
        settings = conn.recv()  # (memory_mb, warm): the pool that took it
    except EOFError:
        return
    if settings is not None:
        _serve(conn, settings[0], None, None, run_job, settings[1])


def _render_one(render: Render, job: RenderJob, memory_mb: int) -> JobResult:
    try:
        return render(job)
    except Exception as exc:  # a bug, not a content error: report it, keep the worker
        if memory_mb and _out_of_memory(exc):
            return JobResult(
                job.name,
                error=f"ran out of memory (limits.worker_memory_mb = {memory_mb})",
                error_path=job.source,
            )
        from briefing import errors

        detail = "\n" + traceback.format_exc() if errors.VERBOSE else " (--verbose: details)"
        return JobResult(
            job.name,
            error=f"internal error while rendering: {exc!r}" + detail,
            error_path=job.source,
        )


def _out_of_memory(exc: BaseException) -> bool:
    """MemoryError, or a library that could not map memory under the worker's cap."""
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
        return True
    return "failed to map segment" in str(exc) or "Cannot allocate memory" in str(exc)


class LocalPool:
    """Up to ``processes`` worker processes under a time limit per job and a memory cap each.

    Call it with jobs (it is a :data:`briefing.build.workers.Runner`): results come as each
    finishes. :meth:`start` forks the workers ahead of the jobs; :meth:`close` ends them.
    """

    def __init__(
        self, *, processes: int, timeout: float, memory_mb: int, render: Render = run_job
    ) -> None:
        self.processes, self.timeout, self.memory_mb = max(1, processes), timeout, memory_mb
        self.render = render
        self.ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        self.workers: list[_Worker] = []
        self.warm: Warm | None = None
        self.pending: Iterator[RenderJob] = iter(())
        self.ahead: RenderJob | None = None  # the next job, made while the workers render

    def settings(self) -> tuple[int, float, int]:
        return self.processes, self.timeout, self.memory_mb

    def start(self, count: int | None = None, warm: Warm | None = None) -> None:
        """Have ``count`` (at most ``processes``) workers running, warmed up for ``warm``."""
        self.warm = warm or self.warm
        self._prune()
        wanted = min(self.processes, self.processes if count is None else max(1, count))
        while len(self.workers) < wanted:
            self._fork()

    def __call__(self, jobs: Iterable[RenderJob]) -> Iterator[JobResult]:
        self.pending, self.ahead = iter(jobs), None
        self._prune()
        for worker in [w for w in self.workers if w.job is None]:
            if not self._feed(worker):
                break
        else:  # every worker busy: more of them, up to ``processes``, while there are jobs
            while len(self.workers) < self.processes:
                self.ahead = self.ahead or next(self.pending, None)
                if self.ahead is None:
                    break
                self._feed(self._fork())
        yield from self._results()

    def _prune(self) -> None:
        """Forget workers that died while idle (between the builds of ``watch``)."""
        for dead in [w for w in self.workers if not w.process.is_alive()]:
            self.workers.remove(dead)
            dead.conn.close()

    def _fork(self) -> _Worker:
        taken = prestarted.take() if self.render is run_job else None
        if taken is not None:
            process, conn = taken
            conn.send((self.memory_mb, self.warm))
            self.workers.append(_Worker(process, conn))
            return self.workers[-1]
        parent, child = self.ctx.Pipe()
        process = self.ctx.Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(child, self.memory_mb, parent, os.getpid(), self.render, self.warm),
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers.append(worker)
        return worker

    def _feed(self, worker: _Worker) -> bool:
        """Give ``worker`` the next job, if any, then make the one after it (its HTML is
        written here): a worker that finishes gets its next job at once instead of waiting
        for that HTML, and no job is made long before a worker can take it."""
        job, self.ahead = self.ahead or next(self.pending, None), None
        worker.job = job
        if job is None:
            return False
        self._give(worker, job)
        self.ahead = next(self.pending, None)
        return True

    def _give(self, worker: _Worker, job: RenderJob) -> None:
        worker.job, worker.started = job, time.monotonic()
        worker.conn.send(job)

    def _results(self) -> Iterator[JobResult]:
        """Each result as it comes; a ready worker over its time is killed and replaced."""
        while busy := [w for w in self.workers if w.job is not None]:
            timed = [w.started + self.timeout for w in busy if w.ready]
            wait_for = max(0.0, min(timed) - time.monotonic()) if timed else None
            ready = wait([w.conn for w in busy], timeout=wait_for)
            now = time.monotonic()
            for worker in busy:
                if worker.conn in ready:
                    result = self._receive(worker)
                    if result is not None:
                        yield result
                elif worker.ready and now - worker.started >= self.timeout:
                    yield self._kill(worker, now)

    def _receive(self, worker: _Worker) -> JobResult | None:
        job = worker.job
        assert job is not None
        try:
            result = worker.conn.recv()
        except (EOFError, OSError):
            result = _died(worker, job)
            worker = self._replace(worker)
        else:
            if result is None:  # warmed up: the job it was given starts its clock now
                worker.ready, worker.started = True, time.monotonic()
                return None
        self._feed(worker)  # before the caller publishes: the worker renders meanwhile
        return result

    def _kill(self, worker: _Worker, now: float) -> JobResult:
        job = worker.job
        assert job is not None
        worker.process.kill()
        worker.process.join()
        self._feed(self._replace(worker))
        return JobResult(
            job.name,
            error=f"render took longer than {self.timeout:g} s; the worker was stopped",
            error_path=job.source,
            seconds=now - worker.started,
        )

    def _replace(self, dead: _Worker) -> _Worker:
        self.workers.remove(dead)
        dead.conn.close()
        return self._fork()

    def close(self) -> None:
        """End every worker: idle ones hold nothing the build needs, so a worker still
        warming up is stopped rather than waited for."""
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(timeout=0.5 if worker.ready else 0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self.workers = []

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _died(worker: _Worker, job: RenderJob) -> JobResult:
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    why = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return JobResult(
        job.name,
        error=f"render worker died ({why}); out of memory?",
        error_path=job.source,
        seconds=time.monotonic() - worker.started,
    )


class WarmPool:
    """The :class:`LocalPool` a long-running command keeps between builds (``watch``,
    ``serve``): the same warm workers while the settings stay the same, new ones when an edit
    to ``briefing.toml`` changes them."""

    def __init__(self) -> None:
        self.pool: LocalPool | None = None

    def get(self, *, processes: int, timeout: float, memory_mb: int) -> LocalPool:
        if self.pool is None or self.pool.settings() != (max(1, processes), timeout, memory_mb):
            self.close()
            self.pool = LocalPool(processes=processes, timeout=timeout, memory_mb=memory_mb)
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
