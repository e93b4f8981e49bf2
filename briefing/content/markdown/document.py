"""What the Markdown extensions share while one brief's body is converted.

Python-Markdown keeps no line numbers, but every error about content must name its line. The
fenced-blocks preprocessor (which runs first, right after Markdown's own whitespace
normalisation, and keeps the number of lines) hands the body's lines to :class:`Document`; the
block processors that read section headings and footnote definitions then ask
:meth:`Document.line_of` for the line of the text they were given, in document order.

Trusted HTML (figures, footnotes) is kept in :class:`TrustedStash`, like
Python-Markdown's ``md.htmlStash`` but restored only *after* the sanitiser has run (see
:mod:`briefing.content.markdown.sanitize`). Its placeholders are ``STX … ETX``: Markdown strips
both characters from the source, so content cannot write one (the sanitiser also drops the
character references ``&#2;`` and ``&#3;`` that would decode to them). A note's placeholder holds
no letter and is as long as a number, so the bidi pass sees what it saw in the first releases.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from markdown.util import ETX, STX

#: Any briefing placeholder, as bidi and the sanitiser's neighbours see it in text.
TEXT_PLACEHOLDER_RE = re.compile(f"({STX}[^{STX}{ETX}]{{0,40}}{ETX})")


@dataclass
class Trusted:
    """One piece of trusted HTML; ``block`` ones replace the paragraph that holds them."""

    html: str
    block: bool = False


#: Digits as a placeholder writes them: Python-Markdown's own ``STX digits ETX`` is a
#: backslash escape (its unescape treeprocessor turns it into a character), and letters would
#: count as text for the bidi pass. These are neither, and need no escaping in HTML.
_SYMBOLS = "!#$%()*+-="
_ENCODE = str.maketrans("0123456789", _SYMBOLS)
_DECODE = str.maketrans(_SYMBOLS, "0123456789")


class TrustedStash:
    """Trusted HTML by number, behind ``STX prefix n ETX`` placeholders (one prefix each)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.items: list[Trusted] = []
        number = f"{STX}{re.escape(prefix)}([{re.escape(_SYMBOLS)}]+){ETX}"
        self._pattern = re.compile(f"<p>{number}</p>|{number}")

    def store(self, html: str, *, block: bool = False) -> str:
        """A placeholder as long as the number plus two, for the bidi pass's line lengths."""
        self.items.append(Trusted(html, block))
        return f"{STX}{self.prefix}{str(len(self.items) - 1).translate(_ENCODE)}{ETX}"

    def restore(self, text: str) -> str:
        """Put the trusted HTML back (after sanitising): a block replaces its ``<p>``."""

        def put(match: re.Match[str]) -> str:
            index = int((match[1] or match[2]).translate(_DECODE))
            if index >= len(self.items):
                return match[0]
            item = self.items[index]
            if match[1] is not None and not item.block:
                return f"<p>{item.html}</p>"
            return item.html

        return self._pattern.sub(put, text) if self.items else text


class Document:
    """One body being converted: where it comes from, its lines, and its trusted HTML."""

    def __init__(self, path: Path, first_line: int) -> None:
        self.path = path
        self.first_line = first_line
        self.notes = TrustedStash()  # a note's placeholder is as long as its old token
        self.blocks = TrustedStash("b")
        self.lines: list[str] = []
        self._where: dict[str, list[int]] = {}  # line text (stripped) → its indices
        self._cursor = 0

    def set_lines(self, lines: list[str]) -> None:
        """The body's lines, as Markdown's whitespace normalisation left them."""
        self.lines = lines
        self._where = {}
        for index, text in enumerate(lines):
            self._where.setdefault(_key(text), []).append(index)

    def line_of(self, text: str) -> int:
        """The file line of the next line (in document order) that reads ``text``.

        Block processors see blocks in document order, so the search goes on from the last
        line found (an index lookup: the whole body stays linear). A block nested in a list or
        quote has lost its indentation or ``>``, hence the comparison without them.
        """
        found = self._where.get(_key(text), [])
        at = bisect.bisect_left(found, self._cursor)
        if at == len(found):
            return self.first_line + (found[-1] if found else self._cursor)
        self._cursor = found[at] + 1
        return self.first_line + found[at]

    def first_line_matching(self, pattern: str) -> int:
        """The file line of the first line where ``pattern`` matches (for error messages)."""
        found = re.compile(pattern)
        for index, text in enumerate(self.lines):
            if found.search(text):
                return self.first_line + index
        return self.first_line

    def restore(self, text: str) -> str:
        return self.notes.restore(self.blocks.restore(text))


def _key(text: str) -> str:
    return text.lstrip(" >").strip()
