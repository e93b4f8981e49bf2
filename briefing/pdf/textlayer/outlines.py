"""Glyphs drawn as outlines: visible on the page, absent from the text layer.

Combining marks are drawn by Pango off the baseline (a vowel stacked on a shadda is raised with
a text rise) and left or right of their base. Readers group text by baseline and position, so a
raised or shifted mark glued to the wrong letter or thrown onto a line of its own (seen in
poppler, pdfium and MuPDF). The text layer therefore carries each mark as an *invisible*
zero-width glyph on the baseline, just before its base (see :mod:`.emit`), and the visible mark
is drawn here as the glyph's outline in a form XObject — vector graphics, not text, so no reader
extracts it twice. Glyphs that stand for no character at all (Amiri's second piece of some
letters) are drawn the same way.

The outline comes from the font file WeasyPrint embeds (fontTools, already a WeasyPrint
dependency); one form per glyph per document, reused on every page.
"""

from __future__ import annotations

import io
from typing import Any

from briefing.pdf import compat

_FONTS: dict[str, Any] = {}  # font hash -> fontTools TTFont (per process; fonts are few)


class _PdfPen:
    """fontTools pen writing PDF path operators (quadratic curves raised to cubic)."""

    def __init__(self, glyph_set: Any) -> None:
        from fontTools.pens.basePen import BasePen

        pen = self

        class _Pen(BasePen):
            def _moveTo(self, p: tuple[float, float]) -> None:
                pen.ops.append(f"{_n(p[0])} {_n(p[1])} m")
                pen.current = p

            def _lineTo(self, p: tuple[float, float]) -> None:
                pen.ops.append(f"{_n(p[0])} {_n(p[1])} l")
                pen.current = p

            def _curveToOne(
                self, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
            ) -> None:
                pen.ops.append(" ".join(_n(v) for v in (*a, *b, *c)) + " c")
                pen.current = c

            def _qCurveToOne(self, a: tuple[float, float], b: tuple[float, float]) -> None:
                p0 = pen.current
                c1 = (p0[0] + 2 / 3 * (a[0] - p0[0]), p0[1] + 2 / 3 * (a[1] - p0[1]))
                c2 = (b[0] + 2 / 3 * (a[0] - b[0]), b[1] + 2 / 3 * (a[1] - b[1]))
                self._curveToOne(c1, c2, b)

            def _closePath(self) -> None:
                pen.ops.append("h")

        self.ops: list[str] = []
        self.current = (0.0, 0.0)
        self.pen = _Pen(glyph_set)


def _n(value: float) -> str:
    # Font units: whole units are 1/1000 em or finer, far below what print or screen shows.
    return str(round(value))


def _ttfont(font: Any) -> Any:
    ttfont = _FONTS.get(font.hash)
    if ttfont is None:
        from fontTools.ttLib import TTFont

        ttfont = _FONTS[font.hash] = TTFont(
            io.BytesIO(font.file_content), fontNumber=font.index or 0, lazy=True
        )
    return ttfont


def form_name(font: Any, gid: int) -> str:
    return f"g{font.hash}{gid}"


_PATHS: dict[tuple[str, int], tuple[bytes, tuple[int, int, int, int], int]] = {}


def register(stream: Any, font: Any, gid: int) -> str:
    """Make the outline of ``gid`` drawable on ``stream`` as an XObject; returns its name.

    The outline is read now, while the font object still holds the whole font file (WeasyPrint
    subsets it when the PDF is written, and these glyphs are not in the text, so not kept).
    """
    name = form_name(font, gid)
    path = _path(font, gid)
    compat.register_form(stream, name, lambda: _form(*path))
    return name


def _path(font: Any, gid: int) -> tuple[bytes, tuple[int, int, int, int], int]:
    key = (font.hash, gid)
    if key not in _PATHS:
        ttfont = _ttfont(font)
        glyph_set = ttfont.getGlyphSet()
        pdf_pen = _PdfPen(glyph_set)
        glyph_set[ttfont.getGlyphOrder()[gid]].draw(pdf_pen.pen)
        head = ttfont["head"]
        ops = [*pdf_pen.ops, "f"] if pdf_pen.ops else []
        _PATHS[key] = (
            " ".join(ops).encode(),
            (head.xMin, head.yMin, head.xMax, head.yMax),
            head.unitsPerEm,
        )
    return _PATHS[key]


def _form(path: bytes, bbox: tuple[int, int, int, int], upem: int) -> Any:
    import pydyf

    extra = pydyf.Dictionary({"Subtype": "/Form", "BBox": pydyf.Array(bbox)})
    if upem != 1000:  # font units to the 1000-unit glyph space drawing scales
        extra["Matrix"] = pydyf.Array((1000 / upem, 0, 0, 1000 / upem, 0, 0))
    return pydyf.Stream([path], extra, compress=True)


class OutlineDrawing:
    """An 'emoji' for WeasyPrint's ``draw_emojis``: draws one outline after the text object.

    ``draw_first_line`` returns the emoji to draw after ``ET``; ``draw_emojis`` moves to the
    glyph's origin at the glyph's scale (see :func:`.emit._drawing`) and calls :meth:`draw`.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def draw(self, stream: Any, width: float, height: float, style: Any) -> None:
        stream.draw_x_object(self.name)
