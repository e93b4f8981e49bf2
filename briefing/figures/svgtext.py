"""Arabic text for SVG: shape it and put it in visual order, because WeasyPrint won't.

WeasyPrint shapes HTML text with Pango/HarfBuzz, so Arabic in HTML must stay in logical order
and unshaped. SVG ``<text>`` is different: WeasyPrint 70 lays it out *one character at a time*
(``weasyprint/svg/text.py``), with no shaping, no bidi and no mirroring (WeasyPrint #2909). Raw
Arabic in a chart label therefore comes out as isolated letters, left to right — unreadable.

:func:`svg_text` fixes one line of text for that drawing model:

1. **shape** with arabic-reshaper: each letter becomes its contextual presentation form
   (U+FB50–FDFF, U+FE70–FEFF) and lam-alef becomes its ligature, so the per-glyph drawing shows
   joined letters. Harakat are dropped: drawn as separate glyphs they would land on the wrong
   letter (or on a dotted circle).
2. **reorder** with python-bidi (Unicode Bidirectional Algorithm): the line is returned in
   *visual* order, left to right, as WeasyPrint draws it; Latin words and numbers keep their
   internal order.
3. **mirror** (UBA rule L4): brackets and guillemets inside right-to-left runs are swapped for
   their mirror image. python-bidi 0.6's Rust ``get_display`` skips L4 (``"(NIS)"`` would print
   as ``")NIS("``) and its pure-Python ``algorithm`` lacks bracket pairing (rule N0), so the
   resolved levels are taken from the Rust implementation and lines are reordered here.

The result is only for drawing: presentation forms don't belong in the text layer, so never use
this on HTML text (Pango shapes it), in ``<title>``/``aria-label``/alt text, or in metadata.
The SVG font must contain the presentation forms: Amiri does; Noto Kufi Arabic does not (its
cmap maps only 17 of them), so charts draw their text in Amiri.

This module is the only user of arabic-reshaper and python-bidi in the project.
"""

from __future__ import annotations

import logging
import re
import unicodedata

import arabic_reshaper
from bidi import get_display
from bidi.mirror import MIRRORED

log = logging.getLogger(__name__)

__all__ = ["arrange", "bidi_levels", "svg_text"]

_RESHAPER = arabic_reshaper.ArabicReshaper(
    configuration={"delete_harakat": True, "support_ligatures": True}
)
_RTL_CLASSES = frozenset({"R", "AL", "AN"})
_WHITESPACE = re.compile(r"\s+")
# python-bidi's debug output is the Rust Debug of unicode_bidi::BidiInfo: one Level per UTF-8 byte.
_LEVELS = re.compile(r"\n    levels: \[(.*?)\n    \],", re.S)
_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")


def svg_text(text: str) -> str:
    """Return ``text`` (one line, logical order) shaped and in visual order for an SVG ``<text>``.

    Whitespace runs (newlines included) become one space and the ends are trimmed: a label is
    one line. Text with no right-to-left character is returned unchanged (apart from that
    whitespace clean-up), so Latin labels and plain numbers pass through as they are.
    """
    text = _WHITESPACE.sub(" ", text).strip()
    if not any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text):
        return _drop_controls(text)
    shaped = _RESHAPER.reshape(text)
    return arrange(shaped, bidi_levels(get_display(shaped, base_dir="R", debug=True), shaped))


def arrange(shaped: str, levels: list[int] | None) -> str:
    """Shaped text in visual order from its resolved levels (:func:`bidi_levels`).

    Without levels (python-bidi changed its debug format) the text still comes out shaped and
    reordered, by python-bidi's own reordering, only without mirroring: better than no chart.
    """
    if levels is None:
        log.warning("python-bidi levels unavailable; brackets in SVG labels may face the wrong way")
        return _drop_controls(get_display(shaped, base_dir="R"))
    return _drop_controls(_reorder(shaped, levels))


def _drop_controls(text: str) -> str:
    """Remove format characters (LRM, ALM, ZWJ …): they did their work in shaping and bidi, and
    drawn one by one they would show as empty boxes (UBA rule X9 removes them too)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def bidi_levels(debug: str, text: str) -> list[int] | None:
    """Resolved embedding level of every character of ``text`` (paragraph level 1: an Arabic
    document), read from python-bidi's ``debug=True`` output for it; None if unreadable."""
    match = _LEVELS.search(debug)
    if match is None:
        return None
    byte_levels = [int(n) for n in _LEVEL.findall(match.group(1))]
    if len(byte_levels) != len(text.encode("utf-8")):
        return None
    levels, offset = [], 0
    for ch in text:
        levels.append(byte_levels[offset])
        offset += len(ch.encode("utf-8"))
    return levels


def _reorder(text: str, levels: list[int]) -> str:
    """UBA rules L2 (reverse runs from the highest level down to 1) and L4 (mirroring).

    L1 (trailing whitespace back to the paragraph level) needs nothing: the line was trimmed.
    """
    pairs = zip(text, levels, strict=True)
    chars = [MIRRORED.get(ch, ch) if level % 2 else ch for ch, level in pairs]
    order = list(range(len(chars)))
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return "".join(chars[k] for k in order)
