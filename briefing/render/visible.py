"""The text a reader should be able to copy out of the PDF made from an HTML document.

The build's text-layer check (:mod:`briefing.pdf.textlayer.check`) compares what PDF readers give
back with these blocks. Head, styles and inline SVG are left out (SVG text is drawn as
shapes-per-glyph and checked separately). A footnote is a block of its own, since it prints at
the foot of the page and not inside its paragraph. Each block carries the text of the last
heading before it, so the check can say where something is missing.
"""

from __future__ import annotations

from html.parser import HTMLParser

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
_HEADINGS = frozenset({"h1", "h2", "h3"})
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input"})


def visible_text(html: str) -> str:
    """The text of :func:`visible_blocks` as one string."""
    return " ".join(text for _, text in visible_blocks(html))


def visible_blocks(html: str) -> list[tuple[str, str]]:
    """(section, text) for each block of text the PDF made from ``html`` shows, in source order.

    ``section`` is the text of the last heading (h1–h3) before the block.
    """
    parser = VisibleBlocks()
    parser.feed(html)
    parser.close()
    parser.end_block()
    return parser.blocks


def _squeeze(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


class VisibleBlocks(HTMLParser):
    """Collects :attr:`blocks`; a ``<span class="footnote">`` (``float: footnote``) is one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside skipped elements
        self.section = ""
        self.blocks: list[tuple[str, str]] = []
        self.parts: list[str] = []  # the block being read
        self.notes: list[list[str]] = []  # open footnotes (innermost last)
        self.heading: list[str] | None = None
        self.tags: list[tuple[str, bool]] = []  # (tag, opened a footnote)

    def end_block(self) -> None:
        """The text read so far (outside footnotes) is one block."""
        text = _squeeze(self.parts)
        if text:
            self.blocks.append((self.section, text))
        self.parts = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.depth += 1
            return
        if self.depth:
            return
        classes = (dict(attrs).get("class") or "").split()
        note = tag == "span" and "footnote" in classes
        if note:
            self.notes.append([])
        elif tag in BREAKING and not self.notes:
            self.end_block()
        if tag in _HEADINGS and not self.notes:
            self.heading = []
        if tag not in _VOID:
            self.tags.append((tag, note))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.depth -= 1 if self.depth else 0
            return
        if self.depth:
            return
        self._close(tag)
        if tag in _HEADINGS and self.heading is not None and not self.notes:
            self.section = _squeeze(self.heading)
            self.heading = None
        if tag in BREAKING and not self.notes:
            self.end_block()

    def _close(self, tag: str) -> None:
        """Close ``tag`` and whatever was left open inside it; a footnote closed is a block."""
        while self.tags:
            opened, note = self.tags.pop()
            if note and self.notes:
                text = _squeeze(self.notes.pop())
                if text:
                    self.blocks.append((self.section, text))
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.depth:
            return
        if self.notes:
            self.notes[-1].append(data)
            return
        self.parts.append(data)
        if self.heading is not None:
            self.heading.append(data)
