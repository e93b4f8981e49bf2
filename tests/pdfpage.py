"""What is drawn where on a PDF page, read back with pdfium's page objects.

The page-quality tests judge geometry (which page a footnote is printed on, the left-to-right
order of a Latin phrase, where a paragraph's last line ends), so they read where each character
is drawn — its box, size and colour, from pdfium's text page — and group characters into
words by spaces and gaps, rather than trusting the extracted text's order, which depends on the
reader. (How the text layer groups glyphs into text objects does not matter.)
"""

from __future__ import annotations

import ctypes
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as raw

T = TypeVar("T")

#: The house theme's footnote sizes (templates/css/brief.css): a call is 7.5 pt in the accent
#: colour, a note's marker 9 pt in the accent colour.
CALL_PT = 7.5
NOTE_PT = 9.0


@dataclass(frozen=True)
class Run:
    """One text object: a run of glyphs in one font, size and colour."""

    text: str  # what pdfium maps the glyphs to ('' when it cannot tell)
    x0: float
    y0: float  # PDF space: origin bottom left, y up
    x1: float
    y1: float
    size: float  # in points, as drawn
    color: tuple[int, int, int]

    @property
    def mid_y(self) -> float:
        return (self.y0 + self.y1) / 2


def _chars(
    textpage: pdfium.PdfTextPage,
) -> list[tuple[str, tuple[float, ...], float, tuple[int, int, int]]]:
    out = []
    for index in range(textpage.count_chars()):
        char = textpage.get_text_range(index, 1)
        # loose: the glyph's advance and the font's height, so a narrow glyph's ink leaves
        # no gap inside a word
        box = textpage.get_charbox(index, loose=True)
        size = raw.FPDFText_GetFontSize(textpage.raw, index)
        obj = raw.FPDFText_GetTextObject(textpage.raw, index)
        matrix = raw.FS_MATRIX()
        if obj and raw.FPDFPageObj_GetMatrix(obj, matrix):  # the text object's scale
            size *= math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
        out.append(
            (
                char,
                box,
                round(size, 2),
                _rgb(lambda *rgba, i=index: raw.FPDFText_GetFillColor(textpage.raw, i, *rgba)),
            )
        )
    return out


def _rgb(read: Callable[..., Any]) -> tuple[int, int, int]:
    """A fill colour from one of pdfium's (r, g, b, a) out-parameter getters."""
    rgba = [ctypes.c_uint() for _ in range(4)]
    read(*rgba)
    return rgba[0].value, rgba[1].value, rgba[2].value


def _words(chars: list[tuple[str, tuple[float, ...], float, tuple[int, int, int]]]) -> list[Run]:
    """Consecutive characters of one size and colour on one baseline, split at spaces and at
    gaps wider than a fifth of the size; zero-width characters (marks) join their word."""
    runs: list[Run] = []
    current: list[tuple[str, tuple[float, ...]]] = []
    key: tuple[float, tuple[int, int, int]] | None = None

    def close() -> None:
        inked = [box for _, box in current if box[2] - box[0] > 0.01]
        if current and inked and key is not None:
            runs.append(
                Run(
                    "".join(c for c, _ in current),
                    min(b[0] for b in inked),
                    min(b[1] for b in inked),
                    max(b[2] for b in inked),
                    max(b[3] for b in inked),
                    key[0],
                    key[1],
                )
            )
        current.clear()

    for char, box, size, color in chars:
        if char.isspace() or char in "\r\n\ufffe":
            close()
            continue
        if current and key is not None:
            previous = [b for _, b in current if b[2] - b[0] > 0.01]
            same_line = (
                previous
                and abs(((box[1] + box[3]) / 2) - ((previous[-1][1] + previous[-1][3]) / 2))
                < size * 0.6
            )
            gap = (
                min(abs(box[0] - previous[-1][2]), abs(previous[-1][0] - box[2])) if previous else 0
            )
            if (
                (size, color) != key
                or not same_line
                or (box[2] - box[0] > 0.01 and gap > size * 0.2)
            ):
                close()
        key = (size, color)
        current.append((char, box))
    close()
    return runs


def _read_pages(pdf: Path, read: Callable[[Any, pdfium.PdfTextPage], T]) -> list[T]:
    """``read(page, textpage)`` for every page of ``pdf``, in order."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        pages = []
        for page in doc:
            textpage = page.get_textpage()
            pages.append(read(page, textpage))
            textpage.close()
        return pages
    finally:
        doc.close()


def _page_words(page: Any, textpage: pdfium.PdfTextPage) -> list[Run]:
    return _words(_chars(textpage))


def _page_objects(page: Any, textpage: pdfium.PdfTextPage) -> list[Run]:
    return [_object_run(obj, textpage) for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT])]


def page_runs(pdf: Path) -> list[list[Run]]:
    """Every page's words (including those inside form XObjects such as charts)."""
    return [list(words) for _, words in _layers(pdf)]


def _layers(pdf: Path) -> tuple[tuple[tuple[Run, ...], tuple[Run, ...]], ...]:
    """(text objects, words) of every page. Several page-quality tests judge the same PDFs, and
    reading a page with pdfium is the slow part: kept while the file is unchanged."""
    stat = pdf.stat()
    return _read_layers(pdf.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=128)
def _read_layers(
    pdf: Path, mtime_ns: int, size: int
) -> tuple[tuple[tuple[Run, ...], tuple[Run, ...]], ...]:
    return tuple(
        _read_pages(
            pdf,
            lambda page, textpage: (
                tuple(_page_objects(page, textpage)),
                tuple(_page_words(page, textpage)),
            ),
        )
    )


def _object_run(obj: pdfium.PdfObject, textpage: pdfium.PdfTextPage) -> Run:
    nbytes = raw.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
    buf = ctypes.create_string_buffer(nbytes)
    raw.FPDFTextObj_GetText(
        obj.raw, textpage.raw, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), nbytes
    )
    text = buf.raw.decode("utf-16-le", "replace").split("\x00", 1)[0]
    size = ctypes.c_float()
    raw.FPDFTextObj_GetFontSize(obj.raw, size)
    a, b, c, d, _, _ = obj.get_matrix().get()
    x0, y0, x1, y1 = obj.get_bounds()
    return Run(
        text,
        x0,
        y0,
        x1,
        y1,
        round(size.value * math.sqrt(abs(a * d - b * c)), 2),
        _rgb(lambda *rgba: raw.FPDFPageObj_GetFillColor(obj.raw, *rgba)),
    )


def hex_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return r, g, b


# A note's marker «١.»: pdfium gives a number and its full stop at a right-to-left line's end
# in either order.
_MARKER = re.compile(r"^([0-9٠-٩]+\.|\.[0-9٠-٩]+)")


@dataclass(frozen=True)
class FootnotePages:
    calls: list[int]  # page number (1-based) of each footnote call, in reading order
    notes: list[int]  # page number of each footnote's marker, in order


def footnote_pages(pdf: Path, accent: tuple[int, int, int]) -> FootnotePages:
    """Where each footnote call and each note marker is printed.

    Calls and notes are numbered by one counter in document order, so when every page holds as
    many notes as calls, note *k* is on the page of call *k*.
    """
    calls: list[int] = []
    notes: list[int] = []
    # A call is a box of its own, so a text object; a note's marker is the note's first word.
    for number, (objects, words) in enumerate(_layers(pdf), 1):
        calls += [
            number
            for run in objects
            if run.color == accent and abs(run.size - CALL_PT) < 0.05 and run.y1 - run.y0 > 0.5
        ]
        notes += [
            number
            for run in words
            if run.color == accent and abs(run.size - NOTE_PT) < 0.05 and _MARKER.match(run.text)
        ]
    return FootnotePages(calls, notes)
