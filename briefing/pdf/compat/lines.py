"""The Pango internals of a line of text: its glyph arrays, and the line as WeasyPrint's
``draw_first_line`` would draw it (part of :mod:`briefing.pdf.compat`, behind its version gate;
:func:`briefing.pdf.compat.check` runs :func:`glyph_info_layout`)."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: sizeof(PangoGlyphInfo): checked against WeasyPrint's cffi declarations in :func:`check`
_GLYPH_INFO_SIZE = 20


def glyph_info_layout() -> list[str]:
    """:func:`pango_line_glyphs` and :func:`drawn_line` read a glyph array as 32-bit words,
    five per glyph: id, width, x offset, y offset, attributes."""
    from weasyprint.text.ffi import ffi

    if (
        ffi.sizeof("PangoGlyphInfo") != _GLYPH_INFO_SIZE
        or ffi.offsetof("PangoGlyphInfo", "glyph")
        or ffi.offsetof("PangoGlyphInfo", "geometry") != 4
        or ffi.sizeof("PangoGlyphGeometry") != 12
        or ffi.offsetof("PangoGlyphGeometry", "x_offset") != 4
        or ffi.offsetof("PangoGlyphGeometry", "y_offset") != 8
    ):
        return ["PangoGlyphInfo is no longer (glyph, width, x_offset, y_offset, attr)"]
    return []


def pango_line_glyphs(textbox: Any) -> list[tuple[int, int, int, int]]:
    """Per drawn glyph of the box's first line, in visual order: (run, cluster start, cluster
    end, bidi level). Cluster offsets are byte offsets into the layout's UTF-8 text."""
    from weasyprint.text.ffi import ffi, pango

    line = pango.pango_layout_get_line_readonly(textbox.pango_layout.layout, 0)
    result, run, index = [], line.runs[0], 0
    empty = pango.PANGO_GLYPH_EMPTY
    while run != ffi.NULL:
        item = run.data
        run = run.next
        glyphs = item.glyphs
        count = glyphs.num_glyphs
        if not count:  # an empty run may have no arrays at all
            index += 1
            continue
        # whole arrays at once: a cdata access per glyph was a tenth of the text layer's time
        clusters = ffi.unpack(glyphs.log_clusters, count)
        # PangoGlyphInfo is 5 32-bit fields (glyph, width, x_offset, y_offset, attr): every
        # fifth one is the glyph id
        ids = memoryview(ffi.buffer(glyphs.glyphs, count * _GLYPH_INFO_SIZE)).cast("I")[::5]
        spans = _cluster_spans(item.item, index, clusters)
        for cluster, glyph in zip(clusters, ids, strict=True):
            if glyph != empty:
                result.append(spans[cluster])
        index += 1
    return result


def _cluster_spans(item: Any, run: int, logs: list[int]) -> dict[int, tuple[int, int, int, int]]:
    """(run, start, end, bidi level) of each cluster of a Pango item, by its start in the
    item: byte offsets into the layout's UTF-8 text, each cluster ending where the next one
    (or the item) starts; one tuple for all the glyphs of a cluster."""
    starts = sorted(set(logs))
    offset, level = item.offset, item.analysis.level & 0xFF  # guint8 in Pango's struct
    return {
        start: (run, offset + start, offset + end, level)
        for start, end in zip(starts, [*starts[1:], item.length], strict=True)
    }


# ---------------------------------------------------------------------------------------------
# The text layer's own line drawing: what ``draw_first_line`` works out, without its TJ strings.
# ---------------------------------------------------------------------------------------------

#: SHA-256 of the source of WeasyPrint's ``draw_first_line`` that :func:`drawn_line` repeats.
#: Any other source (a patch release that touches it) turns :func:`drawn_line` off: every line
#: then goes through the original, as before, and nothing is drawn differently.
DRAW_FIRST_LINE_SHA256 = "1bb8eae6d88e71b17096a034656f3be17da8f1f513c78536c1c38d971927638b"

_drawn_line_ok: list[bool] = []


def drawn_line_supported() -> bool:
    """Whether ``draw_first_line`` is still the function :func:`drawn_line` was written from."""
    if not _drawn_line_ok:
        from weasyprint.draw import text as draw_text

        original = draw_text.draw_first_line
        original = getattr(original, "_briefing_original", original)
        digest = hashlib.sha256(inspect.getsource(original).encode()).hexdigest()
        _drawn_line_ok.append(digest == DRAW_FIRST_LINE_SHA256)
    return _drawn_line_ok[0]


@dataclass
class DrawnLine:
    """One line as ``draw_first_line`` would draw it: the text matrix (``None`` when it draws
    nothing at all), each glyph made by the caller's ``make(font, size, glyph id, x, rise)``
    and, per glyph, (run, cluster start, cluster end, bidi level) as :func:`pango_line_glyphs`
    gives them."""

    matrix: tuple[float, ...] | None
    glyphs: list[Any]
    clusters: list[tuple[int, int, int, int]]


def drawn_line(
    stream: Any,
    textbox: Any,
    text_overflow: str,
    block_ellipsis: Any,
    matrix: Any,
    accept: Callable[[Any], bool],
    make: Callable[[Any, float, int, float, float], Any],
) -> DrawnLine | None:
    """The glyphs ``draw_first_line`` would show for this line, at the places its ``TJ``
    operators would put them, with WeasyPrint's own bookkeeping done as it does it (fonts added
    to the stream, glyph widths measured, ``to_unicode`` filled) — but no ``TJ`` string built,
    and none parsed back (:func:`briefing.pdf.textlayer.capture.parse`): the two were 40% of
    the text layer's time.

    Each position is computed with the same floating-point operations, in the same order, as
    parsing the original's ``TJ`` numbers back gives (a number printed with ``repr`` reads back
    as the same float), so the PDF is the same byte for byte (``tests/test_textlayer.py``
    compares the two ways on the corpus). ``None`` for what is left to the original: an
    ellipsis, a font ``accept`` refuses (bitmap, colour), a character no font has, a different
    ``draw_first_line`` (:func:`drawn_line_supported`). A line the original draws nothing for
    (only spaces, a zero font size) has no matrix.
    """
    from weasyprint.text.ffi import ffi, pango

    if not drawn_line_supported():
        return None
    if text_overflow == "ellipsis" or block_ellipsis != "none":
        return None
    if not textbox.text.strip() or textbox.style["font_size"] < 1e-6:
        return DrawnLine(None, [], [])
    line = DrawnLine(tuple(matrix.values), [], [])
    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    first_line, _ = textbox.pango_layout.get_first_line()
    drawer = _LineDrawer(stream, textbox, line, make)
    run, index, previous = first_line.runs[0], -1, None
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        index += 1
        pango_font = glyph_item.item.analysis.font
        if pango_font != previous:
            previous = pango_font
            if not accept(drawer.use(pango_font)):
                return None
        if not drawer.run(glyph_item, index):
            return None
    return line


class _LineDrawer:
    """The state :func:`drawn_line` carries from run to run: the font, its size, the pen."""

    def __init__(self, stream: Any, textbox: Any, line: DrawnLine, make: Callable[..., Any]):
        from weasyprint.text.ffi import pango

        self.stream, self.textbox, self.line, self.make = stream, textbox, line, make
        self.old_pango = pango.pango_version() < 14802
        self.utf8: bytes | None = None
        self.pango_font: Any = None
        self.font: Any = None
        self.font_size: Any = 0
        self.size = self.pen = 0.0

    def use(self, pango_font: Any) -> Any:
        """A run in another font: added to the stream as the original adds it."""
        self.pango_font = pango_font
        self.font, self.font_size = self.stream.add_font(pango_font)
        if self.old_pango or self.font.png:
            self.font_size = self.textbox.style["font_size"]
        self.size = float(self.font_size)
        return self.font

    def run(self, glyph_item: Any, index: int) -> bool:
        """One run's glyphs; ``False`` for one the original must draw (a .notdef)."""
        from weasyprint.text.ffi import FROM_UNITS, pango

        count = glyph_item.glyphs.num_glyphs
        if not count:
            return True
        ids, advances, x_offsets, y_offsets, logs = _arrays(glyph_item.glyphs, count)
        item = glyph_item.item
        offset0, length = item.offset, item.length
        rtl = item.analysis.level % 2
        spans = _cluster_spans(item, index, logs)
        empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
        font, font_size, size, pen = self.font, self.font_size, self.size, self.pen
        widths, to_unicode = font.widths, font.to_unicode
        glyphs, clusters, make = self.line.glyphs, self.line.clusters, self.make
        for i in range(count):
            glyph_id, width = ids[i], advances[i]
            if glyph_id == empty:  # the original: ">{-width / font_size}<"
                pen -= -width / font_size / 1000 * size
                continue
            if glyph_id & unknown:
                return False  # .notdef: the original logs it and makes a glyph id up
            if glyph_id not in to_unicode:
                t1 = logs[i]
                if rtl:
                    t2 = length if i == 0 else logs[i - 1]
                else:
                    t2 = length if i == count - 1 else logs[i + 1]
                self.utf8 = self.utf8 or self.textbox.pango_layout.text.encode()
                to_unicode[glyph_id] = self.utf8[offset0 + t1 : offset0 + t2].decode()
            shift = x_offsets[i] / font_size
            rise = y_offsets[i] / 1000
            if shift:  # the original: ">{-offset}<" (or "{-offset}" opening a raised glyph)
                pen -= -shift / 1000 * size
            if glyph_id in widths:
                logical_width = widths[glyph_id]
            else:
                stream = self.stream
                pango.pango_font_get_glyph_extents(
                    self.pango_font, glyph_id, stream.ink_rect, stream.logical_rect
                )
                logical_width = widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size
                )
            glyphs.append(make(font, size, glyph_id, pen, -rise if rise else 0.0))
            clusters.append(spans[logs[i]])
            pen += float(logical_width) / 1000 * size
            kerning = logical_width + shift - width * 1000 * FROM_UNITS / font_size
            if kerning:  # the original: ">{int(kerning)}<"
                pen -= float(int(kerning)) / 1000 * size
        self.pen = pen
        return True


def _arrays(glyph_string: Any, count: int) -> tuple[list[int], ...]:
    """A run's glyph ids, advances, x and y offsets and cluster starts, read whole (a cdata
    access per glyph was a tenth of the text layer's time)."""
    from weasyprint.text.ffi import ffi

    words = memoryview(ffi.buffer(glyph_string.glyphs, count * _GLYPH_INFO_SIZE))
    signed = words.cast("i")
    return (
        words.cast("I")[::5].tolist(),
        *(signed[k::5].tolist() for k in (1, 2, 3)),
        ffi.unpack(glyph_string.log_clusters, count),
    )
