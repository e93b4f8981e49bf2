"""The build-time check: does a PDF give back its text, in two independent readers?

After each render the PDF is read back with pdfium (Chrome, Edge) and MuPDF (SumatraPDF,
zathura) and compared with the text the HTML shows (:func:`briefing.render.visible_blocks`).
Two numbers per reader: the share of words found, and the *phrases* found — the first four words
of every sentence, in order, as a viewer's find would look for them. A brief is warned about
only when a phrase is missing from *every* reader (:func:`missing_everywhere`): that is a defect
of the document (text not drawn, a footnote lost), where a phrase one reader alone misses is that
reader's own limit (pdfium reads a line whose Latin letters outnumber its Arabic ones as
left-to-right, for instance), which no editor can fix. The warning names the phrase and the
section it belongs to, in source order, so an editor can look at the right place.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


def default_readers() -> tuple[str, ...]:
    """The readers the build checks with: pdfium and a second, independent one — MuPDF
    (``pip install briefing[mupdf]``; AGPL, so optional), else poppler's ``pdftotext``."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pymupdf") is not None:
        return ("pdfium", "mupdf")
    if shutil.which("pdftotext"):
        return ("pdfium", "pdftotext")
    return ("pdfium",)


@dataclass(frozen=True)
class Fidelity:
    reader: str
    words: float  # share of expected words found (0..1)
    phrases: int  # phrases found
    phrases_total: int
    missing: tuple[tuple[str, str], ...]  # (section, phrase) not found, in source order
    words_total: int = 0
    words_missing: tuple[tuple[str, int], ...] = ()  # (word, how many of it) not found

    @property
    def extractor(self) -> str:  # the name earlier versions used
        return self.reader


#: Plug-ins PyMuPDF 2 imports with itself when installed (its pip package requires them): page
#: layout analysis (onnxruntime, numpy) and Markdown export. The check only calls
#: ``page.get_text()``, and importing them cost a second per process.
_MUPDF_PLUGINS = ("pymupdf.layout", "pymupdf4llm")


def load_mupdf() -> Any:
    """PyMuPDF without its optional plug-ins, or ``None`` when it is not installed.

    A ``None`` in ``sys.modules`` makes the plug-ins' import raise ImportError, which PyMuPDF
    takes as "not installed". pymupdf4llm's import also switches off MuPDF's quad corrections,
    which changes how ``get_text()`` groups lines; that setting is kept, so MuPDF reads as it
    did. A PyMuPDF imported earlier by someone else is used as it is.
    """
    import importlib.util
    import sys

    if "pymupdf" not in sys.modules:
        if importlib.util.find_spec("pymupdf") is None:
            return None
        for name in _MUPDF_PLUGINS:
            sys.modules.setdefault(name, None)  # type: ignore[arg-type]
        import pymupdf

        pymupdf.TOOLS.unset_quad_corrections(True)
        return pymupdf
    return sys.modules["pymupdf"]


def extract_text(pdf: bytes, reader: str) -> str:
    """The text ``reader`` (pdfium, mupdf or pdftotext) gives back from ``pdf``, pages joined."""
    if reader == "pdfium":
        import pypdfium2

        document = pypdfium2.PdfDocument(pdf)
        try:
            pages = []
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                pages.append(textpage.get_text_range())
                textpage.close()
                page.close()
            return "\n".join(pages)
        finally:
            document.close()
    if reader == "mupdf":
        pymupdf = load_mupdf()
        if pymupdf is None:
            raise ImportError("PyMuPDF is not installed: pip install 'briefing[mupdf]'")
        with pymupdf.open(stream=pdf, filetype="pdf") as document:
            return "\n".join(page.get_text() for page in document)
    if reader == "pdftotext":
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
        )
        return result.stdout.decode("utf-8", "replace")
    raise ValueError(f"unknown reader {reader!r} (pdfium, mupdf or pdftotext)")


# Ignored when comparing: bidi controls, zero-width characters, tatweel (elongation only), soft
# hyphen, BOM — none of them changes what a reader sees or searches for.
_IGNORABLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\u0640\u00ad\ufeff]")
#: A word is a run of anything but these (spaces, Latin and Arabic punctuation), cut where the
#: script or letters and digits change (_SPLIT).
_WORD_CHUNK = re.compile(
    r"[^\s.,:;!?()\[\]{}«»\"“”'‘’…\-–—/\\•·*%+"
    "\u060c\u061b\u061f\u06d4\u066a\u066b\u066c]+"
)
# A word never mixes scripts or letters and digits: readers may drop the space where the
# direction changes ("Unبالرئيس") or glue a footnote call to its word ("حاشية١").
_SPLIT = re.compile(
    r"(?<=[\u0600-\u065f\u066e-\u06ff])(?=[A-Za-z\u00c0-\u024f])"
    r"|(?<=[A-Za-z\u00c0-\u024f])(?=[\u0600-\u065f\u066e-\u06ff])"
    r"|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])"
)
# A footnote call glued after its word ("حاشية١") is cut even where reader glue is not forgiven.
_CALL = re.compile(r"(?<=[^\W\d_])(?=\d)")
_SENTENCE_END = re.compile(r"[.!?؟\n]+")


def normalize(text: str) -> str:
    """``text`` as compared: NFKC (it folds presentation forms back to letters), ignorable
    characters removed, case-folded."""
    # casefold: CSS may print a heading in capitals (text-transform) the HTML has in lower case
    return _IGNORABLE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def word_spans(normalized: str, *, forgive_glue: bool = True) -> list[tuple[int, int]]:
    """Where the words of already-:func:`normalize`-d text are (so a caller can keep what lies
    between them, punctuation included); ``forgive_glue`` as for :func:`words`."""
    split = _SPLIT if forgive_glue else _CALL
    spans: list[tuple[int, int]] = []
    for chunk in _WORD_CHUNK.finditer(normalized):
        start = chunk.start()
        for cut in split.finditer(normalized, chunk.start(), chunk.end()):
            if cut.start() > start:
                spans.append((start, cut.start()))
            start = cut.start()
        spans.append((start, chunk.end()))
    return spans


def words(text: str, *, forgive_glue: bool = True) -> list[str]:
    """Words of ``text`` as compared: normalized, split at separators, and where a footnote
    call is glued after its word.

    ``forgive_glue``: also split where a reader drops the space at a change of script or after
    a number ("Unبالرئيس", "8ملايين"). The build check does, because it reports what is wrong
    with the document, not a reader's own limits; the tests that measure the readers
    (tests/readers/metrics.py) do not, so that a reader's glue counts against it.
    """
    # the words of word_spans, made in two passes over the whole text (a space where a cut
    # falls, then the chunks) instead of a search per chunk: a cut falls either inside a chunk,
    # where the space makes the same two words, or next to a separator (Arabic punctuation is
    # inside the script ranges), where a space changes nothing
    split = _SPLIT if forgive_glue else _CALL
    return _WORD_CHUNK.findall(split.sub(" ", normalize(text)))


def phrases(blocks: Iterable[tuple[str, str]], size: int = 4) -> list[tuple[str, tuple[str, ...]]]:
    """(section, first ``size`` words) of every sentence of every block, in source order."""
    found = []
    for section, text in blocks:
        for sentence in _SENTENCE_END.split(text):
            head = tuple(words(sentence)[:size])
            if len(head) >= min(size, 2):
                found.append((section, head))
    return found


#: Words a phrase may be interrupted by when it runs over a page break: the page's footnotes,
#: running header and footer.
_PAGE_BREAK_GAP = 80


def _found(head: tuple[str, ...], got: list[str], positions: dict[str, list[int]]) -> bool:
    """``head`` appears in order: contiguous, or split once by a page break's furniture."""
    if _occurs(head, got, positions):
        return True
    for cut in range(1, len(head)):
        if not _occurs(head[:cut], got, positions) or not _occurs(head[cut:], got, positions):
            continue
        ends, starts = positions.get(head[cut - 1], []), positions.get(head[cut], [])
        if any(0 < start - end <= _PAGE_BREAK_GAP for end in ends for start in starts):
            return True
    return False


def _occurs(words: tuple[str, ...], got: list[str], positions: dict[str, list[int]]) -> bool:
    """``words`` appear one after another somewhere in ``got`` (``positions``: where each word
    of it is). Looked up from the rarest of them: a set of every 1- to 4-gram of the text was
    40% of a reader's score."""
    places = [positions.get(word, ()) for word in words]
    if not all(places):
        return False
    shift = min(range(len(words)), key=lambda k: len(places[k]))
    wanted = list(words)
    return any(
        got[start : start + len(words)] == wanted
        for start in (i - shift for i in places[shift])
        if start >= 0
    )


@dataclass(frozen=True)
class Expected:
    """What every reader's text is compared with, worked out once per PDF."""

    want: Counter[str]
    total: int
    phrases: list[tuple[str, tuple[str, ...]]]

    @classmethod
    def of(cls, blocks: Sequence[tuple[str, str]]) -> Expected:
        want = Counter(w for _, block in blocks for w in words(block))
        return cls(want, sum(want.values()), phrases(blocks))


def _score(reader: str, expected: Expected, text: str) -> Fidelity:
    want, total, wanted = expected.want, expected.total, expected.phrases
    got_words = words(text)
    got = Counter(got_words)
    share = sum(min(n, got[w]) for w, n in want.items()) / total if total else 1.0
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(got_words):
        positions.setdefault(word, []).append(index)
    missing = tuple(
        (section, " ".join(head))
        for section, head in wanted
        if not _found(head, got_words, positions)
    )
    lost = tuple((w, n - got[w]) for w, n in want.items() if got[w] < n)
    return Fidelity(reader, share, len(wanted) - len(missing), len(wanted), missing, total, lost)


def words_found_by_some(results: Sequence[Fidelity]) -> float:
    """Share of the expected words that at least one reader gives back."""
    if not results or not results[0].words_total:
        return 1.0
    lost = [dict(r.words_missing) for r in results]
    gone = sum(min(other.get(word, 0) for other in lost) for word in lost[0])
    return 1 - gone / results[0].words_total


def missing_everywhere(results: Sequence[Fidelity]) -> list[tuple[str, str]]:
    """(section, phrase) missing from every reader's text, in source order."""
    if not results:
        return []
    others = [set(r.missing) for r in results[1:]]
    return [item for item in results[0].missing if all(item in other for other in others)]


def measure(
    pdf: bytes, expected: str | Sequence[tuple[str, str]], readers: Sequence[str] | None = None
) -> list[Fidelity]:
    """How much of ``expected`` each reader gives back from ``pdf``.

    ``expected`` is plain text, or (section, text) blocks in reading order as made by
    :func:`briefing.render.visible_blocks`.
    """
    want = Expected.of([("", expected)] if isinstance(expected, str) else list(expected))
    return [_score(name, want, extract_text(pdf, name)) for name in (readers or default_readers())]


@dataclass(frozen=True)
class Verdict:
    """What the build reports of a PDF's text layer."""

    words: float  # share of expected words some reader gives back (words_found_by_some)
    missing: list[tuple[str, str]]  # (section, phrase) no reader gives back, in source order


def score(pdf: bytes, expected: Sequence[tuple[str, str]] | Expected, reader: str) -> Fidelity:
    """What one reader gives back of ``expected`` ((section, text) blocks, or their
    :class:`Expected`, worked out once for every reader) from ``pdf``."""
    want = expected if isinstance(expected, Expected) else Expected.of(list(expected))
    return _score(reader, want, extract_text(pdf, reader))


def combine(results: Sequence[Fidelity]) -> Verdict:
    """The :class:`Verdict` of several readers' results (:func:`score`)."""
    return Verdict(words_found_by_some(results), missing_everywhere(results))


def verdict(
    pdf: bytes, expected: Sequence[tuple[str, str]], readers: Sequence[str] | None = None
) -> Verdict:
    """:func:`words_found_by_some` and :func:`missing_everywhere` of :func:`measure`, reading
    with one reader after another only while some word or phrase is still missing from every
    reader so far: what the first reader finds, no later reader can take away, so the answer
    is the same and a PDF the first reader reads whole is read once."""
    want = Expected.of(list(expected))
    results: list[Fidelity] = []
    for name in readers or default_readers():
        results.append(_score(name, want, extract_text(pdf, name)))
        if not missing_everywhere(results) and words_found_by_some(results) == 1.0:
            break
    return combine(results)
