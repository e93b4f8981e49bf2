"""The text layer (briefing.pdf.textlayer): what readers get back, and how the PDF says it.

Cross-reader scores per document (pdf.js, poppler, pdfium, MuPDF against plain WeasyPrint) are
in test_readers.py; this file checks the mechanism — one text for every reader, no ActualText,
no empty or shared mappings, marks off the text baseline only as outlines — and that pages look
exactly as WeasyPrint drew them.
"""

import functools
import io
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from briefing.pdf import compat, textlayer
from briefing.pdf.textlayer import check

from .helpers import qpdf_check, tool

CORPUS = Path(__file__).parent / "corpus"
FONTS = Path(__file__).parent.parent / "fonts"
READERS = ("pdfium", "mupdf", "pdftotext")

ARABIC_CSS = """<style>
@font-face { font-family: A; src: url(Amiri-Regular.ttf); }
@font-face { font-family: A; font-weight: bold; src: url(Amiri-Bold.ttf); }
@font-face { font-family: K; src: url(NotoKufiArabic-Regular.ttf); }
@font-face { font-family: S; src: url(NotoSans-Regular.ttf); }
@page { size: 180mm 80mm; margin: 8mm }
html { font-family: A, S; font-size: 14pt } h1 { font-family: K; font-size: 14pt }
</style>"""


def _render(html_path=None, string=None, **options):
    from weasyprint import HTML

    if string is not None:
        return HTML(string=string, base_url=str(FONTS) + "/").write_pdf(**options)
    return HTML(filename=str(html_path)).write_pdf(**options)


@functools.cache
def _snippet(body: str, plain: bool = False) -> bytes:
    """``body`` as one paragraph, with briefing's text layer or (``plain``) WeasyPrint's own.
    Kept: several tests read the same snippets, and rendering is the slow part."""
    html = (
        f'<html lang="ar" dir="rtl"><head><title>t</title>{ARABIC_CSS}'
        f"</head><body><p>{body}</p></body></html>"
    )
    if not plain:
        assert textlayer.installed()
        return _render(string=html)
    textlayer.uninstall()
    try:
        return _render(string=html)
    finally:
        textlayer.install()


@pytest.fixture(scope="module", autouse=True)
def _installed():
    tool("pdftotext")  # a reader of READERS: missing, it fails here saying how to install it
    textlayer.install()
    yield
    textlayer.install()  # leave WeasyPrint patched, as the pipeline uses it


@pytest.fixture(scope="module")
def plain_pdf():
    """The corpus rendered by WeasyPrint as shipped (text layer not installed)."""
    textlayer.uninstall()
    try:
        return _render(CORPUS / "hard_cases.html", pdf_variant="pdf/ua-1")
    finally:
        textlayer.install()


@pytest.fixture(scope="module")
def fixed_pdf(plain_pdf):
    textlayer.STATS.clear()
    pdf = _render(CORPUS / "hard_cases.html", pdf_variant="pdf/ua-1")
    assert textlayer.STATS["fallback"] == 0, dict(textlayer.STATS)
    assert textlayer.STATS["lines"] > 50 and textlayer.STATS["outlines"] > 50
    return pdf


def _fonts(pdf_bytes):
    with pikepdf.open(io.BytesIO(pdf_bytes)) as document:
        fonts = {}
        for page in document.pages:
            for font in page.Resources.get("/Font", {}).values():
                if font.get("/Subtype") == "/Type0":
                    descendant = font.DescendantFonts[0]
                    text = font.ToUnicode.read_bytes().decode()
                    pairs = re.findall(r"<([0-9a-f]{4})> <([0-9a-f]*)>", text)
                    gids = descendant.CIDToGIDMap
                    fonts[str(font.BaseFont)] = (
                        {int(c, 16): bytes.fromhex(u).decode("utf-16-be") for c, u in pairs},
                        None if isinstance(gids, pikepdf.Name) else gids.read_bytes(),
                        str(font.Encoding),
                    )
        return fonts


def _content(pdf_bytes):
    with pikepdf.open(io.BytesIO(pdf_bytes)) as document:
        return b"\n".join(
            page.Contents.read_bytes() for page in document.pages if "/Contents" in page
        )


def test_every_glyph_has_its_own_text(fixed_pdf):
    """One CID per (glyph, text): ToUnicode never empty, never a code outside the font."""
    fonts = _fonts(fixed_pdf)
    assert fonts
    for name, (to_unicode, cid_to_gid, encoding) in fonts.items():
        assert encoding == "/Identity-H", name
        assert cid_to_gid is not None, f"{name}: no CIDToGIDMap"
        assert len(cid_to_gid) == 2 * (max(to_unicode) + 1), name
        assert all(to_unicode.values()), f"{name}: empty ToUnicode entries"
        assert not any("\ufb50" <= c <= "\ufeff" for t in to_unicode.values() for c in t)


def test_reused_glyphs_read_back_by_cid(fixed_pdf):
    """MuPDF and pdf.js look text up by CID: a glyph drawn for two texts needs two CIDs."""
    fonts = _fonts(fixed_pdf)
    amiri = next(v for k, v in fonts.items() if "Amiri" in k and "Bold" not in k)
    to_unicode, cid_to_gid, _ = amiri
    gids = [int.from_bytes(cid_to_gid[i : i + 2], "big") for i in range(0, len(cid_to_gid), 2)]
    texts_by_gid = {}
    for cid, text in to_unicode.items():
        texts_by_gid.setdefault(gids[cid], set()).add(text)
    assert any(len(texts) > 1 for texts in texts_by_gid.values())


def test_no_actual_text_and_marks_on_the_baseline(fixed_pdf):
    """One text for all readers: no /ActualText anywhere, and no combining mark is text off
    the baseline (the visible mark is an outline XObject; its text a zero-width glyph)."""
    import unicodedata

    assert b"/ActualText" not in _content(fixed_pdf)
    fonts = {}
    with pikepdf.open(io.BytesIO(fixed_pdf)) as document:
        raised_marks = drawn = 0
        for page in document.pages:
            for name, font in page.Resources.get("/Font", {}).items():
                text = font.ToUnicode.read_bytes().decode()
                fonts[name] = {
                    int(c, 16): bytes.fromhex(u).decode("utf-16-be")
                    for c, u in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]*)>", text)
                }
            rise, font = 0.0, None
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "Ts":
                    rise = float(operands[0])
                elif op == "Tf":
                    font = fonts.get(str(operands[0]))
                elif op == "Do":
                    drawn += 1
                elif op == "TJ" and rise and font:
                    for item in operands[0]:
                        if isinstance(item, pikepdf.String):
                            data = bytes(item)
                            for i in range(0, len(data), 2):
                                chars = font.get(int.from_bytes(data[i : i + 2], "big"), "")
                                raised_marks += bool(chars) and all(
                                    unicodedata.category(c) == "Mn" for c in chars
                                )
    assert raised_marks == 0
    assert drawn > 50


def test_rendering_is_unchanged(plain_pdf, fixed_pdf):
    """Same glyphs at the same places (marks as outlines): the pages must look the same."""
    import pypdfium2
    from PIL import ImageChops, ImageFilter

    plain, fixed = pypdfium2.PdfDocument(plain_pdf), pypdfium2.PdfDocument(fixed_pdf)
    assert len(plain) == len(fixed) == 3
    for index in range(len(plain)):
        # Outlines and glyphs anti-alias a little differently; a light blur absorbs that,
        # while a glyph moved by half a point (or a missing one) differs by far more.
        a, b = (
            document[index]
            .render(scale=1)
            .to_pil()
            .convert("L")
            .filter(ImageFilter.GaussianBlur(1.5))
            for document in (plain, fixed)
        )
        worst = ImageChops.difference(a, b).getextrema()[1]
        assert worst <= 32, f"page {index + 1} renders differently ({worst})"


def test_tagged_pdf_stays_valid(fixed_pdf, tmp_path):
    with pikepdf.open(io.BytesIO(fixed_pdf)) as document:
        assert document.Root.MarkInfo.Marked and str(document.Root.Lang) == "ar"
        assert len(document.Root.StructTreeRoot.ParentTree.Nums) > 0
    path = tmp_path / "tagged.pdf"
    path.write_bytes(fixed_pdf)
    result = qpdf_check(path)
    assert result.returncode == 0, result.stdout + result.stderr


SNIPPETS = [
    "مُحَمَّدٌ يَرُدُّ عَلَى كُلِّ سُؤَالٍ بِجَوَابٍ مُهِمٍّ جِدًّا، قُلْتُ لَهُ: هَذَا أَمْرٌ عَامٌّ.",
    "لا لأنّ لإعادة لآخر الآن: للكن لكن كل لم الحجّ بسم الله",
    "قال: «الســـلام أولًا»، ثم أضاف (وهذا رأيه)؛ فهل من مجيب؟",
    "هذه كل<b>مة</b> مقسومة و<b>عبارة كاملة</b> هنا.",
    "أولوية رؤية مشتركة، متنفساً ورافداً ومخرجاً جداً هنا.",
]


def _plain(body: str) -> bytes:
    return _snippet(body, plain=True)


@pytest.mark.parametrize("body", SNIPPETS)
def test_snippet_round_trips(body):
    """poppler gives every snippet back exactly, pdfium all but full tashkeel; no reader gets
    less than from plain WeasyPrint (reader limits: test_readers.py)."""
    source = re.sub("<[^>]+>", "", body)
    fixed = {r.reader: r for r in textlayer.measure(_snippet(body), source, READERS)}
    plain = {r.reader: r for r in textlayer.measure(_plain(body), source, READERS)}
    assert fixed["pdftotext"].words == 1.0 and not fixed["pdftotext"].missing, fixed
    if body is not SNIPPETS[0]:
        assert fixed["pdfium"].words == 1.0 and not fixed["pdfium"].missing, fixed
    for reader in READERS:
        assert fixed[reader].words >= plain[reader].words, (reader, fixed, plain)


def test_plain_weasyprint_fails_the_same_snippets():
    """The snippet test can fail: WeasyPrint alone loses words in every reader."""
    for reader in READERS:
        worst = min(
            textlayer.measure(_plain(body), re.sub("<[^>]+>", "", body), (reader,))[0].words
            for body in SNIPPETS
        )
        assert worst < 0.9, reader


def test_svg_labels_give_letters_not_presentation_forms():
    """Chart labels arrive pre-shaped in visual order (briefing/figures/svgtext.py)."""
    label = "ﺔﻴﻧﺍﺮﻛﻭﺃ ﺔﻔﻳﺬﻗ ﻞﻛ ﻞﺑﺎﻘﻣ ﻒﺋﺍﺬﻗ"  # "قذائف مقابل كل قذيفة أوكرانية", drawn
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="60" '
        f'style="font-family: A; font-size: 14px"><text x="594" y="30" '
        f'text-anchor="end">{label}</text></svg>'
    )
    pdf = _snippet(f"نص قبل الرسم</p>{svg}<p>")
    for reader in READERS:
        text = textlayer.extract_text(pdf, reader)
        assert not any("\ufb50" <= c <= "\ufeff" for c in text), reader
    for result in textlayer.measure(
        pdf, "نص قبل الرسم قذائف مقابل كل قذيفة أوكرانية", ("pdfium", "pdftotext")
    ):
        assert result.words == 1.0, result


def test_install_is_idempotent_and_reversible():
    from weasyprint.draw import text as draw_text

    textlayer.install()
    patched = draw_text.draw_first_line
    textlayer.install()
    assert draw_text.draw_first_line is patched and textlayer.installed()
    textlayer.uninstall()
    assert not textlayer.installed()
    textlayer.install()
    assert textlayer.installed()


def test_install_refuses_unknown_weasyprint(monkeypatch):
    import weasyprint

    textlayer.uninstall()
    monkeypatch.setattr(weasyprint, "__version__", "99.0")
    with pytest.raises(compat.UnsupportedWeasyPrint, match=r"WeasyPrint 99\.0"):
        textlayer.install()
    assert not textlayer.installed()
    monkeypatch.undo()
    textlayer.install()  # later tests in this process render with the text layer


def test_install_refuses_changed_hook(monkeypatch):
    from weasyprint.draw import text as draw_text

    textlayer.uninstall()

    def draw_first_line(stream, textbox, matrix):  # a new shape
        return []

    monkeypatch.setattr(draw_text, "draw_first_line", draw_first_line)
    with pytest.raises(compat.UnsupportedWeasyPrint, match="draw_first_line"):
        textlayer.install()
    monkeypatch.undo()
    textlayer.install()  # later tests in this process render with the text layer
    assert textlayer.installed()


# --- the build-time check ---------------------------------------------------------------------


def test_check_counts_words_and_names_missing_phrases_with_their_section():
    pdf = _snippet("الســـلام عليكم")
    blocks = [("تحية", "السلام عليكم يا صديقي."), ("وداع", "إلى اللقاء يا صديقي.")]
    results = textlayer.measure(pdf, blocks)
    assert [r.reader for r in results] == ["pdfium", "mupdf"]
    for result in results:
        assert result.words == pytest.approx(2 / 8)  # tatweel ignored
        assert result.missing == (
            ("تحية", "السلام عليكم يا صديقي"),
            ("وداع", "إلى اللقاء يا صديقي"),
        )
    assert check.missing_everywhere(results) == list(results[0].missing)
    with pytest.raises(ValueError):
        textlayer.extract_text(pdf, "ocr")


def test_check_is_quiet_when_the_text_is_there():
    body = (
        "تستأثر بكين بنحو 90% من تجارتها الخارجية. وتجدر الإشارة إلى أن الصين ما تزال "
        "الشريك الأكبر؛ فهل يتغير ذلك؟"
    )
    results = textlayer.measure(_snippet(body), [("قسم", body)])
    assert all(r.words == 1.0 for r in results), results
    assert check.missing_everywhere(results) == []


def test_check_tolerates_page_furniture_inside_a_phrase():
    """A sentence running over a page break has the page's footer and notes inside it."""
    blocks = [("", "وتجدر الإشارة إلى أن الشراكة تتسع.")]
    text = "وتجدر الإشارة\nصفحة ٢ من ٨ مركز الدراسات\n١. حاشية.\nإلى أن الشراكة تتسع."
    expected = check.Expected.of(blocks)
    assert check._score("test", expected, text).missing == ()
    assert check._score("test", expected, "وتجدر الإشارة قبل أن").missing


def test_missing_everywhere_needs_every_reader():
    a = check.Fidelity("a", 1.0, 1, 2, (("s", "x"), ("s", "y")))
    b = check.Fidelity("b", 1.0, 1, 2, (("s", "y"),))
    assert check.missing_everywhere([a, b]) == [("s", "y")]


def test_words_count_as_found_when_some_reader_gives_them_back():
    a = check.Fidelity("a", 0.5, 0, 0, (), 4, (("x", 1), ("y", 1)))
    b = check.Fidelity("b", 0.75, 0, 0, (), 4, (("y", 1),))
    assert check.words_found_by_some([a, b]) == pytest.approx(0.75)


def test_a_sample_builds_without_a_text_layer_warning(samples, sample_warnings):
    """Nothing is wrong with the samples: the build check stays quiet about them."""
    _, report, _ = samples
    assert report.ok and report.results
    assert not [m for m in sample_warnings if "text layer" in m]


@pytest.mark.parametrize("forgive_glue", [True, False])
def test_words_are_the_words_of_their_spans(forgive_glue: bool) -> None:
    """``check.words`` cuts the whole text at once; ``word_spans`` (which the reader metrics
    use for positions) cuts chunk by chunk. Both must give the same words, on mixed Arabic,
    Latin, both digit systems, marks, tatweel and punctuation."""
    import random

    alphabet = "ابت لكن a bZ 1٢3٤ ،.؟-%٫/x\u0651\u064e\u0640 9«»"
    rnd = random.Random(14)
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(3000)]
    texts.append("قال ‏Putin‏ إن ٨ملايين و8ملايين حاشية١ Unبالرئيس 2024م")
    for text in texts:
        normal = check.normalize(text)
        spans = check.word_spans(normal, forgive_glue=forgive_glue)
        assert check.words(text, forgive_glue=forgive_glue) == [normal[a:b] for a, b in spans]


def test_a_phrase_is_found_where_its_words_follow_each_other() -> None:
    """The check looks a phrase up from the positions of its rarest word; by definition it is
    there when it is one of the text's 1- to 4-grams, or when its two parts are and a page
    break's furniture (at most 80 words) lies between them. Both on 2,000 random texts."""
    import random

    def by_definition(head: tuple[str, ...], got: list[str]) -> bool:
        grams = {tuple(got[i : i + n]) for n in (1, 2, 3, 4) for i in range(len(got))}
        if head in grams:
            return True
        return any(
            head[:cut] in grams
            and head[cut:] in grams
            and any(
                0 < j - i <= 80
                for i, a in enumerate(got)
                if a == head[cut - 1]
                for j, b in enumerate(got)
                if b == head[cut]
            )
            for cut in range(1, len(head))
        )

    rnd = random.Random(1948)
    vocabulary = ["في", "من", "روسيا", "كوريا", "بكين", "NATO", "٢٠٢٤"]
    for _ in range(2000):
        got = [rnd.choice(vocabulary) for _ in range(rnd.randint(0, 120))]
        positions: dict[str, list[int]] = {}
        for index, word in enumerate(got):
            positions.setdefault(word, []).append(index)
        head = tuple(rnd.choice(vocabulary) for _ in range(rnd.randint(1, 4)))
        assert check._found(head, got, positions) == by_definition(head, got), (head, got)


@pytest.mark.parametrize(
    "body", ["\u0651", "a<span style='color: red'>\u0651</span>", "\ufeff\u2060"]
)
def test_a_line_with_no_letter_to_carry_text_renders(body: str) -> None:
    """A stray mark on its own (or in its own colour), or only zero-width characters: the line
    has no glyph with text, and the text layer once failed on it (an internal error for the
    whole brief)."""
    pdf = _snippet(body)
    assert pdf.startswith(b"%PDF")


#: What the line drawing of the text layer handles itself and what it leaves to WeasyPrint's own
#: ``draw_first_line``: raised and shifted marks (Amiri), zero-width characters (empty glyphs),
#: an isolated Latin run, letter spacing, a character no font has (.notdef: left to the
#: original), an ellipsis (left to the original), an SVG label, a tiny and a zero font size.
_LINE_CASES = """
<p>قُلْ هُوَ اللَّهُ أَحَدٌ، مُحَمَّدٌ رَسُولُ اللَّهِ؛ بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ</p>
<p>كلمة&#x200d;ملتصقة و&#x2067;NATO&#x2069; و&#x200b;فاصل&#x200c;خفي ‎mark‏ هنا</p>
<p style="letter-spacing: 2pt; word-spacing: 4pt">تباعد الحروف Latin spacing ٢٠٢٥</p>
<p>حرف لا خط له: &#xe000; ثم نص</p>
<p style="width: 30mm; overflow: hidden; white-space: nowrap; text-overflow: ellipsis">
نص طويل جدا يقطع بعلامة الحذف في آخر السطر</p>
<p style="font-size: 0.3pt">صغير جدا</p><p style="font-size: 0">لا شيء</p>
<p><svg width="200" height="40"><text x="10" y="30" font-family="A">شكل</text></svg></p>
"""


def _line_pdfs(monkeypatch: pytest.MonkeyPatch, **source: Any) -> tuple[bytes, bytes]:
    """A document (``_render``'s arguments) rendered with the text layer drawing lines itself,
    and with every line left to WeasyPrint's ``draw_first_line`` (its TJ strings parsed back)."""
    textlayer.STATS.clear()
    fast = _render(**source, pdf_variant="pdf/ua-1")
    assert textlayer.STATS["lines"] > textlayer.STATS["recorded"], dict(textlayer.STATS)
    with monkeypatch.context() as patch:
        patch.setattr(compat.lines, "drawn_line", lambda *args: None)
        textlayer.STATS.clear()
        slow = _render(**source, pdf_variant="pdf/ua-1")
        assert textlayer.STATS["recorded"] > 0, dict(textlayer.STATS)
    return fast, slow


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.html")))
def test_drawing_lines_directly_writes_the_same_pdf(monkeypatch, name):
    """The text layer works a line out from Pango's arrays instead of running WeasyPrint's
    ``draw_first_line`` and parsing its TJ strings back: the PDF must be the same, byte for
    byte, or a glyph moved."""
    fast, slow = _line_pdfs(monkeypatch, html_path=CORPUS / name)
    assert fast == slow


def test_lines_left_to_weasyprint_draw_the_same(monkeypatch):
    html = (
        f'<html lang="ar" dir="rtl"><head><title>t</title>{ARABIC_CSS}'
        f"</head><body>{_LINE_CASES}</body></html>"
    )
    fast, slow = _line_pdfs(monkeypatch, string=html)
    assert fast == slow
    textlayer.STATS.clear()
    _render(string=html, pdf_variant="pdf/ua-1")
    assert textlayer.STATS["recorded"] >= 2  # the .notdef line and the ellipsis


def test_a_changed_draw_first_line_turns_the_direct_drawing_off(monkeypatch):
    monkeypatch.setattr(compat.lines, "_drawn_line_ok", [])
    monkeypatch.setattr(compat.lines, "DRAW_FIRST_LINE_SHA256", "0" * 64)
    assert not compat.lines.drawn_line_supported()
    textlayer.STATS.clear()
    _render(string=f"<html><head>{ARABIC_CSS}</head><body><p>نص</p></body></html>")
    assert textlayer.STATS["recorded"] == textlayer.STATS["lines"] > 0
