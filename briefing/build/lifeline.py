"""A child process of the build that dies with it (render workers, barrier children)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys


def die_with_parent(parent_pid: int | None) -> None:
    """Linux: have the kernel kill this process when the build process dies, even by SIGKILL.

    Otherwise an orphaned worker renders on and, having inherited the file descriptor of the
    output folder's lock across fork, keeps the next build waiting; an idle barrier child would
    wait on its pipe for ever.
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
