"""Figures: key numbers and small charts from data, with correct Arabic in SVG.

A brief declares figures in its front matter (``figures:``, a list) or in the body as a fenced
block (```` ```figure ```` … YAML … ```` ``` ````) placed where the author wants it. Each figure is
validated here (:class:`Figure`), then drawn by :func:`render_figure`:

* **charts** (``bar``, ``column``, ``line``) become inline SVG. This module does the geometry
  (scales, ticks, bar lengths, label wrapping) and hands ready numbers and ready text to the
  ``figures/<kind>.svg`` template, which only draws — so a publication restyles charts by
  overriding templates, like everything else. Every string drawn in SVG goes through
  :func:`briefing.figures.svgtext.svg_text` (WeasyPrint draws SVG text unshaped, letter by
  letter), in
  Amiri: Noto Kufi Arabic lacks the presentation-form glyphs that drawing needs.
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

Numbers are formatted with Babel's Arabic locale (``numbering_system="arab"`` or ``"latn"`` for
the separators ``٬ ٫`` or ``, .``). Babel 2.18 does not output Arabic-Indic digits and its
compact forms are ungrammatical for Arabic («2 مليون», «3 مليار»), so digits are transliterated
here and compact forms follow the small rule in :func:`format_number`.

How the pipeline uses it: the front-matter ``figures`` value goes through :func:`parse_figures`;
the Markdown parser hands fenced blocks to :func:`block_renderer` (figures become slots, drawn per
edition by :func:`render_blocks` / the ``figure_slots`` filter); :func:`register` gives every
edition's Jinja environment ``render_figure(fig)`` and the filters; ``figures/figures.css`` styles
the result.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import jinja2
import yaml
from babel.dates import format_date
from babel.numbers import format_decimal
from markupsafe import Markup
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from briefing.config import builtin_dir
from briefing.content.values import ARABIC_INDIC_DIGITS, IsoDate, Strict, Text
from briefing.errors import BriefError
from briefing.figures.svgtext import svg_text

log = logging.getLogger(__name__)

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

Digits = Literal["arabic", "latin"]
Loc = tuple[str | int, ...]

#: Default house colours; ``render_figure(palette=...)`` overrides any of them.
DEFAULT_PALETTE: dict[str, str] = {
    "navy": "#1f3a5f",  # bars, lines
    "accent": "#c8102e",  # highlighted items
    "tint": "#eef2f7",  # backgrounds
    "grid": "#d5dce5",  # gridlines
    "text": "#1a1a1a",  # labels
    "muted": "#5b6573",  # ticks, notes
}
#: Font of all SVG text: it must map the Arabic presentation forms (see module docstring).
SVG_FONT = "Amiri"
MAX_ITEMS = {"bar": 15, "column": 12, "line": 60, "key": 8}
#: Largest magnitude of a value (a thousand trillion): enough for any budget or population,
#: and well inside what Babel's decimal formatting and the chart geometry handle exactly.
MAX_MAGNITUDE = 1e15

# -- model ---------------------------------------------------------------------------------

_TO_LATIN = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_TO_ARABIC = str.maketrans("0123456789%", "٠١٢٣٤٥٦٧٨٩٪")


def _number(value: Any) -> Any:
    """Numbers as YAML gives them; strings of digits (Arabic-Indic too) are accepted."""
    if isinstance(value, bool):
        raise ValueError("Input should be a valid number, not yes/no")
    if isinstance(value, str):
        text = value.strip().translate(_TO_LATIN).replace("٫", ".")
        if re.fullmatch(r"[-+]?\d{1,3}([,٬]\d{3})+(\.\d+)?", text):
            raise ValueError(f"write the number without thousands separators (got {value!r})")
        if text.endswith(("%", "٪")):
            raise ValueError(f"write the number without '%' and set unit: '%' (got {value!r})")
        return text
    return value


def _label(value: Any) -> Any:
    """A bare number is a fine label (``label: 2024``): YAML reads it as int, keep it as text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _label_length(value: str | None) -> str | None:
    """Labels are wrapped by measuring every glyph: a huge one costs minutes, not a line."""
    from briefing.content import bounds

    limit = bounds.current().max_label_chars
    if value is not None and len(value) > limit:
        raise ValueError(
            f"{len(value):,} characters; a label has at most {limit} (limits.max_label_chars)"
        )
    return value


class Datum(Strict):
    """One item of a figure: a bar, a column, a point of a line, or one key number."""

    # required except in line charts (there the date labels the point)
    label: Annotated[Text | None, BeforeValidator(_label), AfterValidator(_label_length)] = None
    value: Annotated[
        float,
        BeforeValidator(_number),
        Field(allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE),
    ]
    unit: Text | None = None  # key figures: per item; charts: must agree with Figure.unit
    source: Text | None = None  # added to the caption's sources
    date: IsoDate | None = None  # required in line charts
    prefix: Text | None = None  # key figures only: "+" or «أكثر من», «نحو» before the number
    highlight: bool = False  # drawn in the accent colour


class Figure(Strict):
    """A figure as written in the front matter or in a ```figure block."""

    kind: Literal["bar", "column", "line", "key"]
    title: Text
    unit: Text | None = None
    source: Text | None = None
    alt: Text | None = None  # default: generated from the title and the data (see alt_text)
    compact: bool | None = None  # «8 ملايين» for 8000000; default: from one million up
    data: list[Datum] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_kind(self) -> Figure:
        # Messages start with the key path relative to the figure; _explain() joins it on.
        kind = self.kind
        if len(self.data) > MAX_ITEMS[kind]:
            raise ValueError(
                f"data: {len(self.data)} items; a {kind} figure shows at most {MAX_ITEMS[kind]}"
            )
        for i, item in enumerate(self.data):
            if kind != "line" and item.label is None:
                raise ValueError(f"data[{i}].label: missing (every {kind} item needs a label)")
            if kind == "line" and item.date is None:
                raise ValueError(f"data[{i}].date: missing (a line chart needs a date per point)")
            if kind != "key" and item.prefix is not None:
                raise ValueError(f"data[{i}].prefix: only key figures take a prefix")
        if kind == "line":
            if len(self.data) < 2:
                raise ValueError("data: a line chart needs at least two points")
            seen: dict[dt.date, int] = {}
            for i, item in enumerate(self.data):
                if item.date in seen:
                    raise ValueError(f"data[{i}].date: {item.date} is also data[{seen[item.date]}]")
                seen[item.date] = i  # type: ignore[index]
        if kind != "key":
            units = {self.unit} if self.unit else set()
            for i, item in enumerate(self.data):
                units |= {item.unit} if item.unit else set()
                if len(units) > 1:
                    raise ValueError(
                        f"data[{i}].unit: all values of a chart share one unit "
                        f"({' / '.join(sorted(units))}); set unit on the figure"
                    )
        return self

    @property
    def chart_unit(self) -> str | None:
        """The unit of a chart (the figure's, or the one its items agree on)."""
        return self.unit or next((d.unit for d in self.data if d.unit), None)

    @property
    def sources(self) -> list[str]:
        """The figure's source and its items' sources, each once, in order."""
        found = [self.source, *(d.source for d in self.data)]
        return list(dict.fromkeys(s for s in found if s))


_FIGURES = TypeAdapter(list[Figure])

# -- parsing -------------------------------------------------------------------------------


def parse_figures(
    raw: object,
    path: Path,
    line: int | None,
    *,
    line_of: Callable[[Loc], int] | None = None,
) -> list[Figure]:
    """Validate the front-matter ``figures`` value (a list of mappings).

    ``line`` is the line of the ``figures:`` key. When the loader knows the line of every key,
    pass ``line_of`` (e.g. ``Source.line_of``, called with a full path such as
    ``("figures", 1, "data", 0, "value")``) and errors point at the offending line itself.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BriefError(
            path, "figures: should be a list of figures (each with kind, title and data)", line
        )
    try:
        return _FIGURES.validate_python(raw)
    except ValidationError as exc:
        loc, message = _explain(exc, ("figures",))
        where = line_of(loc) if line_of else line
        raise BriefError(path, message, where) from None


def parse_figure_block(text: str, path: Path, line: int) -> Figure:
    """Validate the YAML inside a ```figure fence; ``line`` is the file line of the fence."""
    from briefing.content.source import check_yaml_shape

    try:
        # an alias bomb is refused before anything expands it
        check_yaml_shape(path, text, line + 1, "figure block")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = line + 1 + mark.line if mark is not None else line
        raise BriefError(path, f"YAML error in figure block: {problem}", where) from exc
    if not isinstance(raw, dict):
        raise BriefError(path, "figure block: should be a mapping with kind, title and data", line)
    lines = dict(_key_lines(node, ())) if node is not None else {}
    try:
        return Figure.model_validate(raw)
    except ValidationError as exc:
        loc, message = _explain(exc, ())
        while loc and loc not in lines:
            loc = loc[:-1]
        raise BriefError(path, f"figure block: {message}", line + 1 + lines.get(loc, -1)) from None


def _key_lines(node: yaml.Node, loc: Loc) -> Iterator[tuple[Loc, int]]:
    """0-based YAML line of every key and list item, with its path."""
    yield loc, node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield (*loc, key.value), key.start_mark.line
                yield from _key_lines(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _key_lines(item, (*loc, i))


_REL_PATH = re.compile(r"^((?:[A-Za-z_]\w*|\[\d+\])(?:\.[A-Za-z_]\w*|\[\d+\])*): (.*)$", re.S)


def _explain(exc: ValidationError, prefix: Loc) -> tuple[Loc, str]:
    """First problem of a ValidationError as (key path, message) in the project's wording."""
    err = exc.errors()[0]
    loc: Loc = prefix + tuple(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if match := _REL_PATH.match(msg):  # from Figure._check_kind: "data[2].date: missing …"
        rel = tuple(
            int(p[1:-1]) if p.startswith("[") else p
            for p in re.findall(r"\[\d+\]|[A-Za-z_]\w*", match.group(1))
        )
        loc, msg = loc + rel, match.group(2)
    key = _key(loc)
    if err["type"] == "extra_forbidden":
        model = Datum if "data" in loc[:-1] else Figure
        message = f"unknown key '{key}' (allowed: {', '.join(model.model_fields)})"
    elif err["type"] == "missing":
        message = f"missing required key '{key}'"
    elif err["type"] in ("model_type", "dict_type"):
        got = type(err["input"]).__name__
        message = f"{key}: should be a mapping (key: value lines), got {got}"
    else:
        message = f"{key}: {msg}" if key else msg
    more = len(exc.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return loc, message


def _key(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


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


# -- numbers and dates ---------------------------------------------------------------------

# (scale, singular, dual, plural 3–10); singular also after 11+ and after fractions.
_SCALES = (
    (1e9, "مليار", "ملياران", "مليارات"),
    (1e6, "مليون", "مليونان", "ملايين"),
    (1e3, "ألف", "ألفان", "آلاف"),
)


def format_number(
    value: float,
    digits: Digits = "arabic",
    *,
    compact: bool | None = None,
    decimals: int | None = None,
    unit: str | None = None,
    numeral_one: bool = False,
) -> str:
    """Format a number for an Arabic reader: Babel's separators, the audience's digits.

    ``compact`` (default: from one million up) writes thousands, millions and billions in words,
    with Arabic number agreement: 1 → «مليون», 2 → «مليونان», 3–10 → «٨ ملايين», 11 and up and
    fractions → «١١ مليون», «٢٫٥ مليون» (the counted noun follows the last two digits: «١٠٣
    ملايين»). ``numeral_one`` keeps the digit for one («١ مليون»), as after a «+» sign.
    ``decimals`` fixes the fraction digits (default: up to three, as needed). ``unit='%'``
    appends the percent sign (٪ with Arabic digits); other units are not added here.
    """
    system = "arab" if digits == "arabic" else "latn"
    magnitude = abs(value)
    if compact is None:
        compact = magnitude >= 1e6
    text = None
    if compact and magnitude >= 1e3:
        for scale, one, two, plural in _SCALES:
            if magnitude >= scale:
                m = round(magnitude / scale, 1)
                if m == 1 and not numeral_one:
                    text = one
                elif m == 2 and not numeral_one:
                    text = two
                else:
                    word = plural if m.is_integer() and 3 <= int(m) % 100 <= 10 else one
                    text = f"{_decimal(m, system, None)} {word}"
                break
    if text is None:
        text = _decimal(magnitude, system, decimals)
    if value < 0 and text.strip("0.,٫٬") != "":
        # CLDR's minus for Arabic: ALM/LRM before the hyphen keeps it with the number in RTL text
        text = ("\u061c-" if system == "arab" else "\u200e-") + text
    if unit in ("%", "٪"):
        text += "%"
    return text.translate(_TO_ARABIC) if digits == "arabic" else text


def _decimal(value: float, system: str, decimals: int | None) -> str:
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, pattern, locale="ar", numbering_system=system)


def _with_unit(number: str, unit: str | None) -> str:
    return number if not unit or unit in ("%", "٪") else f"{number} {unit}"


_LATIN_LETTER = re.compile(r"[A-Za-z]")


def localise_digits(text: str, digits: Digits) -> str:
    """Arabic-Indic digits in an author's Arabic text («منذ مطلع ٢٠٢٤») for ``digits='arabic'``.

    Text with Latin letters is left alone: "NIS 2023", "TASS, 2024" are quotations.
    """
    if digits != "arabic" or _LATIN_LETTER.search(text):
        return text
    return text.translate(ARABIC_INDIC_DIGITS)


def format_day(day: dt.date, digits: Digits = "arabic", pattern: str = "MMM y") -> str:
    """A date with Arabic month names («سبتمبر ٢٠٢٣»)."""
    text = format_date(day, pattern, locale="ar")
    return text.translate(_TO_ARABIC) if digits == "arabic" else text


def alt_text(fig: Figure, digits: Digits = "arabic") -> str:
    """The figure's alternative text: the author's ``alt``, or title and data in words."""
    if fig.alt:
        return fig.alt
    items = []
    for d in _ordered(fig):
        name = d.label or format_day(d.date, digits, "d MMMM y")  # type: ignore[arg-type]
        unit = d.unit or fig.chart_unit
        value = format_number(d.value, digits, compact=fig.compact, unit=unit)
        items.append(f"{name}: {(d.prefix or '') + _spaced(d.prefix)}{_with_unit(value, unit)}")
    return f"{fig.title}. " + "؛ ".join(items)


def _spaced(prefix: str | None) -> str:
    return " " if prefix and prefix[-1].isalpha() else ""


def _ordered(fig: Figure) -> list[Datum]:
    """Items in drawing order: as written, or by date for a line chart."""
    if fig.kind != "line":
        return list(fig.data)
    return sorted(fig.data, key=lambda d: d.date or dt.date.min)


# -- text measurement (for layout only) ----------------------------------------------------


@lru_cache(maxsize=2)
def _advances(bold: bool) -> tuple[dict[int, int], int] | None:
    """Advance widths of Amiri by code point: SVG text is drawn glyph by glyph with these."""
    from fontTools.ttLib import TTFont  # WeasyPrint's own dependency

    name = "Amiri-Bold.ttf" if bold else "Amiri-Regular.ttf"
    path = builtin_dir("fonts") / name
    if path.is_file():
        font = TTFont(path, lazy=True)
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap()
        return {cp: metrics[g][0] for cp, g in cmap.items()}, font["head"].unitsPerEm
    log.warning("%s not found; chart label widths are estimated", name)
    return None


def _width(visual: str, size: float, bold: bool = False) -> float:
    found = _advances(bold)
    if found is None:
        return len(visual) * size * 0.55
    advances, upem = found
    return sum(advances.get(ord(ch), upem // 2) for ch in visual) * size / upem


def _wrap(text: str, size: float, width: float, max_lines: int = 3) -> list[str]:
    """Break a label into lines (logical order) no wider than ``width`` when drawn."""
    lines: list[str] = []
    for word in text.split():
        if lines and _width(svg_text(f"{lines[-1]} {word}"), size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:  # overflow the last line rather than drop words
        lines[max_lines - 1 :] = [" ".join(lines[max_lines - 1 :])]
    return lines


# -- geometry ------------------------------------------------------------------------------

WIDTH = 600.0  # SVG user units; the SVG is scaled to the column width by CSS
PAD = 6.0
GAP = 8.0
SIZE = 13.0  # labels and values
SMALL = 11.0  # ticks and notes
LEAD = SIZE * 1.3  # line height of wrapped labels
PLOT = 190.0  # height of the plot area of column and line charts


def _r(x: float) -> float:
    return round(x, 1)


def _text(x: float, y: float, logical: str, **extra: Any) -> dict[str, Any]:
    """A ready-to-draw SVG text: position and the shaped, visual-order string."""
    return {"x": _r(x), "y": _r(y), "text": svg_text(logical), **extra}


def _centred(x: float, y: float, logical: str, lo: float, hi: float, size: float) -> dict[str, Any]:
    """A text centred on ``x`` but kept inside [lo, hi] (labels at the ends of a line chart)."""
    half = _width(svg_text(logical), size, bold=size == SIZE) / 2
    return _text(min(max(x, lo + half), hi - half), y, logical)


def _ticks(lo: float, hi: float, count: int = 5) -> tuple[list[float], int]:
    """'Nice' ticks (1, 2, 2.5, 5 × 10ⁿ) covering [lo, hi], and the decimals they need."""
    if hi <= lo:
        lo, hi = (lo - abs(lo) * 0.1 - 1e-9, hi + abs(hi) * 0.1 + 1e-9) if lo else (0.0, 1.0)
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [k * step for k in range(first, last + 1)], _decimals_of([step])


def _decimals_of(values: Iterable[float], most: int = 2) -> int:
    """Fraction digits needed to write all ``values`` (at most ``most``)."""
    for decimals in range(most + 1):
        if all(abs(round(v, decimals) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return decimals
    return most


class _Numbers:
    """How a chart writes its values: one scale for all («بالملايين»), one number of decimals.

    Charts don't mix «٥٠٠٬٠٠٠» and «٢٫٨ مليون» on one axis: from a million up (unless the
    figure says ``compact: false``) every value and tick is divided by a million or a billion and
    the scale joins the unit in the note at the top right («برميل (بالملايين)»).
    """

    def __init__(self, fig: Figure, digits: Digits) -> None:
        values = [d.value for d in fig.data]
        top = max(abs(v) for v in values)
        self.scale, word = 1.0, None
        if fig.compact is not False and top >= 1e6:
            self.scale, word = (1e9, "بالمليارات") if top >= 1e9 else (1e6, "بالملايين")
        self.digits = digits
        unit = fig.chart_unit
        self.percent = unit if unit in ("%", "٪") else None
        unit = None if self.percent else unit
        self.note = f"{unit} ({word})" if unit and word else unit or word
        if self.note:
            self.note = localise_digits(self.note, digits)
        scaled = [v / self.scale for v in values]
        self.decimals = _decimals_of(scaled, 1 if max(abs(v) for v in scaled) >= 1 else 2)

    def __call__(self, value: float, decimals: int | None = None) -> str:
        """A value (unscaled) as the chart writes it."""
        return format_number(
            value / self.scale,
            self.digits,
            compact=False,
            unit=self.percent,
            decimals=self.decimals if decimals is None else decimals,
        )


def _bar_layout(fig: Figure, digits: Digits, palette: Mapping[str, str]) -> dict[str, Any]:
    """Horizontal bars growing right to left; labels on the right, values at the bar ends."""
    fmt = _Numbers(fig, digits)
    values = [d.value for d in fig.data]
    labels = [
        _wrap(localise_digits(d.label or "", digits), SIZE, WIDTH * 0.36, 2) for d in fig.data
    ]
    numbers = [fmt(v) for v in values]
    label_w = max(_width(svg_text(line), SIZE) for lines in labels for line in lines)
    value_w = max(_width(svg_text(n), SIZE, bold=True) for n in numbers)
    lo, hi = min(0.0, *values), max(0.0, *values)
    hi = hi if hi > lo else lo + 1
    top = PAD + (SMALL + GAP if fmt.note else 0)
    row = max(30.0, max(len(lines) for lines in labels) * LEAD + 10)
    right = WIDTH - PAD - label_w - GAP - (value_w + GAP if lo < 0 else 0)
    left = PAD + (value_w + GAP if hi > 0 else 0)

    def x(v: float) -> float:
        return right - (v - lo) / (hi - lo) * (right - left)

    bars = []
    for i, (d, lines, number) in enumerate(zip(fig.data, labels, numbers, strict=True)):
        middle = top + row * (i + 0.5)
        x0, x1 = sorted((x(0), x(d.value)))
        first = middle - (len(lines) - 1) * LEAD / 2 + SIZE * 0.35
        bars.append(
            {
                "x": _r(x0),
                "y": _r(middle - row * 0.3),
                "width": _r(max(x1 - x0, 0.5)),
                "height": _r(row * 0.6),
                "fill": palette["accent"] if d.highlight else palette["navy"],
                "labels": [_text(WIDTH - PAD, first + k * LEAD, s) for k, s in enumerate(lines)],
                "value": _text(
                    x0 - 4 if d.value >= 0 else x1 + 4,
                    middle + SIZE * 0.35,
                    number,
                    anchor="end" if d.value >= 0 else "start",
                ),
            }
        )
    return {
        "width": WIDTH,
        "height": _r(top + row * len(bars) + PAD),
        "bars": bars,
        "axis": {"x": _r(x(0)), "y1": _r(top), "y2": _r(top + row * len(bars))},
        "note": _text(WIDTH - PAD, PAD + SMALL, fmt.note) if fmt.note else None,
    }


def _value_axis(
    fmt: _Numbers, values: list[float], top: float, include_zero: bool
) -> tuple[Callable[[float], float], list[dict[str, Any]], float]:
    """The value axis on the right: the y scale, gridlines with tick labels, their width."""
    lo, hi = min(values), max(values)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    ticks, decimals = _ticks(lo / fmt.scale, hi / fmt.scale)
    ticks = [t * fmt.scale for t in ticks]
    texts = [fmt(t, decimals) for t in ticks]
    tick_w = max(_width(svg_text(t), SMALL) for t in texts)
    bottom = top + PLOT

    def y(v: float) -> float:
        return bottom - (v - ticks[0]) / (ticks[-1] - ticks[0]) * PLOT

    grid = [
        {"y": _r(y(t)), "zero": abs(t) < 1e-12, "label": _text(WIDTH - PAD, y(t) + SMALL * 0.35, s)}
        for t, s in zip(ticks, texts, strict=True)
    ]
    return y, grid, tick_w


def _column_layout(fig: Figure, digits: Digits, palette: Mapping[str, str]) -> dict[str, Any]:
    """Columns ordered right to left (first item on the right), value axis on the right."""
    fmt = _Numbers(fig, digits)
    values = [d.value for d in fig.data]
    top = PAD + (SMALL + GAP if fmt.note else 0) + SIZE + 4
    bottom = top + PLOT
    y, grid, tick_w = _value_axis(fmt, values, top, include_zero=True)
    left, right = PAD, WIDTH - PAD - tick_w - GAP
    band = (right - left) / len(values)
    col = min(band * 0.62, 64.0)
    labels = [_wrap(localise_digits(d.label or "", digits), SIZE, band - 6) for d in fig.data]
    columns = []
    for i, (d, lines) in enumerate(zip(fig.data, labels, strict=True)):
        cx = right - band * (i + 0.5)
        y0, y1 = sorted((y(0), y(d.value)))
        columns.append(
            {
                "x": _r(cx - col / 2),
                "y": _r(y0),
                "width": _r(col),
                "height": _r(max(y1 - y0, 0.5)),
                "fill": palette["accent"] if d.highlight else palette["navy"],
                "value": _text(cx, y0 - 5 if d.value >= 0 else y1 + SIZE + 2, fmt(d.value)),
                "labels": [_text(cx, bottom + SIZE + 6 + k * LEAD, s) for k, s in enumerate(lines)],
            }
        )
    lines_below = max(len(lines) for lines in labels)
    return {
        "width": WIDTH,
        "height": _r(bottom + 6 + lines_below * LEAD + PAD),
        "columns": columns,
        "grid": grid,
        "baseline": _r(y(0)),
        "plot": {"x1": _r(left), "x2": _r(right), "y1": _r(top), "y2": _r(bottom)},
        "note": _text(WIDTH - PAD, PAD + SMALL, fmt.note) if fmt.note else None,
    }


def _line_layout(fig: Figure, digits: Digits, palette: Mapping[str, str]) -> dict[str, Any]:
    """Time left to right; value axis on the right; points labelled when there are few."""
    fmt = _Numbers(fig, digits)
    data = _ordered(fig)
    values = [d.value for d in data]
    top = PAD + (SMALL + GAP if fmt.note else 0) + SIZE + 4
    bottom = top + PLOT
    # Start at zero unless the values sit high above it (then zero would flatten the line).
    zero = min(values) >= 0 and min(values) <= 0.4 * max(values)
    y, grid, tick_w = _value_axis(fmt, values, top, include_zero=zero)
    yearly = all(d.date.month == 1 and d.date.day == 1 for d in data)  # type: ignore[union-attr]
    names = [
        localise_digits(d.label, digits)
        if d.label
        else format_day(d.date, digits, "y" if yearly else "MMM y")  # type: ignore[arg-type]
        for d in data
    ]
    plot_right = WIDTH - PAD - tick_w - GAP
    left = PAD + _width(svg_text(names[0]), SMALL) / 2
    right = plot_right - _width(svg_text(names[-1]), SMALL) / 2
    days = [d.date.toordinal() for d in data]  # type: ignore[union-attr]
    span = max(days[-1] - days[0], 1)
    step = max(1, math.ceil(len(data) / 7))
    ticked = set(range(len(data) - 1, -1, -step))  # counted back from the latest date
    labelled = set(range(len(data))) if len(data) <= 8 else {len(data) - 1}
    points = []
    for i, d in enumerate(data):
        px, py = left + (days[i] - days[0]) / span * (right - left), y(d.value)
        # Valleys get their value below the point, everything else above it.
        valley = 0 < i < len(data) - 1 and values[i - 1] > d.value < values[i + 1]
        vy = py + SIZE + 6 if valley else py - 8
        points.append(
            {
                "x": _r(px),
                "y": _r(py),
                "fill": palette["accent"] if d.highlight else palette["navy"],
                "value": _centred(px, vy, fmt(d.value), PAD, plot_right, SIZE)
                if i in labelled or d.highlight
                else None,
                "tick": _text(px, bottom + SMALL + 6, names[i]) if i in ticked else None,
            }
        )
    return {
        "width": WIDTH,
        "height": _r(bottom + SMALL + 6 + PAD + 2),
        "points": points,
        "grid": grid,
        "path": " ".join(f"{'L' if i else 'M'}{p['x']},{p['y']}" for i, p in enumerate(points)),
        "plot": {"x1": _r(PAD), "x2": _r(plot_right), "y1": _r(top), "y2": _r(bottom)},
        "note": _text(WIDTH - PAD, PAD + SMALL, fmt.note) if fmt.note else None,
    }


def _key_items(fig: Figure, digits: Digits) -> list[dict[str, Any]]:
    """Key figures as logical-order HTML text: Pango shapes it, so no svg_text here."""
    items = []
    for d in fig.data:
        symbol_prefix = bool(d.prefix) and not any(ch.isalpha() for ch in d.prefix or "")
        unit = d.unit or fig.unit
        number = format_number(
            d.value, digits, compact=fig.compact, unit=unit, numeral_one=symbol_prefix
        )
        items.append(
            {
                "value": f"{d.prefix or ''}{_spaced(d.prefix)}{number}",
                "unit": None if not unit or unit in ("%", "٪") else localise_digits(unit, digits),
                "label": localise_digits(d.label or "", digits),
                "source": d.source,
                "highlight": d.highlight,
            }
        )
    return items


_LAYOUTS = {"bar": _bar_layout, "column": _column_layout, "line": _line_layout}

# -- rendering -----------------------------------------------------------------------------


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
        body = env.get_template("figures/key.html").render(items=_key_items(fig, digits), **context)
    else:
        chart = _LAYOUTS[fig.kind](fig, digits, colours)
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
