"""A PDF text layer that gives back the Arabic that was written, in every reader.

WeasyPrint 70 draws Arabic correctly, but what search, copy and screen readers get back is
damaged: each glyph id has one ToUnicode entry (a glyph reused in another cluster reads back
wrong; a glyph sharing a cluster reads back empty, which readers replace with its code), marks
are raised off the baseline with a text rise (readers put them on other lines or other words),
and Pango's glyph offsets show readers gaps and overlaps that are not on the page.

:func:`install` wraps WeasyPrint's ``draw_first_line`` (one line of a text box; SVG text goes
through it too). The line's glyphs and their places are worked out from Pango's arrays with
WeasyPrint's own arithmetic (:func:`briefing.pdf.compat.lines.drawn_line`, which leaves an ellipsis
or a .notdef to the original: then the original runs against a recorder and its TJ strings are
parsed back, :mod:`.capture`); either way WeasyPrint's layout is unchanged, and the line is
written (:mod:`.emit`) with the same glyphs at the same places, each through a CID of its own
(:mod:`.cids`), marks as invisible text plus visible outlines (:mod:`.outlines`). Lines that
cannot be captured (bitmap and colour fonts) are written as WeasyPrint wrote them.
:mod:`.check` measures the result after a build.

Not thread-safe (WeasyPrint is not either): render in processes. Every WeasyPrint internal used
is reached through :mod:`briefing.pdf.compat`, which refuses versions it was not checked against.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from typing import Any

from briefing.pdf import compat
from briefing.pdf.textlayer import cids
from briefing.pdf.textlayer.capture import (
    TJ_TOKEN,
    Glyph,
    Line,
    Recorder,
    capture,
    captured,
    managed,
)
from briefing.pdf.textlayer.check import Fidelity, extract_text, measure
from briefing.pdf.textlayer.emit import emit

__all__ = ["STATS", "Fidelity", "extract_text", "install", "installed", "measure", "uninstall"]

log = logging.getLogger(__name__)

#: Counters for tests: lines re-written (``recorded``: of them, drawn by the original and parsed
#: back), lines left as WeasyPrint wrote them, outlines drawn.
STATS: Counter[str] = Counter()


def install() -> None:
    """Patch WeasyPrint (idempotent); raises if its internals are not the checked ones."""
    compat.check()
    compat.hook_draw_first_line(_wrap_draw_first_line)
    compat.hook_fonts(cids.wrap_build, cids.wrap_vector, cids.wrap_subset)


def uninstall() -> None:
    """Undo :func:`install` (for comparisons with plain WeasyPrint)."""
    compat.unhook_text_layer()


def installed() -> bool:
    return compat.text_layer_hooked()


def _wrap_draw_first_line(original: Any) -> Any:
    @functools.wraps(original)
    def draw_first_line(
        stream: Any, textbox: Any, text_overflow: str, block_ellipsis: Any, matrix: Any
    ) -> Any:
        drawn = compat.lines.drawn_line(
            stream, textbox, text_overflow, block_ellipsis, matrix, managed, Glyph
        )
        if drawn is None:  # left to the original
            return _recorded(original, stream, textbox, text_overflow, block_ellipsis, matrix)
        if drawn.matrix is None:  # nothing to draw
            return []
        return _emitted(stream, captured(drawn, textbox), textbox, [])

    return draw_first_line


def _recorded(original: Any, stream: Any, textbox: Any, *args: Any) -> list[Any]:
    """The original draws the line to a recorder; its TJ strings are parsed back."""
    recorder = Recorder(stream)
    emojis: list[Any] = original(recorder, textbox, *args)
    if not recorder.ops:
        return emojis
    line = capture(recorder, textbox)
    if line is None:
        STATS["fallback"] += 1
        _replay(stream, recorder)
        return emojis
    STATS["recorded"] += 1
    return _emitted(stream, line, textbox, emojis)


def _emitted(stream: Any, line: Line, textbox: Any, emojis: list[Any]) -> list[Any]:
    """Write a captured line; what WeasyPrint draws after the text object (emoji, outlines)."""
    STATS["lines"] += 1
    drawings = emit(
        stream,
        line,
        float(textbox.style["font_size"]),
        outline_marks=not compat.is_svg_text(textbox),
    )
    STATS["outlines"] += len(drawings)
    return [*emojis, *drawings]


def _replay(stream: Any, recorder: Recorder) -> None:
    """Write a line as WeasyPrint did, its glyph ids through our CIDs with WeasyPrint's text."""
    font = None
    for op in recorder.ops:
        if op[0] == "Tm":
            stream.set_text_matrix(*op[1])
        elif op[0] == "Tf":
            font = recorder.fonts.get(op[1])
            stream.set_font_size(op[1], op[2])
        elif op[0] == "Ts":
            stream.set_text_rise(op[1])
        elif op[0] == "TJ":
            stream.show_text(_recode(op[1], font) if managed(font) else op[1])


def _recode(string: str, font: Any) -> str:
    table = cids.table(font)

    def cid(match: re.Match[str]) -> str:
        digits = match.group(1)
        if digits is None:  # a position adjustment: kept as it is
            return match.group(0)
        gids = [int(digits[i : i + 4], 16) for i in range(0, len(digits), 4)]
        return (
            "<"
            + "".join(
                f"{table.cid(g, font.to_unicode.get(g) or '', round(font.widths.get(g, 0))):04x}"
                for g in gids
            )
            + ">"
        )

    return TJ_TOKEN.sub(cid, string)
