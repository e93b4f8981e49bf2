"""Tagged PDF (PDF/UA-1 by default) and PDF/A-3u for archives, checked offline."""

from __future__ import annotations

import subprocess

import pikepdf

from briefing.build import build
from briefing.config import load_config

from .conftest import MINIMAL, write_brief


def struct_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [
        o
        for o in pdf.objects
        if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/StructElem"
    ]


def test_sample_is_a_valid_tagged_pdf_with_languages(samples):
    _, _, out = samples
    path = out / "russia-dprk-partnership" / "full.pdf"
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
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


def test_pdf_a_3u_option(project):
    write_brief(project, "b.md", MINIMAL)
    (project / "briefing.toml").write_text(
        '[build]\npdf_variant = "pdf/a-3u"\n[audiences.executive]\nenabled = false\n'
        "[audiences.public]\nenabled = false\n",
        encoding="utf-8",
    )
    report = build(load_config(project), jobs=1)
    assert report.ok, [str(r.error) for r in report.results]
    path = project / "dist" / "b" / "full.pdf"
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    with pikepdf.open(path) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
        assert "/OutputIntents" in pdf.Root
