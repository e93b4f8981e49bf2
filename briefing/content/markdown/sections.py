"""Sections and audience marks as a Python-Markdown block processor.

A brief's body is cut into numbered sections at each ``## `` heading at the top level (numbers
are given later, per edition, because an edition may leave sections out). A heading may end
with an audience mark, ``## تقدير داخلي {audiences=full, internal}``: the section is printed
only in those editions. ``# `` headings are refused: the title comes from the front matter.

The processor runs before Python-Markdown's own heading processor, takes the heading out of the
tree and leaves a section break in its place; :func:`briefing.content.markdown.body.parse_body`
cuts the converted body there (each part is sanitised on its own, so nothing a section opens can
swallow the next).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from markdown import Extension, Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.util import ETX, STX

from briefing.content.markdown.document import Document
from briefing.errors import BriefError

#: Where a section starts, in the converted body (before sanitising; content cannot write STX).
BREAK = f"{STX}\u00a7{ETX}"
BREAK_RE = re.compile(f"<p>{BREAK}</p>")

#: A ``# `` or ``## `` line in a block (``###`` and deeper are subsections, left to Markdown).
_HEADING = re.compile(r"(?:^|\n)(?P<line>#{1,2}[ \t][^\n]*)")
_AUDIENCE_MARK = re.compile(r"\s*audiences\s*=([^{}=]*)")  # inside {…}: one pass, linear
_AUDIENCE_NAME = re.compile(r"[\w-]+")


@dataclass(frozen=True)
class Heading:
    """A section's heading as written: its title (Markdown) and the editions it is for."""

    title: str
    line: int
    audiences: frozenset[str] | None = None  # None: every edition


def section_heading(text: str, path: Path, line: int) -> tuple[str, str | None] | None:
    """``## title {audiences=a, b}`` → ``(title, "a, b")``; ``(title, None)`` without a mark;
    None when the line is not a section heading.

    String operations, no regex over the title: linear in the line. Anything at the end of a
    heading that looks like an audience mark (``{`` … ``audience`` …) but is not exactly one is
    an error — taken as a plain heading, the section would reach every edition.
    """
    if not text.startswith("##") or text.startswith("###") or text[2:3] not in (" ", "\t"):
        return None
    rest = text[2:].strip()
    stripped = rest.rstrip("#")
    if stripped != rest and (not stripped or stripped[-1] in " \t"):
        rest = stripped.rstrip()  # closing hashes: "## title ##"
    brace = rest.rfind("{")
    if brace < 0 or "audience" not in rest[brace:].lower():
        return rest, None
    mark = rest[brace + 1 : -1] if rest.endswith("}") else None
    found = _AUDIENCE_MARK.fullmatch(mark) if mark is not None else None
    if found is None:
        raise BriefError(
            path,
            f"malformed audience mark {rest[brace:]!r}: write it last in "
            "the heading, exactly as {audiences=full, executive}",
            line,
        )
    return rest[:brace].strip(), found[1]


def audience_names(mark: str, path: Path, line: int) -> frozenset[str]:
    """The names in an audience mark (``"full, executive"``), each checked."""
    names = [a for a in re.split(r"[,\s]+", mark) if a]
    if not names:
        raise BriefError(path, "empty audience list in {audiences=...}", line)
    for name in names:
        if not _AUDIENCE_NAME.fullmatch(name):
            raise BriefError(
                path,
                f"audience mark: {name!r} is not an audience name "
                "(write {audiences=full, executive})",
                line,
            )
    return frozenset(names)


class SectionProcessor(BlockProcessor):
    """A top-level ``## `` line → a :data:`BREAK` paragraph, its heading kept aside."""

    def __init__(self, parser: BlockParser, document: Document, headings: list[Heading]) -> None:
        super().__init__(parser)
        self.document = document
        self.headings = headings

    def test(self, parent: ET.Element, block: str) -> bool:
        # Only at the top level: "> ## x" or an indented "## x" belong to their quote or list.
        return parent is self.parser.root and _HEADING.search(block) is not None

    def run(self, parent: ET.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        match = _HEADING.search(block)
        assert match is not None  # test() saw it
        before, text, after = block[: match.start()], match["line"], block[match.end() :]
        if before.strip():
            self.parser.parseBlocks(parent, [before])
        path, line = self.document.path, self.document.line_of(text)
        if not text.startswith("##"):
            raise BriefError(
                path,
                "'# ' headings are not used in the body: the title comes from the front "
                "matter; start sections with '## '",
                line,
            )
        heading = section_heading(text, path, line)
        assert heading is not None  # _HEADING matched "## "
        title, mark = heading
        if not title:
            raise BriefError(path, "empty section heading", line)
        audiences = None if mark is None else audience_names(mark, path, line)
        self.headings.append(Heading(title, line, audiences))
        ET.SubElement(parent, "p").text = BREAK
        if after.strip("\n"):
            blocks.insert(0, after.lstrip("\n"))


@dataclass
class SectionsExtension(Extension):
    """``briefing_sections``: ``## `` headings (with audience marks) cut the body."""

    document: Document
    headings: list[Heading] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's API
        # Before Markdown's own heading processor (hashheader, 70) and list processors.
        md.parser.blockprocessors.register(
            SectionProcessor(md.parser, self.document, self.headings), "briefing_sections", 75
        )
