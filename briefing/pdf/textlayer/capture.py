"""Capture one line as WeasyPrint draws it: glyphs, their true positions and their text.

WeasyPrint's ``draw_first_line`` runs unchanged against a :class:`Recorder`, so it does all its
own work (fonts, widths, ellipsis, emoji); the recorded ``Tm``/``Tf``/``Ts``/``TJ`` operators
are parsed back into glyphs with absolute text-space origins (:func:`parse`) and paired with
Pango's clusters, which say which characters each glyph stands for (:func:`capture`).
"""

from __future__ import annotations

import functools
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from briefing.pdf import compat
from briefing.pdf.textlayer.clusters import is_combining, split_cluster

#: A ``TJ`` operand: a hex string of 4-digit glyph ids, or a position adjustment.
TJ_TOKEN = re.compile(r"<([0-9a-fA-F]*)>|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")

Op = tuple[Any, ...]


class Recorder:
    """Stand-in for WeasyPrint's stream: records text operators, forwards everything else."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.ops: list[Op] = []
        self.fonts: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def add_font(self, pango_font: Any) -> tuple[Any, float]:
        font, size = self._stream.add_font(pango_font)
        self.fonts[font.hash] = font
        return font, size

    def show_text(self, string: str) -> None:
        self.ops.append(("TJ", string))

    def set_text_rise(self, rise: float) -> None:
        self.ops.append(("Ts", rise))

    def set_font_size(self, font: str, size: float) -> None:
        self.ops.append(("Tf", font, size))

    def set_text_matrix(self, *values: float) -> None:
        self.ops.append(("Tm", values))


@dataclass(slots=True)
class Glyph:
    font: Any
    size: float
    gid: int
    x: float  # origin in text space, after Pango's offsets
    rise: float
    text: str = ""
    rtl: bool = False
    #: stands only for combining marks (shadda, vowels, tanween): zero advance
    is_mark: bool = field(default=False, init=False)
    is_space: bool = field(default=False, init=False)  # both set by stands_for, with the text

    @property
    def advance(self) -> float:
        return float(self.font.widths[self.gid]) / 1000 * self.size

    def stands_for(self, text: str, rtl: bool) -> None:
        """Give the glyph its characters (and what the emitter asks of them, worked out once:
        it asks for each glyph several times)."""
        self.text, self.rtl = text, rtl
        self.is_mark = _only_marks(text)
        self.is_space = bool(text) and not text.strip()


@functools.lru_cache(maxsize=4096)
def _only_marks(text: str) -> bool:
    # memoised: asked several times for each of the ~2,000 glyphs of a page, of a few hundred
    # distinct texts (a letter, a letter and its marks)
    return bool(text) and all(is_combining(c) for c in text)


@dataclass
class Line:
    matrix: tuple[float, ...]
    glyphs: list[Glyph] = field(default_factory=list)


def managed(font: Any) -> bool:
    """Fonts whose glyphs the text layer re-encodes (not bitmap or colour fonts)."""
    return not (font is None or font.bitmap or font.png or font.svg or font.colr)


def parse(ops: list[Op], fonts: dict[str, Any]) -> Line | None:
    """Recorded operators → glyphs with absolute origins; ``None`` for what is left alone."""
    line: Line | None = None
    font = None
    size = 0.0
    pen = rise = 0.0
    for op in ops:
        if op[0] == "Tm":
            line, pen = Line(tuple(op[1])), 0.0
        elif op[0] == "Tf":
            font, size = fonts.get(op[1]), float(op[2])
            if not managed(font):
                return None
        elif op[0] == "Ts":
            rise = float(op[1])
        elif op[0] == "TJ":
            if font is None or line is None:
                return None
            shown = _shown(op[1], font, size, pen, rise)
            if shown is None:
                return None
            glyphs, pen = shown
            line.glyphs.extend(glyphs)
    return line


def _shown(
    operand: str, font: Any, size: float, pen: float, rise: float
) -> tuple[list[Glyph], float] | None:
    """The glyphs one ``TJ`` array shows from ``pen`` on, and the pen after it.

    ``None`` when the array is not 2-byte glyph ids of this font (left to WeasyPrint).
    WeasyPrint writes ``[adjustment]<ids>[adjustment]<ids>…``; the array is split at the
    brackets (a regular expression per token was a tenth of the text layer's time).
    """
    glyphs: list[Glyph] = []
    widths = font.widths
    head, *parts = operand.split("<")
    try:
        if head:
            pen -= float(head) / 1000 * size
        for part in parts:
            digits, _, adjustment = part.partition(">")
            if len(digits) % 4:
                return None
            for gid in struct.unpack(f">{len(digits) // 4}H", bytes.fromhex(digits)):
                width = widths.get(gid)
                if width is None:
                    return None
                glyphs.append(Glyph(font, size, gid, pen, rise))
                pen += float(width) / 1000 * size  # Glyph.advance, without the lookups again
            if adjustment:
                pen -= float(adjustment) / 1000 * size
    except ValueError:  # not hex, not a number: not WeasyPrint's own writing
        return None
    return glyphs, pen


def capture(recorder: Recorder, textbox: Any) -> Line | None:
    """The line's glyphs in visual order, each with the characters it stands for, from what
    the original ``draw_first_line`` wrote to the recorder (the slow path: lines
    :func:`briefing.pdf.compat.lines.drawn_line` leaves to the original)."""
    line = parse(recorder.ops, recorder.fonts)
    if line is None:
        return None
    clusters = compat.lines.pango_line_glyphs(textbox)
    if len(clusters) != len(line.glyphs):
        return None
    _give_text(line, clusters, textbox)
    return line


def captured(drawn: compat.lines.DrawnLine, textbox: Any) -> Line:
    """:func:`capture` of a line :func:`~briefing.pdf.compat.lines.drawn_line` worked out."""
    assert drawn.matrix is not None  # a line that draws nothing is not captured
    line = Line(drawn.matrix, drawn.glyphs)
    _give_text(line, drawn.clusters, textbox)
    return line


def _give_text(line: Line, clusters: list[tuple[int, int, int, int]], textbox: Any) -> None:
    """Give each glyph the characters of its cluster (one cluster may have several glyphs)."""
    utf8 = compat.layout_text(textbox).encode()
    svg = compat.is_svg_text(textbox)
    glyphs, count, i = line.glyphs, len(line.glyphs), 0
    while i < count:
        run, start, end, level = clusters[i]
        j = i + 1
        while j < count and clusters[j][1] == start and clusters[j][0] == run:
            j += 1
        text = utf8[start:end].decode("utf-8", "replace")
        if svg:  # labels are pre-shaped by briefing/figures/svgtext.py: give back the letters
            text = unpresent(text)
        rtl = bool(level % 2)
        if j == i + 1:  # most clusters: one glyph (split_cluster's own first case)
            glyphs[i].stands_for(text[::-1] if rtl else text, rtl)
        else:
            members = glyphs[i:j]
            for glyph, part in zip(members, split_cluster(text, members, rtl), strict=True):
                glyph.stands_for(part, rtl)
        i = j


def unpresent(text: str) -> str:
    """Arabic presentation forms (pre-shaped SVG labels) → the letters they show."""
    return "".join(
        unicodedata.normalize("NFKC", c)
        if "\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufefe"
        else c
        for c in text
    )
