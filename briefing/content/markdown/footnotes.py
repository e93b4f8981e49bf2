"""Footnotes as a Python-Markdown extension: definitions by a block processor, calls by an
inline pattern.

Footnotes are not collected at the end as Python-Markdown's own extension does: each call
``[^id]`` becomes the note itself, inline (``<span class="footnote">…</span>``), which the
stylesheet floats to the foot of the page where it is cited (CSS GCPM ``float: footnote``).
The markup printed is the theme's: ``templates/partials/footnote.html`` rewrites each note
element at render time (the body keeps each note's HTML in ``Body.notes``).

* ``[^id]: text`` at the start of a line, with indented continuation lines (and indented
  paragraphs after a blank line), defines a note; the block processor takes it out of the text.
* The call is an inline pattern with a priority below raw HTML (90) and links/images
  (150–160): it never sees attribute values — an ``alt``, a URL, a raw tag — so a note's
  markup can never be pasted into an attribute and break the tag open. It leaves a trusted
  placeholder; the note's HTML (its own Markdown, sanitised) is put there after the body has
  been sanitised.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from briefing.content.markdown.document import Document
from briefing.errors import BriefError

#: ``[^id]`` not followed by ``:`` (a definition). Sequential, bounded classes: linear.
CALL = r"\[\^(?P<id>[^\]\s]+)\](?!:)"
CALL_RE = re.compile(CALL)
_DEFINITION = re.compile(r"^\[\^(?P<id>[^\]\s]+)\]:[ \t]*(?P<text>.*)$", re.MULTILINE)
_INDENT = "    "  # Markdown has expanded tabs by now

#: Note HTML → the markup that carries it in the text (the theme's footnote element).
NoteMarkup = Callable[[str], str]
#: (note Markdown, path, line) → the note's sanitised inline HTML.
NoteConverter = Callable[[str, Path, int], str]


def footnote_markup(note_html: str) -> str:
    """The note element the body carries: what the theme's ``partials/footnote.html`` is
    given to rewrite (:func:`briefing.render.render_notes`), and what the default one writes."""
    return f'<span class="footnote">{note_html}</span>'


@dataclass
class Note:
    text: str  # Markdown
    line: int
    placeholder: str | None = None  # once cited


class Footnotes:
    """The notes of one body: defined by the block processor, cited by the inline pattern."""

    def __init__(
        self, document: Document, convert: NoteConverter, markup: NoteMarkup = footnote_markup
    ) -> None:
        self.document = document
        self.convert = convert
        self.markup = markup
        self.notes: dict[str, Note] = {}
        self.cited: list[str] = []  # each cited note's HTML, in the order it was first cited

    def define(self, key: str, text: str, line: int) -> None:
        if key in self.notes:
            raise BriefError(self.document.path, f"footnote [^{key}] is defined twice", line)
        self.notes[key] = Note(text, line)

    def cite(self, key: str) -> str:
        """The placeholder of note ``key`` (its HTML is made at its first call)."""
        note = self.notes.get(key)
        if note is None:
            line = self.document.first_line_matching(re.escape(f"[^{key}]") + "(?!:)")
            raise BriefError(
                self.document.path, f"footnote [^{key}] is cited but never defined", line
            )
        if note.placeholder is None:
            html = self.convert(note.text, self.document.path, note.line)
            self.cited.append(html)
            note.placeholder = self.document.notes.store(self.markup(html))
        return note.placeholder

    def uncited(self) -> list[tuple[str, int]]:
        return sorted((k, n.line) for k, n in self.notes.items() if n.placeholder is None)


class DefinitionProcessor(BlockProcessor):
    """``[^id]: text`` (and its indented continuation) → :meth:`Footnotes.define`."""

    def __init__(self, parser: BlockParser, footnotes: Footnotes) -> None:
        super().__init__(parser)
        self.footnotes = footnotes

    def test(self, parent: etree.Element, block: str) -> bool:
        return _DEFINITION.search(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        match = _DEFINITION.search(block)
        assert match is not None  # test() saw it
        before = block[: match.start()].rstrip("\n")
        if before.strip():
            self.parser.parseBlocks(parent, [before])
        line = self.footnotes.document.line_of(match[0])
        parts = [match["text"]]
        rest = block[match.end() :].lstrip("\n").split("\n") if match.end() < len(block) else []
        indented = _indented_prefix(rest)
        parts.extend(text.strip() for text in indented)
        rest = rest[len(indented) :]
        if rest:
            blocks.insert(0, "\n".join(rest))
        else:  # indented paragraphs after a blank line continue the note
            while blocks and blocks[0].startswith(_INDENT):
                lines = blocks.pop(0).split("\n")
                kept = _indented_prefix(lines)
                parts.extend(["", *(ln.strip() for ln in kept)])
                if len(kept) < len(lines):
                    blocks.insert(0, "\n".join(lines[len(kept) :]))
                    break
        self.footnotes.define(match["id"], "\n".join(parts).strip(), line)


def _indented_prefix(lines: list[str]) -> list[str]:
    kept = []
    for text in lines:
        if not text.startswith(_INDENT):
            break
        kept.append(text)
    return kept


class _Call(InlineProcessor):
    def __init__(self, footnotes: Footnotes) -> None:
        super().__init__(CALL)
        self.footnotes = footnotes

    def handleMatch(
        self,
        m: re.Match[str],
        data: str,
    ) -> tuple[str | etree.Element | None, int | None, int | None]:
        return self.footnotes.cite(m["id"]), m.start(0), m.end(0)


class FootnotesExtension(Extension):
    """``briefing_footnotes``: note definitions out of the text, calls → the notes."""

    def __init__(self, footnotes: Footnotes) -> None:
        super().__init__()
        self.footnotes = footnotes

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's API
        # Before reference links (15), which would read "[^1]: text" as a link definition.
        md.parser.blockprocessors.register(
            DefinitionProcessor(md.parser, self.footnotes), "briefing_footnotes", 17
        )
        md.inlinePatterns.register(_Call(self.footnotes), "briefing_footnote", 85)
