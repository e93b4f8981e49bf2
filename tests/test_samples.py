"""What a reader of the sample PDFs would notice: fonts, text, outline, metadata, pages."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest

from briefing.content.source import read_source

from .conftest import REPO
from .helpers import (
    fonts,
    has_presentation_forms,
    markdown_words,
    page_texts,
    word_recall,
)

PROJECT_FONTS = {
    "Amiri",
    "Amiri-Bold",
    "Noto-Kufi-Arabic",
    "Noto-Kufi-Arabic-Bold",
    "Noto-Sans",
    "Noto-Sans-Bold",
    "Noto-Sans-Italic",
}
SLUGS = ["pyongyang-moscow", "russia-dprk-partnership"]
SOURCES = {
    "pyongyang-moscow": REPO / "content/pyongyang-moscow/index.md",
    "russia-dprk-partnership": REPO / "content/russia-dprk-partnership.md",
}


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


#: Share of the source's words each reader gives back from the full edition: measured on
#: 2026-12-01 less a margin. What each reader still misses is its own limit
#: (docs/text-layer.md); word order per reader, against plain WeasyPrint, is test_readers.py's.
WORDS_FOUND = {"poppler": 0.99, "pdfium": 0.985, "mupdf": 0.96, "pdfjs": 0.95}


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("reader", sorted(WORDS_FOUND))
def test_text_layer_gives_back_the_arabic_of_the_source(samples, slug, reader):
    from .readers import extract

    _, _, out = samples
    source = read_source(SOURCES[slug])
    # The edition prints the author's numbers in its digits (briefing/render/digits.py): compare the
    # words in one system.
    text = "\n".join(extract((out / slug / "full.pdf").read_bytes(), reader)).translate(
        _WESTERN_DIGITS
    )
    recall, missing = word_recall(markdown_words(source.body), text)
    assert recall >= WORDS_FOUND[reader], missing
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
    _, report, out = samples
    executive = {r.name: r.pages for r in report.results if r.name.endswith("/executive")}
    # Every sample has an executive edition: a build that made none must not pass here.
    assert sorted(executive) == [f"{s}/executive" for s in SLUGS], executive
    for name, pages in executive.items():
        assert pages is not None and 1 <= pages <= 2, (name, pages)
        assert len(page_texts(out / f"{name}.pdf")) == pages, name  # the PDF itself agrees


@pytest.mark.parametrize("reader", ["poppler", "pdfjs", "mupdf"])
def test_latin_and_numbers_keep_their_order_inside_arabic(samples, reader):
    """(pdfium reverses the words of a Latin name inside Arabic — its bidi treats the spaces
    between them as right-to-left — whatever the PDF: docs/text-layer.md.)"""
    from .readers import extract

    _, _, out = samples
    pages = extract((out / "pyongyang-moscow/full.pdf").read_bytes(), reader)
    text = " ".join(" ".join(pages).split())
    assert "Kim Jong Un" in text
    assert "90%" in text


def test_same_input_gives_byte_identical_pdfs(samples, tmp_path):
    from briefing.build import build

    config, _, out = samples
    report = build(config, [SOURCES["russia-dprk-partnership"]], out_dir=tmp_path)
    assert report.ok
    for pdf in (tmp_path / "russia-dprk-partnership").glob("*.pdf"):
        assert pdf.read_bytes() == (out / "russia-dprk-partnership" / pdf.name).read_bytes(), pdf


def source_body(slug: str) -> str:
    return read_source(SOURCES[slug]).body
