"""Where render jobs run: local worker processes (:mod:`briefing.build.pool`), this process, or
a Dask cluster. Each is a :data:`Runner`: jobs in, results out as each finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from briefing.build.job import JobResult, RenderJob, run_job
from briefing.build.pool import LocalPool, Render, WarmPool
from briefing.errors import BriefError

#: Where a build's render jobs run: jobs in, results out as each finishes (any order).
Runner = Callable[[Iterable[RenderJob]], Iterable[JobResult]]

__all__ = ["LocalPool", "Render", "Runner", "WarmPool", "run_dask", "run_here", "run_local"]


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
    """Run jobs on up to ``processes`` worker processes of their own; yield results as each
    finishes (a :class:`~briefing.build.pool.LocalPool` for this one batch).

    ``render`` is what a worker does with a job (:func:`~briefing.build.job.run_job`); another
    function is for checking the pool itself, e.g. that a job which never returns is stopped.
    """
    with LocalPool(
        processes=processes, timeout=timeout, memory_mb=memory_mb, render=render
    ) as pool:
        yield from pool(jobs)


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
