"""Page quality, judged from the PDFs: every sample edition and a generated corpus.

Geometry comes from pdfium's page objects (tests/pdfpage.py), not from the HTML and not from
text extraction, so a layout bug cannot hide behind a text layer that reads well.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from briefing.build import Report, build
from briefing.config import Config, load_config

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
        f"{pdf}: calls on pages {found.calls}, notes printed on pages {found.notes}")
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
    inked = sorted((r for r in runs if abs(r.size - size) < 0.05 and r.x1 - r.x0 > 0.5),
                   key=lambda r: -r.y1)
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
            words = [r for r in line  # not a mark or a dot drawn as a run of its own
                     if r.x1 - r.x0 > BODY_PT * 0.4 and r.y1 - r.y0 > BODY_PT * 0.4]
            width = max(r.x1 for r in line) - min(r.x0 for r in line)
            if len(words) == 1 and width < BODY_PT * 2.5:
                bad[pdf.name if which == "corpus" else str(pdf)].append(round(width, 1))
    assert not bad, f"lines of one short word: {dict(bad)}"
