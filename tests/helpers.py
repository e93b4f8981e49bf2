"""Independent PDF inspection for the tests: poppler's command-line tools and pypdfium2.

Deliberately not the project's own text-layer code, so that a bug there cannot hide itself;
only the tokenizer is shared (:func:`briefing.pdf.textlayer.check.words`), so that the tests and
the build check count words alike.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pytest

# The one tokenizer (the build check's), re-exported for the tests that count words.
from briefing.pdf.textlayer.check import words as words

#: The Debian package install.sh installs each command-line tool from.
PACKAGES = {
    "pdftotext": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "qpdf": "qpdf",
    "tesseract": "tesseract-ocr tesseract-ocr-ara",
}


def tool(name: str) -> str:
    """The path of a command-line tool the tests need; a missing one fails the test saying how
    to install it (a check must never quietly do nothing)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run ./install.sh ({PACKAGES[name]})")
    return path


def qpdf_check(pdf: Path) -> subprocess.CompletedProcess[str]:
    """``qpdf --check``: the PDF's syntax and cross-reference tables are sound."""
    return subprocess.run([tool("qpdf"), "--check", str(pdf)], capture_output=True, text=True)


def pdftotext(pdf: Path, *, first: int | None = None, last: int | None = None) -> str:
    args = [tool("pdftotext"), "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True, text=True).stdout


def pdfium_text(pdf: Path) -> str:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def page_texts(pdf: Path) -> list[str]:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [page.get_textpage().get_text_range() for page in doc]
    finally:
        doc.close()


def fonts(pdf: Path) -> list[dict[str, str | bool]]:
    """Rows of ``pdffonts``: name (without subset prefix), subset tag, emb, sub."""
    out = subprocess.run(
        [tool("pdffonts"), str(pdf)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    rows: list[dict[str, str | bool]] = []
    for line in out:
        parts = line.split()
        name = parts[0]
        emb, sub, uni = parts[-5:-2]
        rows.append(
            {
                "name": name.split("+", 1)[-1],
                "prefixed": "+" in name,
                "emb": emb,
                "sub": sub,
                "uni": uni,
            }
        )
    return rows


def word_recall(expected: str, got: str) -> tuple[float, list[str]]:
    """Share of expected words (as a multiset) found intact in ``got``; and some misses."""
    want = Counter(words(expected))
    have = Counter(words(got))
    missing = want - have
    total = sum(want.values())
    return 1 - sum(missing.values()) / total, list(missing)[:10]


def has_presentation_forms(text: str) -> bool:
    return any("\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufeff" for c in text)


def markdown_words(md: str) -> str:
    """The prose of a Markdown body: syntax, footnote markers, tables rules and marks removed.

    Fenced blocks (chart data) are left out: charts are checked by tests/test_figures.py.
    """
    md = re.sub(r"^```.*?^```", " ", md, flags=re.S | re.M)
    md = re.sub(r"\[\^[^\]]+\]:?", " ", md)
    md = re.sub(r"\{audiences=[^}]*\}", " ", md)
    md = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", md)
    md = re.sub(r"\]\([^)]*\)", " ", md)
    md = re.sub(r"[#>*_|`\[\]-]+", " ", md)
    return md
