"""Value types shared by the content model and the figures model.

Kept apart so that :mod:`briefing.content.model` (which embeds figures) and :mod:`briefing.figures`
validate text and dates the same way without importing each other.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

#: Non-empty text, surrounding whitespace removed.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Accept only ``YYYY-MM-DD`` (a date object, or the string the YAML loader leaves).

    pydantic's lax mode would also take a Unix timestamp or a datetime; a brief's date is a
    calendar day, and anything else is almost certainly a typo.
    """
    if isinstance(value, dt.datetime):
        raise ValueError("date must be a day (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real calendar date") from exc
    raise ValueError(f"date must be written YYYY-MM-DD, got {value!r}")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class Strict(BaseModel):
    """Base of every content model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
