"""Fenced blocks (```` ```figure ````, ```` ```python ````…) as a Python-Markdown preprocessor.

Each fenced block of a brief's body is handed to the renderer's hook (:data:`BlockRenderer`:
a ```` ```figure ```` becomes a figure slot, any other block escaped code; a body read without
a hook keeps its blocks as written). The trusted HTML waits in the document's
:class:`~briefing.content.markdown.document.TrustedStash` until the sanitiser has run. The
preprocessor runs right after Markdown's whitespace normalisation, while the source still has
its lines: the hook gets the fence's file line for its errors, and the block is replaced by as
many lines as it had, so that later line lookups stay true.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from briefing.content.markdown.document import Document
from briefing.errors import BriefError

#: (fence info, block text, fence line) → trusted HTML (set by the renderer).
BlockRenderer = Callable[[str, str, int], str]

#: A fence line; the next one closes the block, whatever it says (as since the first release).
_FENCE = re.compile(r"^(?:```|~~~)")


class FencedBlocks(Preprocessor):
    def __init__(self, md: Markdown, document: Document, render: BlockRenderer | None) -> None:
        super().__init__(md)
        self.document = document
        self.render = render

    def run(self, lines: list[str]) -> list[str]:
        fences = [i for i, text in enumerate(lines) if _FENCE.match(text)]
        if len(fences) % 2:
            raise BriefError(
                self.document.path,
                "code block is never closed (missing ```)",
                self.document.first_line + fences[-1],
            )
        out: list[str] = []
        done = 0
        for start, end in zip(fences[::2], fences[1::2], strict=True):
            out.extend(lines[done:start])
            if self.render is None:  # no hook (a test of the Markdown alone): left as written
                out.extend(lines[start : end + 1])
                done = end + 1
                continue
            info = lines[start][3:].strip()
            html = self.render(
                info, "\n".join(lines[start + 1 : end]), self.document.first_line + start
            )
            placeholder = self.document.blocks.store(html, block=True)
            out.extend(["", placeholder, ""] + [""] * (end - start - 2))
            done = end + 1
        out.extend(lines[done:])
        self.document.set_lines(out)
        return out


class FencesExtension(Extension):
    """``briefing_fences``: fenced blocks through the renderer's hook."""

    def __init__(self, document: Document, render: BlockRenderer | None) -> None:
        super().__init__()
        self.document = document
        self.render = render

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's API
        # After normalize_whitespace (30), before html_block (20): lines are still the file's.
        md.preprocessors.register(
            FencedBlocks(md, self.document, self.render), "briefing_fences", 29
        )
