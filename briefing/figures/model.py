"""The figure model: what a brief may declare as a figure, validated (pydantic, no Jinja).

:class:`Figure` is embedded in the front-matter model (:mod:`briefing.content.model`) and is the
input of the charts (:mod:`briefing.figures.charts`); errors are worded for authors by
:mod:`briefing.figures.parse`. Validators that check the whole figure raise messages starting
with the key path relative to the figure ("data[2].date: missing …") so the parser can point at
the offending line.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from briefing.content.values import IsoDate, Strict, Text
from briefing.i18n import WESTERN_FROM_INDIC

Kind = Literal["bar", "column", "line", "key"]

MAX_ITEMS = {"bar": 15, "column": 12, "line": 60, "key": 8}
#: Largest magnitude of a value (a thousand trillion): enough for any budget or population,
#: and well inside what Babel's decimal formatting and the chart geometry handle exactly.
MAX_MAGNITUDE = 1e15


def _number(value: Any) -> Any:
    """Numbers as YAML gives them; strings of digits (Arabic-Indic too) are accepted."""
    if isinstance(value, bool):
        raise ValueError("Input should be a valid number, not yes/no")
    if isinstance(value, str):
        text = value.strip().translate(WESTERN_FROM_INDIC).replace("٫", ".")
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

    kind: Kind
    title: Text
    unit: Text | None = None
    source: Text | None = None
    alt: Text | None = None  # default: generated from the title and the data (see alt_text)
    compact: bool | None = None  # «8 ملايين» for 8000000; default: from one million up
    data: list[Datum] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_kind(self) -> Figure:
        """What a kind of figure requires of its items (messages start with the key path)."""
        kind = self.kind
        if len(self.data) > MAX_ITEMS[kind]:
            raise ValueError(
                f"data: {len(self.data)} items; a {kind} figure shows at most {MAX_ITEMS[kind]}"
            )
        for i, item in enumerate(self.data):
            _check_item(kind, i, item)
        if kind == "line":
            _check_dates(self.data)
        if kind != "key":
            _check_units(self.unit, self.data)
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

    @property
    def ordered(self) -> list[Datum]:
        """Items in drawing order: as written, or by date for a line chart."""
        if self.kind != "line":
            return list(self.data)
        return sorted(self.data, key=lambda d: d.date or dt.date.min)


def _check_item(kind: Kind, i: int, item: Datum) -> None:
    if kind != "line" and item.label is None:
        raise ValueError(f"data[{i}].label: missing (every {kind} item needs a label)")
    if kind == "line" and item.date is None:
        raise ValueError(f"data[{i}].date: missing (a line chart needs a date per point)")
    if kind != "key" and item.prefix is not None:
        raise ValueError(f"data[{i}].prefix: only key figures take a prefix")


def _check_dates(data: list[Datum]) -> None:
    """A line chart: at least two points, no two on one day."""
    if len(data) < 2:
        raise ValueError("data: a line chart needs at least two points")
    seen: dict[dt.date, int] = {}
    for i, item in enumerate(data):
        assert item.date is not None  # _check_item has required it
        if item.date in seen:
            raise ValueError(f"data[{i}].date: {item.date} is also data[{seen[item.date]}]")
        seen[item.date] = i


def _check_units(unit: str | None, data: list[Datum]) -> None:
    """A chart has one unit: the figure's, or one its items agree on."""
    units = {unit} if unit else set()
    for i, item in enumerate(data):
        units |= {item.unit} if item.unit else set()
        if len(units) > 1:
            raise ValueError(
                f"data[{i}].unit: all values of a chart share one unit "
                f"({' / '.join(sorted(units))}); set unit on the figure"
            )
