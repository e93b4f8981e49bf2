"""A CID of its own for every (glyph, text, advance) the text layer draws.

WeasyPrint encodes text as glyph ids (``Identity-H``, CID = glyph id) and gives each glyph one
ToUnicode entry, taken from the first cluster it was drawn in. A glyph drawn for different text
(Amiri's lam in «لكن» and in «لم», a mark shared by several clusters) then reads back wrong, and
MuPDF and pdf.js look ToUnicode up by CID, so a second *code* for the same CID does not help.
Here every distinct (glyph, text, advance) gets a compact CID of its own: ``/CIDToGIDMap`` maps
it to the glyph, ``/W`` gives its advance and ToUnicode its text. The advance is part of the key
because the emitter may give a glyph the advance it really has on the page (see :mod:`.emit`).

The tables are swapped in while WeasyPrint writes the font dictionaries and swapped back after,
so WeasyPrint's own writing code does the rest; subsetting is given the real glyph ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from briefing.pdf import compat

_CID_LIMIT = 0xFFFF


class CidTable:
    """The CIDs of one WeasyPrint font object (one font file at one size and variation)."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[int, str, int], int] = {}
        self.tokens: dict[tuple[int, str, int], str] = {}  # the same CIDs as ``TJ`` hex strings
        self.gids: list[int] = [0]  # CID 0: .notdef, as in every CID font
        self.texts: list[str] = [""]
        self.widths: list[int] = [0]

    def cid(self, gid: int, text: str, width: int) -> int:
        key = (gid, text, width)
        cid = self.by_key.get(key)
        if cid is None:
            cid = len(self.gids)
            if cid > _CID_LIMIT:
                raise OverflowError("more than 65535 distinct glyph texts in one font")
            self.by_key[key] = cid
            self.tokens[key] = f"<{cid:04x}>"
            self.gids.append(gid)
            self.texts.append(text)
            self.widths.append(width)
        return cid

    def token(self, gid: int, text: str, width: int) -> str:
        """:meth:`cid` as the emitter writes it, ``<00a1>`` (formatted once per CID)."""
        key = (gid, text, width)
        token = self.tokens.get(key)
        if token is None:
            self.cid(gid, text, width)
            token = self.tokens[key]
        return token


def table(font: Any) -> CidTable:
    current: CidTable | None = getattr(font, "_briefing_cids", None)
    if current is None:
        current = CidTable()
        font._briefing_cids = current
    return current


def _table_of(font: Any) -> CidTable | None:
    return getattr(font, "_briefing_cids", None)


def wrap_build(original: Callable[..., Any]) -> Callable[..., Any]:
    """``build_fonts_dictionary``: write CID-keyed ToUnicode and widths for our fonts."""

    def build_fonts_dictionary(
        pdf: Any, fonts: Any, compress: bool, subset: bool, options: Any
    ) -> Any:
        saved = []
        gids_by_file: dict[str, set[int]] = {}
        for font in fonts.values():
            cids = _table_of(font)
            if cids is None:
                continue
            gids_by_file.setdefault(font.hash, set()).update(cids.gids)
            saved.append((font, font.to_unicode, font.widths))
            font.to_unicode = {cid: text for cid, text in enumerate(cids.texts) if cid}
            font.widths = dict(enumerate(cids.widths))
        for font in fonts.values():
            if font.hash in gids_by_file:
                font._briefing_gids = gids_by_file[font.hash]
        try:
            return original(pdf, fonts, compress, subset, options)
        finally:
            for font, to_unicode, widths in saved:
                font.to_unicode, font.widths = to_unicode, widths

    return build_fonts_dictionary


def wrap_subset(original: Callable[..., Any]) -> Callable[..., Any]:
    """``Font.subset``: keep the glyphs our CIDs point to (every font object of the file)."""

    def subset(self: Any, to_unicode: dict[int, str], hinting: bool) -> Any:
        gids = getattr(self, "_briefing_gids", None)
        if gids is not None:
            to_unicode = {gid: "" for gid in sorted(gids) if gid < self.glyph_count}
        return original(self, to_unicode, hinting)

    return subset


def wrap_vector(original: Callable[..., Any]) -> Callable[..., Any]:
    """``_build_vector_font_dictionary``: point the CIDFont at our CID → glyph map."""

    def build_vector(
        font_dictionary: Any,
        pdf: Any,
        font: Any,
        widths: Any,
        compress: bool,
        reference: Any,
        pdf_version: Any,
    ) -> Any:
        result = original(font_dictionary, pdf, font, widths, compress, reference, pdf_version)
        cids = _table_of(font)
        if cids is None:
            return result
        import pydyf

        # Glyph ids past the font are WeasyPrint's stand-ins for missing characters: .notdef.
        data = b"".join(
            (gid if gid < font.glyph_count else 0).to_bytes(2, "big") for gid in cids.gids
        )
        stream = pydyf.Stream([data], compress=compress)
        pdf.add_object(stream)
        compat.descendant_font(pdf, font_dictionary)["CIDToGIDMap"] = stream.reference
        font_dictionary["Encoding"] = "/Identity-H"
        return result

    return build_vector
