"""svg_text: Arabic for SVG <text>, which WeasyPrint draws letter by letter, unshaped."""

from __future__ import annotations

import unicodedata

import pytest
from bidi import get_display

from briefing.figures.svgtext import svg_text


def _is_presentation_form(ch: str) -> bool:
    return 0xFB50 <= ord(ch) <= 0xFDFF or 0xFE70 <= ord(ch) <= 0xFEFF


def _arabic_letters(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.bidirectional(ch) == "AL" or _is_presentation_form(ch)]


def test_arabic_letters_become_presentation_forms() -> None:
    out = svg_text("قذائف مدفعية من كوريا الشمالية")
    letters = _arabic_letters(out)
    assert letters
    assert all(_is_presentation_form(ch) for ch in letters)


def test_visual_order_exact() -> None:
    # س initial, lam-alef final ligature, م isolated; drawn left to right: م لا س
    assert svg_text("سلام") == "\ufee1\ufefc\ufeb3"


def test_words_run_right_to_left() -> None:
    out = svg_text("روسيا أوكرانيا")
    # the first logical word is drawn at the right end of the line
    assert out.endswith(svg_text("روسيا"))
    assert out.startswith(svg_text("أوكرانيا"))


def test_latin_and_digit_runs_keep_their_order() -> None:
    out = svg_text("تقرير NIS لعام 2024")
    assert "NIS" in out and "2024" in out
    # RTL line: the later logical run (2024) is drawn further left than NIS
    assert out.index("2024") < out.index("NIS")
    assert "1,000,000" in svg_text("1,000,000 برميل")
    assert "10:1" in svg_text("نسبة 10:1 تقريبًا")


def test_arabic_indic_digits_keep_their_order() -> None:
    assert "٨٠" in svg_text("نحو ٨٠٪ من الإصابات")
    assert "١١٬٠٠٠" in svg_text("١١٬٠٠٠ جندي")


def test_brackets_and_guillemets_are_mirrored_in_rtl_runs() -> None:
    # python-bidi's own get_display leaves ")NIS(": rule L4 is applied by svg_text
    assert svg_text("المصدر (NIS)").startswith("(NIS) ")
    out = svg_text("«قذيفة»")
    assert out[0] == "«" and out[-1] == "»"


@pytest.mark.parametrize("text", ["NIS", "Kim Jong Un (2023)", "GDP, %", "1,234.5", "abc [1]"])
def test_pure_latin_is_unchanged(text: str) -> None:
    assert svg_text(text) == text


def test_empty_and_blank() -> None:
    assert svg_text("") == ""
    assert svg_text("   ") == ""


def test_one_line_no_controls_no_harakat() -> None:
    out = svg_text("مُحَمَّد\nسطر\u200f ثانٍ")
    assert "\n" not in out
    assert all(unicodedata.category(ch) != "Cf" for ch in out)
    assert all(unicodedata.category(ch) != "Mn" for ch in out)
    assert svg_text("\u200e-1,234") == "-1,234"


@pytest.mark.parametrize(
    "text", ["قذائف مدفعية 8 ملايين", "من تجارة كوريا الشمالية ٩٠٪", "Kim Jong Un في موسكو"]
)
def test_order_agrees_with_python_bidi(text: str) -> None:
    # Without mirrorable characters our reordering must equal python-bidi's own.
    import arabic_reshaper

    expected = get_display(arabic_reshaper.reshape(text), base_dir="R")
    assert svg_text(text) == expected


def test_falls_back_when_python_bidi_changes_its_debug_output(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import arabic_reshaper

    from briefing.figures.svgtext import arrange, bidi_levels

    shaped = arabic_reshaper.reshape("سلام")
    levels = bidi_levels("BidiInfo { a format this version does not know }", shaped)
    assert levels is None
    assert arrange(shaped, levels) == "\ufee1\ufefc\ufeb3"  # still shaped and reordered
    assert "levels unavailable" in caplog.text
