"""Allow-list HTML sanitiser for the HTML that Python-Markdown makes of a brief.

Brief bodies are untrusted and Markdown passes raw HTML through, so everything
Python-Markdown produces goes through :func:`clean_html` before it reaches a template.
Only the elements and attributes a policy brief needs survive (paragraphs, headings
h2–h6, lists, quotes, tables, links, images, figures, inline emphasis/code, and the
markup of the footnotes extension). Script, style, iframe, object, embed, form, link,
meta, base, svg, math and every other element are removed — the first group together
with their content; ``on*`` handlers and ``style`` attributes never survive; ``href``
allows only ``http``/``https``/``mailto`` and ``#fragments``; ``img src`` keeps paths and
``file:``/``http(s):`` URLs *for the fetcher to judge* (see below) and raster
``data:image/…`` URLs, and drops everything else (``javascript:``, ``data:text/html``,
``data:image/svg+xml``…).

Sanitising is silent by design (the HTML must always come out safe);
:func:`find_disallowed` says what was removed so the pipeline can warn the author, e.g.
``path:line: raw HTML <script> removed``.

Division of labour: this module decides which *markup* survives; what may be *loaded*
(``img src``) is decided by :class:`briefing.pdf.fetch.SandboxFetcher` alone (roots,
symlinks, size caps, ``allow_remote``), which makes a refused image a build error that
names the URL instead of a silently dropped ``src``.
Trusted code (generated SVG charts, template markup) is inserted *after* sanitising.

:class:`SanitizeExtension` (``briefing_sanitize``) runs both as Python-Markdown's last
postprocessor, so every fragment converted from content is sanitised by the converter itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "CONTENT_CLASSES",
    "SanitizeExtension",
    "clean_html",
    "find_disallowed",
]

log = logging.getLogger(__name__)

# fmt: off
ALLOWED_TAGS: frozenset[str] = frozenset({
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "a", "img", "figure", "figcaption",
    "em", "strong", "code", "pre", "sup", "sub", "br", "hr", "span", "div",
})

#: Removed together with everything inside them (their text is not content).
CLEAN_CONTENT_TAGS: frozenset[str] = frozenset({
    "script", "style", "iframe", "object", "embed", "applet", "noscript", "template",
    "svg", "math", "textarea", "select", "title", "noembed", "noframes", "xmp",
})
# fmt: on

_GENERIC = frozenset({"class", "id", "dir", "lang"})
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": _GENERIC,
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "th": frozenset({"align", "colspan", "rowspan"}),
    "td": frozenset({"align", "colspan", "rowspan"}),
    "ol": frozenset({"start"}),
}

#: The only ``class`` values content may set. The theme's structural classes (``marking``,
#: ``cover``, ``footnote``, ``box``, ``running-*``…) are not among them, so content cannot
#: forge a marking, a cover or a footnote; a house theme styles its own content classes under
#: the ``x-`` prefix (``<p class="x-board-note">``), which the theme never uses itself;
#: ``<code>`` also keeps ``language-*`` (the code's language, from a fenced block). The classes
#: briefing's own Markdown extensions set on what they make from content — captioned figures
#: and tables and their references (captions.py), names kept on one line (bidi.py) — style
#: numbering and line breaking only, so content may set them too.
CONTENT_CLASSES: frozenset[str] = frozenset(
    {
        "lead",
        "pull-quote",
        "ltr",
        "rtl",
        "image",
        "table",
        "xref",
        "xref-fig",
        "xref-tbl",
        "bidi-name",
    }
)
CONTENT_CLASS_PREFIX = "x-"

_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|jpg|gif|webp)[;,]", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_DIMENSION = re.compile(r"^\d{1,4}$")
_SPAN = re.compile(r"^\d{1,3}$")
_START = re.compile(r"^-?\d{1,6}$")
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_ALIGN = frozenset({"left", "right", "center", "justify"})
_DIR = frozenset({"ltr", "rtl", "auto"})
_MAX_SPAN = 100
_MAX_TOKEN = 200
# Browsers and WeasyPrint's URL parsing ignore these inside a scheme ("java\tscript:").
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _scheme(url: str) -> str | None:
    match = _SCHEME.match(_URL_JUNK.sub("", url))
    return match[1].lower() if match else None


def _href_ok(value: str) -> bool:
    value = value.strip()
    if value.startswith("#"):
        return True
    scheme = _scheme(value)
    if scheme not in _LINK_SCHEMES:
        return False
    return scheme == "mailto" or _valid_http(value)


def _valid_http(value: str) -> bool:
    """A parseable http(s) URL with a host (nh3 drops unparseable ones silently)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return bool(parts.hostname)


def _src_ok(value: str) -> bool:
    """Keep every ``img src`` the fetcher can judge; drop only what is never an image.

    Relative and absolute paths, ``file:``, ``http:`` and ``https:`` are left for
    :class:`~briefing.pdf.fetch.SandboxFetcher`, which decides (roots, symlinks, allow-list)
    and turns a refusal into a build error naming the URL — better for the author than a
    silently missing image, and the fetcher is the one guard for ``../`` paths anyway.
    """
    value = value.strip()
    if not value:
        return False
    scheme = _scheme(value)
    if scheme == "data":
        return bool(_DATA_IMAGE.match(_URL_JUNK.sub("", value)))
    if scheme in ("http", "https"):
        return _valid_http(value)
    return scheme is None or scheme == "file"


def _check(tag: str, attr: str, value: str) -> str | None:
    """Value filter behind nh3's name allow-list: the value to keep, or None to drop."""
    if attr == "href":
        return value if tag == "a" and _href_ok(value) else None
    if attr == "src":
        return value if tag == "img" and _src_ok(value) else None
    if attr in ("width", "height"):
        return value if _DIMENSION.match(value.strip()) else None
    if attr in ("colspan", "rowspan"):
        value = value.strip()
        return value if _SPAN.match(value) and 0 < int(value) <= _MAX_SPAN else None
    if attr == "align":
        value = value.strip().lower()
        return value if value in _ALIGN else None
    if attr == "start":
        return value.strip() if _START.match(value.strip()) else None
    if attr == "dir":
        value = value.strip().lower()
        return value if value in _DIR else None
    if attr == "lang":
        return value.strip() if _LANG.match(value.strip()) else None
    if attr == "class":
        kept = [
            c
            for c in value.split()
            if c in CONTENT_CLASSES
            or (c.startswith(CONTENT_CLASS_PREFIX) and len(c) > len(CONTENT_CLASS_PREFIX))
            or (tag == "code" and c.startswith("language-"))
        ]
        return " ".join(kept) if kept and len(value) <= _MAX_TOKEN else None
    if attr in ("id", "class", "title", "alt"):
        return value if len(value) <= (_MAX_TOKEN if attr in ("id", "class") else 2000) else None
    return None


def _attribute_allowed(tag: str, attr: str) -> bool:
    return attr in _GENERIC or attr in ALLOWED_ATTRIBUTES.get(tag, ())


@lru_cache(maxsize=1)
def _cleaner() -> Callable[[str], str]:
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        try:
            return _check(tag, attr, value)
        except Exception:  # a filter bug must drop the attribute, never keep it
            return None

    options: dict[str, Any] = {
        "tags": set(ALLOWED_TAGS),
        "clean_content_tags": set(CLEAN_CONTENT_TAGS),
        "attributes": {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        "attribute_filter": attribute_filter,
        "strip_comments": True,
        # No rel at all: rel="attachment" would make WeasyPrint embed the link target.
        # (The filter above would drop an inserted rel anyway: it knows no "rel".)
        "link_rel": None,
        "url_schemes": {"http", "https", "mailto", "data", "file"},  # narrowed by _check
    }
    if hasattr(nh3, "Cleaner"):  # nh3 >= 0.3: parse the options once
        return nh3.Cleaner(**options).clean
    return partial(nh3.clean, **options)


def clean_html(html: str) -> str:
    """Return ``html`` reduced to the brief allow-list (never raises on bad HTML)."""
    return _cleaner()(html)


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._seen: set[str] = set()
        self._inside_removed = 0  # depth inside script/svg/…: the content goes too

    def _add(self, item: str) -> None:
        if item not in self._seen:
            self._seen.add(item)
            self.found.append(item)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=True)

    def _start(
        self, tag: str, attrs: Iterable[tuple[str, str | None]], *, self_closing: bool
    ) -> None:
        if self._inside_removed:
            if tag in CLEAN_CONTENT_TAGS and not self_closing:
                self._inside_removed += 1
            return
        if tag not in ALLOWED_TAGS:
            self._add(f"<{tag}>")
            if tag in CLEAN_CONTENT_TAGS and not self_closing:
                self._inside_removed += 1
            return
        for attr, value in attrs:
            if not _attribute_allowed(tag, attr):
                self._add(f"<{tag} {attr}>")
            elif _check(tag, attr, value or "") is None:
                self._add(f'<{tag} {attr}="{_show(value or "")}">')

    def handle_endtag(self, tag: str) -> None:
        if self._inside_removed and tag in CLEAN_CONTENT_TAGS:
            self._inside_removed -= 1


def _show(value: str, limit: int = 60) -> str:
    """An attribute value fit for a one-line warning (control characters made visible)."""
    shown = _CONTROL.sub(lambda match: f"\\x{ord(match[0]):02x}", value[:limit])
    return shown + ("…" if len(value) > limit else "")


def find_disallowed(html: str) -> list[str]:
    """What :func:`clean_html` removes from ``html``, for warnings (first seen first).

    Items look like ``<script>`` (element), ``<img onerror>`` (attribute) or
    ``<a href="javascript:alert(1)">`` (attribute whose value is refused). Content
    inside removed-with-content elements (``<svg><image href=…>``) is not itemised.
    """
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found


# -- as a Python-Markdown extension --------------------------------------------------------

#: Character references that decode to STX or ETX, the characters of trusted placeholders
#: (:mod:`briefing.content.markdown.document`): content must not be able to write one.
_PLACEHOLDER_REFS = re.compile(r"&#(?:0*[23](?![0-9])|[xX]0*[23](?![0-9a-fA-F]));?")


class SanitizePostprocessor(Postprocessor):
    """Warn about and remove what the allow-list refuses, once Markdown has put raw HTML back.

    ``split`` cuts the text into parts sanitised one by one (a brief's sections: an element one
    leaves open cannot reach into the next); ``join`` puts them back together.
    """

    def __init__(
        self,
        md: Markdown,
        path: Path,
        line: int,
        split: Callable[[str], list[str]] | None = None,
        join: str = "",
    ) -> None:
        super().__init__(md)
        self.path, self.line, self.split, self.join = path, line, split, join

    def run(self, text: str) -> str:
        for what in find_disallowed(text):
            log.warning(
                "%s:%d: raw HTML %s removed (not allowed in content)", self.path, self.line, what
            )
        text = _PLACEHOLDER_REFS.sub("", text)
        parts = self.split(text) if self.split else [text]
        return self.join.join(clean_html(part) for part in parts)


class SanitizeExtension(Extension):
    """``briefing_sanitize``: every converted fragment through :func:`clean_html`."""

    def __init__(
        self,
        path: Path,
        line: int,
        split: Callable[[str], list[str]] | None = None,
        join: str = "",
    ) -> None:
        super().__init__()
        self.args = (path, line, split, join)

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's API
        # After raw_html (30) has put content's HTML back and amp_substitute (20).
        md.postprocessors.register(SanitizePostprocessor(md, *self.args), "briefing_sanitize", 5)
