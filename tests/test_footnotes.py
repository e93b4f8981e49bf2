"""Footnotes, sections and fenced blocks as Python-Markdown extensions: what an author sees."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from briefing.build import gather
from briefing.config import load_config
from briefing.content.markdown.body import parse_body
from briefing.errors import BriefError
from briefing.render import render_html

from .conftest import write_brief

HEAD = "---\ntitle: عنوان\ndate: 2025-01-01\n---\n"
BODY = (
    "## أول\n\nنص فيه حاشية[^a] وأخرى[^b].\n\n"
    "## ثان\n\nنص آخر[^a].\n\n"
    "[^a]: حاشية *أولى*\n    تكملتها.\n\n"
    "[^b]: Second note, in English.\n"
)


def test_a_note_is_printed_where_it_is_cited_even_when_defined_later() -> None:
    body = parse_body(BODY, Path("x.md"), 5)
    first, second = body.sections
    assert first.html.count('<span class="footnote">') == 2
    assert '<span class="footnote">حاشية <em>أولى</em>\nتكملتها.</span>' in second.html
    assert "[^" not in first.html + second.html
    assert [s.line for s in body.sections] == [5, 9]
    assert len(body.notes) == 2


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("نص.\n\n## أ\n\nنص[^x].\n", 14, "footnote [^x] is cited but never defined"),
        ("نص[^x].\n\n[^x]: أ\n\n[^x]: ب\n", 14, "footnote [^x] is defined twice"),
        ("نص.\n\n# عنوان\n", 12, "'# ' headings are not used"),
        ("نص.\n\n## \n", 12, "empty section heading"),
        ("نص.\n\n```figure\nkind: bar\n", 12, "code block is never closed"),
        ("نص.\n\n## أ {audiences=}\n", 12, "empty audience list"),
    ],
)
def test_errors_in_the_body_name_their_line(body: str, line: int, needle: str) -> None:
    with pytest.raises(BriefError) as caught:
        parse_body(body, Path("x.md"), 10)
    assert caught.value.line == line
    assert needle in caught.value.message


def test_an_uncited_note_is_a_warning_naming_its_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        parse_body("نص.\n\n## أ\n\nنص.\n\n[^z]: لا أحد يستشهد بها.\n", Path("x.md"), 3)
    assert "x.md:9: footnote [^z] is defined but never cited" in caplog.text


def test_a_fenced_block_goes_to_the_hook_with_its_line_and_hides_its_lines() -> None:
    seen = []

    def hook(info: str, text: str, line: int) -> str:
        seen.append((info, text, line))
        return '<div class="figure-slot" data-figure="x"></div>'

    body = parse_body(
        "نص.\n\n```python\n# تعليق\n## ليس قسماً\n[^n]: ليس حاشية\n```\n\n## أ\n\nنص.\n",
        Path("x.md"),
        20,
        hook,
    )
    assert seen == [("python", "# تعليق\n## ليس قسماً\n[^n]: ليس حاشية", 22)]
    assert body.intro == '<p>نص.</p>\n<div class="figure-slot" data-figure="x"></div>'
    assert [(s.title, s.line) for s in body.sections] == [("أ", 28)]


@pytest.mark.parametrize("forged", ["&#2;0&#3;", "&#x02;0&#x3;", "&#xe000;0&#xe001;", "\x020\x03"])
def test_content_cannot_write_a_placeholder(forged: str) -> None:
    body = parse_body(f"نص[^a] و{forged} هنا.\n\n[^a]: حاشية.\n", Path("x.md"), 1)
    assert body.intro.count('<span class="footnote">') == 1


def test_the_theme_partial_writes_the_footnote_markup(project: Path) -> None:
    partials = project / "templates" / "partials"
    partials.mkdir(parents=True)
    (partials / "footnote.html").write_text(
        '<span class="footnote x-note" role="note">{{ note }}</span>\n', encoding="utf-8"
    )
    path = write_brief(project, "a.md", HEAD + "\n" + BODY)
    config = load_config(project)
    briefs, errors = gather(config, [path])
    assert not errors
    html = render_html(briefs[0], config, next(iter(config.audiences)))
    assert html.count('<span class="footnote x-note" role="note">') == 3
    assert '<span class="footnote">' not in html
