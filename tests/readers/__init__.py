"""The text four real PDF readers give back, one string per page.

    from tests.readers import extract, pdfjs_struct_tree, READERS
    pages = extract(pdf_bytes_or_path, "pdfjs")

=========  ======================================  ==========================================
reader     used by                                 how it is run here
=========  ======================================  ==========================================
pdfium     Chrome, Edge, Android viewers           pypdfium2 ``get_text_range()``
poppler    Evince, Okular, ``pdftotext``           ``pdftotext -enc UTF-8`` (pages split at \\f)
pdfjs      Firefox (copy, find, text layer)        npm ``pdfjs-dist`` under node, one process
                                                   per PDF (``pdfjs_text.mjs`` says how the
                                                   copy is rebuilt from text items)
mupdf      SumatraPDF, zathura, PyMuPDF            PyMuPDF ``page.get_text()``
=========  ======================================  ==========================================

A reader that is not installed raises :class:`ReaderMissing` ("run ./install.sh"): the tests
fail on it rather than skip, so a machine without pdf.js cannot pass by measuring less.
Deliberately independent of ``briefing.pdf.textlayer``, so a bug there cannot hide itself.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
READERS = ("pdfium", "poppler", "pdfjs", "mupdf")
#: Bidi controls a reader inserts into its output by itself (pdftotext wraps runs in LRE/RLE …
#: PDF even for a PDF that holds none): not the PDF's doing, so not counted against it.
OWN_MARKS = {"poppler": "\u202a\u202b\u202c"}
#: Bound on one reader run (a hung reader is a failure, not a stuck test suite).
TIMEOUT = 120


class ReaderMissing(RuntimeError):
    """A reader the text-layer tests need is not installed."""

    def __init__(self, reader: str, detail: str) -> None:
        super().__init__(f"PDF reader {reader!r} is not available ({detail}): run ./install.sh")


PdfInput = bytes | Path


def extract(pdf: PdfInput, reader: str) -> list[str]:
    """The text ``reader`` gives back for each page of ``pdf`` (bytes or a file path).

    Kept by the PDF's SHA-256 for the session: several test files read the same sample PDFs
    with the same readers, and a reader's answer depends on nothing but the bytes.
    """
    try:
        function = _EXTRACTORS[reader]
    except KeyError:
        raise ValueError(f"unknown reader {reader!r}; one of {', '.join(READERS)}") from None
    key = (_digest(pdf), reader)
    pages = _TEXT_CACHE.get(key)
    if pages is None:  # (test_readers.py reads from two threads: no check-then-get)
        pages = _TEXT_CACHE[key] = tuple(function(pdf))
        while len(_TEXT_CACHE) > _CACHE_SIZE:
            _TEXT_CACHE.popitem(last=False)
    return list(pages)


def extract_all(pdf: PdfInput) -> dict[str, list[str]]:
    """Every reader's pages, the PDF written to disk once."""
    with _as_file(pdf) as path:
        return {reader: extract(path, reader) for reader in READERS}


def pdfjs_struct_tree(pdf: PdfInput) -> list[dict[str, Any] | None]:
    """pdf.js ``getStructTree()`` of each page (None for a page without one).

    Nodes are ``{"role", "children", "lang"?, "alt"?}`` (pdf.js puts an element's /Alt or else
    its /ActualText in ``alt``); leaves ``{"type": "content", "id", "text"}`` carry the text of
    their marked-content sequence as pdf.js's ``getTextContent`` gives it (the text Firefox's
    accessibility tree hands a screen reader), NFKC-normalised like the page text.
    """
    return _pdfjs(pdf)["struct"]


# ---------------------------------------------------------------------------- readers


def _pdfium(pdf: PdfInput) -> list[str]:
    try:
        import pypdfium2
    except ImportError as exc:
        raise ReaderMissing("pdfium", f"pypdfium2: {exc}") from exc
    document = pypdfium2.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        document.close()


def _poppler(pdf: PdfInput) -> list[str]:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ReaderMissing("poppler", "pdftotext not on PATH (Debian poppler-utils)")
    with _as_file(pdf) as path:
        out = subprocess.run(
            [tool, "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=TIMEOUT,
        ).stdout.decode("utf-8")
    pages = out.split("\f")
    return pages[:-1] if pages and pages[-1] == "" else pages  # \f ends every page


def _mupdf(pdf: PdfInput) -> list[str]:
    try:
        import pymupdf
    except ImportError as exc:
        raise ReaderMissing("mupdf", f"PyMuPDF (pip package pymupdf): {exc}") from exc
    document = (
        pymupdf.open(stream=pdf, filetype="pdf")
        if isinstance(pdf, bytes)
        else pymupdf.open(str(pdf))
    )
    try:
        return [document[index].get_text() for index in range(document.page_count)]
    finally:
        document.close()


def _pdfjs_pages(pdf: PdfInput) -> list[str]:
    return _pdfjs(pdf)["pages"]


#: Page texts by (PDF's SHA-256, reader), oldest first.
_TEXT_CACHE: OrderedDict[tuple[str, str], tuple[str, ...]] = OrderedDict()
#: pdf.js results by the PDF's SHA-256: one node run gives both the text and the struct
#: tree (starting node and loading pdf.js is most of the cost).
_PDFJS_CACHE: OrderedDict[str, dict[str, Any]] = OrderedDict()
#: Enough for every document test_readers.py scores, with and without the text layer.
_CACHE_SIZE = 256


def _digest(pdf: PdfInput) -> str:
    return hashlib.sha256(pdf if isinstance(pdf, bytes) else pdf.read_bytes()).hexdigest()


def _pdfjs(pdf: PdfInput) -> dict[str, Any]:
    digest = _digest(pdf)
    result = _PDFJS_CACHE.get(digest)
    if result is None:
        result = _PDFJS_CACHE[digest] = _run_pdfjs(pdf)
        while len(_PDFJS_CACHE) > _CACHE_SIZE:
            _PDFJS_CACHE.popitem(last=False)
    return result


def _run_pdfjs(pdf: PdfInput) -> dict[str, Any]:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise ReaderMissing("pdfjs", "node not on PATH (Debian nodejs)")
    if not (HERE / "node_modules" / "pdfjs-dist" / "package.json").is_file():
        raise ReaderMissing("pdfjs", f"pdfjs-dist not installed in {HERE}/node_modules")
    with _as_file(pdf) as path:
        done = subprocess.run(
            [node, str(HERE / "pdfjs_text.mjs"), str(path), "--struct"],
            capture_output=True,
            timeout=TIMEOUT,
            cwd=HERE,
        )
    if done.returncode != 0:
        raise RuntimeError(f"pdf.js failed on {path}: {done.stderr.decode(errors='replace')}")
    return json.loads(done.stdout)


_EXTRACTORS: dict[str, Callable[[PdfInput], list[str]]] = {
    "pdfium": _pdfium,
    "poppler": _poppler,
    "pdfjs": _pdfjs_pages,
    "mupdf": _mupdf,
}


@contextmanager
def _as_file(pdf: PdfInput) -> Iterator[Path]:
    if isinstance(pdf, Path):
        yield pdf
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        yield Path(handle.name)
