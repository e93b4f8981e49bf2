"""Editions: one source, many audiences, customised by config and templates only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.build import build, gather, plan
from briefing.config import load_config
from briefing.errors import BriefError

from .conftest import MINIMAL, write_brief
from .helpers import page_texts, pdfium_text

SECRET = "ملاحظة داخلية لا تُنشر خارج الفريق"
BRIEF = (
    """---
title: عنوان الورقة
date: 2025-01-01
---

## قسم عام

نص يقرؤه الجميع.

## تقدير داخلي {audiences=full}

"""
    + SECRET
    + """.

## قسم ثالث

نص ختامي.
"""
)

# The README's walkthrough, verbatim: a config entry, one CSS file, one template override.
BOARD_TOML = """
[audiences.board]
title = "نسخة مجلس الإدارة"
parts = ["cover", "summary", "key_points", "sections", "recommendations"]
marking = "سرّي — لأعضاء المجلس فقط"
digits = "latin"
"""
BOARD_CSS = """.board-note { color: {{ palette.accent }}; font-weight: 700; }
"""
BOARD_TEMPLATE = """{% extends "base/brief.html" %}
{% block extra_css %}{% include "css/board.css" %}{% endblock %}
{% block opening %}
<p class="board-note">أُعدّت هذه النسخة لاجتماع مجلس الإدارة.</p>
{{ super() }}
{% endblock %}
"""


def add_board(root: Path) -> None:
    (root / "briefing.toml").write_text(BOARD_TOML, encoding="utf-8")
    folder = root / "templates" / "board"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "board.css").write_text(BOARD_CSS, encoding="utf-8")
    (folder / "brief.html").write_text(BOARD_TEMPLATE, encoding="utf-8")


def test_new_audience_from_config_css_and_template_builds(project):
    add_board(project)
    write_brief(project, "b.md", BRIEF)
    report = build(load_config(project), jobs=1)
    assert report.ok, [str(r.error) for r in report.results]
    pdf = project / "dist" / "b" / "board.pdf"
    pages = page_texts(pdf)
    text = " ".join(" ".join(pages).split())
    assert "أُعدّت هذه النسخة لاجتماع مجلس الإدارة" in text
    assert "سرّي — لأعضاء المجلس فقط" in text
    assert "صفحة 2 من" in text  # Western digits in this edition's page numbers
    # audiences not touched by the override keep the house theme
    assert "أُعدّت هذه النسخة" not in pdfium_text(project / "dist" / "b" / "full.pdf")


def test_section_marked_for_one_audience_never_leaks(project):
    write_brief(project, "b.md", BRIEF)
    report = build(load_config(project), jobs=1)
    assert report.ok
    out = project / "dist" / "b"
    assert SECRET in " ".join(pdfium_text(out / "full.pdf").split())
    for edition in ("public", "executive"):
        assert SECRET not in pdfium_text(out / f"{edition}.pdf"), edition
    # numbering stays continuous in the public edition: the third section becomes ٢ (pdfium
    # reads a number and its full stop at the end of a right-to-left line as ".٢": its limit)
    assert re.search(r"(٢\.|\.٢) قسم ثالث", " ".join(pdfium_text(out / "public.pdf").split()))


def test_front_matter_audiences_limits_editions(project):
    write_brief(project, "b.md", MINIMAL.replace("date:", "audiences: [executive]\ndate:"))
    briefs, errors = gather(load_config(project))
    assert not errors
    editions = plan(briefs, load_config(project), project / "dist")
    assert [e.audience for e in editions] == ["executive"]


def test_english_edition_only_with_english_block(project):
    write_brief(project, "b.md", MINIMAL)
    config = load_config(project)
    briefs, _ = gather(config)
    assert "english" not in [e.audience for e in plan(briefs, config, project / "dist")]


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[audiences.full]\ncolour = 'red'\n", "unknown key 'audiences.full.colour'"),
        ("[build]\njobz = 2\n", "unknown key 'build.jobz'"),
        ("[audiences.full]\ndigits = 'roman'\n", "audiences.full.digits"),
        ("[branding]\nlogo = 'missing.png'\n", "logo file not found"),
        ("[audiences.full\n", "invalid TOML"),
    ],
)
def test_config_errors_name_the_key(project, toml, needle):
    (project / "briefing.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(BriefError) as info:
        load_config(project)
    assert needle in str(info.value)
    assert str(info.value).startswith(str(project / "briefing.toml"))


def test_missing_template_and_template_syntax_error(project):
    write_brief(project, "b.md", MINIMAL)
    (project / "briefing.toml").write_text(
        "[audiences.full]\ntemplate = 'nope.html'\n", encoding="utf-8"
    )
    report = build(load_config(project), jobs=1)
    full = next(r for r in report.results if r.name == "b/full")
    assert full.status == "failed" and "template not found: nope.html" in str(full.error)

    (project / "briefing.toml").unlink()
    (project / "templates").mkdir()
    (project / "templates" / "brief.html").write_text(
        '{% extends "base/brief.html" %}\n{% block cover %}\n{% if %}\n{% endblock %}\n',
        encoding="utf-8",
    )
    report = build(load_config(project), jobs=1)
    full = next(r for r in report.results if r.name == "b/full")
    assert full.status == "failed"
    assert f"{project / 'templates' / 'brief.html'}:3: template syntax error" in str(full.error)


def test_two_outputs_can_never_claim_one_path(project):
    (project / "briefing.toml").write_text(
        "[paths]\noutput_name = '{slug}.pdf'\n", encoding="utf-8"
    )
    with pytest.raises(BriefError, match=re.escape("must contain {slug} and {audience}")):
        load_config(project)
    (project / "briefing.toml").unlink()
    # two briefs with one name would write the same PDFs: both fail, the old PDFs stay
    write_brief(project, "x.md", MINIMAL)
    config = load_config(project)
    assert build(config, jobs=1).ok
    pdf = project / "dist" / "x" / "full.pdf"
    good = pdf.read_bytes()
    write_brief(project, "x/index.md", MINIMAL.replace("عنوان تجريبي", "عنوان آخر"))
    report = build(config, jobs=1)
    flat, folder = project / "content" / "x.md", project / "content" / "x" / "index.md"
    assert sorted(str(e) for e in report.errors) == [
        f"{flat}: another brief has the same name 'x' ({folder}); "
        "rename one: they would write the same PDFs",
        f"{folder}: another brief has the same name 'x' ({flat}); "
        "rename one: they would write the same PDFs",
    ]
    assert pdf.read_bytes() == good
