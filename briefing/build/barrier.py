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
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing as mp
import resource
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Generic, TypeVar

from briefing.errors import BriefError

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

#: Python frames a child may use; libraries that recurse per nesting level (PyYAML,
#: Python-Markdown) hit this long before the C stack, and the error names the brief.
RECURSION_LIMIT = 4000


@dataclass
class Outcome(Generic[T, R]):
    """What became of one task: its value, or the brief's error."""

    task: T
    value: R | None = None
    error: BriefError | None = None
    seconds: float = 0.0


@dataclass
class _Child:
    task: Any
    process: mp.process.BaseProcess
    conn: Connection
    started: float


class _Collect(logging.Handler):
    """Keeps the child's log records, to be re-logged by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.records.append((record.name, record.levelno, record.getMessage()))


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
    """``func(task)`` for each task in its own killable child, ``processes`` at a time.

    Outcomes are yielded in the order of ``tasks``. ``what`` names the stage in messages
    ("loading", "writing the HTML of edition 'full'").
    """
    queue = list(tasks)
    if not queue:
        return
    ctx = mp.get_context("fork")
    running: list[_Child] = []
    done: dict[int, Outcome[T, R]] = {}
    order = {id(t): i for i, t in enumerate(queue)}
    next_out = 0
    queue.reverse()

    def start(task: T) -> None:
        parent, child = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_child_main,
            daemon=True,
            args=(func, task, path_of(task), child, parent, memory_mb),
        )
        process.start()
        child.close()
        running.append(_Child(task, process, parent, time.monotonic()))

    try:
        while queue or running:
            while queue and len(running) < max(1, processes):
                start(queue.pop())
            deadline = min(c.started + timeout for c in running)
            ready = wait([c.conn for c in running], timeout=max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            for child in list(running):
                outcome = _finished(child, child.conn in ready, now, timeout, path_of, what)
                if outcome is None:
                    continue
                outcome.seconds = now - child.started
                running.remove(child)
                child.conn.close()
                child.process.join()
                done[order[id(child.task)]] = outcome
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        for child in running:
            child.process.kill()
            child.process.join()


def _finished(
    child: _Child,
    ready: bool,
    now: float,
    timeout: float,
    path_of: Callable[[Any], Path],
    what: str,
) -> Outcome[Any, Any] | None:
    """A child's outcome when it has answered or overrun its time (it is killed); else None."""
    if ready:
        return _receive(child, path_of, what)
    if now - child.started < timeout:
        return None
    child.process.kill()
    return Outcome(
        child.task,
        error=BriefError(
            path_of(child.task),
            f"{what} took longer than {timeout:g} s (limits.parse_timeout); stopped",
        ),
    )


def call_isolated(
    func: Callable[[T], R], task: T, *, path: Path, what: str, timeout: float, memory_mb: int = 0
) -> R:
    """One task in a killable child; its error is raised as :class:`BriefError`."""
    outcome = next(
        run_isolated(
            func, [task], path_of=lambda _t: path, what=what, timeout=timeout, memory_mb=memory_mb
        )
    )
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]


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


def _child_main(
    func: Callable[[Any], Any],
    task: Any,
    path: Path,
    conn: Connection,
    parent_end: Connection,
    memory_mb: int,
) -> None:
    parent_end.close()
    # Everything inherited is the parent's and stays alive there: left to the collector, the
    # child's first full collection walks the parent's whole heap and, touching every object,
    # copies it page by page (copy-on-write). A text check or a brief's HTML cost 0.1 s more
    # per child for that. Frozen, only what the child makes is collected.
    gc.freeze()
    collect = _Collect()
    root = logging.getLogger()
    root.handlers = [collect]  # the parent prints; this process only records
    sys.setrecursionlimit(RECURSION_LIMIT)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result: tuple[str, Any] = ("ok", func(task))
    except BriefError as exc:
        result = ("error", exc)
    except RecursionError:
        result = (
            "error",
            BriefError(
                path,
                "content is nested too deeply to read "
                "(lists, quotes or brackets inside each other; "
                "see limits.max_depth)",
            ),
        )
    except MemoryError:
        result = ("error", BriefError(path, "ran out of memory (limits.worker_memory_mb)"))
    except Exception as exc:  # a bug, but it must stay this brief's problem
        from briefing import errors

        detail = "\n" + traceback.format_exc() if errors.VERBOSE else " (--verbose: details)"
        result = ("error", BriefError(path, f"internal error: {exc!r}{detail}"))
    try:
        conn.send((*result, collect.records))
    except Exception as exc:  # an unpicklable value: still this brief's error
        conn.send(("error", BriefError(path, f"internal error: {exc!r}"), collect.records))
    conn.close()
