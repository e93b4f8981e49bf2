"""Stage 4 — render: a validated brief + an audience → one HTML document (Jinja2).

* :mod:`briefing.render.html` — :func:`render_html`, the stage's entry point;
* :mod:`briefing.render.environment` — one Jinja environment per audience: the template
  override chain, the filters, the record of templates used;
* :mod:`briefing.render.context` — the variables every template sees of one
  :class:`~briefing.content.brief.Brief`;
* :mod:`briefing.render.notes` — each footnote through the theme's ``partials/footnote.html``;
* :mod:`briefing.render.digits` — the finished HTML's numbers in the edition's digits;
* :mod:`briefing.render.visible` — the text a reader should get back from the PDF.

Numbers and dates are written by :mod:`briefing.i18n` (re-exported here as the templates'
filters know them). The names below load on first use (:mod:`briefing.lazy`): a no-op
rebuild resolves template paths (:func:`make_loader`) without loading the stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefing import lazy

if TYPE_CHECKING:
    from briefing.i18n import arabic_date, english_date, hijri_date, number
    from briefing.render.context import NumberedSection
    from briefing.render.environment import css_string, kept_environment, make_environment
    from briefing.render.html import render_html
    from briefing.render.loaders import make_loader
    from briefing.render.visible import visible_blocks, visible_text

__getattr__ = lazy.exports(__name__, __file__)

__all__ = [
    "NumberedSection",
    "arabic_date",
    "css_string",
    "english_date",
    "hijri_date",
    "kept_environment",
    "make_environment",
    "make_loader",
    "number",
    "render_html",
    "visible_blocks",
    "visible_text",
]
