"""The text-layer check of each finished PDF, made by the build process, behind the barrier.

Why not in the render worker, which has the PDF already: the readers (pdfium, and PyMuPDF,
whose import alone is 0.2–0.3 s) were imported by every worker before its first render, on the
cold build's critical path. Why not in the build process itself: a reader that crashes or hangs
on a PDF must cost that edition's check, not the build. So each build keeps one killable child
for its checks (:class:`Checker`, a :class:`~briefing.build.barrier.Isolated`), forked when the
first job is handed over (:meth:`Checker.start`): it imports the readers while the first PDF
renders, on the core the render leaves free, and is ready when that PDF comes back. The build
process never imports them, so every child forked from it is the lighter for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.build.barrier import Isolated
from briefing.build.job import JobResult
from briefing.config import Config
from briefing.errors import BriefError

if TYPE_CHECKING:
    from briefing.pdf.textlayer.check import Verdict

log = logging.getLogger(__name__)


def _load_readers() -> None:
    """Run first in the checker's child: the readers' imports (``mupdf`` without its plug-ins)."""
    import pypdfium2  # noqa: F401

    from briefing.pdf.textlayer import check

    check.load_mupdf()


def _verdict(task: tuple[bytes, tuple[tuple[str, str], ...]]) -> Verdict:
    from briefing.pdf.textlayer.check import verdict

    return verdict(*task)


class Checker:
    """The text check of each PDF of one build, in one killable child of this process that is
    kept while its checks succeed (:class:`~briefing.build.barrier.Isolated`): a fork per PDF,
    and the readers' first use in it, cost ~35 ms of CPU per edition. A child ended by a failed
    check is replaced by the next check (which loads the readers again)."""

    def __init__(self, config: Config) -> None:
        self.isolated: Isolated[tuple[bytes, tuple[tuple[str, str], ...]], Verdict] = Isolated(
            _verdict,
            what="checking the text layer of this edition",
            timeout=config.limits.render_timeout,
            memory_mb=config.limits.worker_memory_mb,
            warm_up=_load_readers,
        )

    def start(self) -> None:
        """Fork the child now, so that it loads the readers while the first PDF renders."""
        self.isolated.start()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.isolated.close()

    def check(self, result: JobResult, expected: Sequence[tuple[str, str]], source: Path) -> None:
        """Read ``result``'s PDF back and record what the readers give back (its ``fidelity``
        fields); a check that fails is a warning, and the PDF is published all the same."""
        if result.pdf is None or not expected:
            return
        try:
            found = self.isolated((result.pdf, tuple(expected)), source)
        except BriefError as exc:
            log.warning(
                "%s: the text layer of '%s' could not be checked: %s",
                source,
                result.name,
                exc.message,
            )
            return
        result.fidelity = found.words
        result.fidelity_missing = tuple(
            f"«{phrase}»" + (f" ({section})" if section else "")
            for section, phrase in found.missing
        )
