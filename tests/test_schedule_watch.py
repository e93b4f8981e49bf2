"""The long-running loops: ``briefing schedule`` (cron ticks) and ``briefing watch`` (saves).

The in-process tests drive the scheduler with a fake clock (``now``/``sleep`` arguments), so a
daily schedule runs five ticks in a second, and build through the documented ``builder``
argument: :func:`inline` renders in the test process (as test_rebuild.py does), :class:`Spy`
records each build. The process tests run the real command with a once-a-second cron (croniter's
sixth field is seconds) and stop it with real signals.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from briefing.build import Report, build, run_here
from briefing.commands.schedule import run_schedule
from briefing.commands.watch import watch_and_build

from .conftest import write_brief
from .test_rebuild import brief_text, editions, names

UTC = dt.UTC


def inline(*args, **kwargs) -> Report:
    """:func:`build`, rendering in this process, one job after the other."""
    return build(*args, runner=run_here, **kwargs)


def save(path: Path, text: str) -> None:
    """Save as editors do: write a temporary file, then rename it over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".saving~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Spy:
    """A builder that wraps build(): records each report; ``fail_on`` call numbers raise
    instead."""

    def __init__(self, fail_on: set[int] = frozenset(), during=None) -> None:
        self.real = inline
        self.calls = 0
        self.running = 0
        self.reports: list = []
        self.fail_on = fail_on
        self.during = during

    def __call__(self, *args, **kwargs):
        self.calls += 1
        assert self.running == 0, "two builds at once"
        self.running += 1
        try:
            if self.calls in self.fail_on:
                raise RuntimeError("simulated crash inside the build")
            if self.during:
                self.during()
            report = self.real(*args, **kwargs)
            self.reports.append(report)
            return report
        finally:
            self.running -= 1


# ------------------------------------------------------------------------- schedule


def test_scheduler_runs_ticks_and_survives_failing_runs(project: Path, capsys):
    write_brief(project, "a.md", brief_text(1))
    clock = [dt.datetime(2025, 1, 1, 5, 59, 30, tzinfo=UTC)]
    slept: list[float] = []
    spy = Spy(fail_on={3})  # the 3rd build() call: run 4
    toml = project / "briefing.toml"

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += dt.timedelta(seconds=seconds)
        upcoming = len(slept)  # the run this sleep leads to
        if upcoming == 2:
            write_brief(project, "a.md", brief_text(1, "تعديل."))
        elif upcoming == 3:
            toml.write_text("[build\njobs = 1\n", encoding="utf-8")  # invalid TOML
        elif upcoming == 4:
            toml.unlink()  # fixed; but this run's build raises (fail_on)
        elif upcoming == 5:
            write_brief(project, "b.md", brief_text(2))

    code = run_schedule(
        project,
        "0 6 * * *",
        out_dir=project / "out",
        now=lambda: clock[0],
        sleep=sleep,
        max_runs=5,
        builder=spy,
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert slept == [30, 86400, 86400, 86400, 86400]
    for day in range(1, 6):
        assert f"2025-01-0{day}T06:00:00+00:00 run {day} started" in out
    # run 3 never reached build(): the config was broken; run 4's build raised
    assert spy.calls == 4
    assert [names(r) for r in spy.reports] == [editions("a"), editions("a"), editions("b")]
    assert "run 3: config error, not building:" in err and "briefing.toml" in err
    assert "run 4: build crashed: RuntimeError('simulated crash inside the build')" in err
    assert [line.split(" run ")[1] for line in out.splitlines() if "finished" in line] == [
        "1 finished: ok",
        "2 finished: ok",
        "3 finished: FAILED",
        "4 finished: FAILED",
        "5 finished: ok",
    ]
    assert "run 5: 3 built, 3 skipped, 0 removed, 0 failed in" in out
    assert (project / "out" / "b" / "full.pdf").is_file()


def test_a_run_longer_than_its_interval_skips_ticks_instead_of_overlapping(project: Path, capsys):
    write_brief(project, "a.md", brief_text(1))
    clock = [dt.datetime(2025, 1, 1, 5, 55, tzinfo=UTC)]

    def slow_build() -> None:  # every run takes 25 minutes of a 10-minute schedule
        clock[0] += dt.timedelta(minutes=25)

    def sleep(seconds: float) -> None:
        clock[0] += dt.timedelta(seconds=seconds)

    spy = Spy(during=slow_build)
    assert (
        run_schedule(
            project,
            "*/10 * * * *",
            out_dir=project / "out",
            now=lambda: clock[0],
            sleep=sleep,
            max_runs=3,
            builder=spy,
        )
        == 0
    )
    out = capsys.readouterr().out
    assert spy.calls == 3
    starts = [
        line.split(" ")[0]
        for line in out.splitlines()
        if line.endswith("started") and " run " in line
    ]
    assert starts == [
        "2025-01-01T06:00:00+00:00",
        "2025-01-01T06:30:00+00:00",
        "2025-01-01T07:00:00+00:00",
    ]
    assert out.count("outlasted its interval: skipped 2 ticks") == 3


def test_invalid_cron_is_refused(project: Path, capsys):
    assert run_schedule(project, "every morning", out_dir=project / "out") == 2
    assert "invalid cron expression: 'every morning'" in capsys.readouterr().err


class Running:
    """A ``briefing`` command in a process, its stdout read line by line as it comes."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "briefing", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # a process group of its own, as a service has
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.put(line)
        self.lines.put(None)

    def until(self, needle: str, timeout: float = 60) -> list[str]:
        """Lines up to and including the first that contains ``needle``."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, f"exited before {needle!r}: {''.join(seen)}"
            seen.append(line)
            if needle in line:
                return seen

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def signal_group(self, signum: int) -> None:
        """To every process of the command, as systemd stops a service."""
        os.killpg(self.proc.pid, signum)

    def rest(self, timeout: float = 30) -> str:
        """Wait for the exit; the rest of stdout."""
        self.proc.wait(timeout=timeout)
        seen = []
        while (line := self.lines.get(timeout=5)) is not None:
            seen.append(line)
        return "".join(seen)

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def stderr(self) -> str:
        return self.proc.stderr.read()  # type: ignore[union-attr]


@pytest.fixture
def procs():
    """Start commands with ``procs(*args)``; any still running after the test is killed."""
    started: list[Running] = []

    def start(*args: str) -> Running:
        started.append(Running(*args))
        return started[-1]

    yield start
    for running in started:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait()


def test_scheduler_process_stops_cleanly_on_sigterm_while_waiting(project: Path, procs):
    write_brief(project, "a.md", brief_text(1))
    proc = procs(
        "schedule", "--root", str(project), "--out", str(project / "out"), "--cron", "* * * * * *"
    )  # every second
    proc.until("run 2 finished: ok")
    proc.until("next run at")
    proc.signal(signal.SIGTERM)
    rest = proc.rest(timeout=5)
    assert proc.returncode == 0, proc.stderr()
    assert "scheduler stopped (signal)" in rest and "run 3" not in rest
    assert (project / "out" / "manifest.json").is_file()


def test_scheduler_process_finishes_the_current_run_on_sigint(project: Path, procs):
    write_brief(project, "a.md", brief_text(1))
    proc = procs(
        "schedule", "--root", str(project), "--out", str(project / "out"), "--cron", "* * * * * *"
    )
    proc.until("run 1 started")  # the first run renders: it takes a second or so
    proc.signal(signal.SIGINT)
    rest = proc.rest(timeout=30)
    assert proc.returncode == 0, proc.stderr()
    assert "run 1: 3 built, 0 skipped, 0 removed, 0 failed" in rest
    assert "run 1 finished: ok" in rest and "scheduler stopped (signal)" in rest
    assert "run 2" not in rest
    assert len(list((project / "out").glob("a/*.pdf"))) == 3


def test_scheduler_finishes_the_current_run_when_its_whole_group_gets_sigterm(project: Path, procs):
    """systemd stops a service by signalling every process in it: the render workers and the
    children that load briefs and check PDFs carry on until the scheduler has finished (a
    child hit while at work: test_barrier.py, which signals it at a known point)."""
    write_brief(project, "a.md", brief_text(1))
    write_brief(project, "b.md", brief_text(2))
    proc = procs(
        "schedule", "--root", str(project), "--out", str(project / "out"), "--cron", "* * * * * *"
    )
    proc.until("run 1: built")  # the children are forked and at work
    proc.signal_group(signal.SIGTERM)
    rest = proc.rest(timeout=60)
    err = proc.stderr()
    assert proc.returncode == 0, err
    assert "run 1: 6 built, 0 skipped, 0 removed, 0 failed" in rest, rest + err
    assert "could not be checked" not in err, err
    assert "scheduler stopped (signal)" in rest


# ------------------------------------------------------------------------- watch


def test_watch_rebuilds_what_changed_and_survives_errors(project: Path):
    out_dir = project / "out"
    write_brief(project, "a.md", brief_text(1))
    builds: queue.Queue = queue.Queue()
    said: list[str] = []
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            watch_and_build(
                project,
                out_dir=out_dir,
                stop_event=stop,
                debounce=50,
                on_build=builds.put,
                echo=said.append,
                error=said.append,
                builder=inline,
            )
        )
    )
    thread.start()

    def next_build():
        return builds.get(timeout=15)

    try:
        assert names(next_build()) == editions("a")
        save(project / "content" / "a.md", brief_text(1, "تعديل."))
        assert names(next_build()) == editions("a")
        save(project / "content" / "b.md", "---\ntitle: ناقص\n---\n")  # no date
        report = next_build()
        assert names(report) == set() and len(report.errors) == 1
        assert any("b.md" in line and "date" in line for line in said)
        save(project / "content" / "b.md", brief_text(2))
        assert names(next_build()) == editions("b")
        save(project / "briefing.toml", "[audiences.executive]\nmarking = 3\n")  # wrong type
        assert next_build() is None
        assert any(line.startswith("config error, not building:") for line in said)
        save(project / "briefing.toml", '[audiences.executive]\nmarking = "داخلي"\n')
        assert names(next_build()) == editions("a", "b", audiences=("executive",))
        css = project / "templates" / "css" / "brief.css"
        save(
            css,
            (Path(__file__).parent.parent / "templates" / "css" / "brief.css").read_text(
                encoding="utf-8"
            )
            + "\n/* house */\n",
        )
        assert names(next_build()) == editions("a", "b")
        (out_dir / "stray.txt").write_text("the output folder is not watched")
        (project / "notes.txt").write_text("nor files that are no input")
        with pytest.raises(queue.Empty):
            builds.get(timeout=1.0)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and result == [0]
    assert said[-1] == "stopped watching"


def test_watch_command_rebuilds_on_save_and_stops_on_ctrl_c(project: Path, procs):
    write_brief(project, "a.md", brief_text(1))
    proc = procs("watch", "--root", str(project), "--out", str(project / "out"))
    proc.until("3 built, 0 skipped")
    save(project / "content" / "a.md", brief_text(1, "تعديل."))
    lines = proc.until("3 built, 0 skipped")
    assert any(line.startswith("changed: content/a.md") for line in lines)
    proc.signal(signal.SIGINT)
    rest = proc.rest(timeout=10)
    assert proc.returncode == 0, proc.stderr()
    assert "stopped watching" in rest
