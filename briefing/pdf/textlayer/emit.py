"""Write one captured line: the same glyphs at the same places, with a text layer readers agree on.

What every reader does (pdf.js, poppler, pdfium, MuPDF; see ``docs/text-layer.md``): take the
glyphs in drawing order as *visual* order, run the Unicode bidi algorithm over the line and use
the glyphs' boxes (origin plus advance) to find spaces, words and lines. So, per line:

* glyphs stay in Pango's visual order, one ``TJ`` per font run, with the text of
  :mod:`.clusters` through a CID of their own (:mod:`.cids`);
* a glyph's advance is the distance to the next glyph where Pango's offsets would otherwise
  show readers a gap or an overlap that is not there (Amiri moves many letters with offsets;
  pdf.js reads a forward jump as a space and a backward one as a new text item);
* combining marks are invisible (``3 Tr``), zero-width and on the baseline, drawn just before
  their base — where a right-to-left reader that reverses the line expects them — while the
  visible mark is drawn as an outline after the text object (:mod:`.outlines`);
* spaces keep their own advance, so gap-based word breaking (poppler, MuPDF) finds them.

Nothing here is aimed at one program: these are the document's real geometry and the text in
the order the bidi algorithm needs; no ``/ActualText`` is written.
"""

from __future__ import annotations

from typing import Any

from briefing.pdf.textlayer import cids, outlines
from briefing.pdf.textlayer.capture import Glyph, Line
from briefing.pdf.textlayer.clusters import nominal_glyph

#: Pango offsets smaller than this (thousandths of an em) are left to the reader's tolerance.
_OFFSET_TOLERANCE = 50


def _fmt(value: float) -> str:
    # Thousandths of an em to one decimal: 1/10000 em, far below a device pixel.
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class _Writer:
    """Accumulates text operators, tracking font, rise, render mode and the pen."""

    def __init__(self, stream: Any, matrix: tuple[float, ...]) -> None:
        self.stream = stream
        self.font: Any = None
        self.table: cids.CidTable | None = None  # the font's, looked up once per font change
        self.size = 0.0
        self.rise = 0.0
        self.invisible = False
        self.pen = 0.0
        self.chunk: list[str] = []
        stream.set_text_matrix(*matrix)

    def flush(self) -> None:
        if self.chunk:
            self.stream.show_text("".join(self.chunk))
            self.chunk.clear()

    def glyph(
        self,
        glyph: Glyph,
        x: float,
        rise: float,
        width: int,
        invisible: bool,
        gid: int | None = None,
    ) -> None:
        if glyph.font is not self.font or glyph.size != self.size:
            self.flush()
            self.stream.set_font_size(glyph.font.hash, glyph.size)
            self.font, self.size = glyph.font, glyph.size
            self.table = cids.table(glyph.font)
        if rise != self.rise:
            self.flush()
            self.stream.set_text_rise(rise)
            self.rise = rise
        if invisible != self.invisible:
            self.flush()
            self.stream.set_text_rendering(3 if invisible else 0)
            self.invisible = invisible
        delta = (x - self.pen) * 1000 / glyph.size
        if abs(delta) > 0.001:
            self.chunk.append(_fmt(-delta))
        assert self.table is not None  # set with the font, above
        self.chunk.append(self.table.token(glyph.gid if gid is None else gid, glyph.text, width))
        self.pen = x + width * glyph.size / 1000

    def close(self) -> None:
        self.flush()
        if self.invisible:
            self.stream.set_text_rendering(0)
        if self.rise:
            self.stream.set_text_rise(0)


def emit(stream: Any, line: Line, style_font_size: float, outline_marks: bool) -> list[list[Any]]:
    """Write ``line``; return the outlines to draw after the text object (as WeasyPrint emoji)."""
    glyphs = line.glyphs
    writer = _Writer(stream, line.matrix)
    drawings: list[list[Any]] = []
    pending: list[Glyph] = []  # marks waiting for their base
    outlined, following = _plan(glyphs, outline_marks)
    for i, glyph in enumerate(glyphs):
        if outlined[i]:
            drawings.append(_drawing(stream, glyph, style_font_size))
            if glyph.text:
                pending.append(glyph)
            continue
        for mark in pending:
            _mark_text(writer, mark, glyph.x)
        pending.clear()
        writer.glyph(
            glyph, glyph.x, glyph.rise, _advance(glyph, glyphs, following[i]), invisible=False
        )
    for mark in pending:  # marks at the right end of the line
        _mark_text(writer, mark, mark.x)
    writer.close()
    return drawings


def _plan(glyphs: list[Glyph], outline_marks: bool) -> tuple[list[bool], list[int | None]]:
    """Per glyph: drawn as an outline (:func:`_outlined`), and the next glyph after it that
    carries text (``None`` for the last; a line may have none: a lone mark, only zero-width
    characters). A textless glyph with no outline gets the .notdef stand-in first. One pass,
    from the end."""
    count = len(glyphs)
    outlined: list[bool] = [False] * count
    following: list[int | None] = [None] * count
    after: int | None = None
    for i in range(count - 1, -1, -1):
        glyph = glyphs[i]
        if not glyph.text and not _has_outline(glyph):
            glyph.stands_for("\ufffd", glyph.rtl)  # a .notdef stand-in shows a box
        outlined[i] = out = _outlined(glyph, outline_marks)
        following[i] = after
        if glyph.text and not out:
            after = i
    return outlined, following


def _mark_text(writer: _Writer, mark: Glyph, x: float) -> None:
    """A mark's text: a zero-width glyph on the baseline at ``x``, drawn with no ink.

    The font's space glyph carries it (a CID of its own maps it there), so it needs no
    invisible rendering mode and stays inside the line's ``TJ``; a font without a space glyph
    uses the mark glyph itself, drawn invisibly.
    """
    space = nominal_glyph(mark.font, " ")
    if space is not None and space < mark.font.glyph_count:
        writer.glyph(mark, x, 0.0, 0, invisible=False, gid=space)
    else:
        writer.glyph(mark, x, 0.0, 0, invisible=True)


def _has_outline(glyph: Glyph) -> bool:
    """WeasyPrint draws characters no font has with made-up glyph ids past the font's end."""
    return glyph.gid < glyph.font.glyph_count


def _outlined(glyph: Glyph, outline_marks: bool) -> bool:
    """Drawn as an outline, not as text: textless glyphs, and marks outside SVG."""
    return _has_outline(glyph) and (not glyph.text or (outline_marks and glyph.is_mark))


def _advance(glyph: Glyph, glyphs: list[Glyph], following: int | None) -> int:
    """The advance to give ``glyph``: its own, or the distance to the next glyph with text."""
    natural = round(glyph.font.widths[glyph.gid])
    if following is None or glyph.is_space or glyph.is_mark:
        return natural
    nxt = glyphs[following]
    if (
        nxt.is_space
        or nxt.font is not glyph.font
        or nxt.size != glyph.size
        or nxt.rise != glyph.rise
    ):
        return natural
    distance = (nxt.x - glyph.x) * 1000 / glyph.size
    return round(distance) if abs(distance - natural) > _OFFSET_TOLERANCE else natural


def _drawing(stream: Any, glyph: Glyph, style_font_size: float) -> list[Any]:
    # draw_emojis applies transform(a, d, e=x + e * font size, f=y + f) before drawing: scale
    # glyph space to the font size and flip it upright (text space is y-up on a y-down page).
    name = outlines.register(stream, glyph.font, glyph.gid)
    scale = glyph.size / 1000
    return [
        outlines.OutlineDrawing(name),
        glyph.font,
        scale,
        -scale,
        glyph.x / style_font_size,
        -glyph.rise,
    ]
