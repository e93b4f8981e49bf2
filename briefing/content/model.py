"""Stage 2 — model: the validated, typed front matter of a brief.

The pydantic models here *are* the content contract documented in the README. ``extra="forbid"``
everywhere: a misspelt key (``key_point:``) must be an error, not a silently empty box in print.
Validation errors are turned into one :class:`BriefError` naming the file, the line of the
offending key (from :mod:`briefing.content.source`) and the key path.
"""

from __future__ import annotations

import difflib
import logging
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
)

from briefing.content.source import Source
from briefing.content.values import IsoDate, Strict, Text
from briefing.errors import BriefError
from briefing.figures.model import Figure

log = logging.getLogger(__name__)


class Author(Strict):
    name: Text
    affiliation: Text | None = None


def _author(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class English(Strict):
    """The optional English summary (its own page, left to right)."""

    title: Text
    summary: Text  # Markdown
    key_points: list[Text] = Field(default_factory=list)
    recommendations: list[Text] = Field(default_factory=list)
    # The English page and edition name the authors and the series in English (in the order of
    # the Arabic authors); without them the Arabic names are printed.
    authors: list[Annotated[Author, BeforeValidator(_author)]] = Field(default_factory=list)
    series: Text | None = None


class FrontMatter(Strict):
    """Everything between the ``---`` lines. See the README for each key's meaning."""

    title: Text
    subtitle: Text | None = None
    date: IsoDate
    authors: list[Annotated[Author, BeforeValidator(_author)]] = Field(default_factory=list)
    series: Text | None = None
    number: int | None = Field(default=None, ge=0)
    summary: Text | None = None  # Markdown
    key_points: list[Text] = Field(default_factory=list)
    recommendations: list[Text] = Field(default_factory=list)
    sources: list[Text] = Field(default_factory=list)
    keywords: list[Text] = Field(default_factory=list)
    audiences: list[Text] | None = None
    figures: list[Figure] = Field(default_factory=list)  # key-figure panels and charts
    english: English | None = None

    @field_validator("number", mode="before")
    @classmethod
    def _no_bool_number(cls, value: Any) -> Any:
        if isinstance(value, (bool, float)):
            raise ValueError("number must be a whole number, e.g. 12")
        return value


def validate(source: Source) -> FrontMatter:
    """Validate a loaded brief's front matter; every problem is reported, each with its line."""
    try:
        meta = FrontMatter.model_validate(source.meta)
    except ValidationError as exc:
        problems = [_problem(source, err) for err in exc.errors()]
        problems.sort(key=lambda p: p.line or 0)
        first = problems[0]
        raise BriefError(first.path, first.message, first.line, also=problems[1:]) from None
    _warn_hidden_characters(source, meta)
    return meta


#: Controls and bidi embeddings/overrides/isolates: invisible in print, they reorder or hide
#: text (a title that reads differently from what it says). Marks (U+200E/F, U+061C) are fine.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _warn_hidden_characters(source: Source, meta: FrontMatter) -> None:
    fields: list[tuple[tuple[str, ...], str | None]] = [
        (("title",), meta.title),
        (("subtitle",), meta.subtitle),
        (("series",), meta.series),
    ]
    if meta.english is not None:
        fields.append((("english", "title"), meta.english.title))
    for loc, text in fields:
        found = _HIDDEN.search(text or "")
        if found:
            log.warning(
                "%s:%d: %s contains the invisible character U+%04X (a control or bidi "
                "override that reorders the text); remove it",
                source.path,
                source.line_of(loc),
                ".".join(loc),
                ord(found[0]),
            )


def _problem(source: Source, err: Any) -> BriefError:
    """One pydantic error as ``path:line: message`` naming the key."""
    loc = tuple(err["loc"])
    key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
    if err["type"] == "extra_forbidden":
        message = f"unknown key '{key}'"
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean '{close[0]}'?"
        elif allowed:
            message += f" (allowed: {', '.join(allowed)})"
    elif err["type"] == "missing":
        message = f"missing required key '{key}'"
    else:
        message = f"{key}: {_clean(err['msg'])}"
    line = source.line_of(loc) if err["type"] != "missing" else source.line_of(loc[:-1])
    return BriefError(source.path, message, line)


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = FrontMatter
    if parent[:1] == ("english",) and parent[2:3]:
        model = Author
    elif parent[:1] == ("english",):
        model = English
    elif parent[:1] == ("authors",):
        model = Author
    return list(model.model_fields)
