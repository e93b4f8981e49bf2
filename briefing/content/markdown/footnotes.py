"""Footnote calls ``[^id]`` as a Python-Markdown inline pattern: recognised in text only.

The call becomes a placeholder (private-use characters, which content cannot forge: the body is
stripped of them first) that :mod:`briefing.content.markdown.body` replaces by the note's ``<span
class="footnote">`` after sanitising. Being an inline pattern with a priority below raw HTML
(90) and links/images (150–160), it never sees attribute values — an ``alt``, a URL, a raw tag —
so a note's markup can never be pasted into an attribute and break the tag open.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

#: ``[^id]`` not followed by ``:`` (a definition). Sequential, bounded classes: linear.
CALL = r"\[\^(?P<id>[^\]\s]+)\](?!:)"
CALL_RE = re.compile(CALL)

#: A cited note's placeholder text, or None to leave the call as written.
Cite = Callable[[str], str | None]


class _Call(InlineProcessor):
    def __init__(self, cite: Cite) -> None:
        super().__init__(CALL)
        self.cite = cite

    def handleMatch(
        self,
        m: re.Match[str],
        data: str,  # type: ignore[override]
    ) -> tuple[str | etree.Element | None, int | None, int | None]:
        token = self.cite(m["id"])
        if token is None:
            return None, None, None
        return token, m.start(0), m.end(0)


class FootnoteCalls(Extension):
    def __init__(self, cite: Cite) -> None:
        super().__init__()
        self.cite = cite

    def extendMarkdown(self, md: Markdown) -> None:
        md.inlinePatterns.register(_Call(self.cite), "briefing_footnote", 85)
