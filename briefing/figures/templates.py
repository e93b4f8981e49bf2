"""Figures meet Jinja: drawing a figure with the edition's templates, and figures in the body.

:func:`render_figure` hands the geometry of :mod:`briefing.figures.charts` to
``figures/<kind>.svg`` (or the key items to ``figures/key.html``) and wraps the result in
``figures/figure.html`` with its caption; :func:`register` gives an edition's environment the
``render_figure`` global and the figure filters. :func:`block_renderer` is the Markdown parser's
hook for ```figure fences, which become slots that :func:`render_blocks` draws per edition.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from pydantic import BaseModel

from briefing.figures.charts import LAYOUTS, alt_text, key_items
from briefing.figures.geometry import SIZE, SMALL, SVG_FONT
from briefing.figures.model import Figure
from briefing.figures.parse import parse_figure_block
from briefing.figures.svgtext import svg_text
from briefing.i18n import Digits, format_day, format_number, localise_digits

#: Default house colours; ``render_figure(palette=...)`` overrides any of them.
DEFAULT_PALETTE: dict[str, str] = {
    "navy": "#1f3a5f",  # bars, lines
    "accent": "#c8102e",  # highlighted items
    "tint": "#eef2f7",  # backgrounds
    "grid": "#d5dce5",  # gridlines
    "text": "#1a1a1a",  # labels
    "muted": "#5b6573",  # ticks, notes
}

# -- fenced blocks in the Markdown body ----------------------------------------------------
#
# The body is parsed once per brief (at load time, so errors are found before any rendering),
# but a figure is drawn per edition (digits and templates differ by audience). So a ```figure
# block becomes a *slot*: an empty element carrying the validated figure as base64 JSON, which
# render_blocks() (or the ``figure_slots`` filter) replaces with the drawing for each edition.

_SLOT = '<div class="figure-slot" data-figure="{}"></div>'
_SLOT_RE = re.compile(r'<div class="figure-slot" data-figure="([A-Za-z0-9_=-]*)"></div>')
_LANG = re.compile(r"[\w+-]+")

#: Same shape as ``briefing.content.markdown.body.BlockRenderer``:
#: (fence info, block text, fence line) → HTML.
BlockRenderer = Callable[[str, str, int], str]


def block_renderer(path: Path) -> BlockRenderer:
    """The hook for fenced blocks of the brief ``path``.

    ```` ```figure ```` blocks are validated now (errors carry the file line) and become slots;
    any other fenced block with an info string is shown as escaped code.
    """

    def render(info: str, text: str, line: int) -> str:
        lang = _LANG.match(info.strip())
        if lang is None or lang.group(0).lower() != "figure":
            css = f' class="language-{lang.group(0)}"' if lang else ""
            return f"<pre><code{css}>{html.escape(text)}\n</code></pre>"
        fig = parse_figure_block(text, path, line)
        return _SLOT.format(base64.urlsafe_b64encode(fig.model_dump_json().encode()).decode())

    return render


def render_blocks(
    markup: str,
    env: jinja2.Environment,
    *,
    digits: Digits = "arabic",
    palette: Mapping[str, str] | Any | None = None,
) -> Markup:
    """Replace the figure slots in ``markup`` (trusted HTML) with the rendered figures."""

    def put(match: re.Match[str]) -> str:
        fig = Figure.model_validate_json(base64.urlsafe_b64decode(match.group(1)))
        return render_figure(fig, env, digits=digits, palette=palette)

    return Markup(_SLOT_RE.sub(put, str(markup)))


# -- drawing -------------------------------------------------------------------------------


def _colours(palette: Any) -> dict[str, str]:
    """The chart colours: defaults, overridden by a mapping or a config ``Palette`` model.

    A ``primary`` colour (``briefing.config.Palette``) stands for ``navy`` unless that is given.
    """
    if palette is None:
        given: dict[str, Any] = {}
    elif isinstance(palette, Mapping):
        given = dict(palette)
    elif isinstance(palette, BaseModel):
        given = palette.model_dump()
    else:
        given = dict(vars(palette))
    colours = {**DEFAULT_PALETTE, **{k: v for k, v in given.items() if isinstance(v, str)}}
    if "navy" not in given and isinstance(given.get("primary"), str):
        colours["navy"] = given["primary"]
    return colours


def render_figure(
    fig: Figure,
    env: jinja2.Environment,
    *,
    digits: Digits = "arabic",
    palette: Mapping[str, str] | Any | None = None,
) -> Markup:
    """Render one figure as ``<figure class="chart chart-KIND">`` with its caption.

    Charts: ``figures/<kind>.svg`` draws the geometry computed here (inline SVG, text already
    shaped). Key figures: ``figures/key.html``. Both are wrapped by ``figures/figure.html``
    (caption: title and sources as HTML text). ``palette`` overrides :data:`DEFAULT_PALETTE`.
    """
    colours = _colours(palette)
    alt = alt_text(fig, digits)
    context: dict[str, Any] = {
        "fig": fig,
        "kind": fig.kind,
        "palette": colours,
        "alt": alt,
        "font": SVG_FONT,
        "size": SIZE,
        "small": SMALL,
    }
    if fig.kind == "key":
        body = env.get_template("figures/key.html").render(items=key_items(fig, digits), **context)
    else:
        chart = LAYOUTS[fig.kind](fig, digits, colours)
        body = env.get_template(f"figures/{fig.kind}.svg").render(chart=chart, **context)
    sources = fig.sources
    out = env.get_template("figures/figure.html").render(
        body=Markup(body.strip()),
        title=localise_digits(fig.title, digits),
        sources=[localise_digits(s, digits) for s in sources],
        source_label="المصادر" if len(sources) > 1 else "المصدر",
        **context,
    )
    return Markup(out.strip())


def register(
    env: jinja2.Environment,
    *,
    digits: Digits | None = None,
    palette: Mapping[str, str] | Any | None = None,
) -> None:
    """Give an edition's environment what figures need.

    Filters: ``svgtext`` (shape a string for SVG), ``fmtnum`` (format a number), ``fmtday``, and
    ``figure_slots`` (``{{ section.html | figure_slots }}``: draw the ```figure blocks of a body).
    Global: ``render_figure(fig)`` for front-matter figures.

    Digits: the ``digits`` given here, else read from the environment's ``num`` filter
    (``briefing.render`` sets it per edition), else Arabic-Indic. Colours: the ``palette`` given
    here, else the template context's ``palette`` (``briefing.config.Palette``), else the defaults.
    """
    if digits is None:
        num = env.filters.get("num")
        digits = "latin" if num is not None and num(1) == "1" else "arabic"
    style: Digits = digits

    def _palette(context: jinja2.runtime.Context, given: Any) -> Any:
        if given is not None:
            return given
        return palette if palette is not None else context.get("palette")

    @jinja2.pass_context
    def _render(
        context: jinja2.runtime.Context, fig: Figure, digits: Digits = style, palette: Any = None
    ) -> Markup:
        return render_figure(fig, env, digits=digits, palette=_palette(context, palette))

    @jinja2.pass_context
    def _slots(context: jinja2.runtime.Context, markup: str) -> Markup:
        return render_blocks(markup, env, digits=style, palette=_palette(context, None))

    env.filters["svgtext"] = svg_text
    env.filters["fmtnum"] = lambda value, digits=style, **kw: format_number(value, digits, **kw)
    env.filters["fmtday"] = lambda day, pattern="MMM y": format_day(day, style, pattern)
    env.filters["figure_slots"] = _slots
    env.globals["render_figure"] = _render
