"""The template context: what every template of an edition sees of one brief.

Content never becomes template source: a brief reaches the templates as data only (its Markdown
fields already converted to sanitised HTML), so ``{{ 7*7 }}`` written in a brief prints
literally. docs/templates.md lists the variables (kept true by tests/test_template_reference.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from briefing.config import Audience, Config
from briefing.content.brief import Brief
from briefing.content.markdown.body import Section, to_html, to_inline_html
from briefing.content.model import FrontMatter


@dataclass(frozen=True)
class NumberedSection:
    number: int
    anchor: str
    section: Section

    @property
    def title(self) -> str:
        return self.section.title

    @property
    def title_html(self) -> Markup:
        return Markup(self.section.title_html)

    @property
    def html(self) -> Markup:
        return Markup(self.section.html)


def context(brief: Brief, config: Config, audience: str) -> dict[str, Any]:
    """The variables every template sees; docs/templates.md lists them (kept true by a test)."""
    aud: Audience = config.audiences[audience]
    meta = brief.meta
    visible = [s for s in brief.body.sections if s.shown_in(audience)]
    sections = [NumberedSection(i, f"section-{i}", s) for i, s in enumerate(visible, 1)]
    branding = config.branding_for(audience)
    english = _english(brief)
    fonts = config.fonts_dir.resolve().as_uri()
    return {
        "brief": meta,
        "slug": brief.slug,
        "audience": aud,
        "audience_name": audience,
        "parts": frozenset(aud.parts),
        "lang": aud.lang,
        "dir": "rtl" if aud.lang == "ar" else "ltr",
        "branding": branding,
        "palette": branding.palette,
        "logo_url": (config.root / branding.logo).resolve().as_uri() if branding.logo else None,
        "fonts_url": fonts,
        "intro": Markup(brief.body.intro),
        "sections": sections,
        "summary": _markdown(brief, meta.summary, ("summary",)),
        "key_points": _inline_list(brief, meta.key_points, "key_points"),
        "recommendations": _inline_list(brief, meta.recommendations, "recommendations"),
        "sources": _inline_list(brief, meta.sources, "sources"),
        "english": english,
        "header_text": aud.header
        or (
            _english_header(meta, branding.organisation_en)
            if aud.lang == "en"
            else meta.series or meta.title
        ),
        "footer_text": aud.footer
        or (branding.organisation if aud.lang == "ar" else branding.organisation_en),
        "created": dt.datetime.combine(meta.date, dt.time(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _markdown(brief: Brief, text: str | None, loc: tuple[str | int, ...]) -> Markup:
    """A Markdown field of the front matter as HTML; errors name the field's line."""
    lang = "en" if loc[0] == "english" else "ar"
    if not text:
        return Markup("")
    return Markup(to_html(text, brief.source.path, brief.source.line_of(loc), lang=lang))


def _inline_list(brief: Brief, items: list[str], *loc: str) -> list[Markup]:
    """A list field (key points, sources…), each item inline Markdown → HTML."""
    lang = "en" if loc[0] == "english" else "ar"
    return [
        Markup(to_inline_html(item, brief.source.path, brief.source.line_of((*loc, i)), lang))
        for i, item in enumerate(items)
    ]


def _english(brief: Brief) -> dict[str, Any] | None:
    """The English summary page's variables, or None when the brief has none."""
    english = brief.meta.english
    if english is None:
        return None
    return {
        "title": english.title,
        "summary": _markdown(brief, english.summary, ("english", "summary")),
        "key_points": _inline_list(brief, english.key_points, "english", "key_points"),
        "recommendations": _inline_list(
            brief, english.recommendations, "english", "recommendations"
        ),
        "authors": english.authors,  # may be empty: templates fall back to Arabic
        "series": english.series,
    }


def _english_header(meta: FrontMatter, organisation: str) -> str:
    """An English page's running header: the English series, else the organisation."""
    series = meta.english.series if meta.english else None
    if series and meta.number is not None:
        return f"{series} — No. {meta.number}"
    return series or organisation
