"""Independent PDF inspection for the tests: poppler's command-line tools and pypdfium2.

Deliberately not the project's own text-layer code, so that a bug there cannot hide itself.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium

# Arabic letters, marks and digits; not Arabic punctuation (، ؛ ؟) which ends a word.
_WORD = re.compile(r"(?:(?![\u060C\u061B\u061F\u066A-\u066D\u06D4])[\w\u0600-\u06FF])+")
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # tashkeel and tatweel
# Invisible bidi controls: the text layer places some so that extractors order runs
# correctly; they are not characters a reader types or searches for.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# A footnote call is printed right after its word ("كلمة١"), and poppler moves the space
# beside a number in right-to-left text ("من  8ملايين"): split digits from letters, as a
# viewer's search matches them.
_CALL = re.compile(r"(?<=[^\W\d])(?=[٠-٩0-9])|(?<=[٠-٩0-9])(?=[^\W\d_])")


def pdftotext(pdf: Path, *, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
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


def fonts(pdf: Path) -> list[dict[str, str]]:
    """Rows of ``pdffonts``: name (without subset prefix), subset tag, emb, sub."""
    out = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    rows = []
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


def words(text: str, *, strip_marks: bool = False) -> list[str]:
    text = unicodedata.normalize("NFC", BIDI_CONTROLS.sub("", text))
    text = _CALL.sub(" ", text)
    if strip_marks:
        text = _MARKS.sub("", text)
    return _WORD.findall(text)


def word_recall(expected: str, got: str, *, strip_marks: bool = False) -> tuple[float, list[str]]:
    """Share of expected words (as a multiset) found intact in ``got``; and some misses."""
    want = Counter(words(expected, strip_marks=strip_marks))
    have = Counter(words(got, strip_marks=strip_marks))
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
