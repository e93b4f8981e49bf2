"""What a reader of the sample PDFs would notice: fonts, text, outline, metadata, pages."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pikepdf
import pytest

from briefing.load import read_source
from briefing.values import ARABIC_INDIC_DIGITS

from .conftest import REPO
from .helpers import (
    BIDI_CONTROLS,
    fonts,
    has_presentation_forms,
    markdown_words,
    page_texts,
    pdfium_text,
    pdftotext,
    word_recall,
)

PROJECT_FONTS = {"Amiri", "Amiri-Bold", "Noto-Kufi-Arabic", "Noto-Kufi-Arabic-Bold",
                 "Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-Italic"}
SLUGS = ["pyongyang-moscow", "russia-dprk-partnership"]
SOURCES = {"pyongyang-moscow": REPO / "content/pyongyang-moscow/index.md",
           "russia-dprk-partnership": REPO / "content/russia-dprk-partnership.md"}


_WESTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٪٫٬", "0123456789%.,")

def pdfs(out: Path) -> list[Path]:
    return sorted(out.glob("*/*.pdf"))


def test_every_sample_edition_is_built(samples):
    _, report, out = samples
    names = {p.relative_to(out).as_posix() for p in pdfs(out)}
    editions = ("full", "executive", "public", "english")
    assert names == {f"{s}/{a}.pdf" for s in SLUGS for a in editions}
    assert all(r.status == "built" for r in report.results)


def test_fonts_are_only_the_project_fonts_embedded_and_subset(samples):
    _, _, out = samples
    for pdf in pdfs(out):
        rows = fonts(pdf)
        assert rows, pdf
        for row in rows:
            assert row["name"] in PROJECT_FONTS, (pdf, row)
            assert row["emb"] == "yes" and row["sub"] == "yes" and row["prefixed"], (pdf, row)
            assert row["uni"] == "yes", (pdf, row)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("extract", [pdftotext, pdfium_text], ids=["pdftotext", "pdfium"])
def test_text_layer_gives_back_the_arabic_of_the_source(samples, slug, extract):
    _, _, out = samples
    source = read_source(SOURCES[slug])
    # The edition prints the author's numbers in its digits (briefing/digits.py): compare the
    # words in one system.
    text = extract(out / slug / "full.pdf").translate(_WESTERN_DIGITS)
    recall, missing = word_recall(markdown_words(source.body), text)
    assert recall >= 0.99, missing
    assert not has_presentation_forms(text)


@pytest.mark.parametrize("slug", SLUGS)
def test_outline_has_the_numbered_sections(samples, slug):
    _, _, out = samples
    with pikepdf.open(out / slug / "full.pdf") as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    source = read_source(SOURCES[slug])
    headings = re.findall(r"^## (.+?)(?:\s*\{audiences=[^}]*\})?$", source.body, re.M)
    numbered = [t for t in titles if re.match(r"^[٠-٩]+\.", t)]
    assert [re.sub(r"^[٠-٩]+\.\s*", "", t).strip() for t in numbered] == headings
    assert "التوصيات" in titles and "المصادر" in titles


def test_metadata_comes_from_the_front_matter(samples):
    _, _, out = samples
    source = read_source(SOURCES["pyongyang-moscow"])
    with pikepdf.open(out / "pyongyang-moscow/full.pdf") as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == source.meta["title"]
        assert str(info["/Subject"]) == source.meta["subtitle"]
        for author in source.meta["authors"]:
            name = author["name"] if isinstance(author, dict) else author
            assert name in str(info["/Author"])
        assert source.meta["keywords"][0] in str(info["/Keywords"])
        date = str(source.meta["date"]).replace("-", "")
        assert str(info["/CreationDate"]).startswith(f"D:{date}")
        assert str(pdf.Root.Lang) == "ar"


def test_page_furniture_uses_arabic_indic_page_numbers(samples):
    _, _, out = samples
    texts = page_texts(out / "pyongyang-moscow/full.pdf")
    total = len(texts)
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    assert "صفحة" not in texts[0]  # no furniture on the cover
    for number, text in enumerate(texts[1:-1], start=2):  # last page is the English summary
        assert f"صفحة {str(number).translate(arabic)} من {str(total).translate(arabic)}" in text


def test_english_summary_page_reads_left_to_right(samples):
    _, _, out = samples
    last = page_texts(out / "pyongyang-moscow/full.pdf")[-1]
    source = read_source(SOURCES["pyongyang-moscow"])
    english = source.meta["english"]
    assert english["title"].split()[0] in last
    # word order survives: a run of five consecutive words of the summary is found as is
    first = " ".join(english["summary"].split()[:5])
    assert first in " ".join(last.split())


def test_english_edition_is_built_only_for_briefs_with_an_english_block(samples):
    _, report, _ = samples
    english = [r.name for r in report.results if r.name.endswith("/english")]
    assert sorted(english) == [f"{s}/english" for s in SLUGS]


def test_executive_edition_fits_two_pages(samples):
    _, report, _ = samples
    for result in report.results:
        if result.name.endswith("/executive"):
            assert result.pages is not None and result.pages <= 2


def test_latin_and_numbers_keep_their_order_inside_arabic(samples):
    _, _, out = samples
    text = " ".join(pdfium_text(out / "pyongyang-moscow/full.pdf").split())
    assert "Kim Jong Un" in text
    assert "90%" in text


def test_same_input_gives_byte_identical_pdfs(samples, tmp_path):
    from briefing.build import build

    config, _, out = samples
    report = build(config, [SOURCES["russia-dprk-partnership"]], out_dir=tmp_path)
    assert report.ok
    for pdf in (tmp_path / "russia-dprk-partnership").glob("*.pdf"):
        assert pdf.read_bytes() == (out / "russia-dprk-partnership" / pdf.name).read_bytes(), pdf


# A footnote span, with the Latin-phrase spans (briefing/bidi.py) that may be inside it.
_INNER = r"(?:[^<]|<(?!/?span\b))*"
_FOOTNOTE_SPAN = re.compile(
    rf'<span class="footnote">(?:[^<]|<(?!/?span\b)|<span\b[^>]*>{_INNER}</span>)*</span>')


def _body_paragraphs(html: str) -> list[str]:
    """The analysis paragraphs as printed: each footnote becomes its call number (its text
    prints at the page foot), figures are left out (tests/test_figures.py reads them)."""
    main = html[html.index('<main class="analysis">'):html.index("</main>")]
    calls = iter(range(1, 1000))
    main = re.sub(_FOOTNOTE_SPAN,
                  lambda _: str(next(calls)).translate(ARABIC_INDIC_DIGITS), main)
    main = re.sub(r"<figure.*?</figure>", "", main, flags=re.S)
    paragraphs = [_squash(unescape(re.sub(r"<[^>]+>", "", p)))
                  for p in re.findall(r"<p>(.*?)</p>", main, re.S)]
    return [p for p in paragraphs if len(p) > 40]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", BIDI_CONTROLS.sub("", text))


def _without_furniture(text: str, furniture: set[str]) -> str:
    """Drop what the page adds around body text: running header and footer, page numbers,
    footnote lines, list markers and chart labels — so a paragraph broken across a page
    reads as one again."""
    kept = []
    for line in text.splitlines():
        clean = BIDI_CONTROLS.sub("", line).strip()
        for item in furniture:
            clean = clean.replace(item, "")
        clean = re.sub(r"صفحة\s*\S+\s*من\s*\S+", "", clean)
        clean = re.sub(r"(?:شكل|جدول)\s*[٠-٩0-9]+:", "", clean).strip()  # caption numbers
        if re.match(r"^[٠-٩]+\.\s", clean) or re.fullmatch(r"[•٠-٩0-9.,٫٬٪%\s]*", clean):
            continue
        kept.append(clean)
    return "\n".join(kept)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("extract", [pdftotext, pdfium_text], ids=["pdftotext", "pdfium"])
def test_body_text_characters_come_back_in_order(samples, slug, extract):
    """Issue 3's ≥ 0.99 whitespace-insensitive character similarity, paragraph by paragraph."""
    from rapidfuzz import fuzz

    from briefing.build import load_brief
    from briefing.render import render_html

    config, _, out = samples
    brief = load_brief(SOURCES[slug], config)
    paragraphs = _body_paragraphs(render_html(brief, config, "full"))
    furniture = {brief.meta.series or "", config.branding.organisation}
    for fig in brief.meta.figures:
        furniture |= {fig.title, *(d.label or "" for d in fig.data)}
    for match in re.finditer(r"^```figure\n(.*?)^```", source_body(slug), re.S | re.M):
        furniture |= {m.strip() for m in re.findall(r"(?:label|title):\s*(.+)", match[1])}
    # Notes print at the foot of their call's page, so they can sit between the two halves of a
    # paragraph broken across pages: their lines are the page's furniture too.
    notes = [_squash(unescape(re.sub(r"<[^>]+>", "", note)))
             for note in _FOOTNOTE_SPAN.findall(render_html(brief, config, "full"))]
    lines = _without_furniture(extract(out / slug / "full.pdf"), furniture - {""}).splitlines()
    text = _squash("\n".join(line for line in lines if not (
        len(_squash(line)) >= 20 and any(_squash(line) in note for note in notes))))
    scores = [fuzz.partial_ratio(p, text) / 100 for p in paragraphs]
    weighted = sum(s * len(p) for s, p in zip(scores, paragraphs, strict=True)) / sum(
        map(len, paragraphs))
    assert weighted >= 0.99, sorted(zip(scores, (p[:30] for p in paragraphs), strict=True))[:3]


def source_body(slug: str) -> str:
    return read_source(SOURCES[slug]).body
