"""The text a reader should be able to copy out of the PDF made from an HTML document.

One walk of the HTML (:class:`TextWalker`) serves both the build's text-layer check
(:func:`visible_blocks`, compared with what PDF readers give back by
:mod:`briefing.pdf.textlayer.check`) and the reader tests' expected text
(``tests/readers/documents.py``), so the two cannot drift apart.

Head, styles and inline SVG are left out (SVG text is drawn as shapes-per-glyph and checked
separately). A footnote (``float: footnote``) is a block of its own, since it prints at the foot
of the page and not inside its paragraph; its call, which the theme's counter prints, is kept
apart so each user decides whether to count it. Each block carries the text of the last heading
before it, so the check can say where something is missing, and the language of each run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from briefing.i18n import ARABIC_INDIC_DIGITS

#: Elements whose edges are edges of a block of text.
BREAKING = frozenset(
    {
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
)
#: Elements whose content is not text of the page (or is checked elsewhere: SVG).
SKIPPED = frozenset({"head", "style", "script", "svg", "title"})
#: ``<span>`` classes laid out as footnotes (``float: footnote`` in brief.css).
FOOTNOTE_CLASSES = frozenset({"footnote"})
_HEADINGS = frozenset({"h1", "h2", "h3"})
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr", "col", "source"})


@dataclass
class Run:
    """A piece of text in the language its element declares (``lang``, inherited)."""

    lang: str
    text: str
    call: bool = False  # a footnote call or number, printed by the theme's counter


@dataclass
class Block:
    """One block of text; ``note`` is the footnote's number (0 for a block of the page)."""

    section: str
    runs: list[Run] = field(default_factory=list)
    note: int = 0

    def text(self, calls: bool = False) -> str:
        """The block's text, whitespace squeezed; with the footnote calls and numbers or not."""
        return " ".join("".join(r.text for r in self.runs if calls or not r.call).split())


@dataclass
class _Open:
    tag: str
    lang: str
    note: bool = False  # opened a footnote
    edge: bool = False  # its edges are block edges


class TextWalker(HTMLParser):
    """Walks a document once; :attr:`blocks` then holds every block, in the order they end.

    A footnote ends before the block that cites it; :attr:`blocks` also holds the empty blocks
    of the page, so a reader can place each footnote after the block it belongs to. Subclasses
    may widen :attr:`edges`, :meth:`is_edge` and :attr:`note_classes` (the reader tests treat a
    classed ``<span>`` as a block, since a theme may lay it out as one, and their corpus marks
    footnotes ``fn``).
    """

    edges = BREAKING
    note_classes = FOOTNOTE_CLASSES

    def __init__(self, digits: str = "arabic") -> None:
        super().__init__(convert_charrefs=True)
        self.digits = digits  # of the footnote numbers the theme prints
        self.blocks: list[Block] = []
        self.section = ""
        self._skip = 0  # inside skipped elements
        self._page = Block("")  # the block of the page being read
        self._notes: list[Block] = []  # open footnotes (innermost last)
        self._open: list[_Open] = [_Open("", "")]
        self._heading: list[str] | None = None
        self._count = 0

    def is_edge(self, tag: str, classes: list[str]) -> bool:
        """Whether the edges of this element are edges of a block of text."""
        return tag in self.edges

    def walk(self, html: str) -> list[Block]:
        """Read ``html`` to the end; the blocks, as :attr:`blocks`."""
        self.feed(html)
        self.close()
        while self._notes:  # a footnote left open ends with the document
            self._end_note()
        self._end_block()
        return self.blocks

    # -- the blocks ----------------------------------------------------------------------

    def _reading(self) -> Block:
        return self._notes[-1] if self._notes else self._page

    def _end_block(self) -> None:
        self._page.section = self.section
        self.blocks.append(self._page)
        self._page = Block(self.section)

    def _end_note(self) -> None:
        note = self._notes.pop()
        note.section = self.section
        self.blocks.append(note)

    def _start_note(self) -> None:
        self._count += 1
        number = str(self._count)
        if self.digits == "arabic":
            number = number.translate(ARABIC_INDIC_DIGITS)
        lang = self._open[-1].lang
        self._reading().runs.append(Run(lang, number, call=True))
        self._notes.append(Block(self.section, [Run(lang, f"{number}. ", call=True)], self._count))

    # -- HTMLParser ----------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
            return
        if self._skip:
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        note = tag == "span" and not self.note_classes.isdisjoint(classes)
        edge = not note and self.is_edge(tag, classes)
        if edge and not self._notes:
            self._end_block()
        if tag in _HEADINGS and not self._notes:
            self._heading = []
        if tag not in _VOID:
            self._open.append(_Open(tag, values.get("lang") or self._open[-1].lang, note, edge))
        if note:
            self._start_note()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self._skip -= 1 if self._skip else 0
            return
        if self._skip:
            return
        edge = self._close(tag)
        if tag in _HEADINGS and self._heading is not None and not self._notes:
            self.section = " ".join("".join(self._heading).split())
            self._heading = None
        if edge and not self._notes:
            self._end_block()

    def _close(self, tag: str) -> bool:
        """Close ``tag`` and what was left open inside it (an unclosed ``<p>``, a footnote);
        whether it was an edge. A stray end tag closes nothing."""
        depth = next((i for i in range(len(self._open) - 1, 0, -1) if self._open[i].tag == tag), 0)
        if not depth:
            return tag in self.edges
        closed = self._open[depth:]
        del self._open[depth:]
        for element in reversed(closed):
            if element.note and self._notes:
                self._end_note()
        return closed[0].edge or tag in self.edges

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._reading().runs.append(Run(self._open[-1].lang, data))
        if self._heading is not None and not self._notes:
            self._heading.append(data)


def visible_blocks(html: str) -> list[tuple[str, str]]:
    """(section, text) for each block of text the PDF made from ``html`` shows, in the order
    the blocks end (a footnote before the block citing it); footnote calls left out.

    ``section`` is the text of the last heading (h1–h3) before the block.
    """
    blocks = TextWalker().walk(html)
    return [(b.section, text) for b in blocks if (text := b.text())]


def visible_text(html: str) -> str:
    """The text of :func:`visible_blocks` as one string."""
    return " ".join(text for _, text in visible_blocks(html))
