"""Chart layouts: a validated figure → the numbers and ready text its template draws.

Each layout returns a plain mapping (positions, sizes, colours and shaped SVG strings) for
``figures/<kind>.svg``, which only draws; key figures become logical-order HTML text for
``figures/key.html``. Directions (right-to-left document): bars grow right to left with their
labels on the right; columns run right to left with the value axis on the right; time runs left
to right in line charts (see :mod:`briefing.figures`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from briefing.figures.axes import Numbers, value_axis
from briefing.figures.geometry import (
    GAP,
    LEAD,
    PAD,
    PLOT,
    SIZE,
    SMALL,
    WIDTH,
    centred,
    label,
    r,
    text_width,
    wrap,
)
from briefing.figures.model import Figure
from briefing.figures.svgtext import svg_text
from briefing.i18n import Digits, format_day, format_number, localise_digits, with_unit

Layout = Callable[[Figure, Digits, Mapping[str, str]], dict[str, Any]]


def _bar_layout(fig: Figure, digits: Digits, palette: Mapping[str, str]) -> dict[str, Any]:
    """Horizontal bars growing right to left; labels on the right, values at the bar ends."""
    fmt = Numbers(fig, digits)
    values = [d.value for d in fig.data]
    labels = [wrap(localise_digits(d.label or "", digits), SIZE, WIDTH * 0.36, 2) for d in fig.data]
    numbers = [fmt(v) for v in values]
    label_w = max(text_width(svg_text(line), SIZE) for lines in labels for line in lines)
    value_w = max(text_width(svg_text(n), SIZE, bold=True) for n in numbers)
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
                "x": r(x0),
                "y": r(middle - row * 0.3),
                "width": r(max(x1 - x0, 0.5)),
                "height": r(row * 0.6),
                "fill": palette["accent"] if d.highlight else palette["navy"],
                "labels": [label(WIDTH - PAD, first + k * LEAD, s) for k, s in enumerate(lines)],
                "value": label(
                    x0 - 4 if d.value >= 0 else x1 + 4,
                    middle + SIZE * 0.35,
                    number,
                    anchor="end" if d.value >= 0 else "start",
                ),
            }
        )
    return {
        "width": WIDTH,
        "height": r(top + row * len(bars) + PAD),
        "bars": bars,
        "axis": {"x": r(x(0)), "y1": r(top), "y2": r(top + row * len(bars))},
        "note": fmt.note_label(),
    }


def _column_layout(fig: Figure, digits: Digits, palette: Mapping[str, str]) -> dict[str, Any]:
    """Columns ordered right to left (first item on the right), value axis on the right."""
    fmt = Numbers(fig, digits)
    values = [d.value for d in fig.data]
    top = PAD + (SMALL + GAP if fmt.note else 0) + SIZE + 4
    bottom = top + PLOT
    y, grid, tick_w = value_axis(fmt, values, top, include_zero=True)
    left, right = PAD, WIDTH - PAD - tick_w - GAP
    band = (right - left) / len(values)
    col = min(band * 0.62, 64.0)
    labels = [wrap(localise_digits(d.label or "", digits), SIZE, band - 6) for d in fig.data]
    columns = []
    for i, (d, lines) in enumerate(zip(fig.data, labels, strict=True)):
        cx = right - band * (i + 0.5)
        y0, y1 = sorted((y(0), y(d.value)))
        columns.append(
            {
                "x": r(cx - col / 2),
                "y": r(y0),
                "width": r(col),
                "height": r(max(y1 - y0, 0.5)),
                "fill": palette["accent"] if d.highlight else palette["navy"],
                "value": label(cx, y0 - 5 if d.value >= 0 else y1 + SIZE + 2, fmt(d.value)),
                "labels": [label(cx, bottom + SIZE + 6 + k * LEAD, s) for k, s in enumerate(lines)],
            }
        )
    lines_below = max(len(lines) for lines in labels)
    return {
        "width": WIDTH,
        "height": r(bottom + 6 + lines_below * LEAD + PAD),
        "columns": columns,
        "grid": grid,
        "baseline": r(y(0)),
        "plot": {"x1": r(left), "x2": r(right), "y1": r(top), "y2": r(bottom)},
        "note": fmt.note_label(),
    }


def _line_layout(fig: Figure, digits: Digits, palette: Mapping[str, str]) -> dict[str, Any]:
    """Time left to right; value axis on the right; points labelled when there are few."""
    fmt = Numbers(fig, digits)
    data = fig.ordered
    values = [d.value for d in data]
    top = PAD + (SMALL + GAP if fmt.note else 0) + SIZE + 4
    bottom = top + PLOT
    # Start at zero unless the values sit high above it (then zero would flatten the line).
    zero = min(values) >= 0 and min(values) <= 0.4 * max(values)
    y, grid, tick_w = value_axis(fmt, values, top, include_zero=zero)
    yearly = all(d.date.month == 1 and d.date.day == 1 for d in data)  # type: ignore[union-attr]
    names = [
        localise_digits(d.label, digits)
        if d.label
        else format_day(d.date, digits, "y" if yearly else "MMM y")  # type: ignore[arg-type]
        for d in data
    ]
    plot_right = WIDTH - PAD - tick_w - GAP
    left = PAD + text_width(svg_text(names[0]), SMALL) / 2
    right = plot_right - text_width(svg_text(names[-1]), SMALL) / 2
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
                "x": r(px),
                "y": r(py),
                "fill": palette["accent"] if d.highlight else palette["navy"],
                "value": centred(px, vy, fmt(d.value), PAD, plot_right, SIZE)
                if i in labelled or d.highlight
                else None,
                "tick": label(px, bottom + SMALL + 6, names[i]) if i in ticked else None,
            }
        )
    return {
        "width": WIDTH,
        "height": r(bottom + SMALL + 6 + PAD + 2),
        "points": points,
        "grid": grid,
        "path": " ".join(f"{'L' if i else 'M'}{p['x']},{p['y']}" for i, p in enumerate(points)),
        "plot": {"x1": r(PAD), "x2": r(plot_right), "y1": r(top), "y2": r(bottom)},
        "note": fmt.note_label(),
    }


def key_items(fig: Figure, digits: Digits) -> list[dict[str, Any]]:
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


LAYOUTS: dict[str, Layout] = {"bar": _bar_layout, "column": _column_layout, "line": _line_layout}


def alt_text(fig: Figure, digits: Digits = "arabic") -> str:
    """The figure's alternative text: the author's ``alt``, or title and data in words."""
    if fig.alt:
        return fig.alt
    items = []
    for d in fig.ordered:
        name = d.label or format_day(d.date, digits, "d MMMM y")  # type: ignore[arg-type]
        unit = d.unit or fig.chart_unit
        value = format_number(d.value, digits, compact=fig.compact, unit=unit)
        items.append(f"{name}: {(d.prefix or '') + _spaced(d.prefix)}{with_unit(value, unit)}")
    return f"{fig.title}. " + "؛ ".join(items)


def _spaced(prefix: str | None) -> str:
    return " " if prefix and prefix[-1].isalpha() else ""
