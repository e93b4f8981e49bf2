"""Stage 4 — render: a validated brief + an audience → one HTML document (Jinja2).

Template resolution (first match wins): ``templates/<audience>/`` in the project, the project's
``templates/`` (the house theme), then the built-in theme shipped with the package. An override
can extend what it replaces through two prefixes: ``{% extends "base/brief.html" %}`` is always
the built-in template, ``theme/…`` is always the project's house theme.

Content never becomes template source: briefs are passed to templates as data only, and
autoescape is on, so ``{{ 7*7 }}`` written in a brief prints literally. ``StrictUndefined`` makes a
typo in a template an error instead of an empty space on the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_decimal
from hijridate import Gregorian
from markupsafe import Markup

from briefing import figures
from briefing.config import Audience, Config
from briefing.content.markdown.body import Body, Section, to_html, to_inline_html
from briefing.content.markdown.footnotes import footnote_markup
from briefing.content.model import FrontMatter
from briefing.content.source import Source
from briefing.content.values import ARABIC_INDIC_DIGITS
from briefing.errors import BriefError
from briefing.render.digits import apply as apply_digits


@dataclass(frozen=True)
class Brief:
    """Everything known about one brief after loading, validation and Markdown conversion."""

    source: Source
    meta: FrontMatter
    body: Body

    @property
    def slug(self) -> str:
        return self.source.slug


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


# ---------------------------------------------------------------------------- numbers and dates


def number(value: int | float, digits: str = "arabic", *, group: bool = True) -> str:
    """A number in the edition's digit style.

    Babel gives the CLDR separators of the numbering system (٬ and ٫ for ``arab``) but, as of
    2.18, still writes Western digits, so the digits themselves are substituted here.
    """
    system = "arab" if digits == "arabic" else "latn"
    text = format_decimal(value, locale="ar", numbering_system=system, group_separator=group)
    return text.translate(ARABIC_INDIC_DIGITS) if digits == "arabic" else text


def arabic_date(day: dt.date, digits: str = "arabic") -> str:
    """«٢٠ يناير ٢٠٢٥م» — Arabic month name from CLDR, digits in the edition's style."""
    month = format_date(day, "MMMM", locale="ar")
    return f"{number(day.day, digits)} {month} {number(day.year, digits, group=False)}م"


def hijri_date(day: dt.date, digits: str = "arabic") -> str:
    """«٢٠ رجب ١٤٤٦هـ» (Umm al-Qura calendar, via hijridate)."""
    h = Gregorian(day.year, day.month, day.day).to_hijri()
    return f"{number(h.day, digits)} {h.month_name('ar')} {number(h.year, digits, group=False)}هـ"


def english_date(day: dt.date) -> str:
    return format_date(day, "d MMMM y", locale="en")


# ---------------------------------------------------------------------------- environment


def make_environment(config: Config, audience: str) -> jinja2.Environment:
    """One Environment per audience, with the override chain described in the module docstring."""
    dirs = config.template_dirs(audience)
    builtin = jinja2.FileSystemLoader(str(dirs[-1]))
    project = config.root / config.paths.templates
    prefixes: dict[str, jinja2.BaseLoader] = {"base": builtin}
    if project.is_dir():
        prefixes["theme"] = jinja2.FileSystemLoader(str(project))
    loader = ResolvingLoader(
        jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader([str(d) for d in dirs]), jinja2.PrefixLoader(prefixes)]
        )
    )
    env = TrackingEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    digits = config.audiences[audience].digits
    env.filters["num"] = lambda v, group=True: number(v, digits, group=group)
    env.filters["arabic_date"] = lambda d: arabic_date(d, digits)
    env.filters["hijri_date"] = lambda d: hijri_date(d, digits)
    env.filters["english_date"] = english_date
    env.filters["css_string"] = css_string
    figures.register(env)
    return env


class TrackingEnvironment(jinja2.Environment):
    """Records which templates a render used: the build cache depends on exactly those.

    ``{% extends %}``, ``{% include %}`` and the figures stage all go through
    ``get_template``, so recording there sees every template while keeping Jinja's cache.
    """

    used: dict[str, str]

    def get_template(self, name, parent=None, globals=None):  # type: ignore[no-untyped-def]
        template = super().get_template(name, parent, globals)
        self.__dict__.setdefault("used", {})[template.name or str(name)] = template.filename or ""
        return template


class ResolvingLoader(jinja2.BaseLoader):
    """The override chain, plus :meth:`resolve` for the build cache's freshness check."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        return self.inner.get_source(environment, template)

    def resolve(self, environment: jinja2.Environment, template: str) -> str | None:
        """The file ``template`` resolves to now (None when it no longer exists)."""
        try:
            return self.inner.get_source(environment, template)[1]
        except jinja2.TemplateNotFound:
            return None


def css_string(value: str) -> Markup:
    """Quote text for a CSS ``content:`` string inside the document's ``<style>``.

    The text can come from a brief (the series or title in the running header), so every ASCII
    character that is not a letter, digit or space is written as a CSS escape: nothing in it can
    end the string, the rule or the ``<style>`` element (``</style>`` would otherwise let content
    inject raw HTML past the sanitiser). Non-ASCII text (Arabic) cannot do either and stays as is.
    """
    escaped = "".join(
        c if c.isalnum() or c == " " or ord(c) > 127 else f"\\{ord(c):x} " for c in value
    )
    return Markup(f'"{escaped}"')


# ---------------------------------------------------------------------------- context


def context(brief: Brief, config: Config, audience: str) -> dict[str, Any]:
    """The variables every template sees; docs/templates.md lists them (kept true by a test)."""
    aud: Audience = config.audiences[audience]
    meta = brief.meta
    path = brief.source.path

    def md(text: str | None, loc: tuple[str | int, ...]) -> Markup:
        lang = "en" if loc[0] == "english" else "ar"
        if not text:
            return Markup("")
        return Markup(to_html(text, path, brief.source.line_of(loc), lang=lang))

    def inline_list(items: list[str], *loc: str) -> list[Markup]:
        lang = "en" if loc[0] == "english" else "ar"
        return [
            Markup(to_inline_html(item, path, brief.source.line_of((*loc, i)), lang))
            for i, item in enumerate(items)
        ]

    visible = [s for s in brief.body.sections if s.shown_in(audience)]
    sections = [NumberedSection(i, f"section-{i}", s) for i, s in enumerate(visible, 1)]
    branding = config.branding_for(audience)
    english = None
    if meta.english is not None:
        english = {
            "title": meta.english.title,
            "summary": md(meta.english.summary, ("english", "summary")),
            "key_points": inline_list(meta.english.key_points, "english", "key_points"),
            "recommendations": inline_list(
                meta.english.recommendations, "english", "recommendations"
            ),
            "authors": meta.english.authors,  # may be empty: templates fall back to Arabic
            "series": meta.english.series,
        }
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
        "summary": md(meta.summary, ("summary",)),
        "key_points": inline_list(meta.key_points, "key_points"),
        "recommendations": inline_list(meta.recommendations, "recommendations"),
        "sources": inline_list(meta.sources, "sources"),
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


def _english_header(meta: FrontMatter, organisation: str) -> str:
    """An English page's running header: the English series, else the organisation."""
    series = meta.english.series if meta.english else None
    if series and meta.number is not None:
        return f"{series} — No. {meta.number}"
    return series or organisation


def render_html(
    brief: Brief, config: Config, audience: str, env: jinja2.Environment | None = None
) -> str:
    """Render one edition of one brief to an HTML string."""
    env = env or make_environment(config, audience)
    template_name = config.audiences[audience].template
    try:
        template = env.get_template(template_name)
        html = render_notes(template.render(context(brief, config, audience)), brief, env)
        aud = config.audiences[audience]
        return apply_digits(html, aud.digits) if aud.lang == "ar" else html
    except jinja2.TemplateSyntaxError as exc:
        raise BriefError(
            exc.filename or exc.name or template_name,
            f"template syntax error: {exc.message}",
            exc.lineno,
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise BriefError(
            Path(template_name),
            f"template not found: {exc.name} "
            f"(searched {', '.join(map(str, config.template_dirs(audience)))})",
        ) from exc
    except jinja2.UndefinedError as exc:
        raise BriefError(
            brief.source.path, f"template error in edition '{audience}': {exc.message}"
        ) from exc


# -- content stage's footnotes (issue #13, owned by briefing/content) --------------------


def render_notes(html: str, brief: Brief, env: jinja2.Environment) -> str:
    """Each footnote as the theme's ``partials/footnote.html`` writes it.

    The body carries a note as the element :func:`footnote_markup` makes (which the default
    partial writes again, byte for byte); the partial is loaded through ``env``, so the build
    cache knows it. One pass over the page.
    """
    if not brief.body.notes:
        return html
    partial = env.get_template("partials/footnote.html")
    made = {footnote_markup(n): partial.render(note=Markup(n)).strip() for n in brief.body.notes}
    if all(key == value for key, value in made.items()):
        return html
    keys = sorted(made, key=len, reverse=True)
    return re.sub("|".join(map(re.escape, keys)), lambda m: made[m[0]], html)


def visible_text(html: str) -> str:
    """The text a reader should be able to copy out of the PDF made from ``html``, as one
    string (see :func:`visible_blocks`)."""
    return " ".join(text for _, text in visible_blocks(html))


def visible_blocks(html: str) -> list[tuple[str, str]]:
    """(section, text) for each block of text the PDF made from ``html`` shows, in source order.

    Head, styles and inline SVG are left out (SVG text is drawn as shapes-per-glyph and checked
    separately). A footnote is a block of its own, since it prints at the foot of the page and
    not inside its paragraph. ``section`` is the text of the last heading before the block, so
    the text-layer check can say where something is missing.
    """
    from html.parser import HTMLParser

    breaking = {
        "p",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "td",
        "th",
        "br",
        "div",
        "section",
        "blockquote",
        "figcaption",
        "caption",
        "dt",
        "dd",
    }

    class _Blocks(HTMLParser):
        skip = frozenset({"head", "style", "script", "svg", "title"})

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = 0
            self.section = ""
            self.blocks: list[tuple[str, str]] = []
            self.parts: list[str] = []  # the block being read
            self.notes: list[list[str]] = []  # open footnotes (innermost last)
            self.heading: list[str] | None = None
            self.tags: list[tuple[str, bool]] = []  # (tag, opened a footnote)

        def _end_block(self) -> None:
            text = " ".join("".join(self.parts).split())
            if text:
                self.blocks.append((self.section, text))
            self.parts = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in self.skip:
                self.depth += 1
                return
            if self.depth:
                return
            classes = (dict(attrs).get("class") or "").split()
            note = tag == "span" and "footnote" in classes
            if note:
                self.notes.append([])
            elif tag in breaking and not self.notes:
                self._end_block()
            if tag in ("h1", "h2", "h3") and not self.notes:
                self.heading = []
            if tag not in ("br", "img", "hr", "meta", "link", "input"):
                self.tags.append((tag, note))

        def handle_endtag(self, tag: str) -> None:
            if tag in self.skip:
                if self.depth:
                    self.depth -= 1
                return
            if self.depth:
                return
            while self.tags:
                opened, note = self.tags.pop()
                if note and self.notes:
                    text = " ".join("".join(self.notes.pop()).split())
                    if text:
                        self.blocks.append((self.section, text))
                if opened == tag:
                    break
            if tag in ("h1", "h2", "h3") and self.heading is not None and not self.notes:
                self.section = " ".join("".join(self.heading).split())
                self.heading = None
            if tag in breaking and not self.notes:
                self._end_block()

        def handle_data(self, data: str) -> None:
            if self.depth:
                return
            if self.notes:
                self.notes[-1].append(data)
                return
            self.parts.append(data)
            if self.heading is not None:
                self.heading.append(data)

    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser._end_block()
    return parser.blocks
