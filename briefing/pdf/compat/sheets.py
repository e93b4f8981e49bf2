"""A document's ``<style>`` sheets, parsed once per batch (part of :mod:`briefing.pdf.compat`).

WeasyPrint parses every ``<style>`` element of every document again, although the theme's
stylesheet is the same text for every brief of an edition (16 ms of a 0.9 s render for the
house theme). :func:`wrap_css` wraps the ``CSS`` class as ``weasyprint.css`` calls it for a
``<style>``: a sheet whose text cannot depend on the document is parsed once per
FontConfiguration (one per worker) and media type, and every later document gets a copy whose
``@page`` rules are put into that document's own list — the state parsing would have left.

Which text cannot depend on the document (:func:`reusable`): no ``url(`` (a relative URL
resolves against the document's base URL; escapes could spell it, so no backslash either), no
``@import`` (it loads a file), ``@font-face`` (it registers fonts through the document's
fetcher), ``@counter-style``, ``@color-profile`` or ``@layer`` (they add to the document's own
tables). A parse that logs anything is not kept, so its warnings are logged for every document,
as before. Matchers and declarations are only read once parsed: WeasyPrint shares its own
user-agent sheets across documents the same way.
"""

from __future__ import annotations

import copy
import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

#: Sheets kept per FontConfiguration (the theme of each audience, a few per-brief variants).
KEEP = 32
_UNSAFE = ("url(", "\\", "@import", "@font-face", "@counter-style", "@color-profile", "@layer")


def reusable(text: str) -> bool:
    """Whether parsing ``text`` can depend on nothing but the text and the media type."""
    lowered = text.lower()
    return not any(marker in lowered for marker in _UNSAFE)


class _Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.INFO and record.name != "weasyprint.progress":
            self.count += 1


def wrap_css(original: Callable[..., Any]) -> Callable[..., Any]:
    """``weasyprint.css.CSS`` with parsed ``<style>`` sheets kept (see the module)."""
    kept: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[str, str], Any]]
    kept = weakref.WeakKeyDictionary()

    def css(*args: Any, **kwargs: Any) -> Any:
        text, font_config = kwargs.get("string"), kwargs.get("font_config")
        if (
            args
            or not isinstance(text, str)
            or font_config is None
            or kwargs.get("matcher") is not None
            or kwargs.get("layer") is not None
            or not reusable(text)
        ):
            return original(*args, **kwargs)
        sheets = kept.setdefault(font_config, OrderedDict())
        key = (text, str(kwargs.get("media_type", "print")))
        parsed = sheets.get(key)
        if parsed is None:
            parsed, quiet = _parse(original, kwargs)
            if quiet:
                sheets[key] = parsed
                while len(sheets) > KEEP:
                    sheets.popitem(last=False)
        else:
            sheets.move_to_end(key)
        return _for_document(parsed, kwargs)

    return css


def _parse(original: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[Any, bool]:
    """The sheet parsed into tables of its own, and whether that logged nothing."""
    logged = _Logged()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(logged)
    try:
        parsed = original(
            **{**kwargs, "page_rules": [], "layers": [], "counter_style": {}, "color_profiles": {}}
        )
    finally:
        logger.removeHandler(logged)
    return parsed, logged.count == 0


def _for_document(parsed: Any, kwargs: dict[str, Any]) -> Any:
    """The parsed sheet as parsing it into this document's tables would have left it."""
    sheet = copy.copy(parsed)
    page_rules, layers = kwargs.get("page_rules"), kwargs.get("layers")
    if page_rules is not None:
        page_rules.extend(parsed.page_rules)
        sheet.page_rules = page_rules
    if layers is not None:
        sheet.layers = layers
    return sheet
