"""What is drawn where on a PDF page, read back with pdfium's page objects.

The page-quality tests judge geometry (which page a footnote is printed on, the left-to-right
order of a Latin phrase, where a paragraph's last line ends), so they read the text *objects*
that WeasyPrint drew — their bounds, size and colour — rather than the extracted text, whose
order and character boxes depend on the reader and on the text layer's ActualText.
"""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

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


def _run(obj: pdfium.PdfObject, textpage: pdfium.PdfTextPage) -> Run:
    nbytes = raw.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
    buf = ctypes.create_string_buffer(nbytes)
    raw.FPDFTextObj_GetText(obj.raw, textpage.raw,
                            ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), nbytes)
    text = buf.raw.decode("utf-16-le", "replace").split("\x00", 1)[0]
    size = ctypes.c_float()
    raw.FPDFTextObj_GetFontSize(obj.raw, size)
    a, b, c, d, _, _ = obj.get_matrix().get()
    rgba = [ctypes.c_uint() for _ in range(4)]
    raw.FPDFPageObj_GetFillColor(obj.raw, *rgba)
    x0, y0, x1, y1 = obj.get_bounds()
    return Run(text, x0, y0, x1, y1, round(size.value * math.sqrt(abs(a * d - b * c)), 2),
               (rgba[0].value, rgba[1].value, rgba[2].value))


def page_runs(pdf: Path) -> list[list[Run]]:
    """Every page's text objects (including those inside form XObjects such as charts)."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        pages = []
        for page in doc:
            textpage = page.get_textpage()
            pages.append([_run(obj, textpage)
                          for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT])])
        return pages
    finally:
        doc.close()


def hex_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    r, g, b = (int(color[i:i + 2], 16) for i in (0, 2, 4))
    return r, g, b


_MARKER = re.compile(r"^[0-9٠-٩]+\.")


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
    for number, runs in enumerate(page_runs(pdf), 1):
        for run in runs:
            if run.color != accent:
                continue
            if abs(run.size - CALL_PT) < 0.05 and run.y1 - run.y0 > 0.5:
                calls.append(number)
            elif abs(run.size - NOTE_PT) < 0.05 and _MARKER.match(run.text):
                notes.append(number)
    return FootnotePages(calls, notes)
