"""docs/templates.md stays true: every variable, block, filter and function it lists exists,
and everything a template can use is listed."""

from __future__ import annotations

import re

import jinja2

from briefing.build import load_brief
from briefing.config import load_config
from briefing.render import make_environment
from briefing.render.context import context

from .conftest import REPO

DOC = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")


def documented(section: str) -> set[str]:
    body = DOC.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([\w()]+?)(?:\(.*?\))?` \|", body, re.M))


def test_every_context_variable_is_documented_and_exists():
    config = load_config(REPO)
    brief = load_brief(REPO / "content" / "russia-dprk-partnership.md", config)
    for audience in config.audiences:
        assert set(context(brief, config, audience)) == documented("Variables"), audience


def test_every_block_of_base_html_is_documented():
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    assert set(re.findall(r"{%-?\s*block\s+(\w+)", base)) == documented("Blocks of `base.html`")


def test_every_filter_and_function_is_documented():
    env = make_environment(load_config(REPO), "full")
    filters = set(env.filters) - set(jinja2.defaults.DEFAULT_FILTERS)
    assert filters == documented("Filters")
    functions = set(env.globals) - set(jinja2.defaults.DEFAULT_NAMESPACE)
    assert functions == {name.removesuffix("(fig)") for name in documented("Functions")}
