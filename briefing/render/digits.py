"""One digit system per edition: the author's numbers rewritten in the edition's ``digits``.

Furniture, list numbers, dates and charts are already formatted per edition (CSS counters,
the ``num`` filters, :mod:`briefing.figures`); the author's own numbers in the body, tables,
footnotes, summary and captions are whatever was typed. This pass rewrites them in the finished
HTML document, text nodes only, so that an Arabic page never shows two systems:

* ``arabic`` — ٠–٩, with ٪ for a percent sign after a digit, ٫ and ٬ between digits;
* ``latin`` — 0–9 with % . , (Arabic-Indic digits an author typed become Western);
* ``as-written`` — the text is left as typed (the furniture then uses Western digits).

Never inside a Latin phrase or an English page (anything under ``lang="en"`` or ``dir="ltr"``,
which :mod:`briefing.content.markdown.bidi` puts on every Latin run), nor in code, URLs' text
inside such runs,
styles, scripts, the document head or inline SVG (charts format their own numbers). The
conversions themselves are :func:`briefing.i18n.to_arabic` and :func:`briefing.i18n.to_latin`.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

from briefing.i18n import to_arabic, to_latin

_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)
_SKIP = frozenset({"head", "style", "script", "code", "pre", "svg", "title"})


class _Rewriter(HTMLParser):
    def __init__(self, convert: Callable[[str], str]) -> None:
        super().__init__(convert_charrefs=False)
        self.convert = convert
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")
        if tag in _VOID:
            return
        values = dict(attrs)
        foreign = (values.get("lang") or "").startswith("en") or values.get("dir") == "ltr"
        self.stack.append((tag, self._skipped() or tag in _SKIP or foreign))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")
        for i in range(len(self.stack) - 1, -1, -1):  # tolerate an unclosed <p> or <li>
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.out.append(data if self._skipped() else self.convert(data))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")


def apply(html: str, digits: str) -> str:
    """The document ``html`` with its Arabic text's numbers in the ``digits`` system."""
    if digits == "as-written":
        return html
    rewriter = _Rewriter(to_arabic if digits == "arabic" else to_latin)
    rewriter.feed(html)
    rewriter.close()
    return "".join(rewriter.out)
