"""Executors for render jobs: local worker processes, or a Dask cluster.

Why not ``concurrent.futures.ProcessPoolExecutor``: a document that hangs WeasyPrint (a huge
table, a pathological font) must be killed after the time limit while the rest of the build goes
on, and a worker that runs out of memory must cost one edition, not the pool. So each worker is a
process with its own pipe; the parent kills and replaces a worker that overruns its time, and
reports a worker that dies. Workers are forked after :func:`preload` has imported WeasyPrint
in the parent, and keep one FontConfiguration (:func:`briefing.build.job.run_job` caches its
renderer per process). Processes, not threads
(WeasyPrint is not thread-safe, WP#1742).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import multiprocessing as mp
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from briefing.build.job import JobResult, RenderJob, run_job
from briefing.errors import BriefError

#: What renders one job (in a worker): :func:`briefing.build.job.run_job`.
Render = Callable[[RenderJob], JobResult]
#: Where a build's render jobs run: jobs in, results out as each finishes (any order).
Runner = Callable[[Iterable[RenderJob]], Iterable[JobResult]]


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    job: RenderJob | None = None
    started: float = 0.0


def _serve(
    conn: Connection,
    memory_mb: int,
    parent_end: Connection | None = None,
    parent_pid: int | None = None,
    render: Render = run_job,
) -> None:
    """Worker main loop: receive a job, send back its result, until told to stop."""
    if parent_end is not None:
        parent_end.close()  # a forked worker holding both ends would never see EOF
    _die_with_parent(parent_pid)
    if memory_mb:
        # Import what a render needs first: the cap is for documents, and a library that cannot
        # even be mapped would be reported as a confusing ImportError.
        import PIL.Image  # noqa: F401
        import weasyprint  # noqa: F401

        from briefing.pdf import renderer as pdf  # noqa: F401

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            result = render(job)
        except Exception as exc:  # a bug, not a content error: report it, keep the worker
            if memory_mb and _out_of_memory(exc):
                result = JobResult(
                    job.name,
                    error=f"ran out of memory (limits.worker_memory_mb = {memory_mb})",
                    error_path=job.source,
                )
                conn.send(result)
                continue
            from briefing import errors

            detail = "\n" + traceback.format_exc() if errors.VERBOSE else " (--verbose: details)"
            result = JobResult(
                job.name,
                error=f"internal error while rendering: {exc!r}" + detail,
                error_path=job.source,
            )
        conn.send(result)


def preload() -> None:
    """Import what every render needs (WeasyPrint, Pillow, the text layer and the check's
    readers) in this process, once, before workers are forked: they inherit it instead of each
    importing it again (a second of CPU per worker), and ``watch`` keeps it between builds.
    Only when there is something to render, so a no-op build never pays for it."""
    import PIL.Image  # noqa: F401
    import pypdfium2  # noqa: F401
    import weasyprint  # noqa: F401

    from briefing.pdf import renderer as pdf  # noqa: F401
    from briefing.pdf.textlayer import check

    check.load_mupdf()


def _out_of_memory(exc: BaseException) -> bool:
    """MemoryError, or a library that could not map memory under the worker's cap."""
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
        return True
    return "failed to map segment" in str(exc) or "Cannot allocate memory" in str(exc)


def run_here(jobs: Iterable[RenderJob]) -> Iterator[JobResult]:
    """A :data:`Runner` that renders each job in this process, one after the other, with no
    time or memory bound: for an embedding that is itself a worker, and for tests of what a
    build decides (which editions it renders), where forking workers only costs time."""
    return map(run_job, jobs)


def run_local(
    jobs: Iterable[RenderJob],
    *,
    processes: int,
    timeout: float,
    memory_mb: int,
    render: Render = run_job,
) -> Iterator[JobResult]:
    """Run jobs on ``processes`` worker processes; yield results as each finishes.

    ``render`` is what a worker does with a job (:func:`~briefing.build.job.run_job`); another
    function is for checking the pool itself, e.g. that a job which never returns is stopped.
    """
    pending = list(jobs)
    pending.reverse()  # pop() from the end keeps the submitted order
    if not pending:
        return
    pool = _Pool(pending, timeout=timeout, memory_mb=memory_mb, render=render)
    try:
        for _ in range(max(1, min(processes, len(pending)))):
            pool.feed(pool.start())
        yield from pool.results()
    finally:
        pool.close()


class _Pool:
    """The worker processes of one :func:`run_local` call, fed from ``pending``."""

    def __init__(
        self, pending: list[RenderJob], *, timeout: float, memory_mb: int, render: Render
    ) -> None:
        self.pending, self.timeout, self.memory_mb = pending, timeout, memory_mb
        self.render = render
        self.ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        if self.ctx.get_start_method() == "fork":
            preload()
        self.workers: list[_Worker] = []

    def start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        process = self.ctx.Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(child, self.memory_mb, parent, os.getpid(), self.render),
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers.append(worker)
        return worker

    def feed(self, worker: _Worker) -> None:
        if self.pending:
            worker.job = self.pending.pop()
            worker.started = time.monotonic()
            worker.conn.send(worker.job)
        else:
            worker.job = None

    def results(self) -> Iterator[JobResult]:
        """Each result as it comes; a worker over its time is killed and replaced."""
        while busy := [w for w in self.workers if w.job is not None]:
            deadline = min(w.started + self.timeout for w in busy)
            ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            for worker in busy:
                if worker.conn in ready:
                    yield self._receive(worker)
                elif now - worker.started >= self.timeout:
                    yield self._kill(worker, now)

    def _receive(self, worker: _Worker) -> JobResult:
        job = worker.job
        assert job is not None
        try:
            result = worker.conn.recv()
        except (EOFError, OSError):
            result = _died(worker, job)
            worker = self._replace(worker)
        self.feed(worker)  # before the caller publishes: the worker renders meanwhile
        return result

    def _kill(self, worker: _Worker, now: float) -> JobResult:
        job = worker.job
        assert job is not None
        worker.process.kill()
        worker.process.join()
        self.feed(self._replace(worker))
        return JobResult(
            job.name,
            error=f"render took longer than {self.timeout:g} s; the worker was stopped",
            error_path=job.source,
            seconds=now - worker.started,
        )

    def _replace(self, dead: _Worker) -> _Worker:
        self.workers.remove(dead)
        dead.conn.close()
        return self.start()

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()


def _die_with_parent(parent_pid: int | None) -> None:
    """Linux: have the kernel kill this worker when the build process dies, even by SIGKILL.

    Otherwise an orphaned worker renders on and, having inherited the file descriptor of the
    output folder's lock across fork, keeps the next build waiting.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover
        return
    if parent_pid is not None and os.getppid() != parent_pid:  # it died before prctl
        os._exit(1)


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


def run_dask(jobs: Iterable[RenderJob], *, scheduler: str, timeout: float) -> Iterator[JobResult]:
    """Run jobs on a Dask distributed cluster; inputs and PDF bytes travel through Dask (a
    remote job carries its brief's folder: :func:`briefing.build.job.run_job` unpacks it)."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise RuntimeError("--scheduler needs Dask: pip install 'briefing[dask]'") from exc
    try:
        client = Client(scheduler, timeout=15)
    except (OSError, TimeoutError) as exc:
        raise BriefError(None, f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        futures = {client.submit(run_job, job, pure=False): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield future.result(timeout=timeout)
            except Exception as exc:  # a worker lost or an exception inside Dask itself
                yield JobResult(
                    job.name, error=f"remote render failed: {exc}", error_path=job.source
                )
