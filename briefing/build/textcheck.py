"""The text-layer check of each finished PDF, made by the build process, behind the barrier.

Why not in the render worker, which has the PDF already: the readers (pdfium, and PyMuPDF,
whose import alone is 0.2–0.3 s) were imported by every worker before its first render, on the
cold build's critical path. Why not in the build process itself: a reader that crashes or hangs
on a PDF must cost that edition's check, not the build. So the checks run in killable children
of the build process — one per reader, reading each PDF at the same time, kept from build to
build (:class:`Checker`, each a :class:`~briefing.build.barrier.Isolated`) — forked when the
first job is handed over
(:meth:`Checker.start`): they import the readers while the first PDF renders, on the core the
render leaves free, and are ready when that PDF comes back. The build process never imports
them, so every child forked from it is the lighter for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.build.barrier import Isolated
from briefing.build.job import JobResult
from briefing.config import Config
from briefing.errors import BriefError

if TYPE_CHECKING:
    from briefing.pdf.textlayer.check import Expected, Fidelity


log = logging.getLogger(__name__)


def _load(reader: str) -> Callable[[], None]:
    """What the checker's child for ``reader`` imports first (``mupdf`` without its plug-ins)."""

    def load() -> None:
        if reader == "pdfium":
            import pypdfium2  # noqa: F401
        elif reader == "mupdf":
            from briefing.pdf.textlayer import check

            check.load_mupdf()

    return load


def _score(task: tuple[bytes, Expected, str]) -> Fidelity:
    from briefing.pdf.textlayer.check import score

    return score(*task)


#: PDFs one reader's child reads before it is replaced (and imports its reader again).
CHECKS_PER_CHILD = 500


class Checker:
    """The text check of each PDF of one build: each reader in a killable child of its own
    (:class:`~briefing.build.barrier.Isolated`), kept while its checks succeed and reading
    every PDF at the same time as the other. A fork per PDF, and the readers' first use in
    it, cost ~35 ms of CPU per edition; read one after the other, the two readers were
    ~0.1 s of a cold build's critical path, after its only render. Both read every PDF: on the
    sample briefs no edition is read whole by pdfium alone. A child ended by a failed check is
    replaced by the next check (which imports its reader again)."""

    def __init__(self, config: Config) -> None:
        from briefing.pdf.textlayer.check import default_readers

        limits = config.limits
        self.readers: dict[str, Isolated[tuple[bytes, Expected, str], Fidelity]] = {
            reader: Isolated(
                _score,
                what=f"checking the text layer of this edition ({reader})",
                timeout=limits.render_timeout,
                memory_mb=limits.worker_memory_mb,
                warm_up=_load(reader),
                tasks_per_child=CHECKS_PER_CHILD,
                limit="limits.render_timeout",
            )
            for reader in default_readers()
        }

    def start(self) -> None:
        """Fork the children now, so that they import the readers while the first PDF renders."""
        for isolated in self.readers.values():
            isolated.start()

    def close(self) -> None:
        for isolated in self.readers.values():
            isolated.close()

    def check(self, result: JobResult, expected: Sequence[tuple[str, str]], source: Path) -> None:
        """Read ``result``'s PDF back and record what the readers give back (its ``fidelity``
        fields); a check that fails is a warning, and the PDF is published all the same."""
        if result.pdf is None or not expected:
            return
        from briefing.pdf.textlayer.check import Expected, combine

        want = Expected.of(list(expected))  # here once, not in each reader's child
        found, failed, sent = [], [], []
        for reader, isolated in self.readers.items():
            try:
                isolated.send((result.pdf, want, reader), source)
                sent.append(isolated)
            except OSError as exc:  # no child could take it: this check fails, not the build
                failed.append(f"{reader}: {exc}")
                isolated.close()
        for isolated in sent:  # every answer taken, even after a failure
            try:
                found.append(isolated.receive())
            except BriefError as exc:
                failed.append(exc.message)
        if failed:
            log.warning(
                "%s: the text layer of '%s' could not be checked: %s",
                source,
                result.name,
                failed[0],
            )
            return
        verdict = combine(found)
        result.fidelity = verdict.words
        result.fidelity_missing = tuple(
            f"«{phrase}»" + (f" ({section})" if section else "")
            for section, phrase in verdict.missing
        )


_KEPT: dict[tuple[float, int], Checker] = {}


def checker_for(config: Config) -> Checker:
    """This process's checker for the config's limits, kept from build to build: ``watch``,
    ``serve`` and a kept pool's batches would otherwise fork its children and import the
    readers again for every build (0.25 s of CPU). A child that fails is replaced; the
    children end with this process."""
    key = (config.limits.render_timeout, config.limits.worker_memory_mb)
    checker = _KEPT.get(key)
    if checker is None:
        checker = _KEPT[key] = Checker(config)
    return checker


def close_kept() -> None:
    """End the kept checkers' children (tests that change what a check runs)."""
    for checker in _KEPT.values():
        checker.close()
    _KEPT.clear()
