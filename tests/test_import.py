"""`briefing import`: Word documents made by LibreOffice (not by briefing) become briefs whose
built PDFs give back every word, footnote and heading; bad files write nothing."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pikepdf
import pytest
from rapidfuzz.distance import LCSseq

from briefing.build import build, load_brief
from briefing.config import load_config

from .helpers import has_presentation_forms, words
from .odt import (
    Bold,
    Document,
    Heading,
    Image,
    Italic,
    Items,
    Link,
    Note,
    Para,
    Raw,
    Table,
    body_text,
    fodt,
    notes,
    png,
    to_docx,
)
from .readers.metrics import BIDI_MARKS

# Original Modern Standard Arabic on the project's topic (tests/../shared topic notes).
ANALYST = Document(
    title="موسكو وبيونغ يانغ: شراكةٌ تحت الاختبار",
    subtitle="قراءة في الأبعاد الاقتصادية والعسكرية",
    authors=["ليلى منصور"],
    keywords=["روسيا", "كوريا الشمالية"],
    blocks=[
        Heading(1, "مُقَدِّمَة"),
        Para(
            (
                "منذ اندلاع الحرب في أوكرانيا، وجدت موسكو في بيونغ يانغ مورّداً طارئاً للذخيرة",
                Note(
                    "تقديرات جهاز الاستخبارات الوطني في كوريا الجنوبية (NIS)، إحاطة أمام "
                    "البرلمان، 2024."
                ),
                "، فيما وجدت بيونغ يانغ في موسكو منفذاً من العزلة ومصدراً للموارد الأساسية. ",
                Bold("ولا تُعَدُّ هذه العلاقة جديدة"),
                "؛ إذ تعود إلى عام 1948م.",
            )
        ),
        Para(
            (
                "يرى الباحث ",
                Italic("Andrei Lankov"),
                " أن هذا التقارب «صفقةٌ تبحث عن تحالف»",
                Note("Lankov, A., The Real North Korea, Oxford University Press, 2013, p. 112."),
                "، وهو وصفٌ يلخّص حدود العلاقة وإمكاناتها.",
            )
        ),
        Heading(2, "التعاون الاقتصادي"),
        Para(
            (
                "شمل اتفاق نوفمبر 2024 السياحة والعلوم والزراعة، بحسب وكالة ",
                Link("TASS", "https://tass.com"),
                "، وبُحثت خلال زيارة سبتمبر 2023 زيادةُ شحنات الحبوب الروسية وتسييرُ رحلات "
                "جوية منتظمة.",
            )
        ),
        Items(
            (
                "إحياء مشروع السكة الحديدية بين خاسان وراجين.",
                "استقدام عمّال كوريين شماليين لقطاعَي البناء والزراعة.",
                "تسيير رحلات جوية منتظمة بين العاصمتين.",
            )
        ),
        Table(
            (
                ("المؤشر", "التقدير", "المصدر"),
                ("قذائف المدفعية", "أكثر من 8 ملايين", "NIS"),
                ("الجنود", "أكثر من 11 ألفاً", "NIS"),
                ("النفط", "أكثر من مليون برميل", "تقارير صحفية"),
            )
        ),
        Heading(2, "البُعد العسكري"),
        Para(
            (
                "تُلزِم معاهدةُ يونيو 2024 كلَّ طرفٍ بمساعدة الآخر إذا تعرّض لهجوم",
                Note(
                    "نصّ المعاهدة كما نشرته وكالة الأنباء المركزية الكورية (KCNA).", endnote=True
                ),  # Word's endnotes become footnotes too
                "، وقد أُرسل أكثر من أحد عشر ألف جندي إلى منطقة كورسك.",
            )
        ),
        Image(png(60, 30), "خريطة توضيحية لمنطقة كورسك"),
        Heading(1, "المخاطر الإقليمية"),
        Para(
            (
                "يحمل هذا التقارب مخاطرَ على استقرار شبه الجزيرة الكورية، وقد يدفع سيول إلى "
                "دعمٍ أكبر لكييف، فيما ترى بكين فيه تهديداً لدورها القيادي في المنطقة.",
            )
        ),
        Items(
            (
                "توتّر متزامن في شرق أوروبا وشمال شرق آسيا.",
                "احتمال نقل تقنيات المسيّرات والمعرفة النووية.",
            ),
            numbered=True,
        ),
        Heading(1, "التوصيات"),
        Items(
            (
                "رصد مؤشرات نقل التقنيات العسكرية إلى بيونغ يانغ.",
                "تعزيز التنسيق مع كوريا الجنوبية واليابان.",
            )
        ),
    ],
)

#: A text box, a tracked insertion and deletion, and a comment: each must be reported.
_CHANGES = """<text:tracked-changes>
<text:changed-region text:id="c1"><text:insertion><office:change-info><dc:creator>محرر</dc:creator>
<dc:date>2025-01-02T10:00:00</dc:date></office:change-info></text:insertion></text:changed-region>
<text:changed-region text:id="c2"><text:deletion><office:change-info><dc:creator>محرر</dc:creator>
<dc:date>2025-01-02T10:00:00</dc:date></office:change-info><text:p>عبارةٌ محذوفة</text:p>
</text:deletion></text:changed-region></text:tracked-changes>"""
REVIEWED = Document(
    title="ورقة قيد المراجعة",
    subtitle=None,
    blocks=[
        Raw(_CHANGES),
        Heading(1, "التعاون العسكري"),
        Raw(
            '<text:p text:style-name="RTL">أرسلت بيونغ يانغ <text:change-start '
            'text:change-id="c1"/>ملايين <text:change-end text:change-id="c1"/>القذائف'
            '<text:change text:change-id="c2"/> إلى الجبهة.<office:annotation><dc:creator>محرر'
            "</dc:creator><text:p>تحقّق من الرقم</text:p></office:annotation></text:p>",
            words="أرسلت بيونغ يانغ ملايين القذائف إلى الجبهة.",
        ),
        Raw(
            '<text:p text:style-name="RTL"><draw:frame draw:name="box" svg:width="6cm" '
            'svg:height="2cm" text:anchor-type="paragraph"><draw:text-box><text:p>'
            "نصٌّ في مربّع جانبي</text:p></draw:text-box></draw:frame>"
            "فقرةٌ يحملها المربّع.</text:p>",
            words="فقرةٌ يحملها المربّع.",
        ),
    ],
)

#: Characters that mean something in Markdown or to the brief, typed as text in Word.
_TYPED = "رموز كما كُتبت: [^1] و*نجمة* و_خط_ و5 < 10 و{{x}} و# وسم."

#: Sections that belong in the front matter, a typed heading number, a third-level heading.
STRUCTURED = Document(
    title="ورقة منظّمة",
    subtitle=None,
    blocks=[
        Heading(1, "ملخّص"),
        Para(("تتناول الورقة أبعاد الشراكة الروسية الكورية الشمالية.",)),
        Para(("وتخلص إلى أنها صفقةٌ تبحث عن تحالف.",)),
        Heading(1, "2. الخلفية"),
        Para(("فقرة تمهيدية عن العلاقات منذ عام 1948م.",)),
        Para((_TYPED,)),
        Raw(
            '<text:h text:style-name="Heading_20_3" text:outline-level="3">عنوان ثالث</text:h>',
            words="عنوان ثالث",
        ),
        Para(("فقرة تحت العنوان الثالث.",)),
        Raw(
            '<text:h text:style-name="Heading_20_1" text:outline-level="1">الآفاق'
            '<text:note text:id="hn" text:note-class="footnote"><text:note-citation>9'
            "</text:note-citation><text:note-body><text:p>حاشية على عنوان.</text:p>"
            "</text:note-body></text:note></text:h>",
            words="الآفاق",
        ),
        Para(("فقرة بعد عنوان له حاشية.",)),
        Heading(1, "المصادر"),
        Para(("وكالة تاس، تقرير نوفمبر 2024.",)),
        Para(("جهاز الاستخبارات الوطني، إحاطة 2024.",)),
        Heading(1, "التوصيات"),
        Para(("توصية أولى", Note("حاشية تمنع النقل إلى الواجهة."), ".")),
    ],
)


@pytest.fixture(scope="session")
def docx_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test documents, saved as .docx by LibreOffice in one run."""
    folder = tmp_path_factory.mktemp("word")
    sources = []
    for name, doc in (("analyst", ANALYST), ("reviewed", REVIEWED), ("structured", STRUCTURED)):
        path = folder / f"{name}.fodt"
        path.write_text(fodt(doc), encoding="utf-8")
        sources.append(path)
    made = to_docx(sources, folder, folder / "lo-profile")
    return {p.stem: p for p in made}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefing", *args], capture_output=True, text=True, timeout=300
    )


def in_order(expected: str, got: str) -> float:
    """Share of the expected words found in ``got`` in the same order (longest common
    subsequence): running headers, page numbers and footnotes in between do not count
    against it, a word missing or moved out of order does."""
    want = words(expected)  # NFKC folds presentation forms back to letters; tashkeel is kept
    return LCSseq.similarity(want, words(got)) / len(want)


@pytest.fixture(scope="module")
def imported(docx_files, tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    result = run("import", str(docx_files["analyst"]), "--slug", "partnership", "--root", str(root))
    assert result.returncode == 0, result.stderr
    return root, result


@pytest.fixture(scope="module")
def built(imported):
    root, _ = imported
    config = load_config(root)
    report = build(config, out_dir=root / "dist")
    assert report.ok, [str(r.error) for r in report.results if r.error]
    return root / "dist" / "partnership" / "full.pdf"


#: Share of the document's words each reader gives back in order from the built PDF
#: (measured 2026-12-01, less a margin). The import carries every word — the Markdown check
#: below holds that exactly; what the readers lose is their own limit (docs/text-layer.md:
#: pdfium and MuPDF misorder lines with a footnote call or a Latin name, pdf.js splits a word
#: from its final mark), and test_readers.py holds each reader against plain WeasyPrint.
IN_ORDER = {"poppler": 0.94, "pdfium": 0.85, "mupdf": 0.85, "pdfjs": 0.77}


@pytest.mark.parametrize("reader", sorted(IN_ORDER))
def test_every_word_comes_back_in_order_in_the_pdf(built, reader):
    from .readers import extract

    text = "\n".join(extract(built.read_bytes(), reader))
    body = body_text(ANALYST)
    assert in_order(body, text) >= IN_ORDER[reader], in_order(body, text)
    if reader != "pdfjs":  # (pdf.js splits the title's last word from its mark)
        assert in_order(f"{ANALYST.title} {ANALYST.subtitle}", text) == 1


@pytest.mark.parametrize("number", [0, 1, 2])
def test_every_footnote_text_comes_back_in_order(built, number):
    """Each note is read back nearly whole by some reader, and mostly by all (a note mixing
    Arabic and a Latin acronym is where the readers disagree most: docs/text-layer.md)."""
    from .readers import READERS, extract

    note = notes(ANALYST)[number]
    scores = {r: in_order(note, "\n".join(extract(built.read_bytes(), r))) for r in READERS}
    assert max(scores.values()) >= 0.9, scores
    assert min(scores.values()) >= 0.55, scores


def _footnote_texts(markup: str) -> list[str]:
    """The text of each ``<span class="footnote">`` (which may hold spans of its own)."""
    from html.parser import HTMLParser

    class _Notes(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth, self.notes = 0, []

        def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
            if tag == "span" and self.depth:
                self.depth += 1
            elif tag == "span" and ("class", "footnote") in attrs:
                self.depth = 1
                self.notes.append("")

        def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
            if tag == "span" and self.depth:
                self.depth -= 1

        def handle_data(self, data):  # type: ignore[no-untyped-def]
            if self.depth:
                self.notes[-1] += data

    parser = _Notes()
    parser.feed(markup)
    return parser.notes


def test_every_footnote_is_a_footnote(imported, built):
    root, result = imported
    index = root / "content" / "partnership" / "index.md"
    brief = load_brief(index, load_config(root))
    html = "".join(s.html for s in brief.body.sections)
    found = _footnote_texts(html)
    assert len(found) == len(notes(ANALYST)) == 3
    for made, note in zip(found, notes(ANALYST), strict=True):
        assert words(made) == words(note)
    assert "3 footnotes" in result.stdout


def test_headings_become_numbered_sections(built):
    with pikepdf.open(built) as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
        subtitles = [child.title for item in outline.root for child in item.children]
    sections = [h.text for h in ANALYST.blocks if isinstance(h, Heading) and h.level == 1]
    numbered = [re.sub(r"^[٠-٩]+\.\s*", "", t) for t in titles if re.match(r"^[٠-٩]+\.", t)]
    # «التوصيات» became the recommendations box, which the outline lists unnumbered.
    assert numbered == sections[:-1]
    assert "التوصيات" in titles
    sub = [h.text for h in ANALYST.blocks if isinstance(h, Heading) and h.level == 2]
    assert all(s in subtitles for s in sub), subtitles


def test_imported_brief_passes_check(imported):
    root, _ = imported
    result = run("check", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert "1 brief ok" in result.stdout


def test_arabic_is_kept_exactly(imported):
    root, _ = imported
    text = (root / "content" / "partnership" / "index.md").read_text(encoding="utf-8")
    assert not has_presentation_forms(text)
    assert not BIDI_MARKS.search(text)
    for needle in (
        "## مُقَدِّمَة",
        "ولا تُعَدُّ هذه العلاقة جديدة",
        "كلَّ طرفٍ",
        "*Andrei Lankov*",
        "Lankov, A., The Real North Korea",
        "[TASS](https://tass.com/)",
    ):
        assert needle in text
    assert unicodedata.is_normalized("NFC", text)


def test_front_matter_from_styles_and_properties(imported):
    root, result = imported
    brief = load_brief(root / "content" / "partnership" / "index.md", load_config(root))
    meta = brief.meta
    assert meta.title == ANALYST.title and meta.subtitle == ANALYST.subtitle
    assert [a.name for a in meta.authors] == ANALYST.authors
    assert meta.keywords == ANALYST.keywords
    assert meta.date.isoformat() == "2025-01-20"
    assert meta.recommendations == list(ANALYST.blocks[-1].items)  # type: ignore[union-attr]
    assert "«التوصيات» moved to 'recommendations'" in result.stderr
    text = (root / "content" / "partnership" / "index.md").read_text(encoding="utf-8")
    assert meta.summary is None and meta.sources == [] and meta.key_points == []
    for placeholder in ("# summary:", "# key_points:", "# sources:", "# english:"):
        assert placeholder in text


def test_image_beside_the_brief_with_its_caption(imported):
    root, _ = imported
    folder = root / "content" / "partnership"
    assert (folder / "figure-1.png").read_bytes().startswith(b"\x89PNG")
    text = (folder / "index.md").read_text(encoding="utf-8")
    assert (
        '<img src="figure-1.png" alt="خريطة توضيحية لمنطقة كورسك" />'
        "<figcaption>خريطة توضيحية لمنطقة كورسك</figcaption>"
    ) in text


def test_existing_brief_is_kept_without_force(imported, docx_files):
    root, _ = imported
    index = root / "content" / "partnership" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\nتعديل المحرّر.\n", encoding="utf-8")
    before = index.read_bytes()
    again = run("import", str(docx_files["analyst"]), "--slug", "partnership", "--root", str(root))
    assert again.returncode == 1
    assert "already exists; nothing was written" in again.stderr
    assert index.read_bytes() == before
    forced = run(
        "import",
        str(docx_files["analyst"]),
        "--slug",
        "partnership",
        "--root",
        str(root),
        "--force",
    )
    assert forced.returncode == 0, forced.stderr
    assert "تعديل المحرّر" not in index.read_text(encoding="utf-8")
    assert sorted(p.name for p in (root / "content").iterdir()) == ["partnership"]


def test_tracked_changes_comments_and_text_boxes_are_reported(docx_files, tmp_path):
    result = run(
        "import", str(docx_files["reviewed"]), "--root", str(tmp_path), "--audiences", "full,public"
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "content" / "reviewed" / "index.md").read_text(encoding="utf-8")
    assert "ملايين" in text and "محذوفة" not in text and "تحقّق من الرقم" not in text
    assert "1 insertions accepted, 1 deletions dropped, 1 comments dropped" in result.stderr
    assert "warning: text box (after «" in result.stderr
    # pandoc keeps the box's text but drops the paragraph that anchors it: the word check says so
    if "فقرةٌ يحملها المربّع" not in text:
        assert "words of the document are not in the brief" in result.stderr
        assert "يحملها" in result.stderr
    assert "audiences: [full, public]" in text
    assert run("check", "--root", str(tmp_path)).returncode == 0


def test_sections_move_to_the_front_matter_only_when_unambiguous(docx_files, tmp_path):
    result = run("import", str(docx_files["structured"]), "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    index = tmp_path / "content" / "structured" / "index.md"
    brief = load_brief(index, load_config(tmp_path))
    assert brief.meta.summary == (
        "تتناول الورقة أبعاد الشراكة الروسية الكورية الشمالية.\n\n"
        "وتخلص إلى أنها صفقةٌ تبحث عن تحالف."
    )
    assert brief.meta.sources == [
        "وكالة تاس، تقرير نوفمبر 2024.",
        "جهاز الاستخبارات الوطني، إحاطة 2024.",
    ]
    assert "moved to 'summary'" in result.stderr and "moved to 'sources'" in result.stderr
    # A footnote cannot live in the front matter: that section stays, and the import says why.
    assert (
        "«التوصيات» left in the body, not moved to 'recommendations': it has footnotes"
        in result.stderr
    )
    assert [s.title for s in brief.body.sections] == ["الخلفية", "الآفاق", "التوصيات"]
    assert "footnote on a heading moved" in result.stderr
    assert (
        'فقرة بعد عنوان له حاشية.<span class="footnote">حاشية على عنوان.</span>'
        in brief.body.sections[1].html
    )
    assert "typed heading number «2.» removed" in result.stderr
    # typed Markdown characters stay text (the Latin «x» is isolated, the last word tied)
    printed = html.unescape(re.sub("<[^>]+>", "", brief.body.sections[0].html))
    assert _TYPED in printed.replace("\xa0", " "), printed
    text = index.read_text(encoding="utf-8")
    assert "\n#### عنوان ثالث\n" in text
    assert "not in the brief" not in result.stderr


_OMML = (
    '<w:p><m:oMath xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math">'
    "<m:r><m:t>x=10</m:t></m:r></m:oMath></w:p>"
    "<w:p><w:r><w:object/></w:r></w:p>"
)


def test_equations_and_embedded_objects_are_reported(docx_files, tmp_path):
    with zipfile.ZipFile(docx_files["structured"]) as archive:
        xml = archive.read("word/document.xml").decode()
    at = xml.index("</w:p>") + len("</w:p>")
    doc = _rezip(
        docx_files["structured"],
        tmp_path / "maths.docx",
        replace={"word/document.xml": (xml[:at] + _OMML + xml[at:]).encode()},
    )
    result = run("import", str(doc), "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "warning: equation not carried, its TeX kept as code: x = 10" in result.stderr
    assert "warning: embedded object (OLE) (after «" in result.stderr


def test_an_image_the_pdf_cannot_show_is_reported(docx_files, tmp_path):
    emf = b"\x01\x00\x00\x00" + b"\x00" * 36 + b" EMF" + b"\x00" * 64
    doc = _rezip(
        docx_files["analyst"], tmp_path / "emf.docx", replace={"word/media/image1.png": emf}
    )
    result = run("import", str(doc), "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (
        "warning: image «خريطة توضيحية لمنطقة كورسك» (image1.png) is not PNG, JPEG, GIF or WebP"
    ) in result.stderr
    assert "(section «البُعد العسكري»)" in result.stderr
    assert not list((tmp_path / "content" / "emf").glob("figure-*"))


# -- files that must be refused, writing nothing -----------------------------------------------


def _rezip(
    src: Path,
    dst: Path,
    extra: dict[str, bytes] | None = None,
    replace: dict[str, bytes] | None = None,
) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = (replace or {}).get(info.filename, zin.read(info))
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _ole2(names: list[str]) -> bytes:
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return head + b"".join(n.encode("utf-16-le") + b"\x00\x00" for n in names) + b"\x00" * 512


BAD = {
    "legacy.docx": ("Word 97–2003 .doc", lambda d, t: _write(t, _ole2(["WordDocument"]))),
    "locked.docx": (
        "password-protected",
        lambda d, t: _write(t, _ole2(["EncryptionInfo", "EncryptedPackage"])),
    ),
    "cut.docx": ("corrupt", lambda d, t: _write(t, d.read_bytes()[: d.stat().st_size // 2])),
    "notes.docx": ("not a zip archive", lambda d, t: _write(t, "ملاحظات".encode())),
    "sheet.docx": (
        "no word/document.xml",
        lambda d, t: _write_zip(t, {"xl/workbook.xml": b"<a/>"}),
    ),
    "bomb.docx": (
        "zip bomb",
        lambda d, t: _rezip(d, t, extra={"word/big.xml": b" " * 300_000_000}),
    ),
    "deep.docx": (
        "levels deep",
        lambda d, t: _rezip(d, t, replace={"word/document.xml": b"<a>" * 5000 + b"</a>" * 5000}),
    ),
    "images.docx": (
        "images",
        lambda d, t: _rezip(
            d, t, extra={f"word/media/extra{i}.png": png(1, 1) for i in range(300)}
        ),
    ),
    "laughs.docx": (
        "DTD",
        lambda d, t: _rezip(
            d,
            t,
            replace={
                "word/document.xml": (
                    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;&x;</a>'
                )
            },
        ),
    ),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_give_a_clear_error_and_write_nothing(name, docx_files, tmp_path):
    expected, make = BAD[name]
    bad = make(docx_files["analyst"], tmp_path / name)
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    result = run("import", str(bad), "--root", str(root))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{bad}: "), result.stderr
    assert expected in result.stderr, result.stderr
    assert list((root / "content").iterdir()) == []


def test_a_conversion_over_its_time_limit_writes_nothing(docx_files, tmp_path):
    from briefing.errors import BriefError
    from briefing.importer import import_docx

    (tmp_path / "briefing.toml").write_text("[limits]\nimport_timeout = 0.001\n", encoding="utf-8")
    (tmp_path / "content").mkdir()
    with pytest.raises(BriefError, match="longer than"):
        import_docx(docx_files["analyst"], load_config(tmp_path))
    assert list((tmp_path / "content").iterdir()) == []


def test_pandoc_and_libreoffice_are_installed():
    """The import needs pandoc (pypandoc-binary) and its tests need LibreOffice: fail, saying
    how to install them, rather than skip."""
    from briefing.importer import pandoc

    assert Path(pandoc.executable()).is_file(), "run ./install.sh"
    assert shutil.which("soffice"), "run ./install.sh (libreoffice-writer-nogui)"
