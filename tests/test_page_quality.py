"""Page quality, judged from the PDFs: every sample edition and a generated corpus.

Geometry comes from pdfium's page objects (tests/pdfpage.py), not from the HTML and not from
text extraction, so a layout bug cannot hide behind a text layer that reads well.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from briefing.build import Report, build
from briefing.config import Config, load_config

from .helpers import pdftotext
from .page_corpus import write_corpus
from .pdfpage import Run, footnote_pages, hex_rgb, page_runs

BODY_PT = 12.5  # templates/css/brief.css: html { font-size }


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Report, Path]:
    root = tmp_path_factory.mktemp("page-corpus")
    write_corpus(root)
    config = load_config(root)
    out = root / "dist"
    report = build(config, out_dir=out)
    assert report.ok, [str(r.error) for r in report.results if r.error]
    return config, report, out


def _pdfs(built: tuple[Config, Report, Path]) -> list[Path]:
    _, report, out = built
    pdfs = sorted(out.glob("*/*.pdf"))
    assert len(pdfs) == len(report.results) and pdfs, "no PDFs were built"
    return pdfs


def _accent(config: Config) -> tuple[int, int, int]:
    return hex_rgb(config.branding.palette.accent)


def _check_footnotes(pdf: Path, accent: tuple[int, int, int], expected: int | None) -> None:
    found = footnote_pages(pdf, accent)
    assert found.calls == found.notes, (
        f"{pdf}: calls on pages {found.calls}, notes printed on pages {found.notes}"
    )
    if expected is not None:
        assert len(found.notes) == expected, f"{pdf}: {len(found.notes)} of {expected} notes"


def _cited_notes(config: Config, pdf: Path) -> int | None:
    """How many notes the brief's Markdown cites (None for editions without sections)."""
    if pdf.stem not in ("full", "public"):
        return None
    slug = pdf.parent.name
    source = config.root / "content" / slug / "index.md"
    if not source.exists():
        source = config.root / "content" / f"{slug}.md"
    text = source.read_text(encoding="utf-8")
    return text.count("[^") - text.count("]:")  # calls (each cited once) = refs − definitions


def test_footnotes_on_the_page_of_their_call_samples(samples):
    config = samples[0]
    for pdf in _pdfs(samples):
        _check_footnotes(pdf, _accent(config), _cited_notes(config, pdf))


def test_footnotes_on_the_page_of_their_call_corpus(corpus):
    config = corpus[0]
    for pdf in _pdfs(corpus):
        _check_footnotes(pdf, _accent(config), _cited_notes(config, pdf))


def test_corpus_really_has_pages_full_of_notes(corpus):
    """The corpus must exercise what it claims: several notes on one page, notes past page 2."""
    config = corpus[0]
    crowded = footnote_pages(corpus[2] / "gen-crowded" / "full.pdf", _accent(config))
    assert max(crowded.notes.count(p) for p in set(crowded.notes)) >= 5
    long = footnote_pages(corpus[2] / "gen-long" / "full.pdf", _accent(config))
    assert len(set(long.notes)) >= 3


def _lines(runs: list[Run], size: float) -> list[list[Run]]:
    """Runs of one font size with ink, grouped into lines (by vertical overlap), left to right."""
    inked = sorted(
        (r for r in runs if abs(r.size - size) < 0.05 and r.x1 - r.x0 > 0.5), key=lambda r: -r.y1
    )
    lines: list[list[Run]] = []
    for run in inked:  # marks and dots are drawn as runs of their own, inside the line's band
        if lines and min(r.y0 for r in lines[-1]) <= run.mid_y <= max(r.y1 for r in lines[-1]):
            lines[-1].append(run)
        else:
            lines.append([run])
    return [sorted(line, key=lambda r: r.x0) for line in lines]


def test_latin_phrase_with_markup_reads_left_to_right(corpus):
    """«قبل Aq, *Bqqq* [Cqqqqqq](…) `Dqqqqqqqqq` Eqqqqqqqqqqqqqq, 12345678901234567 بعد»:
    on one line, بعد leftmost and قبل rightmost, and between them the words grow left to right
    (they are written ever longer), i.e. they are in the order written."""
    runs = page_runs(corpus[2] / "gen-latin" / "full.pdf")[1]
    line = next(line for line in _lines(runs, BODY_PT) if len(line) >= 8)
    words = [w for w in line[1:-1] if w.x1 - w.x0 > 4]  # punctuation is drawn on its own
    widths = [round(w.x1 - w.x0, 1) for w in words]
    assert len(words) == 6, widths
    assert widths == sorted(widths), f"Latin words out of order, widths left to right: {widths}"
    tops = [w.y1 for w in words]
    assert max(tops) - min(tops) < BODY_PT * 0.5, "the phrase is not on one baseline"


def _body_lines(pdf: Path) -> list[list[Run]]:
    return [line for runs in page_runs(pdf) for line in _lines(runs, BODY_PT)]


@pytest.mark.parametrize("which", ["samples", "corpus"])
def test_no_paragraph_ends_on_one_short_word(which, request):
    """A body line holding one short word alone (a paragraph's last word) is what a designer
    sends back; the last word is tied to the one before it."""
    built = request.getfixturevalue(which)
    bad = defaultdict(list)
    for pdf in _pdfs(built):
        for line in _body_lines(pdf):
            words = [
                r
                for r in line  # not a mark or a dot drawn as a run of its own
                if r.x1 - r.x0 > BODY_PT * 0.4 and r.y1 - r.y0 > BODY_PT * 0.4
            ]
            width = max(r.x1 for r in line) - min(r.x0 for r in line)
            if len(words) == 1 and width < BODY_PT * 2.5:
                bad[pdf.name if which == "corpus" else str(pdf)].append(round(width, 1))
    assert not bad, f"lines of one short word: {dict(bad)}"


# ------------------------------------------------------------------ one digit system per page

_LTR_SEGMENT = re.compile("\u202a([^\u202a\u202c]*)\u202c")  # poppler's LRE … PDF
_WESTERN = re.compile("[0-9]")
_INDIC = re.compile("[٠-٩]")


def _arabic_page_digits(page: str) -> tuple[bool, bool]:
    """(Western digits?, Arabic-Indic digits?) on an Arabic page, Latin phrases left out.

    poppler wraps each left-to-right run of a line in LRE…PDF; a run with Latin letters, and
    the runs beside it with only punctuation between (poppler splits «(2009)» off a Latin
    citation), are a Latin phrase and keep their Western digits by design.
    """
    western = indic = False
    for line in page.splitlines():
        segments = list(_LTR_SEGMENT.finditer(line))
        latin = [bool(re.search("[A-Za-z]", m[1])) for m in segments]
        changed = True
        while changed:  # a segment beside a Latin one, with no letter between, is part of it
            changed = False
            for i in range(len(segments)):
                if not latin[i] and any(
                    latin[j] and _adjacent(line, segments[min(i, j)], segments[max(i, j)])
                    for j in (i - 1, i + 1)
                    if 0 <= j < len(segments)
                ):
                    latin[i] = changed = True
        text = line
        for m, is_latin in zip(segments, latin, strict=True):
            if is_latin:
                text = text.replace(m[0], " ")
        western |= bool(_WESTERN.search(text))
        indic |= bool(_INDIC.search(text))
    return western, indic


def _adjacent(line: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """Nothing but spaces, marks and punctuation between two segments."""
    return not re.search(r"[^\W\d_]|[0-9٠-٩]", line[left.end() : right.start()])


def _arabic_pages(pdf: Path) -> list[tuple[int, str]]:
    texts = pdftotext(pdf).split("\f")
    return [
        (n, t)
        for n, t in enumerate(texts, 1)
        if t.strip() and "English summary" not in t and "Page " not in t
    ]


@pytest.mark.parametrize("which", ["samples", "corpus"])
def test_no_arabic_page_mixes_digit_systems(which, request):
    built = request.getfixturevalue(which)
    config = built[0]
    mixed = []
    for pdf in _pdfs(built):
        if config.audiences[pdf.stem].lang != "ar":
            continue
        digits = config.audiences[pdf.stem].digits
        for n, text in _arabic_pages(pdf):
            western, indic = _arabic_page_digits(text)
            if (
                (western and indic)
                or (digits == "arabic" and western)
                or (digits == "latin" and indic)
            ):
                mixed.append(f"{pdf.parent.name}/{pdf.name} p{n} ({digits})")
    if which == "corpus":  # as-written keeps what the author typed: both systems
        expected = [m for m in mixed if "(as-written)" in m]
        assert expected, "the corpus's as-written edition should show both systems"
        mixed = [m for m in mixed if m not in expected]
    assert not mixed, mixed


def test_latin_phrase_keeps_its_digits(corpus):
    """Digits inside a Latin phrase stay Western in an Arabic-digits edition."""
    pdf = corpus[2] / "gen-numbers" / "full.pdf"
    assert "12345678901234567" in pdftotext(pdf)
    # (the percent sign's side and a number's separators are readers' business)
    for number in ("٩٠", "٢٫٥", "١٬٤٠٠"):
        assert number in textlayer_text(pdf, "pdfium").replace("٪", ""), number
    latin = pdftotext(corpus[2] / "gen-numbers" / "latin.pdf")
    # (poppler prints a percent sign before its number in right-to-left lines: its limit)
    assert "95" in latin and "2.5" in latin and "1,400" in latin and "٩" not in latin


# ------------------------------------------------------------------ the English page and edition

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def test_english_pages_are_english(samples):
    """The English edition and the English summary page: English header, authors and list
    numbers. The only Arabic is the pointer to the Arabic title («Full analysis in Arabic»)."""
    english_pages = []
    for pdf in _pdfs(samples):
        pages = pdftotext(pdf).split("\f")
        if pdf.stem == "english":
            english_pages += [(pdf, p) for p in pages if p.strip()]
        else:
            english_pages += [(pdf, p) for p in pages if "ENGLISH SUMMARY" in p]
    assert len(english_pages) >= 4
    for pdf, page in english_pages:
        for line in page.splitlines():
            if "Full analysis in Arabic" in line:
                continue
            assert not _ARABIC_LETTER.search(line), f"{pdf}: Arabic on an English page: {line}"
            assert not _INDIC.search(line), f"{pdf}: Arabic-Indic digits: {line}"
        assert re.search(r"^\s*1\. ", page, re.M) or "Recommendations" not in page


# ------------------------------------------------------------------ executive pages, figure panels


def _filled(runs: list[Run], top: float, bottom: float) -> float:
    """Share of the text area from its top down to the lowest body text drawn (not furniture)."""
    body = [r for r in runs if bottom < r.y0 < top and r.x1 - r.x0 > 0.5]
    return (top - min(r.y0 for r in body)) / (top - bottom) if body else 0.0


def test_executive_pages_are_in_balance(samples):
    """Two pages both well filled (or one page): never a full page and a mostly blank one."""
    for pdf in _pdfs(samples):
        if pdf.stem != "executive":
            continue
        pages = page_runs(pdf)
        if len(pages) == 1:
            continue
        # A4 with 24 mm top and bottom margins, in points from the bottom of the page.
        top, bottom = 842 - 24 * 72 / 25.4, 24 * 72 / 25.4
        fills = [_filled(runs, top, bottom) for runs in pages]
        assert min(fills) >= 0.45, f"{pdf}: pages filled {[round(f, 2) for f in fills]}"


def test_figure_title_and_source_are_separate_lines(samples):
    """The key-figures panel's title and source line are separate blocks in the text layer."""
    for pdf in _pdfs(samples):
        text = pdftotext(pdf)
        assert "رئيسيةالمصدر" not in text.replace("\u202b", "").replace("\u202c", "")
        for line in text.splitlines():
            if "المصدر:" in line.replace("\u202a", "").replace("\u202c", "").replace("\u200f", ""):
                assert "أرقام رئيسية" not in line, f"{pdf}: {line}"


def _clean(text: str) -> str:
    return re.sub("[\u200e\u200f\u202a-\u202e]", "", text)


def _printed(pdf: Path, phrase: str) -> bool:
    """``phrase``'s words, in order, in what some reader gives back (which reader orders a
    number and its colon how is the text layer's business: tests/test_readers.py)."""
    from briefing.pdf.textlayer.check import words

    want = words(phrase)
    for reader in ("pdftotext", "pdfium", "mupdf"):
        got = words(textlayer_text(pdf, reader))
        if any(got[i : i + len(want)] == want for i in range(len(got))):
            return True
    return False


def textlayer_text(pdf: Path, reader: str) -> str:
    from briefing.pdf.textlayer import extract_text

    return extract_text(pdf.read_bytes(), reader)


def test_figures_and_tables_numbered_and_referenced(corpus):
    """«شكل ١: …» and «جدول ١: …» under/over the image and table, and the text's references
    to them by label print the same numbers."""
    pdf = corpus[2] / "gen-image" / "full.pdf"
    for phrase in (
        "شكل ١: رسم بياني للتجارة",
        "شكل ٢: رسم آخر",
        "جدول ١: حصة الصين من التجارة",
        "ويبيّن شكل ١ ذلك",
        "يبيّن جدول ١ الحصص",
    ):
        assert _printed(pdf, phrase), phrase


def test_arabic_phrase_in_english_reads_right_to_left(corpus):
    """«Aq بب *بببب* [ببببببب](…) بببببببببببب Zq» on the English summary page: between Aq and
    Zq, the Arabic words grow from right to left, i.e. they are in the order written."""
    pages = page_runs(corpus[2] / "gen-numbers" / "full.pdf")
    line = next(line for line in _lines(pages[-1], 10.5) if len(line) == 6)  # Aq, 4 words, Zq
    words = [w for w in line[1:-1] if w.x1 - w.x0 > 3]
    widths = [round(w.x1 - w.x0, 1) for w in words]
    assert len(words) == 4, widths
    assert widths == sorted(widths, reverse=True), f"Arabic words out of order: {widths}"
