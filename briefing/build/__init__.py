"""The build: gather every brief, validate all of them, then render and publish each edition.

Read it in pipeline order: :mod:`~briefing.build.editions` (which briefs, which editions) →
:mod:`~briefing.build.load` (load and validate, write each edition's HTML, behind the
per-brief :mod:`~briefing.build.barrier`) → :mod:`~briefing.build.cache` (what is still fresh)
→ :mod:`~briefing.build.job` (an edition as a pure render job) → :mod:`~briefing.build.workers`
(where jobs run) → :mod:`~briefing.build.publish` (atomic writes, stale outputs, manifest).
They are tied together in :mod:`~briefing.build.run` (:func:`build`, the public entry point).

The names below load on first use (:mod:`briefing.lazy`): a render worker imports
:mod:`~briefing.build.pool` and :mod:`~briefing.build.job` only, not the pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefing import lazy

if TYPE_CHECKING:
    from briefing.build.editions import Edition, find, make_job, plan
    from briefing.build.load import Page, check_all, gather, load_all, load_brief, write_pages
    from briefing.build.report import Report, Result, Status
    from briefing.build.run import build
    from briefing.build.workers import run_here

__getattr__ = lazy.exports(__name__, __file__)

__all__ = [
    "Edition",
    "Page",
    "Report",
    "Result",
    "Status",
    "build",
    "check_all",
    "find",
    "gather",
    "load_all",
    "load_brief",
    "make_job",
    "plan",
    "run_here",
    "write_pages",
]
