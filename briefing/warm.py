"""One render worker forked at start-up, before the build's own imports: a forkserver of one.

``briefing build`` calls :func:`prestart` first thing, so the worker imports WeasyPrint,
Pillow and the check's readers (about 1.5 s) on the other core while this process imports the
build, reads the config and the briefs and writes the HTML. The build's first
:class:`~briefing.build.pool.LocalPool` worker is this one (:func:`take`); a build with
nothing to render never takes it, and it ends with this process. This module imports nothing
heavy: it runs before anything else is loaded.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

_STARTED: list[tuple[BaseProcess, Connection]] = []


def prestart() -> None:
    """Fork the worker now (once per process; where there is fork)."""
    if _STARTED or not hasattr(os, "fork"):
        return
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_main, args=(child, parent, os.getpid()), daemon=True)
    process.start()
    child.close()
    _STARTED.append((process, parent))


def take() -> tuple[BaseProcess, Connection] | None:
    """The prestarted worker and its pipe, once; ``None`` if there is none (or it died)."""
    while _STARTED:
        process, conn = _STARTED.pop()
        if process.is_alive():
            return process, conn
        conn.close()
    return None


def _main(conn: Connection, parent_end: Connection, parent_pid: int) -> None:
    parent_end.close()  # a worker holding both ends would never see EOF
    from briefing.build import pool

    pool.adopt(conn, parent_pid)


def discard() -> None:
    """End the prestarted worker if no pool took it: the build has nothing to render."""
    while _STARTED:
        process, conn = _STARTED.pop()
        process.kill()
        process.join()
        conn.close()
