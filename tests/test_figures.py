"""Figures: validation, number formatting, RTL chart geometry, and a real render read back."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import jinja2
import pytest
import yaml
from markupsafe import Markup
from pydantic import BaseModel

from briefing.errors import BriefError
from briefing.figures import (
    Figure,
    block_renderer,
    format_number,
    parse_figure_block,
    parse_figures,
    register,
    render_blocks,
    render_figure,
)
from briefing.figures.svgtext import svg_text

from .helpers import tool

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "figures"
BRIEF = Path("content/sample.md")

BAR = {
    "kind": "bar",
    "title": "ميزان القذائف المدفعية على الجبهة",
    "unit": "قذيفة",
    "source": "جهاز الاستخبارات الوطني في كوريا الجنوبية (NIS)",
    "data": [
        {"label": "روسيا", "value": 10, "highlight": True},
        {"label": "أوكرانيا", "value": 1},
    ],
}
KEY = {
    "kind": "key",
    "title": "أرقام رئيسية",
    "source": "جهاز الاستخبارات الوطني في كوريا الجنوبية",
    "data": [
        {"label": "قذيفة مدفعية إلى روسيا", "prefix": "+", "value": 8_000_000, "unit": "قذيفة"},
        {"label": "جندي كوري شمالي", "prefix": "+", "value": 11_000, "unit": "جندي"},
        {"label": "من الإصابات سببها المدفعية", "prefix": "نحو", "value": 80, "unit": "%"},
    ],
}


def _env(autoescape: bool | jinja2.select_autoescape = True) -> jinja2.Environment:
    """Like the lead's environment: a ChoiceLoader, autoescape, StrictUndefined."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(ROOT / "templates")]),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    register(env)
    return env


def _figure(raw: dict) -> Figure:
    return parse_figures([raw], BRIEF, 1)[0]


def _error(raw: object, **kwargs: object) -> BriefError:
    with pytest.raises(BriefError) as info:
        parse_figures(raw, BRIEF, 12, **kwargs)
    return info.value


# -- validation ----------------------------------------------------------------------------


def test_valid_figures_parse() -> None:
    figs = parse_figures([KEY, BAR], BRIEF, 3)
    assert [f.kind for f in figs] == ["key", "bar"]
    assert figs[1].data[0].value == 10.0 and figs[1].data[0].highlight
    assert parse_figures(None, BRIEF, 3) == []


def test_bad_value_names_file_line_and_key() -> None:
    bad = {**BAR, "data": [{"label": "روسيا", "value": "كثير"}]}
    err = _error([BAR, bad])
    assert err.path == BRIEF and err.line == 12
    assert str(err).startswith("content/sample.md:12: figures[1].data[0].value: ")
    assert "Input should be a valid number" in err.message


def test_line_of_gives_the_offending_line() -> None:
    lines = {("figures", 1, "data", 0, "value"): 40}
    bad = {**BAR, "data": [{"label": "روسيا", "value": "x"}]}
    err = _error([BAR, bad], line_of=lambda loc: lines.get(tuple(loc), 12))
    assert err.line == 40


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({**BAR, "kind": "pie"}, "figures[0].kind: Input should be 'bar', 'column', 'line' or"),
        ({k: v for k, v in BAR.items() if k != "title"}, "missing required key 'figures[0].title'"),
        ({**BAR, "colour": "red"}, "unknown key 'figures[0].colour'"),
        ({**BAR, "data": []}, "figures[0].data: List should have at least 1 item"),
        ({**BAR, "data": [{"value": 1}]}, "figures[0].data[0].label: missing"),
        ({**BAR, "data": [{"label": "a", "value": "8,000,000"}]}, "without thousands separators"),
        ({**BAR, "data": [{"label": "a", "value": "80%"}]}, "set unit: '%'"),
        ({**BAR, "data": [{"label": "a", "value": True}]}, "valid number"),
        ({**BAR, "data": [{"label": "a", "value": 1, "unit": "%"}]}, "data[0].unit: all values"),
        ({**BAR, "data": [{"label": "a", "value": 1, "prefix": "+"}]}, "only key figures"),
        (
            {
                "kind": "line",
                "title": "t",
                "data": [{"value": 1, "date": "2024-01-01"}, {"value": 2}],
            },
            "figures[0].data[1].date: missing (a line chart needs a date per point)",
        ),
        (
            {"kind": "line", "title": "t", "data": [{"value": 1, "date": "2024-02-30"}]},
            "figures[0].data[0].date: '2024-02-30' is not a real calendar date",
        ),
        (
            {"kind": "line", "title": "t", "data": [{"value": 1, "date": "2024-01-01"}]},
            "at least two",
        ),
        (["x"], "figures[0]: should be a mapping"),
    ],
)
def test_bad_data_gives_a_clear_error(raw: object, expected: str) -> None:
    items = raw if isinstance(raw, list) else [raw]
    assert expected in _error(items).message


def test_figures_must_be_a_list() -> None:
    assert "figures: should be a list" in _error({"kind": "bar"}).message


def test_arabic_indic_digits_are_accepted_as_values() -> None:
    fig = _figure({**BAR, "data": [{"label": "a", "value": "٨٠"}]})
    assert fig.data[0].value == 80


def test_the_content_model_loads_no_template_engine() -> None:
    """Validating a brief's figures needs the figure model, not Jinja or the chart code."""
    import json
    import sys

    code = (
        "import json, sys, briefing.content.model\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m == 'jinja2' or m.startswith('briefing.figures'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    assert loaded == ["briefing.figures", "briefing.figures.model", "briefing.figures.parse"]


# -- fenced blocks -------------------------------------------------------------------------

BLOCK = """\
kind: bar
title: ميزان القذائف
data:
  - label: روسيا
    value: 10
  - label: أوكرانيا
    value: {value}
"""


def test_block_parses() -> None:
    fig = parse_figure_block(BLOCK.format(value=1), BRIEF, 30)
    assert fig.kind == "bar" and fig.data[1].value == 1


def test_block_error_points_at_the_file_line() -> None:
    # fence on line 30 → YAML line 0 is file line 31; "value: x" is YAML line 6 → 37
    with pytest.raises(BriefError) as info:
        parse_figure_block(BLOCK.format(value="x"), BRIEF, 30)
    assert info.value.line == 37
    assert "figure block: data[1].value: Input should be a valid number" in info.value.message


def test_block_yaml_error_points_at_the_file_line() -> None:
    with pytest.raises(BriefError) as info:
        parse_figure_block("kind: bar\ntitle: t\n  data: : :\n", BRIEF, 30)
    assert info.value.line in (32, 33) and "YAML error in figure block" in info.value.message


def test_block_renderer_makes_slots_drawn_per_edition() -> None:
    blocks = block_renderer(BRIEF)
    slot = blocks("figure", BLOCK.format(value=1), 30)
    assert slot.startswith('<div class="figure-slot" data-figure="') and "روسيا" not in slot
    body = f"<p>فقرة.</p>\n{slot}\n<p>فقرة أخرى.</p>"
    arabic = str(render_blocks(body, _env(), digits="arabic"))
    latin = str(render_blocks(body, _env(), digits="latin"))
    assert "figure-slot" not in arabic and arabic.startswith("<p>فقرة.</p>\n<figure")
    assert ">١٠</text>" in arabic and ">10</text>" in latin
    assert arabic.endswith("</figure>\n<p>فقرة أخرى.</p>")


def test_block_renderer_escapes_other_code_blocks() -> None:
    out = block_renderer(BRIEF)("python {.x}", "if a < b:\n    pass", 3)
    assert out == '<pre><code class="language-python">if a &lt; b:\n    pass\n</code></pre>'


def test_block_renderer_reports_errors_with_file_lines() -> None:
    with pytest.raises(BriefError) as info:
        block_renderer(BRIEF)("figure", BLOCK.format(value="x"), 12)
    assert info.value.line == 12 + 7 and info.value.path == BRIEF


def test_sample_snippet_is_valid() -> None:
    text = (FIXTURES / "sample-snippet.md").read_text(encoding="utf-8")
    front = [
        parse_figures(yaml.safe_load(m)["figures"], BRIEF, 1)
        for m in re.findall(r"```yaml\n(.*?)```", text, re.S)
    ]
    blocks = [
        parse_figure_block(m, BRIEF, 1) for m in re.findall(r"```figure\n(.*?)```", text, re.S)
    ]
    assert len(front) == 2 and all(f[0].kind == "key" for f in front)
    assert sorted(f.kind for f in blocks) == ["bar", "column"]
    env = _env()
    for fig in [*front[0], *front[1], *blocks]:
        assert "<figcaption>" in render_figure(fig, env)


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "arabic", "latin"),
    [
        (8_000_000, {}, "٨ ملايين", "8 ملايين"),
        (1_000_000, {}, "مليون", "مليون"),
        (1_000_000, {"numeral_one": True}, "١ مليون", "1 مليون"),
        (2_000_000, {}, "مليونان", "مليونان"),
        (2_500_000, {}, "٢٫٥ مليون", "2.5 مليون"),
        (12_000_000, {}, "١٢ مليون", "12 مليون"),
        (103_000_000, {}, "١٠٣ ملايين", "103 ملايين"),
        (3_000_000_000, {}, "٣ مليارات", "3 مليارات"),
        (11_000, {}, "١١٬٠٠٠", "11,000"),
        (11_000, {"compact": True}, "١١ ألف", "11 ألف"),
        (8_000_000, {"compact": False}, "٨٬٠٠٠٬٠٠٠", "8,000,000"),
        (80, {"unit": "%"}, "٨٠٪", "80%"),
        (2.5, {"decimals": 1}, "٢٫٥", "2.5"),
        (1234.5, {}, "١٬٢٣٤٫٥", "1,234.5"),
    ],
)
def test_format_number(value: float, kwargs: dict, arabic: str, latin: str) -> None:
    assert format_number(value, "arabic", **kwargs) == arabic
    assert format_number(value, "latin", **kwargs) == latin


def test_negative_numbers_keep_their_sign_in_rtl() -> None:
    assert format_number(-1234, "latin") == "\u200e-1,234"
    assert format_number(-1234, "arabic") == "\u061c-١٬٢٣٤"


# -- rendering -----------------------------------------------------------------------------


def _numbers(svg: str, tag: str, attr: str) -> list[float]:
    return [float(v) for v in re.findall(rf"<{tag} [^>]*?\b{attr}=\"([-\d.]+)\"", svg)]


def test_bar_chart_svg() -> None:
    html = str(render_figure(_figure(BAR), _env(), digits="arabic"))
    assert html.startswith('<figure class="chart chart-bar" role="img" aria-label="')
    # labels, values and the unit note are shaped and in visual order; nothing raw is drawn
    drawn = re.findall(r"<text [^>]*>([^<]*)</text>", html)
    for word in ("روسيا", "أوكرانيا", "قذيفة"):
        assert svg_text(word) in drawn
    assert "١٠" in drawn and "١" in drawn
    raw_letters = [ch for t in drawn for ch in t if "\u0621" <= ch <= "\u064a"]
    assert raw_letters == []  # only presentation forms (and digits) are drawn
    # alt text (logical order) is the SVG <title>: WeasyPrint writes it as the Figure's /Alt
    alt = "ميزان القذائف المدفعية على الجبهة. روسيا: ١٠ قذيفة؛ أوكرانيا: ١ قذيفة"
    assert f"<title>{alt}</title>" in html
    # the caption is HTML text in logical order
    caption = html[html.index("<figcaption>") :]
    assert "ميزان القذائف المدفعية على الجبهة" in caption
    assert "المصدر: جهاز الاستخبارات الوطني في كوريا الجنوبية (NIS)" in caption


def test_bars_grow_right_to_left() -> None:
    svg = str(render_figure(_figure(BAR), _env()))
    xs, widths = _numbers(svg, "rect", "x"), _numbers(svg, "rect", "width")
    rights = [x + w for x, w in zip(xs, widths, strict=True)]
    assert abs(rights[0] - rights[1]) < 0.2  # common baseline on the right
    assert xs[0] < xs[1]  # the bigger value reaches further left
    label_x = _numbers(svg, "text", "x")
    assert min(x for x in label_x if x > rights[0]) > rights[0]  # labels right of the bars


def test_columns_run_right_to_left() -> None:
    fig = _figure({**BAR, "kind": "column"})
    xs = _numbers(str(render_figure(fig, _env())), "rect", "x")
    assert xs[0] > xs[1]  # the first item is on the right


def test_line_time_runs_left_to_right() -> None:
    fig = _figure(
        {
            "kind": "line",
            "title": "سلسلة",
            "unit": "برميل",
            "data": [
                {"date": "2024-06-01", "value": 3_000_000},
                {"date": "2024-01-01", "value": 1_000_000},
                {"date": "2025-01-01", "value": 2_500_000},
            ],
        }
    )
    svg = str(render_figure(fig, _env(), digits="latin"))
    cx = _numbers(svg, "circle", "cx")
    assert cx == sorted(cx)  # sorted by date, earliest on the left
    drawn = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    assert svg_text("برميل (بالملايين)") in drawn  # one scale for the whole chart
    assert {"1.0", "3.0", "2.5"} <= set(drawn)


def test_key_panel_is_html_text() -> None:
    html = str(render_figure(_figure(KEY), _env(), digits="arabic"))
    assert html.startswith('<figure class="chart chart-key" aria-label=')
    assert "<svg" not in html
    assert "+٨ ملايين" in html and "+١١٬٠٠٠" in html and "نحو ٨٠٪" in html
    assert not any(0xFB50 <= ord(ch) <= 0xFEFF for ch in html)  # logical text, not shaped
    latin = str(render_figure(_figure(KEY), _env(), digits="latin"))
    assert "+8 ملايين" in latin and "+11,000" in latin and "نحو 80%" in latin


def test_text_is_escaped_even_without_autoescape() -> None:
    fig = _figure({**BAR, "title": "A < B & C", "data": [{"label": "<script>", "value": 1}]})
    for env in (_env(True), _env(jinja2.select_autoescape(["html"]))):
        html = str(render_figure(fig, env))
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert "A &lt; B &amp; C" in html


def test_register_adds_filters_and_globals() -> None:
    env = _env()
    assert env.filters["svgtext"]("سلام") == svg_text("سلام")
    assert env.filters["fmtnum"](8_000_000) == "٨ ملايين"
    assert env.filters["fmtnum"](8_000_000, "latin") == "8 ملايين"
    out = env.from_string("{{ render_figure(fig) }}").render(fig=_figure(BAR))
    assert out.startswith('<figure class="chart chart-bar"') and ">١٠</text>" in out
    slot = block_renderer(BRIEF)("figure", BLOCK.format(value=1), 1)
    out = env.from_string("{{ html | figure_slots }}").render(html=Markup(slot))
    assert out.startswith("<figure") and "&lt;" not in out
    assert isinstance(render_figure(_figure(BAR), env), Markup)


def test_register_takes_the_editions_digits() -> None:
    env = _env()
    register(env, digits="latin", palette={"navy": "#000080"})
    out = env.from_string("{{ render_figure(fig) }}").render(fig=_figure(BAR))
    assert ">10</text>" in out and 'fill="#000080"' in out
    env = _env()
    env.filters["num"] = lambda v, group=True: str(v)  # briefing.render's filter, latin edition
    register(env)
    assert env.filters["fmtnum"](11_000) == "11,000"


def test_palette_overrides_colours() -> None:
    html = str(render_figure(_figure(BAR), _env(), palette={"accent": "#008000"}))
    assert 'fill="#008000"' in html and 'fill="#1f3a5f"' in html


def test_palette_from_the_template_context() -> None:
    class Palette(BaseModel):  # the shape of briefing.config.Palette
        primary: str = "#123456"
        accent: str = "#654321"

    template = _env().from_string("{{ render_figure(fig) }}")
    html = template.render(fig=_figure(BAR), palette=Palette())
    assert 'fill="#123456"' in html and 'fill="#654321"' in html


# -- a real render, read back --------------------------------------------------------------


def _document(body: str) -> str:
    css = (ROOT / "templates" / "figures" / "figures.css").read_text(encoding="utf-8")
    faces = "".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
        f"src: url(fonts/{file}.ttf); }}\n"
        for family, weight, file in [
            ("Amiri", 400, "Amiri-Regular"),
            ("Amiri", 700, "Amiri-Bold"),
            ("Noto Kufi Arabic", 400, "NotoKufiArabic-Regular"),
            ("Noto Kufi Arabic", 700, "NotoKufiArabic-Bold"),
        ]
    )
    return (
        '<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>figures</title><style>{faces}@page {{ size: 170mm 110mm; margin: 8mm }}"
        f"body {{ font-family: Amiri; font-size: 12pt }}{css}</style></head>"
        f"<body>{body}</body></html>"
    )


OCR_BAR = {
    "kind": "bar",
    "title": "ميزان القذائف المدفعية",
    "source": "جهاز الاستخبارات الوطني",
    "data": [
        {"label": "روسيا", "value": 10},
        {"label": "أوكرانيا", "value": 1},
        {"label": "الصين", "value": 4},
    ],
}
OCR_WORDS = ["روسيا", "أوكرانيا", "الصين"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Page 1: a chart as built; page 2: the same labels put raw into SVG (the control)."""
    import weasyprint

    figure = render_figure(_figure(OCR_BAR), _env())
    raw = "".join(
        f'<text x="560" y="{40 + 40 * i}" text-anchor="end" font-size="22">{word}</text>'
        for i, word in enumerate(OCR_WORDS)
    )
    control = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 160" width="600" height="160" '
        f'font-family="Amiri" style="width: 100%; height: auto">{raw}</svg>'
    )
    html = _document(f'{figure}<div style="break-before: page">{control}</div>')
    pdf = tmp_path_factory.mktemp("figures") / "figures.pdf"
    weasyprint.HTML(string=html, base_url=str(ROOT) + "/").write_pdf(pdf, pdf_tags=True)
    return pdf


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Cf"))
    return text.replace("ـ", "").translate(str.maketrans("أإآىة", "اااىه"))


def _ocr(pdf: Path, page: int) -> str:
    prefix = pdf.with_name(f"page{page}")
    subprocess.run(
        [
            tool("pdftoppm"),
            "-r",
            "200",
            "-gray",
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    out = subprocess.run(
        [tool("tesseract"), f"{prefix}.png", "-", "-l", "ara", "--psm", "11"],
        capture_output=True,
        text=True,
        check=True,
    )
    return _normalise(out.stdout)


def test_ocr_reads_the_chart_labels(rendered: Path) -> None:
    text = _ocr(rendered, 1)
    assert not any(w in OCR_BAR["title"] + OCR_BAR["source"] for w in OCR_WORDS)  # only in SVG
    for word in OCR_WORDS:
        assert _normalise(word) in text, f"OCR did not find {word!r} in {text!r}"
    # control: the same words drawn raw (unshaped, logical order) are not readable
    control = _ocr(rendered, 2)
    assert not any(_normalise(word) in control for word in OCR_WORDS), control


def test_caption_is_in_the_text_layer(rendered: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(rendered)
    text = "".join(pdf[0].get_textpage().get_text_range().split())
    pdf.close()
    for phrase in (OCR_BAR["title"], "المصدر:", OCR_BAR["source"]):
        assert "".join(phrase.split()) in text
    out = subprocess.run([tool("pdftotext"), str(rendered), "-"], capture_output=True, text=True)
    flat = "".join(_normalise(out.stdout).split())
    assert "".join(_normalise("جهاز الاستخبارات الوطني").split()) in flat
