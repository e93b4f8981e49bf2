"""Tagged PDF (PDF/UA-1 by default) and PDF/A-3u for archives, checked offline."""

from __future__ import annotations

import pikepdf

from briefing.build import build
from briefing.config import load_config

from .helpers import qpdf_check


def struct_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [
        o
        for o in pdf.objects
        if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/StructElem"
    ]


def test_sample_is_a_valid_tagged_pdf_with_languages(samples):
    _, _, out = samples
    path = out / "russia-dprk-partnership" / "full.pdf"
    check = qpdf_check(path)
    assert check.returncode == 0, check.stdout + check.stderr
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == "ar"
        assert bool(pdf.Root.MarkInfo.Marked)
        assert "/StructTreeRoot" in pdf.Root
        elements = struct_elements(pdf)
        kinds = [str(e.S) for e in elements]
        for kind in (
            "/H1",
            "/H2",
            "/H3",
            "/P",
            "/L",
            "/LI",
            "/Table",
            "/TH",
            "/TD",
            "/BlockQuote",
            "/Figure",
        ):
            assert kind in kinds, kind
        # the English summary is marked as English, so a screen reader switches voice
        english = [e for e in elements if str(e.get("/Lang", "")) == "en"]
        assert english, "no structure element is marked lang=en"
        # every figure has alternative text
        figures = [e for e in elements if str(e.S) == "/Figure"]
        assert all("/Alt" in f and str(f.Alt).strip() for f in figures)
        assert 'pdfuaid:part="1"' in pdf.Root.Metadata.read_bytes().decode()


def test_pdf_a_3u_option(fixture_project, no_warnings):
    project = fixture_project("full-only")
    with (project / "briefing.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[build]\npdf_variant = "pdf/a-3u"\n')
    report = build(load_config(project), jobs=1)
    assert report.ok, [str(r.error) for r in report.results]
    assert [r.name for r in report.results] == ["b/full"]
    path = project / "dist" / "b" / "full.pdf"
    check = qpdf_check(path)
    assert check.returncode == 0, check.stdout
    with pikepdf.open(path) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
        assert "/OutputIntents" in pdf.Root
