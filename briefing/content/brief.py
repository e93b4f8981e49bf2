"""The content stage's product: one brief, loaded, validated and converted.

``build.load`` makes a :class:`Brief` from a file (inside the per-brief barrier); everything
after it (plan, render, the preview) reads it and never the file again.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefing.content.markdown.body import Body
from briefing.content.model import FrontMatter
from briefing.content.source import Source


@dataclass(frozen=True)
class Brief:
    """Everything known about one brief after loading, validation and Markdown conversion."""

    source: Source
    meta: FrontMatter
    body: Body

    @property
    def slug(self) -> str:
        return self.source.slug
