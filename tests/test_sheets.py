"""The ``<style>`` sheets WeasyPrint parses once per batch (briefing/pdf/compat/sheets.py): a
document rendered with a kept sheet must be the document rendered without it, byte for byte."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import pytest

from briefing.pdf import compat
from briefing.pdf.compat import sheets

FONTS = Path(__file__).parent.parent / "fonts"

FONT_FACES = f"""@font-face {{ font-family: A; src: url({FONTS.as_uri()}/Amiri-Regular.ttf); }}
@font-face {{ font-family: S; src: url({FONTS.as_uri()}/NotoSans-Regular.ttf); }}"""

#: A theme as the house one is: page size and margin boxes, named pages, counters, selectors.
THEME = """@page { size: 148mm 105mm; margin: 15mm 12mm;
  @top-right { content: "رأس الصفحة"; font-family: A; }
  @bottom-left { content: "صفحة " counter(page, arabic-indic) " من " counter(pages); } }
@page wide { size: 210mm 105mm; @top-right { content: none; } }
html { font-family: A, S; font-size: 12pt; }
h1 { color: #0b4f6c; page: wide; } p.note { color: #c0392b; }
ol { list-style-type: arabic-indic; }"""


def _html(body: str, *styles: str) -> str:
    sheets_html = "".join(f"<style>{s}</style>" for s in styles)
    return f'<html lang="ar" dir="rtl"><head>{sheets_html}</head><body>{body}</body></html>'


def _pdf(html: str, fonts) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, base_url=str(FONTS) + "/").write_pdf(font_config=fonts)


DOCUMENTS = [
    _html("<h1>عنوان</h1><p>فقرة أولى.</p><ol><li>بند</li></ol>", FONT_FACES, THEME),
    _html("<p class=note>ملاحظة</p><h1>عنوان ثان</h1>", FONT_FACES, THEME, "p { margin: 0 }"),
    _html("<p>نص آخر</p>", FONT_FACES, THEME),
]


@pytest.fixture
def parses(monkeypatch):
    """Counts the sheets WeasyPrint really parses, by their first line."""
    from weasyprint import CSS

    counted: list[str] = []
    real = CSS.__init__

    @functools.wraps(real)  # (the version gate reads CSS's parameters through it)
    def counting(self, *args, **kwargs):
        if isinstance(kwargs.get("string"), str):
            counted.append(kwargs["string"].splitlines()[0])
        real(self, *args, **kwargs)

    monkeypatch.setattr(CSS, "__init__", counting)
    return counted


def test_a_kept_sheet_renders_every_document_as_a_fresh_parse_does(parses):
    from weasyprint.text.fonts import FontConfiguration

    compat.unhook_stylesheets()
    try:
        fonts = FontConfiguration()
        plain = [_pdf(html, fonts) for html in DOCUMENTS]
    finally:
        compat.hook_stylesheets()
    assert parses.count(THEME.splitlines()[0]) == 3
    parses.clear()
    fonts = FontConfiguration()
    kept = [_pdf(html, fonts) for html in DOCUMENTS]
    assert kept == plain
    assert parses.count(THEME.splitlines()[0]) == 1  # parsed for the first document only
    assert parses.count(FONT_FACES.splitlines()[0]) == 3  # it names files: parsed each time


@pytest.mark.parametrize(
    "text",
    [
        "p { background: url(x.png) }",
        "p { background: URL( 'x.png' ) }",
        "p { content: '\\75rl' }",
        "@import 'x.css';",
        "@font-face { font-family: X; src: local(Amiri) }",
        "@counter-style x { system: cyclic; symbols: a; }",
        "@layer base { p { color: red } }",
        "@color-profile --x { src: none }",
    ],
)
def test_a_sheet_that_can_depend_on_its_document_is_not_kept(text):
    assert not sheets.reusable(text)
    assert sheets.reusable(THEME)


def test_a_sheet_that_logs_is_parsed_again_for_every_document(parses, caplog):
    from weasyprint.text.fonts import FontConfiguration

    noisy = "p { colour: red; color: blue }"  # an unknown property: WeasyPrint warns
    fonts = FontConfiguration()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        for _ in range(2):
            _pdf(_html("<p>نص</p>", FONT_FACES, noisy), fonts)
    assert parses.count(noisy) == 2
    assert sum("colour" in r.getMessage() for r in caplog.records) == 2


def test_the_renderer_installs_the_sheet_cache():
    from weasyprint import css as css_module

    from briefing.pdf.renderer import PdfRenderer

    PdfRenderer(FONTS)
    assert compat.hooked(css_module, "CSS")
