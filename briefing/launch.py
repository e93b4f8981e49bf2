"""The ``briefing`` command's entry point: for a build, the render worker is forked first.

A cold ``briefing build`` waits for its render worker to import WeasyPrint (about half a
second); everything else the build does before its first job is shorter. So the worker is
forked here, before click and the CLI are imported (they took a tenth of a second, all of it on
that path), when the arguments say a local build (:func:`_renders`). If the build turns out to
have nothing to render — its no-op record answers, or a usage error stops it — the worker is
discarded. Everything else is :func:`briefing.cli.entry`.
"""

from __future__ import annotations

import sys
from typing import NoReturn


def entry() -> NoReturn:
    if _renders(sys.argv[1:]):
        from briefing import warm

        warm.prestart()
    from briefing.cli import entry as run

    run()


def _renders(args: list[str]) -> bool:
    """``build`` rendering on this machine: not its help, not on a Dask cluster."""
    if not args or args[0] != "build":
        return False
    return not any(
        a in ("-h", "--help") or a == "--scheduler" or a.startswith("--scheduler=") for a in args
    )
