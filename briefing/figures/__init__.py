"""Figures: key numbers and small charts from data, with correct Arabic in SVG.

A brief declares figures in its front matter (``figures:``, a list) or in the body as a fenced
block (```` ```figure ```` … YAML … ```` ``` ````) placed where the author wants it. Each figure is
validated here (:class:`Figure`), then drawn by :func:`render_figure`:

* **charts** (``bar``, ``column``, ``line``) become inline SVG. This package does the geometry
  (scales, ticks, bar lengths, label wrapping) and hands ready numbers and ready text to the
  ``figures/<kind>.svg`` template, which only draws — so a publication restyles charts by
  overriding templates, like everything else. Every string drawn in SVG goes through
  :func:`briefing.figures.svgtext.svg_text` (WeasyPrint draws SVG text unshaped, letter by
  letter), in Amiri: Noto Kufi Arabic lacks the presentation-form glyphs that drawing needs.
* the **key-figures panel** (``key``) is HTML, not SVG: its big numbers and labels are then real
  text — shaped by Pango, in the house fonts, searchable and copyable, read by screen readers, and
  wrapped by the layout engine instead of by guesswork.
* the **caption** (title and «المصدر: …») is HTML text below the chart, so it stays in the text
  layer; the alternative text goes to the SVG ``<title>`` (WeasyPrint writes it as ``/Alt`` of the
  tagged PDF's Figure) and to ``aria-label``.

Direction conventions (right-to-left document):

* horizontal bars grow from right to left, with their labels on the right;
* columns run right to left (the first item is on the right) with the value axis on the right;
* **time runs left to right** in line charts, as in most Arabic newspapers, agencies and think
  tanks: readers know timelines in that direction from economic and market charts, and a
  reversed time axis reads as a mistake. The value axis sits on the right, where an Arabic
  reader starts.

Numbers and dates are written by :mod:`briefing.i18n` (Babel's Arabic locale, the edition's
digits, Arabic compact forms).

How the pipeline uses it: the front-matter ``figures`` value goes through :func:`parse_figures`;
the Markdown parser hands fenced blocks to :func:`block_renderer` (figures become slots, drawn per
edition by :func:`render_blocks` / the ``figure_slots`` filter); :func:`register` gives every
edition's Jinja environment ``render_figure(fig)`` and the filters; ``figures/figures.css`` styles
the result.

The modules, in the order a figure passes through them:

* :mod:`~briefing.figures.model` — :class:`Figure` and :class:`Datum` (pydantic only; the
  content model embeds them);
* :mod:`~briefing.figures.parse` — front matter and ```figure fences → figures, errors with lines;
* :mod:`~briefing.figures.geometry` — chart sizes, text measured as the SVG draws it;
* :mod:`~briefing.figures.axes` — scales, ticks, decimals and the value axis;
* :mod:`~briefing.figures.charts` — the bar, column, line and key-figure layouts, alt text;
* :mod:`~briefing.figures.svgtext` — Arabic shaped and ordered for SVG;
* :mod:`~briefing.figures.templates` — Jinja: ``render_figure``, ``register``, fenced blocks.

Importing this package loads only the model, the parser and :mod:`briefing.i18n` (the content
model embeds :class:`Figure` and needs no Jinja); the drawing names below load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefing import lazy
from briefing.figures.model import Datum, Figure
from briefing.figures.parse import parse_figure_block, parse_figures
from briefing.i18n import format_day, format_number, localise_digits

if TYPE_CHECKING:
    from briefing.figures.charts import alt_text
    from briefing.figures.templates import (
        DEFAULT_PALETTE,
        BlockRenderer,
        block_renderer,
        register,
        render_blocks,
        render_figure,
    )

__getattr__ = lazy.exports(__name__, __file__)  # the drawing names, on first use


__all__ = [
    "DEFAULT_PALETTE",
    "BlockRenderer",
    "Datum",
    "Figure",
    "alt_text",
    "block_renderer",
    "format_day",
    "format_number",
    "localise_digits",
    "parse_figure_block",
    "parse_figures",
    "register",
    "render_blocks",
    "render_figure",
]
