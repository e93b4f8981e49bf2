"""The per-brief barrier: one brief's parsing and HTML run in a child process that can be killed.

Everything done for one brief before the PDF render — reading the file, YAML, validation,
Markdown, figures, Jinja — runs here in a forked child with the brief's time limit
(``limits.parse_timeout``) and memory cap (``limits.worker_memory_mb``). Whatever goes wrong in
there (a hang, a RecursionError deep inside a library, a bug) comes back as *that brief's*
``path:line: message``; the build, ``watch``, ``schedule`` and the ``serve`` index go on.

The child's log records (warnings about the brief) travel back with its result and are logged
again here, in order, so that the parent decides where they are printed (above a progress bar,
never into it).

Fork (not spawn) on purpose: the child inherits the parent's loaded modules, config and Jinja
environments, so a task costs a fork (milliseconds) instead of a Python start-up and imports.
The child freezes what it inherits (``gc.freeze``), so that its collections never walk — and so
copy, page by page — the parent's heap.

A child serves task after task (up to :data:`TASKS_PER_CHILD`) while they succeed: a fork and
the child's first touches of what it inherited (copy-on-write faults, the readers' first use)
cost 35–45 ms of CPU per task, a fifth of what a warm batch spent beside its renders. A task
that fails in any way — a brief's error, a crash, a timeout — ends its child, so no later task
runs in a process a failed one has been through; the next task gets a fresh fork. The time
limit is per task, from when it is handed over; the memory cap is the child's.

What the child does — its signals, memory cap, frozen heap and loop — is
:mod:`briefing.build.barrier_child`.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing as mp
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Generic, TypeVar

from briefing.build.barrier_child import child_main
from briefing.errors import BriefError

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)


@dataclass
class Outcome(Generic[T, R]):
    """What became of one task: its value, or the brief's error."""

    task: T
    value: R | None = None
    error: BriefError | None = None
    seconds: float = 0.0


#: Tasks one child serves before it is replaced: a bound on what one process accumulates.
TASKS_PER_CHILD = 32


@dataclass
class _Child:
    process: mp.process.BaseProcess
    conn: Connection  # both ways: tasks in, outcomes out
    task: Any = None  # in flight, or None
    index: int = -1  # the task's place in its batch
    started: float = 0.0
    served: int = 0
    sender: threading.Thread | None = None  # sending a whole task


class _Children:
    """Children forked from this process to run ``func``, reused while their tasks succeed.

    ``known`` tasks were there when the children were forked: they are handed over by index
    (nothing to pickle); any other task is sent whole.
    """

    def __init__(
        self,
        func: Callable[[Any], Any],
        path_of: Callable[[Any], Path],
        what: str,
        timeout: float,
        memory_mb: int,
        known: Sequence[Any] = (),
        warm_up: Callable[[], None] | None = None,
        tasks_per_child: int = TASKS_PER_CHILD,
        limit: str = "limits.parse_timeout",
    ) -> None:
        self.func, self.path_of, self.what, self.limit = func, path_of, what, limit
        self.timeout, self.memory_mb, self.known = timeout, memory_mb, known
        self.warm_up, self.tasks_per_child = warm_up, tasks_per_child
        self.ctx = mp.get_context("fork")
        self.idle: list[_Child] = []
        self.busy: list[_Child] = []
        _LIVE.add(self)

    def give(self, task: Any, index: int = -1) -> None:
        """Hand ``task``, the ``index``-th of its batch, to an idle child, or to a new one: by
        its index when the children were forked knowing the batch (``known[index]``), else
        sent whole.

        A whole task (a PDF to check) may not fit in the pipe: it is sent from a thread, so
        that a child that never reads it (hung while warming up) is caught by the time limit
        instead of blocking this process in ``send``."""
        child = self._idle_alive() or self._fork()
        child.task, child.index, child.started = task, index, time.monotonic()
        self.busy.append(child)
        if self.known and index >= 0:
            child.conn.send(index)
            return
        child.sender = threading.Thread(
            target=_send, args=(child.conn, ("task", task, self.path_of(task))), daemon=True
        )
        child.sender.start()

    def _idle_alive(self) -> _Child | None:
        """An idle child still alive: a kept one may have died meanwhile (OOM killer, the
        thread that forked it gone)."""
        while self.idle:
            child = self.idle.pop()
            if child.process.is_alive():
                return child
            _end(child)
        return None

    def _fork(self) -> _Child:
        parent, child_end = self.ctx.Pipe(duplex=True)
        others = [c.conn for c in (*self.idle, *self.busy)]
        process = self.ctx.Process(
            target=child_main,
            daemon=True,
            args=(self.func, self.known, self.path_of, child_end, [parent, *others]),
            kwargs={
                "memory_mb": self.memory_mb,
                "parent_pid": os.getpid(),
                "warm_up": self.warm_up,
            },
        )
        process.start()
        child_end.close()
        return _Child(process, parent)

    def start(self) -> None:
        """Fork a child ahead of the first task (it warms up meanwhile), unless there is one."""
        if not self.idle and not self.busy:
            self.idle.append(self._fork())

    def finished(self) -> list[tuple[_Child, Outcome[Any, Any]]]:
        """Wait for the next answer or overrun among the busy children: (child, outcome) of
        each that finished; a child whose task failed, or that served its share, is ended."""
        deadline = min(c.started + self.timeout for c in self.busy)
        ready = wait([c.conn for c in self.busy], timeout=max(0.0, deadline - time.monotonic()))
        now, done = time.monotonic(), []
        for child in list(self.busy):
            outcome = self._outcome(child, child.conn in ready, now)
            if outcome is None:
                continue
            outcome.seconds = now - child.started
            self.busy.remove(child)
            child.served += 1
            if outcome.error is None and child.served < self.tasks_per_child:
                self.idle.append(child)
            else:
                _end(child)
            done.append((child, outcome))
        return done

    def _outcome(self, child: _Child, ready: bool, now: float) -> Outcome[Any, Any] | None:
        """A child's outcome when it has answered or overrun its time (it is killed)."""
        if ready:
            return _receive(child, self.path_of, self.what)
        if now - child.started < self.timeout:
            return None
        child.process.kill()
        return Outcome(
            child.task,
            error=BriefError(
                self.path_of(child.task),
                f"{self.what} took longer than {self.timeout:g} s ({self.limit}); stopped",
            ),
        )

    def close(self) -> None:
        for child in self.busy:
            child.process.kill()
        for child in (*self.idle, *self.busy):
            _end(child)
        self.idle.clear()
        self.busy.clear()


#: Children not closed yet. The children ignore SIGTERM, so multiprocessing's own exit hook
#: (terminate, then wait) would wait for ever on a kept one: this hook, registered after it
#: and so run before it, ends them first.
_LIVE: weakref.WeakSet[_Children] = weakref.WeakSet()


@atexit.register
def _close_live() -> None:
    for children in list(_LIVE):
        children.close()


def _send(conn: Connection, message: object) -> None:
    with contextlib.suppress(OSError, ValueError):  # the child died or was killed: its outcome
        conn.send(message)  # says so


def _end(child: _Child) -> None:
    """Tell a child to stop (a process forked since may hold its pipe open) and reap it."""
    if child.sender is not None:  # it ends once the child has read, or is dead
        child.sender.join()
    with contextlib.suppress(OSError, ValueError):
        child.conn.send(None)
    child.conn.close()
    child.process.join(timeout=5)
    if child.process.exitcode is None:  # pragma: no cover - it ignored the closed pipe
        child.process.kill()
        child.process.join()


def run_isolated(
    func: Callable[[T], R],
    tasks: Iterable[T],
    *,
    path_of: Callable[[T], Path],
    what: str,
    timeout: float,
    memory_mb: int = 0,
    processes: int = 1,
) -> Iterator[Outcome[T, R]]:
    """``func(task)`` for each task in a killable child, ``processes`` at a time.

    Outcomes are yielded in the order of ``tasks``. ``what`` names the stage in messages
    ("loading", "writing the HTML of edition 'full'"). A sequence is there when the children
    are forked, so its tasks are handed over by index; any other iterable is read as tasks
    are handed over (each sent whole), so a build writes the first brief's HTML while the
    next briefs are being read. At most ``processes`` finished outcomes wait behind one that
    has not finished: what a slow task holds up does not pile up behind it.
    """
    known = tasks if isinstance(tasks, Sequence) else ()
    upcoming = iter(tasks)
    width = max(1, processes)
    children: _Children | None = None
    done: dict[int, Outcome[T, R]] = {}
    given = next_out = 0
    try:
        while True:
            while children is None or (len(children.busy) < width and len(done) < width):
                task = next(upcoming, _END)
                if task is _END:
                    break
                children = children or _Children(
                    func, path_of, what, timeout, memory_mb, known=known
                )
                children.give(task, given)
                given += 1
            if children is None or not children.busy:
                return
            for child, outcome in children.finished():
                done[child.index] = outcome
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        if children is not None:
            children.close()


_END: Any = object()  # the end of an iterable of tasks


class Isolated(Generic[T, R]):
    """``func(task)`` in a killable child, one call at a time, the child kept between calls
    (for tasks that come one by one, as the text check of each PDF does); tasks are pickled.
    :meth:`close` (or the ``with`` block's end) ends the child."""

    def __init__(
        self,
        func: Callable[[T], R],
        *,
        what: str,
        timeout: float,
        memory_mb: int = 0,
        warm_up: Callable[[], None] | None = None,
        tasks_per_child: int = TASKS_PER_CHILD,
        limit: str = "limits.parse_timeout",
    ) -> None:
        """``limit`` names the setting that ``timeout`` comes from, for the overrun's message."""
        self._path: Path = Path()
        self._children = _Children(
            func,
            lambda _task: self._path,
            what,
            timeout,
            memory_mb,
            warm_up=warm_up,
            tasks_per_child=tasks_per_child,
            limit=limit,
        )

    def start(self) -> None:
        """Fork the child now (``warm_up`` runs in it), not at the first call."""
        self._children.start()

    def __call__(self, task: T, path: Path) -> R:
        """The value, or the task's error raised as :class:`BriefError` naming ``path``."""
        self.send(task, path)
        return self.receive()

    def send(self, task: T, path: Path) -> None:
        """Start ``task`` (one at a time: :meth:`receive` its outcome before the next)."""
        self._path = path
        self._children.give(task)

    def receive(self) -> R:
        """The outcome of the task sent: its value, or its error raised."""
        while True:
            finished = self._children.finished()
            if finished:
                outcome = finished[0][1]
                if outcome.error is not None:
                    raise outcome.error
                return outcome.value  # type: ignore[return-value]

    def close(self) -> None:
        self._children.close()

    def __enter__(self) -> Isolated[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def call_isolated(
    func: Callable[[T], R], task: T, *, path: Path, what: str, timeout: float, memory_mb: int = 0
) -> R:
    """One task in a killable child; its error is raised as :class:`BriefError`."""
    with Isolated(func, what=what, timeout=timeout, memory_mb=memory_mb) as isolated:
        return isolated(task, path)


def _receive(child: _Child, path_of: Callable[[Any], Path], what: str) -> Outcome:
    try:
        status, payload, records = child.conn.recv()
    except (EOFError, OSError):
        child.process.join(timeout=5)
        code = child.process.exitcode
        why = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return Outcome(
            child.task,
            error=BriefError(
                path_of(child.task),
                f"{what} stopped ({why}); out of memory? (limits.worker_memory_mb)",
            ),
        )
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)
    if status == "ok":
        return Outcome(child.task, value=payload)
    return Outcome(child.task, error=payload)
