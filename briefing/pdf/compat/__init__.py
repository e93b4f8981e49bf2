"""Every WeasyPrint and pydyf internal briefing touches, behind one version gate.

briefing improves two things WeasyPrint 70 does not do for Arabic — the PDF text layer
(:mod:`briefing.pdf.textlayer`) and per-element ``/Lang`` in tagged PDF
(:mod:`briefing.pdf.renderer`) — and
its URL fetcher reuses WeasyPrint's default HTTP headers. All three need private names. They are
reached only through this module, so a WeasyPrint upgrade has one file to re-check:
:func:`check` verifies the version and the shape of every hook (``tests/test_compat.py`` has a
test per hook), and the names below say what each one is for.

How a line of text is read from Pango, and drawn as ``draw_first_line`` draws it, is in
:mod:`briefing.pdf.compat.lines`; this package's names are the ones to use.

The pin in ``pyproject.toml`` (``weasyprint>=70,<71``) and :data:`SUPPORTED_MAJOR` move together.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

from briefing.pdf.compat import lines

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
    problems += _drawing_shape(draw_text)
    problems += lines.glyph_info_layout()
    if "draw_first_line(" not in inspect.getsource(draw_text.draw_text):
        problems.append("draw_text no longer calls draw_first_line")
    problems += _stylesheet_shape()
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


def _drawing_shape(draw_text: ModuleType) -> list[str]:
    """What the recorder (``textlayer.capture``) stands in for is what ``draw_first_line`` calls."""
    drawing = inspect.getsource(
        getattr(draw_text.draw_first_line, "__wrapped__", draw_text.draw_first_line)
    )
    return [
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


#: ``CSS`` parameters the sheet cache passes (:mod:`briefing.pdf.compat.sheets`).
CSS_PARAMS = ("string", "media_type", "font_config", "counter_style", "color_profiles")
CSS_TABLES = ("page_rules", "layers", "matcher", "layer")


def _stylesheet_shape() -> list[str]:
    """``weasyprint.css`` makes a ``<style>``'s sheet with ``CSS(string=…)`` into the
    document's tables, and ``CSS`` takes them as keywords."""
    import weasyprint
    from weasyprint import css as css_module

    problems = []
    found = inspect.getsource(css_module.find_stylesheets)
    if "string=content" not in found or "page_rules=page_rules" not in found:
        problems.append("find_stylesheets no longer parses <style> with CSS(string=...)")
    params = set(_params(weasyprint.CSS.__init__))
    if not set(CSS_PARAMS + CSS_TABLES) <= params:
        problems.append(f"CSS{tuple(sorted(params))}")
    if not hasattr(css_module, "CSS"):
        problems.append("weasyprint.css.CSS")
    return problems


def _require_supported(version: str) -> None:
    """The version gate itself: a major version briefing was not tested with is refused."""
    try:
        major = int(version.split(".")[0])
    except ValueError:
        major = -1
    if major not in SUPPORTED_MAJOR:
        raise UnsupportedWeasyPrint(
            f"briefing: WeasyPrint {version} is not supported (tested: "
            f"{', '.join(TESTED_VERSIONS)}); briefing/pdf/compat/ lists the internals to "
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


def hook_stylesheets() -> None:
    """Parse a ``<style>`` that cannot depend on its document once per batch
    (:mod:`briefing.pdf.compat.sheets`): ``weasyprint.css`` makes them through its ``CSS``."""
    check()
    from weasyprint import css as css_module

    from briefing.pdf.compat import sheets

    _hook(css_module, "CSS", sheets.wrap_css)


def unhook_stylesheets() -> None:
    from weasyprint import css as css_module

    _unhook(css_module, "CSS")


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


def layout_text(textbox: Any) -> str:
    return str(textbox.pango_layout.text)


def is_svg_text(textbox: Any) -> bool:
    """SVG ``<text>`` is drawn letter by letter with WeasyPrint's own stand-in box."""
    return type(textbox).__module__.endswith(".svg.text")


def http_headers(fetcher: Any) -> dict[str, str]:
    """The default request headers of a WeasyPrint ``URLFetcher`` (User-Agent and friends)."""
    return dict(fetcher._http_headers)
