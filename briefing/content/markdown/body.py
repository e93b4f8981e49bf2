"""Stage 3 — markup: the Markdown body and Markdown fields → safe HTML fragments.

Everything is Python-Markdown, through its extension API; each of briefing's additions is an
extension a reader can find by name:

=====================  ==============================================  =======================
``briefing_fences``    fenced blocks → the renderer's hook (figures)   :mod:`.fences`
``briefing_sections``  ``## `` headings and audience marks             :mod:`.sections`
``briefing_footnotes`` ``[^id]: …`` definitions and ``[^id]`` calls    :mod:`.footnotes`
``captions``           numbered figures and tables, references         :mod:`.captions`
``bidi``               foreign-direction phrases isolated              :mod:`.bidi`
``briefing_sanitize``  the allow-list sanitiser                        :mod:`.sanitize`
``briefing_trusted``   trusted HTML put back after sanitising          :mod:`.document`
=====================  ==============================================  =======================

A body is converted once, as one document (footnotes may be defined after the section that
cites them), then cut at the section breaks; every part is sanitised on its own.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from markdown import Extension, Markdown
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from briefing.content import bounds
from briefing.content.markdown.bidi import BidiExtension
from briefing.content.markdown.captions import CaptionExtension
from briefing.content.markdown.document import Document
from briefing.content.markdown.fences import BlockRenderer, FencesExtension
from briefing.content.markdown.footnotes import CALL_RE, Footnotes, FootnotesExtension
from briefing.content.markdown.sanitize import SanitizeExtension
from briefing.content.markdown.sections import BREAK_RE, Heading, SectionsExtension
from briefing.errors import BriefError

__all__ = ["BlockRenderer", "Body", "BodyParts", "Section", "parse_body", "to_html"]

log = logging.getLogger(__name__)

#: Between two parts of a converted body (sanitising strips every comment content writes).
_PART = "<!-- briefing:section -->"


@dataclass(frozen=True)
class Section:
    """One ``## `` section of the body (its subsections are inside ``html``)."""

    title: str  # plain text, for the table of contents, bookmarks and the text check
    title_html: str
    html: str
    line: int
    audiences: frozenset[str] | None = None  # None: every edition

    def shown_in(self, audience: str) -> bool:
        return self.audiences is None or audience in self.audiences


@dataclass(frozen=True)
class Body:
    intro: str  # HTML before the first section (usually empty)
    sections: list[Section] = field(default_factory=list)
    #: The HTML of each cited note, as the note elements (footnote_markup) in the text hold it:
    #: the renderer hands them to the theme's partials/footnote.html.
    notes: tuple[str, ...] = ()


class BodyParts(Extension):
    """The extensions a brief's body is read with, beyond those of every Markdown field."""

    def __init__(self, path: Path, first_line: int, blocks: BlockRenderer | None) -> None:
        super().__init__()
        self.document = Document(path, first_line)
        self.footnotes = Footnotes(self.document, to_inline_html)
        self.sections = SectionsExtension(self.document)
        self.blocks = blocks

    @property
    def headings(self) -> list[Heading]:
        return self.sections.headings

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's API
        md.registerExtensions(
            [
                FencesExtension(self.document, self.blocks),
                self.sections,
                FootnotesExtension(self.footnotes),
            ],
            {},
        )
        md.postprocessors.register(_Restore(md, self.document), "briefing_trusted", 1)

    def split(self, text: str) -> list[str]:
        """The converted body cut at its section breaks (before sanitising)."""
        return [part.strip() for part in BREAK_RE.split(text)]


class _Restore(Postprocessor):
    def __init__(self, md: Markdown, document: Document) -> None:
        super().__init__(md)
        self.document = document

    def run(self, text: str) -> str:
        return self.document.restore(text)


class _Bounds(Preprocessor):
    """:func:`check_bounds` before Markdown parses anything (fenced blocks already out)."""

    def __init__(self, md: Markdown, path: Path, line: int) -> None:
        super().__init__(md)
        self.path, self.line = path, line

    def run(self, lines: list[str]) -> list[str]:
        check_bounds("\n".join(lines), self.path, self.line)
        return lines


def _md(path: Path, line: int, parts: BodyParts | None, lang: str) -> Markdown:
    # Tables and sane lists are what briefs use; no extension that lets content set attributes.
    # Column alignment as an `align` attribute: the sanitiser drops every `style` attribute.
    # Instances, not names: a name makes Python-Markdown scan every installed package's entry
    # points, which every barrier child paid again (tens of ms each).
    md = markdown.Markdown(
        extensions=[
            TableExtension(use_align_attribute=True),
            SaneListExtension(),
            *([parts] if parts else []),
            CaptionExtension(),
            BidiExtension(lang=lang),
            SanitizeExtension(path, line, *((parts.split, _PART) if parts else ())),
        ],
        output_format="html",
    )
    md.preprocessors.register(_Bounds(md, path, line), "briefing_bounds", 28)
    return md


#: One Markdown per page language for fields (a key point, a source, a footnote), reset between
#: them, as Python-Markdown allows: building one (its parsers and the extensions' processors)
#: was a sixth of a brief's load and HTML, for some forty fields a brief. Taken out while it
#: converts, so a conversion inside another one (a footnote inside the body) has its own.
_FIELDS: dict[str, Markdown] = {}


def to_html(
    text: str, path: Path, line: int, parts: BodyParts | None = None, lang: str = "ar"
) -> str:
    """Block-level Markdown from content → sanitised HTML (``lang``: the page it is printed on;
    ``parts``: a brief's body, see :func:`parse_body`)."""
    if parts is not None:
        return _md(path, line, parts, lang).convert(text)
    md = _FIELDS.pop(lang, None)
    if md is None:
        md = _md(path, line, None, lang)
    else:
        md.reset()
        for processor in (
            md.preprocessors["briefing_bounds"],
            md.postprocessors["briefing_sanitize"],
        ):
            processor.path, processor.line = path, line
    try:
        return md.convert(text)
    finally:
        _FIELDS[lang] = md


def to_inline_html(text: str, path: Path, line: int, lang: str = "ar") -> str:
    """A one-paragraph Markdown field (a key point, a source) → inline HTML without ``<p>``."""
    out = to_html(text, path, line, lang=lang)
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


_NEST = re.compile(r"[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t])")


def check_bounds(text: str, path: Path, line: int) -> None:
    """Refuse what Python-Markdown handles in more than linear time or by deep recursion,
    before it gets there: lists and quotes nested past ``limits.max_depth`` (recursion per
    level), and paragraphs with more than ``limits.max_brackets`` ``[`` or ``<`` (its inline
    parser rescans the rest of the paragraph at each one: quadratic). One pass, linear.

    A heading line starts a count of its own: it is never part of a paragraph.
    """
    limits = bounds.current()
    brackets = 0
    for offset, row in enumerate(text.split("\n")):
        if not row.strip() or row.startswith("#"):
            brackets = 0
            if not row.strip():
                continue
        if len(row) > limits.max_line_chars:
            raise BriefError(
                path,
                f"line is {len(row):,} characters long; the limit is "
                f"{limits.max_line_chars:,} (limits.max_line_chars)",
                line + offset,
            )
        depth, at = 0, 0
        while match := _NEST.match(row, at):
            depth, at = depth + 1, match.end()
        spaces = len(row) - len(row.lstrip(" \t"))
        depth += row[:spaces].expandtabs(4).count(" ") // 4
        if depth > limits.max_depth:
            raise BriefError(
                path,
                f"lists or quotes nested {depth} levels deep; the limit is "
                f"{limits.max_depth} (limits.max_depth)",
                line + offset,
            )
        brackets += row.count("[") + row.count("<")
        if brackets > limits.max_brackets:
            raise BriefError(
                path,
                f"more than {limits.max_brackets} '[' and '<' in one "
                "paragraph (links, images, HTML tags); split it into paragraphs "
                "(limits.max_brackets)",
                line + offset,
            )


def parse_body(body: str, path: Path, first_line: int, blocks: BlockRenderer | None = None) -> Body:
    """Convert the body and cut it into its sections (``blocks``: the hook for fenced blocks)."""
    parts = BodyParts(path, first_line, blocks)
    intro, *texts = to_html(body, path, first_line, parts).split(_PART)
    for key, line in parts.footnotes.uncited():
        log.warning("%s:%d: footnote [^%s] is defined but never cited", path, line, key)
    sections = []
    for heading, text in zip(parts.headings, texts, strict=True):
        title_html = to_inline_html(CALL_RE.sub("", heading.title), path, heading.line)
        sections.append(
            Section(
                title=_plain(title_html),
                title_html=title_html,
                html=text,
                line=heading.line,
                audiences=heading.audiences,
            )
        )
    return Body(intro=intro, sections=sections, notes=tuple(parts.footnotes.cited))


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()
