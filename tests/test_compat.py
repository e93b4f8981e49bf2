"""briefing.pdf.compat: one version gate, and a test per WeasyPrint internal briefing hooks."""

import pytest

from briefing.pdf import compat, textlayer
from briefing.pdf import renderer as pdf


def test_installed_weasyprint_passes_the_gate():
    compat.check()


def test_gate_names_the_version_it_refuses(monkeypatch):
    import weasyprint

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(compat.UnsupportedWeasyPrint, match=r"WeasyPrint 71\.0 is not supported"):
        compat.check()


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("weasyprint.draw.text", "draw_first_line"),
        ("weasyprint.pdf.fonts", "build_fonts_dictionary"),
        ("weasyprint.pdf.fonts", "_build_vector_font_dictionary"),
    ],
)
def test_gate_notices_a_hook_changing_shape(monkeypatch, module, name):
    import importlib

    target = importlib.import_module(module)
    monkeypatch.setattr(target, name, lambda only_one: None)
    with pytest.raises(compat.UnsupportedWeasyPrint, match=name):
        compat.check()


def test_gate_notices_a_missing_font_attribute(monkeypatch):
    from weasyprint.pdf import fonts

    monkeypatch.setattr(compat, "FONT_ATTRIBUTES", (*compat.FONT_ATTRIBUTES, "no_such_thing"))
    assert not hasattr(fonts.Font, "no_such_thing")
    with pytest.raises(compat.UnsupportedWeasyPrint, match=r"Font\.no_such_thing"):
        compat.check()


def test_text_layer_hooks_are_all_placed_and_removed_together():
    textlayer.install()
    assert compat.text_layer_hooked()
    textlayer.uninstall()
    assert not compat.text_layer_hooked()
    import weasyprint.pdf as pdf_module
    from weasyprint.pdf import fonts

    assert pdf_module.build_fonts_dictionary is fonts.build_fonts_dictionary
    textlayer.install()
    assert compat.text_layer_hooked()


def test_tag_builder_hook_gives_elements_their_language():
    """pdf.py's /Lang patch goes through compat (and refuses unknown WeasyPrint versions)."""
    import io

    import pikepdf
    from weasyprint import HTML

    pdf._tag_languages()
    from weasyprint.pdf import tags

    assert compat.hooked(tags, "_build_box_tree")
    data = HTML(
        string='<html lang="ar"><head><title>t</title></head><body><p>نص</p>'
        '<p lang="en">English</p></body></html>'
    ).write_pdf(pdf_variant="pdf/ua-1")
    with pikepdf.open(io.BytesIO(data)) as document:
        langs = set()
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary):
                if "/Lang" in node:
                    langs.add(str(node.Lang))
                kids = node.get("/K")
                if isinstance(kids, pikepdf.Array):
                    stack.extend(kids)
                elif isinstance(kids, pikepdf.Dictionary):
                    stack.append(kids)
        assert "en" in langs


def test_fetcher_headers_come_from_weasyprint():
    from weasyprint.urls import URLFetcher

    headers = compat.http_headers(URLFetcher())
    assert "User-Agent" in headers


def test_layout_fix_refuses_a_changed_source_line():
    from weasyprint.layout import block

    with pytest.raises(compat.UnsupportedWeasyPrint, match=r"layoutfix\.py is written for"):
        compat.replace_source_line(block._linebox_layout, vars(block), "no such line", "x")


def test_layout_fix_is_installed_with_the_renderer():
    from pathlib import Path

    from weasyprint.layout import block

    from briefing.pdf import layoutfix

    pdf.PdfRenderer(Path(__file__).parent.parent / "fonts")
    assert layoutfix._installed
    assert "briefing.pdf.layoutfix" in __import__("inspect").getsource(
        block._linebox_layout
    ) or block._linebox_layout.__code__.co_filename.endswith("block.py")
