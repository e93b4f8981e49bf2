"""What a reader of the PDF would notice about its text, scored against the source text.

The expected text is the source in logical order, one *block* per line (a paragraph, heading,
list item, table cell or footnote, with its call and marker as printed). The order of blocks is
deliberately not scored: where a footnote or a table cell lands depends on layout, not on the
text layer. Inside a block, order is everything.

Words are briefing's own (:func:`briefing.pdf.textlayer.check.words`, the build check's
tokenizer, so the tests and the build count alike): NFKC-normalised (what Firefox's copy and find
do; it also folds presentation forms) and case-folded (viewers' find ignores case, and CSS
``text-transform`` changes it); invisible bidi and zero-width characters, tatweel (U+0640), soft
hyphen and BOM removed. Spaces and Latin and Arabic punctuation end a word, and a word never
mixes Arabic and Latin letters, or letters and digits (a footnote call glued to its word,
``كلمة١``, is a word of its own, as a viewer's find treats it). Combining marks stay with their
word.

A *sentence* ends at ``. ! ? ؟ ; ؛`` followed by a space or the end of the block, or at the end
of the block. Its *phrase* is the source text from its first word to the end of its fourth word
(punctuation included, whitespace folded), as a user would type it into find.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from briefing.pdf.textlayer import check
from briefing.pdf.textlayer.check import normalize

__all__ = ["BIDI_MARKS", "Scores", "blocks", "fold", "pairs", "phrases", "score", "words"]

#: Invisible bidi controls; ignored when matching, counted per line.
BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
#: Characters no reader should hand a user: C0 controls other than tab and line breaks
#: (pdfium ends lines with CR LF), zero-width space/joiner, the replacement character.
JUNK = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u200b\u200d\ufffd]")
_SENTENCE_END = re.compile(r"(?<=[.!?؟;؛])\s+")
_SPACE = re.compile(r"\s+")


def words(text: str) -> list[str]:
    """The words of ``text`` (see the module docstring): a reader's glue counts against it."""
    return check.words(text, forgive_glue=False)


def blocks(expected: str) -> list[str]:
    """The non-empty lines of an expected text."""
    return [line.strip() for line in expected.splitlines() if line.strip()]


def phrases(expected: str) -> list[str]:
    """The first four words of every sentence of two words or more, as typed into find."""
    found = []
    for block in blocks(expected):
        for sentence in _SENTENCE_END.split(normalize(block)):
            spans = check.word_spans(sentence, forgive_glue=False)
            if len(spans) >= 2:
                end = spans[min(4, len(spans)) - 1][1]
                found.append(fold(sentence[spans[0][0] : end]))
    return found


def fold(text: str) -> str:
    """Whitespace runs (line breaks included) to one space, as a viewer's find does."""
    return _SPACE.sub(" ", text).strip()


def pairs(tokens: list[str]) -> Counter[tuple[str, str]]:
    return Counter(itertools.pairwise(tokens))


@dataclass
class Scores:
    """One reader on one document."""

    words: float  # share of the source's words found (multiset)
    pairs: float  # share of the source's adjacent word pairs found adjacent (order)
    phrases_found: int
    phrases_total: int
    junk: int
    bidi_max: int  # most invisible bidi marks on one line of the copied text
    bidi_total: int
    missing_phrases: list[str] = field(default_factory=list)
    missing_words: list[str] = field(default_factory=list)

    @property
    def phrase_share(self) -> float:
        return self.phrases_found / self.phrases_total if self.phrases_total else 1.0


def score(expected: str, pages: list[str], *, own_marks: str = "") -> Scores:
    """Score the per-page text one reader gave back against the expected text.

    ``own_marks``: bidi controls the reader writes into its output by itself, whatever the PDF
    holds (poppler's U+202A–U+202C); they are not counted against the PDF.
    """
    text = "\n".join(pages)
    got = words(text)
    want = [words(block) for block in blocks(expected)]
    want_words = Counter(w for block in want for w in block)
    want_pairs: Counter[tuple[str, str]] = Counter()
    for block in want:
        want_pairs += pairs(block)
    missing_words = want_words - Counter(got)
    found_pairs = want_pairs & pairs(got)
    haystack = fold(normalize(text))
    wanted = phrases(expected)
    missing = [p for p in wanted if p not in haystack]
    marks = [
        sum(1 for m in BIDI_MARKS.findall(line) if m not in own_marks)
        for line in re.split(r"\r\n|\n|\r", text)
    ] or [0]
    return Scores(
        words=1 - sum(missing_words.values()) / max(1, sum(want_words.values())),
        pairs=sum(found_pairs.values()) / max(1, sum(want_pairs.values())),
        phrases_found=len(wanted) - len(missing),
        phrases_total=len(wanted),
        junk=len(JUNK.findall(text)),
        bidi_max=max(marks),
        bidi_total=sum(marks),
        missing_phrases=missing,
        missing_words=sorted(missing_words)[:20],
    )
