"""Scales and axes: how a chart writes its numbers and where its value axis puts them.

One module for "how a chart axis is drawn": nice tick steps (:func:`ticks`), the decimals a
set of values needs, one scale per chart («بالملايين», :class:`Numbers`), and the value axis on
the right with its gridlines (:func:`value_axis`), shared by column and line charts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from briefing.figures.geometry import PAD, PLOT, SMALL, WIDTH, label, r, text_width
from briefing.figures.model import Figure
from briefing.figures.svgtext import svg_text
from briefing.i18n import Digits, format_number, localise_digits


def ticks(lo: float, hi: float, count: int = 5) -> tuple[list[float], int]:
    """'Nice' ticks (1, 2, 2.5, 5 × 10ⁿ) covering [lo, hi], and the decimals they need."""
    if hi <= lo:
        lo, hi = (lo - abs(lo) * 0.1 - 1e-9, hi + abs(hi) * 0.1 + 1e-9) if lo else (0.0, 1.0)
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [k * step for k in range(first, last + 1)], decimals_of([step])


def decimals_of(values: Iterable[float], most: int = 2) -> int:
    """Fraction digits needed to write all ``values`` (at most ``most``)."""
    for decimals in range(most + 1):
        if all(abs(round(v, decimals) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return decimals
    return most


class Numbers:
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
        self.decimals = decimals_of(scaled, 1 if max(abs(v) for v in scaled) >= 1 else 2)

    def __call__(self, value: float, decimals: int | None = None) -> str:
        """A value (unscaled) as the chart writes it."""
        return format_number(
            value / self.scale,
            self.digits,
            compact=False,
            unit=self.percent,
            decimals=self.decimals if decimals is None else decimals,
        )

    def note_label(self) -> dict[str, Any] | None:
        """The unit and scale, drawn at the top right of the chart."""
        return label(WIDTH - PAD, PAD + SMALL, self.note) if self.note else None


def value_axis(
    fmt: Numbers, values: list[float], top: float, include_zero: bool
) -> tuple[Callable[[float], float], list[dict[str, Any]], float]:
    """The value axis on the right: the y scale, gridlines with tick labels, their width."""
    lo, hi = min(values), max(values)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    steps, decimals = ticks(lo / fmt.scale, hi / fmt.scale)
    steps = [t * fmt.scale for t in steps]
    texts = [fmt(t, decimals) for t in steps]
    tick_w = max(text_width(svg_text(t), SMALL) for t in texts)
    bottom = top + PLOT

    def y(v: float) -> float:
        return bottom - (v - steps[0]) / (steps[-1] - steps[0]) * PLOT

    grid = [
        {"y": r(y(t)), "zero": abs(t) < 1e-12, "label": label(WIDTH - PAD, y(t) + SMALL * 0.35, s)}
        for t, s in zip(steps, texts, strict=True)
    ]
    return y, grid, tick_w
