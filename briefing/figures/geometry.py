"""The drawing space of a chart: sizes, and text measured and placed as the SVG will draw it.

WeasyPrint draws SVG text glyph by glyph (see :mod:`briefing.figures.svgtext`), so a label's
width is the sum of the Amiri advances of its shaped, visual-order string: the charts measure
with exactly that to wrap labels and to make room for tick labels and values.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from briefing.config import builtin_dir
from briefing.figures.svgtext import svg_text

log = logging.getLogger(__name__)

#: Font of all SVG text: it must map the Arabic presentation forms (see svgtext).
SVG_FONT = "Amiri"
WIDTH = 600.0  # SVG user units; the SVG is scaled to the column width by CSS
PAD = 6.0
GAP = 8.0
SIZE = 13.0  # labels and values
SMALL = 11.0  # ticks and notes
LEAD = SIZE * 1.3  # line height of wrapped labels
PLOT = 190.0  # height of the plot area of column and line charts


@lru_cache(maxsize=2)
def _advances(bold: bool) -> tuple[dict[int, int], int] | None:
    """Advance widths of Amiri by code point: SVG text is drawn glyph by glyph with these."""
    from fontTools.ttLib import TTFont  # WeasyPrint's own dependency

    name = "Amiri-Bold.ttf" if bold else "Amiri-Regular.ttf"
    path = builtin_dir("fonts") / name
    if path.is_file():
        font = TTFont(path, lazy=True)
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap()
        return {cp: metrics[g][0] for cp, g in cmap.items()}, font["head"].unitsPerEm
    log.warning("%s not found; chart label widths are estimated", name)
    return None


def text_width(visual: str, size: float, bold: bool = False) -> float:
    """Drawn width of ``visual`` (a string :func:`svg_text` made) at font ``size``."""
    found = _advances(bold)
    if found is None:
        return len(visual) * size * 0.55
    advances, upem = found
    return sum(advances.get(ord(ch), upem // 2) for ch in visual) * size / upem


def wrap(text: str, size: float, width: float, max_lines: int = 3) -> list[str]:
    """Break a label into lines (logical order) no wider than ``width`` when drawn."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(svg_text(f"{lines[-1]} {word}"), size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:  # overflow the last line rather than drop words
        lines[max_lines - 1 :] = [" ".join(lines[max_lines - 1 :])]
    return lines


def r(x: float) -> float:
    """A coordinate as written in the SVG (a tenth of a unit is finer than print shows)."""
    return round(x, 1)


def label(x: float, y: float, logical: str, **extra: Any) -> dict[str, Any]:
    """A ready-to-draw SVG text: position and the shaped, visual-order string."""
    return {"x": r(x), "y": r(y), "text": svg_text(logical), **extra}


def centred(x: float, y: float, logical: str, lo: float, hi: float, size: float) -> dict[str, Any]:
    """A text centred on ``x`` but kept inside [lo, hi] (labels at the ends of a line chart)."""
    half = text_width(svg_text(logical), size, bold=size == SIZE) / 2
    return label(min(max(x, lo + half), hi - half), y, logical)
