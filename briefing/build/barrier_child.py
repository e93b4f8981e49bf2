"""The child's side of the barrier (:mod:`briefing.build.barrier`): its set-up and its loop.

A child serves the tasks its parent sends, one at a time, until it is told to stop, its pipe
closes, or a task fails (no task runs in a process a failed one has been through). Its log
records travel back with each outcome, for the parent to print.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import resource
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from briefing.build.lifeline import die_with_parent
from briefing.errors import BriefError

#: Python frames a child may use; libraries that recurse per nesting level (PyYAML,
#: Python-Markdown) hit this long before the C stack, and the error names the brief.
RECURSION_LIMIT = 4000


class _Collect(logging.Handler):
    """Keeps the child's log records, to be re-logged by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.records.append((record.name, record.levelno, record.getMessage()))


def child_main(
    func: Callable[[Any], Any],
    known: Sequence[Any],
    path_of: Callable[[Any], Path],
    conn: Connection,
    parent_ends: list[Connection],
    *,
    memory_mb: int,
    parent_pid: int,
    warm_up: Callable[[], None] | None,
) -> None:
    for end in parent_ends:  # held here, they would keep the other children from seeing EOF
        end.close()
    die_with_parent(parent_pid)
    # Its parent ends it (or the kernel, when the parent dies): a SIGTERM sent to the whole
    # process group (systemd stopping ``schedule``) must not fail the run the parent finishes
    # first. Ctrl-C is the parent's too. Nor are the parent's handlers (the scheduler's) its own.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warm_up is not None:  # before the memory cap, as a render worker's imports are
        with contextlib.suppress(Exception):  # a failure here shows in the task itself
            warm_up()
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
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break  # the parent died or dropped this child
        if message is None:
            break  # the parent is done with this child
        if isinstance(message, int):
            task = known[message]
            path = path_of(task)
        else:
            _, task, path = message
        collect.records = []
        result = _run(func, task, path)
        try:
            conn.send((*result, collect.records))
        except Exception as exc:  # an unpicklable value: still this brief's error
            error = BriefError(path, f"internal error: {exc!r}")
            conn.send(("error", error, collect.records))
            break
        if result[0] != "ok":
            break  # a failed task's process is not reused
    conn.close()


def _run(func: Callable[[Any], Any], task: Any, path: Path) -> tuple[str, Any]:
    """``("ok", value)`` or ``("error", BriefError)``: whatever goes wrong is this task's."""
    try:
        return ("ok", func(task))
    except BriefError as exc:
        return ("error", exc)
    except RecursionError:
        return (
            "error",
            BriefError(
                path,
                "content is nested too deeply to read "
                "(lists, quotes or brackets inside each other; "
                "see limits.max_depth)",
            ),
        )
    except MemoryError:
        return ("error", BriefError(path, "ran out of memory (limits.worker_memory_mb)"))
    except Exception as exc:  # a bug, but it must stay this brief's problem
        from briefing import errors

        detail = "\n" + traceback.format_exc() if errors.VERBOSE else " (--verbose: details)"
        return ("error", BriefError(path, f"internal error: {exc!r}{detail}"))
