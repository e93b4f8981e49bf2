"""Every WeasyPrint and pydyf internal briefing touches, behind one version gate.

briefing improves two things WeasyPrint 70 does not do for Arabic — the PDF text layer
(:mod:`briefing.pdf.textlayer`) and per-element ``/Lang`` in tagged PDF
(:mod:`briefing.pdf.renderer`) — and
its URL fetcher reuses WeasyPrint's default HTTP headers. All three need private names. They are
reached only through this module, so a WeasyPrint upgrade has one file to re-check:
:func:`check` verifies the version and the shape of every hook (``tests/test_compat.py`` has a
test per hook), and the names below say what each one is for.

The pin in ``pyproject.toml`` (``weasyprint>=70,<71``) and :data:`SUPPORTED_MAJOR` move together.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

#: WeasyPrint major versions whose internals were checked.
SUPPORTED_MAJOR = (70,)
TESTED_VERSIONS = ("70.0",)

#: Parameters of ``weasyprint.draw.text.draw_first_line`` the text layer wraps.
DRAW_FIRST_LINE_PARAMS = ["stream", "textbox", "text_overflow", "block_ellipsis", "matrix"]
#: ``weasyprint.pdf.fonts.build_fonts_dictionary`` (looked up by ``weasyprint.pdf``).
BUILD_FONTS_PARAMS = ["pdf", "fonts", "compress", "subset", "options"]
#: ``weasyprint.pdf.fonts._build_vector_font_dictionary``.
VECTOR_FONT_PARAMS = [
    "font_dictionary",
    "pdf",
    "font",
    "widths",
    "compress",
    "reference",
    "pdf_version",
]
#: Attributes of ``weasyprint.pdf.fonts.Font`` the text layer reads or replaces.
FONT_ATTRIBUTES = (
    "to_unicode",
    "widths",
    "hash",
    "bitmap",
    "png",
    "svg",
    "colr",
    "hb_font",
    "glyph_count",
    "missing",
    "file_content",
    "upem",
    "index",
)
#: Methods of ``weasyprint.pdf.stream.Stream`` (pydyf) the text layer emits with.
STREAM_METHODS = (
    "show_text",
    "set_text_rise",
    "set_font_size",
    "set_text_matrix",
    "add_font",
    "set_text_rendering",
    "begin_text",
    "end_text",
    "push_state",
    "pop_state",
    "transform",
    "draw_x_object",
)


class UnsupportedWeasyPrint(RuntimeError):
    """The installed WeasyPrint is not one whose internals briefing was checked against."""


def weasyprint_version() -> str:
    import weasyprint

    return str(weasyprint.__version__)


def _params(function: Callable[..., Any]) -> list[str]:
    target = getattr(function, "__wrapped__", function)
    return list(inspect.signature(target).parameters)


def check() -> None:
    """Raise :class:`UnsupportedWeasyPrint`, naming what changed, unless every hook fits."""
    version = weasyprint_version()
    _require_supported(version)
    problems: list[str] = []
    draw_text, fonts, stream, tags, pdf_module = _modules()
    for module, name, params in (
        (draw_text, "draw_first_line", DRAW_FIRST_LINE_PARAMS),
        (fonts, "build_fonts_dictionary", BUILD_FONTS_PARAMS),
        (fonts, "_build_vector_font_dictionary", VECTOR_FONT_PARAMS),
    ):
        function = getattr(module, name, None)
        if not callable(function):
            problems.append(f"{module.__name__}.{name} is gone")
        elif _params(function) != params:
            problems.append(
                f"{module.__name__}.{name}{tuple(_params(function))} (expected {tuple(params)})"
            )
    if "build_fonts_dictionary" not in vars(pdf_module):
        problems.append("weasyprint.pdf no longer imports build_fonts_dictionary")
    source = inspect.getsource(fonts.Font.__init__)
    problems += [
        f"Font.{name}"
        for name in FONT_ATTRIBUTES
        if f"self.{name}" not in source and not hasattr(fonts.Font, name)
    ]
    if not callable(getattr(fonts.Font, "subset", None)):
        problems.append("Font.subset")
    problems += [
        f"Stream.{name}"
        for name in STREAM_METHODS
        if not callable(getattr(stream.Stream, name, None))
    ]
    drawing = inspect.getsource(
        getattr(draw_text.draw_first_line, "__wrapped__", draw_text.draw_first_line)
    )
    problems += [
        f"draw_first_line no longer calls {needle}"
        for needle in (
            "stream.show_text(",
            "stream.set_text_rise(",
            "stream.set_font_size(",
            "stream.set_text_matrix(",
            "font.to_unicode[",
        )
        if needle not in drawing
    ]
    problems += _glyph_info_layout()
    if "draw_first_line(" not in inspect.getsource(draw_text.draw_text):
        problems.append("draw_text no longer calls draw_first_line")
    if not callable(getattr(tags, "_build_box_tree", None)):
        problems.append("weasyprint.pdf.tags._build_box_tree")
    use_references = inspect.getsource(pdf_module._use_references)
    if "images[key]" not in use_references or "get_x_object" not in use_references:
        problems.append("weasyprint.pdf._use_references no longer resolves image XObjects")
    if problems:
        raise UnsupportedWeasyPrint(
            f"briefing: WeasyPrint {version} changed internals briefing relies on: "
            f"{'; '.join(problems)}."
        )


def _require_supported(version: str) -> None:
    """The version gate itself: a major version briefing was not tested with is refused."""
    try:
        major = int(version.split(".")[0])
    except ValueError:
        major = -1
    if major not in SUPPORTED_MAJOR:
        raise UnsupportedWeasyPrint(
            f"briefing: WeasyPrint {version} is not supported (tested: "
            f"{', '.join(TESTED_VERSIONS)}); briefing/pdf/compat.py lists the internals to "
            "re-check."
        )


def _modules() -> tuple[ModuleType, ModuleType, ModuleType, ModuleType, ModuleType]:
    import weasyprint.pdf as pdf_module
    from weasyprint.draw import text as draw_text
    from weasyprint.pdf import fonts, stream, tags

    return draw_text, fonts, stream, tags, pdf_module


# ---------------------------------------------------------------------------------------------
# Hooks: each replaces one internal with a wrapper and can be undone.
# ---------------------------------------------------------------------------------------------

_MARK = "_briefing_hook"


def _hook(module: Any, name: str, make: Callable[[Any], Any]) -> None:
    current = getattr(module, name)
    if getattr(current, _MARK, False):
        return
    wrapper = make(current)
    setattr(wrapper, _MARK, True)
    wrapper._briefing_original = current
    setattr(module, name, wrapper)


def _unhook(module: Any, name: str) -> None:
    current = getattr(module, name)
    if getattr(current, _MARK, False):
        setattr(module, name, current._briefing_original)


def hooked(module: Any, name: str) -> bool:
    return bool(getattr(getattr(module, name), _MARK, False))


def hook_draw_first_line(make: Callable[[Any], Any]) -> None:
    """Wrap the function that emits one line of a text box (SVG text goes through it too)."""
    check()
    _hook(_modules()[0], "draw_first_line", make)


def hook_fonts(
    make_build: Callable[[Any], Any],
    make_vector: Callable[[Any], Any],
    make_subset: Callable[[Any], Any],
) -> None:
    """Wrap how font dictionaries are written and fonts subset (for the text layer's CIDs).

    ``weasyprint.pdf`` imported ``build_fonts_dictionary`` by name, so the wrapper replaces it
    there; ``_build_vector_font_dictionary`` is looked up in its own module.
    """
    check()
    _, fonts, _, _, pdf_module = _modules()
    _hook(pdf_module, "build_fonts_dictionary", make_build)
    _hook(fonts, "_build_vector_font_dictionary", make_vector)
    _hook(fonts.Font, "subset", make_subset)


def unhook_text_layer() -> None:
    draw_text, fonts, _, _, pdf_module = _modules()
    _unhook(draw_text, "draw_first_line")
    _unhook(pdf_module, "build_fonts_dictionary")
    _unhook(fonts, "_build_vector_font_dictionary")
    _unhook(fonts.Font, "subset")


def text_layer_hooked() -> bool:
    draw_text, fonts, _, _, pdf_module = _modules()
    return all(
        (
            hooked(draw_text, "draw_first_line"),
            hooked(pdf_module, "build_fonts_dictionary"),
            hooked(fonts, "_build_vector_font_dictionary"),
            hooked(fonts.Font, "subset"),
        )
    )


def hook_tag_builder(make: Callable[[Any], Any]) -> None:
    """Wrap the recursive generator that turns boxes into structure elements (tagged PDF)."""
    check()
    _hook(_modules()[3], "_build_box_tree", make)


def replace_source_line(
    function: Callable[..., Any], namespace: dict[str, Any], old: str, new: str
) -> Any:
    """``function`` recompiled in ``namespace`` with its one line ``old`` replaced by ``new``.

    For the two layout decisions :mod:`briefing.pdf.layoutfix` changes inside WeasyPrint functions
    too long to wrap; the exact source line must be there once, else this refuses loudly.
    """
    import textwrap

    source = textwrap.dedent(inspect.getsource(function))
    if source.count(old) != 1:
        raise UnsupportedWeasyPrint(
            f"briefing: {old!r} not found in WeasyPrint {weasyprint_version()}'s "
            f"{function.__qualname__}; briefing/pdf/layoutfix.py is written for WeasyPrint 70"
        )
    code = compile(source.replace(old, new), inspect.getsourcefile(function) or "?", "exec")
    scope: dict[str, Any] = {}
    exec(code, namespace, scope)
    return scope[function.__name__]


# ---------------------------------------------------------------------------------------------
# Accessors: private attributes read or written, by what they are for.
# ---------------------------------------------------------------------------------------------


def register_form(stream: Any, name: str, make: Callable[[], Any]) -> None:
    """Make ``name`` a reusable XObject in the resources ``stream`` draws with.

    WeasyPrint resolves XObjects whose resource entry is ``None`` through its image table and
    writes each image once per document however many pages use it; a form registered here goes
    through the same path, so a glyph outline is stored once per document.
    """
    stream._resources["XObject"][name] = None
    if name not in stream._images:
        stream._images[name] = {
            "image": _Form(make),
            "interpolate": False,
            "dpi_ratios": {1},
            "x_object": None,
        }


class _Form:
    """Quacks like a WeasyPrint image: ``get_x_object`` builds the form once."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make

    def get_x_object(self, interpolate: bool, dpi_ratio: float) -> Any:
        return self._make()


def descendant_font(pdf: Any, font_dictionary: Any) -> Any:
    """The CIDFont dictionary a Type 0 font dictionary written by WeasyPrint points to."""
    reference = font_dictionary["DescendantFonts"][0]
    number = (
        int(bytes(reference).split()[0])
        if isinstance(reference, bytes)
        else int(str(reference).split()[0])
    )
    return pdf.objects[number]


#: sizeof(PangoGlyphInfo): checked against WeasyPrint's cffi declarations in :func:`check`
_GLYPH_INFO_SIZE = 20


def _glyph_info_layout() -> list[str]:
    """:func:`pango_line_glyphs` and :func:`drawn_line` read a glyph array as 32-bit words,
    five per glyph: id, width, x offset, y offset, attributes."""
    from weasyprint.text.ffi import ffi

    if (
        ffi.sizeof("PangoGlyphInfo") != _GLYPH_INFO_SIZE
        or ffi.offsetof("PangoGlyphInfo", "glyph")
        or ffi.offsetof("PangoGlyphInfo", "geometry") != 4
        or ffi.sizeof("PangoGlyphGeometry") != 12
        or ffi.offsetof("PangoGlyphGeometry", "x_offset") != 4
        or ffi.offsetof("PangoGlyphGeometry", "y_offset") != 8
    ):
        return ["PangoGlyphInfo is no longer (glyph, width, x_offset, y_offset, attr)"]
    return []


def pango_line_glyphs(textbox: Any) -> list[tuple[int, int, int, int]]:
    """Per drawn glyph of the box's first line, in visual order: (run, cluster start, cluster
    end, bidi level). Cluster offsets are byte offsets into the layout's UTF-8 text."""
    from weasyprint.text.ffi import ffi, pango

    line = pango.pango_layout_get_line_readonly(textbox.pango_layout.layout, 0)
    result, run, index = [], line.runs[0], 0
    empty = pango.PANGO_GLYPH_EMPTY
    while run != ffi.NULL:
        item = run.data
        run = run.next
        glyphs = item.glyphs
        count = glyphs.num_glyphs
        if not count:  # an empty run may have no arrays at all
            index += 1
            continue
        # whole arrays at once: a cdata access per glyph was a tenth of the text layer's time
        clusters = ffi.unpack(glyphs.log_clusters, count)
        # PangoGlyphInfo is 5 32-bit fields (glyph, width, x_offset, y_offset, attr): every
        # fifth one is the glyph id
        ids = memoryview(ffi.buffer(glyphs.glyphs, count * _GLYPH_INFO_SIZE)).cast("I")[::5]
        starts = sorted(set(clusters))
        ends = dict(zip(starts, [*starts[1:], item.item.length], strict=True))
        offset = item.item.offset
        level = item.item.analysis.level & 0xFF  # guint8 in Pango's struct
        for cluster, glyph in zip(clusters, ids, strict=True):
            if glyph != empty:
                result.append((index, offset + cluster, offset + ends[cluster], level))
        index += 1
    return result


def layout_text(textbox: Any) -> str:
    return str(textbox.pango_layout.text)


def is_svg_text(textbox: Any) -> bool:
    """SVG ``<text>`` is drawn letter by letter with WeasyPrint's own stand-in box."""
    return type(textbox).__module__.endswith(".svg.text")


def http_headers(fetcher: Any) -> dict[str, str]:
    """The default request headers of a WeasyPrint ``URLFetcher`` (User-Agent and friends)."""
    return dict(fetcher._http_headers)


# ---------------------------------------------------------------------------------------------
# The text layer's own line drawing: what ``draw_first_line`` works out, without its TJ strings.
# ---------------------------------------------------------------------------------------------

#: SHA-256 of the source of WeasyPrint's ``draw_first_line`` that :func:`drawn_line` repeats.
#: Any other source (a patch release that touches it) turns :func:`drawn_line` off: every line
#: then goes through the original, as before, and nothing is drawn differently.
DRAW_FIRST_LINE_SHA256 = "1bb8eae6d88e71b17096a034656f3be17da8f1f513c78536c1c38d971927638b"

_drawn_line_ok: list[bool] = []


def drawn_line_supported() -> bool:
    """Whether ``draw_first_line`` is still the function :func:`drawn_line` was written from."""
    if not _drawn_line_ok:
        import hashlib

        draw_text = _modules()[0]
        original = draw_text.draw_first_line
        original = getattr(original, "_briefing_original", original)
        digest = hashlib.sha256(inspect.getsource(original).encode()).hexdigest()
        _drawn_line_ok.append(digest == DRAW_FIRST_LINE_SHA256)
    return _drawn_line_ok[0]


@dataclass
class DrawnLine:
    """One line as ``draw_first_line`` would draw it: the text matrix (``None`` when it draws
    nothing at all), each glyph made by the caller's ``make(font, size, glyph id, x, rise)``
    and, per glyph, (run, cluster start, cluster end, bidi level) as :func:`pango_line_glyphs`
    gives them."""

    matrix: tuple[float, ...] | None
    glyphs: list[Any]
    clusters: list[tuple[int, int, int, int]]


def drawn_line(
    stream: Any,
    textbox: Any,
    text_overflow: str,
    block_ellipsis: Any,
    matrix: Any,
    accept: Callable[[Any], bool],
    make: Callable[[Any, float, int, float, float], Any],
) -> DrawnLine | None:
    """The glyphs ``draw_first_line`` would show for this line, at the places its ``TJ``
    operators would put them, with WeasyPrint's own bookkeeping done as it does it (fonts added
    to the stream, glyph widths measured, ``to_unicode`` filled) — but no ``TJ`` string built,
    and none parsed back (:func:`briefing.pdf.textlayer.capture.parse`): the two were 40% of
    the text layer's time.

    Each position is computed with the same floating-point operations, in the same order, as
    parsing the original's ``TJ`` numbers back gives (a number printed with ``repr`` reads back
    as the same float), so the PDF is the same byte for byte (``tests/test_textlayer.py``
    compares the two ways on the corpus). ``None`` for what is left to the original: an
    ellipsis, a font ``accept`` refuses (bitmap, colour), a character no font has, a different
    ``draw_first_line`` (:func:`drawn_line_supported`). A line the original draws nothing for
    (only spaces, a zero font size) has no matrix.
    """
    from weasyprint.text.ffi import ffi, pango

    if not drawn_line_supported():
        return None
    if text_overflow == "ellipsis" or block_ellipsis != "none":
        return None
    if not textbox.text.strip() or textbox.style["font_size"] < 1e-6:
        return DrawnLine(None, [], [])
    line = DrawnLine(tuple(matrix.values), [], [])
    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    first_line, _ = textbox.pango_layout.get_first_line()
    drawer = _LineDrawer(stream, textbox, line, make)
    run, index, previous = first_line.runs[0], -1, None
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        index += 1
        pango_font = glyph_item.item.analysis.font
        if pango_font != previous:
            previous = pango_font
            if not accept(drawer.use(pango_font)):
                return None
        if not drawer.run(glyph_item, index):
            return None
    return line


class _LineDrawer:
    """The state :func:`drawn_line` carries from run to run: the font, its size, the pen."""

    def __init__(self, stream: Any, textbox: Any, line: DrawnLine, make: Callable[..., Any]):
        from weasyprint.text.ffi import pango

        self.stream, self.textbox, self.line, self.make = stream, textbox, line, make
        self.old_pango = pango.pango_version() < 14802
        self.utf8: bytes | None = None
        self.pango_font: Any = None
        self.font: Any = None
        self.font_size: Any = 0
        self.size = self.pen = 0.0

    def use(self, pango_font: Any) -> Any:
        """A run in another font: added to the stream as the original adds it."""
        self.pango_font = pango_font
        self.font, self.font_size = self.stream.add_font(pango_font)
        if self.old_pango or self.font.png:
            self.font_size = self.textbox.style["font_size"]
        self.size = float(self.font_size)
        return self.font

    def run(self, glyph_item: Any, index: int) -> bool:
        """One run's glyphs; ``False`` for one the original must draw (a .notdef)."""
        from weasyprint.text.ffi import FROM_UNITS, ffi, pango

        glyph_string = glyph_item.glyphs
        count = glyph_string.num_glyphs
        if not count:
            return True
        words = memoryview(ffi.buffer(glyph_string.glyphs, count * _GLYPH_INFO_SIZE))
        ids = words.cast("I")[::5].tolist()
        signed = words.cast("i")
        advances, x_offsets, y_offsets = (signed[k::5].tolist() for k in (1, 2, 3))
        logs = ffi.unpack(glyph_string.log_clusters, count)
        item = glyph_item.item
        offset0, length = item.offset, item.length
        rtl, level = item.analysis.level % 2, item.analysis.level & 0xFF
        starts = sorted(set(logs))
        ends = dict(zip(starts, [*starts[1:], length], strict=True))
        empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
        font, font_size, size, pen = self.font, self.font_size, self.size, self.pen
        widths, to_unicode = font.widths, font.to_unicode
        glyphs, clusters, make = self.line.glyphs, self.line.clusters, self.make
        for i in range(count):
            glyph_id, width = ids[i], advances[i]
            if glyph_id == empty:  # the original: ">{-width / font_size}<"
                pen -= -width / font_size / 1000 * size
                continue
            if glyph_id & unknown:
                return False  # .notdef: the original logs it and makes a glyph id up
            if glyph_id not in to_unicode:
                t1 = logs[i]
                if rtl:
                    t2 = length if i == 0 else logs[i - 1]
                else:
                    t2 = length if i == count - 1 else logs[i + 1]
                self.utf8 = self.utf8 or self.textbox.pango_layout.text.encode()
                to_unicode[glyph_id] = self.utf8[offset0 + t1 : offset0 + t2].decode()
            shift = x_offsets[i] / font_size
            rise = y_offsets[i] / 1000
            if shift:  # the original: ">{-offset}<" (or "{-offset}" opening a raised glyph)
                pen -= -shift / 1000 * size
            if glyph_id in widths:
                logical_width = widths[glyph_id]
            else:
                stream = self.stream
                pango.pango_font_get_glyph_extents(
                    self.pango_font, glyph_id, stream.ink_rect, stream.logical_rect
                )
                logical_width = widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size
                )
            glyphs.append(make(font, size, glyph_id, pen, -rise if rise else 0.0))
            clusters.append((index, offset0 + logs[i], offset0 + ends[logs[i]], level))
            pen += float(logical_width) / 1000 * size
            kerning = logical_width + shift - width * 1000 * FROM_UNITS / font_size
            if kerning:  # the original: ">{int(kerning)}<"
                pen -= float(int(kerning)) / 1000 * size
        self.pen = pen
        return True
