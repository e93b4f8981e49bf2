"""``briefing schedule --cron "0 6 * * *"``: run the incremental build at every tick, until stopped.

A long-running process for a server without a cron daemon (or a container): it sleeps until the
next tick of the cron expression (croniter; local time, five fields, or six with seconds last),
runs one incremental build, logs its summary line, and sleeps again.

* Never two runs at once: runs happen one after the other in this loop, and a run that outlasts
  its interval skips the ticks it missed (logged) instead of queuing them. Against other
  processes (a manual ``briefing build``, a second scheduler) the output folder's lock makes the
  run wait.
* A failed run — a broken brief, a broken ``briefing.toml`` (read again before every run), or an
  exception inside the build — is logged and the scheduler waits for the next tick.
* SIGTERM or SIGINT stops it cleanly: at once while it sleeps; after the current run while it
  builds (a second signal aborts the run; every PDF is replaced atomically and the manifest is
  written last, so an aborted run leaves the previous outputs intact). Exit code 0.

For tests (and embedding), :func:`run_schedule` takes the clock and the sleep function as
arguments, and ``max_runs``.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from briefing.build import build
from briefing.commands.rebuild import Builder, build_once

if TYPE_CHECKING:
    from croniter import croniter


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


class _Stop:
    """SIGTERM/SIGINT handling: the first signal asks to stop, a second one while a run is
    under way aborts it (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.requested = False
        self.building = False
        self.previous: dict[int, object] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals are only delivered to the main thread; the caller stops us
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested and self.building:
            raise KeyboardInterrupt
        self.requested = True

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake within a fraction of a second when a stop is requested."""
        deadline = time.monotonic() + seconds
        while not self.requested:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.2))


def run_schedule(
    root: Path,
    cron: str,
    *,
    out_dir: Path | None = None,
    now: Callable[[], dt.datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
    max_runs: int | None = None,
    jobs: int | None = None,
    builder: Builder = build,
) -> int:
    """Run the build at every tick of ``cron`` until SIGTERM/SIGINT (or ``max_runs`` runs).

    ``now()`` must return an aware datetime (default: local time); ``sleep(seconds)`` waits
    (default: an interruptible sleep); ``builder`` runs each build (see
    :data:`briefing.commands.rebuild.Builder`). Returns the exit code: 0 after a clean stop, 2
    for an invalid cron expression, 130 when a second signal aborted a run.
    """
    from croniter import croniter

    if not croniter.is_valid(cron):
        click.echo(
            f'invalid cron expression: {cron!r} (five fields, e.g. "0 6 * * *", '
            "or six with seconds last)",
            err=True,
        )
        return 2
    clock = now or _local_now
    stop = _Stop()
    loop = _Loop(clock, stop, sleep or stop.sleep, root, out_dir, jobs, builder)
    ticks = croniter(cron, clock())
    runs = 0
    stop.install()
    try:
        loop.log(f"scheduler started: cron {cron!r}, project {root.resolve()}")
        next_tick: dt.datetime = ticks.get_next(dt.datetime)
        while not stop.requested and (max_runs is None or runs < max_runs):
            loop.log(f"next run at {next_tick.isoformat(timespec='seconds')}")
            if not loop.wait_until(next_tick):
                break
            runs += 1
            loop.run(runs)
            next_tick, missed = _after(ticks, clock())
            if missed:
                loop.log(
                    f"run {runs} outlasted its interval: skipped {missed} tick"
                    f"{'s' if missed > 1 else ''}"
                )
        loop.log("scheduler stopped" + (" (signal)" if stop.requested else ""))
        return 0
    except KeyboardInterrupt:
        loop.log("run aborted by a second signal; scheduler stopped", err=True)
        return 130
    finally:
        stop.restore()


@dataclass
class _Loop:
    """What each tick of one scheduler needs: its clock, stop signal, sleep and build."""

    clock: Callable[[], dt.datetime]
    stop: _Stop
    sleep: Callable[[float], None]
    root: Path
    out_dir: Path | None
    jobs: int | None
    builder: Builder

    def log(self, message: str, *, err: bool = False) -> None:
        """Each line stamped with the (scheduler's) time."""
        for line in message.splitlines() or [""]:
            click.echo(f"{self.clock().isoformat(timespec='seconds')} {line}", err=err)

    def wait_until(self, tick: dt.datetime) -> bool:
        """Sleep until ``tick``; False when a stop was requested first."""
        while not self.stop.requested:
            left = (tick - self.clock()).total_seconds()
            if left <= 0:
                return True
            self.sleep(left)
        return False

    def run(self, number: int) -> None:
        """One build, its lines prefixed with the run's number."""
        prefix = f"run {number}: "
        self.log(f"run {number} started")
        self.stop.building = True
        try:
            _, report = build_once(
                self.root,
                self.out_dir,
                jobs=self.jobs,
                echo=lambda message: self.log(prefix + message),
                error=lambda message: self.log(prefix + message, err=True),
                builder=self.builder,
            )
        finally:
            self.stop.building = False
        outcome = "ok" if report is not None and report.ok else "FAILED"
        self.log(f"run {number} finished: {outcome}")


def _after(ticks: croniter, now: dt.datetime) -> tuple[dt.datetime, int]:
    """The schedule's first tick after ``now``, and how many ticks were missed before it."""
    tick = ticks.get_next(dt.datetime)
    missed = 0
    while tick <= now:
        missed += 1
        tick = ticks.get_next(dt.datetime)
    return tick, missed
