"""Which characters each glyph of a cluster stands for.

HarfBuzz gives every glyph the cluster (run of characters) it came from; a cluster may be one
glyph for several characters (lam-alef, a shadda-vowel ligature), several glyphs for one
character (Amiri draws some letters in two pieces), or several of each. Readers rebuild text by
reading glyphs in drawing order — left to right — and reversing right-to-left runs, so each
glyph must carry its characters such that the line read left to right is the *reverse* of the
logical text in right-to-left runs and the text itself in left-to-right runs. A glyph that
stands for several characters of a right-to-left run therefore carries them reversed: every
reader reverses them back (pdf.js, poppler, pdfium and MuPDF all reverse multi-character
mappings of right-to-left glyphs with the run).

Where a glyph's own character can be identified (its nominal glyph in the font), it gets that
character; the rest go to the cluster's widest glyph, or, when that breaks the order, the
characters are split over the glyphs in order. A glyph left with no character (more glyphs than
characters) carries no text: it is drawn as an outline (see :mod:`.outlines`), never mapped to an
empty string, which readers would replace with the glyph's code.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import Any, Protocol


class _HasGlyph(Protocol):
    font: Any
    gid: int


def split_cluster(text: str, glyphs: Sequence[_HasGlyph], rtl: bool) -> list[str]:
    """The text of each glyph of one cluster, ``glyphs`` in visual (drawing) order."""
    count = len(glyphs)
    if count == 1:
        return [text[::-1] if rtl else text]
    logical = list(glyphs[::-1]) if rtl else list(glyphs)
    parts = _by_identity(text, logical)
    if "".join(parts) != text:
        parts = _in_order(text, count)
    if rtl:
        parts = [part[::-1] for part in parts][::-1]
    return parts


def _by_identity(text: str, logical: list[_HasGlyph]) -> list[str]:
    parts = [""] * len(logical)
    rest: list[str] = []
    for char in text:
        for i, glyph in enumerate(logical):
            if not parts[i] and nominal_glyph(glyph.font, char) == glyph.gid:
                parts[i] = char
                break
        else:
            rest.append(char)
    if rest:
        base = max(
            range(len(logical)), key=lambda i: (logical[i].font.widths.get(logical[i].gid, 0), -i)
        )
        joined = "".join(rest)
        parts[base] = parts[base] + joined if is_combining(rest[0]) else joined + parts[base]
    if len(text) >= len(logical) and not all(parts):
        return []  # enough characters for every glyph: split in order instead
    return parts


def _in_order(text: str, count: int) -> list[str]:
    """One character per glyph, the last glyph taking the rest; glyphs beyond the text none."""
    if len(text) >= count:
        return [*text[: count - 1], text[count - 1 :]]
    return [*text, *[""] * (count - len(text))]


def is_combining(char: str) -> bool:
    """A combining mark (shadda, vowels, tanween): drawn on its base, no advance of its own."""
    return unicodedata.category(char) in ("Mn", "Me")


@functools.lru_cache(maxsize=1)
def _harfbuzz() -> tuple[Any, Any]:
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(
        "int hb_font_get_nominal_glyph (void *font, unsigned int unicode, unsigned int *glyph);"
    )
    for name in ("harfbuzz", "libharfbuzz.so.0", "libharfbuzz-0.dll", "libharfbuzz.0.dylib"):
        try:
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    return ffi, None


_NOMINAL: dict[tuple[str, str], int | None] = {}


def nominal_glyph(font: Any, char: str) -> int | None:
    """The glyph the font's cmap gives ``char`` (HarfBuzz), or ``None``."""
    key = (font.hash, char)
    if key not in _NOMINAL:
        hb_ffi, lib = _harfbuzz()
        glyph = None
        if lib is not None and getattr(font, "hb_font", None) is not None:
            from weasyprint.text.ffi import ffi

            out = hb_ffi.new("unsigned int *")
            pointer = hb_ffi.cast("void *", int(ffi.cast("uintptr_t", font.hb_font)))
            if lib.hb_font_get_nominal_glyph(pointer, ord(char), out):
                glyph = int(out[0])
        _NOMINAL[key] = glyph
    return _NOMINAL[key]
