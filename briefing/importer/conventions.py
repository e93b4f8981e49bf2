"""The pandoc filter: a Word document's AST → the brief's conventions.

Operates on pandoc's JSON AST (plain dicts: ``{"t": type, "c": content}``), bottom-up:

- Heading 1 → ``##`` (a numbered section), Heading 2 → ``###``, deeper → ``####``; a number
  the author typed before a heading ("1." / "٢-") is removed, since the build numbers sections;
- tracked insertions accepted, deletions and comments dropped, each counted;
- pandoc's ``dir`` spans, bookmarks, underline and similar wrappers unwrapped (the brief sets
  direction itself; nothing is added to the text, so Arabic stays exactly as written);
- images renamed to ``figure-N.ext`` beside the brief, standalone ones as ``<figure>`` with
  their caption (or alt text); formats WeasyPrint cannot draw (EMF, WMF, TIFF) reported;
- equations, raw fields and other things a brief cannot hold reported with the section they
  were in — and kept as text where there is text to keep.

What is reported goes to :attr:`Converted.warnings`, never silently lost.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Node = dict[str, Any]

#: Image formats WeasyPrint draws, by magic bytes.
_IMAGE_KINDS = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpg", b"GIF8": "gif", b"RIFF": "webp"}
_NUMBER = re.compile(r"^[(\[]?[\d٠-٩]+(?:[.\-–][\d٠-٩]+)*[.\-–):]?$")
_EMPTY_ATTR: list[Any] = ["", [], []]
_TRACKED = {
    "insertion": "insertions",
    "paragraph-insertion": "insertions",
    "deletion": "deletions",
    "paragraph-deletion": "deletions",
    "comment-start": "comments",
}


@dataclass
class Converted:
    blocks: list[Node]
    meta: dict[str, Any]
    images: list[tuple[Path, str]] = field(default_factory=list)  # extracted file → new name
    notes: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    removed: Counter[str] = field(default_factory=Counter)  # words left out on purpose


def convert(ast: dict[str, Any], *, max_image_bytes: int) -> Converted:
    """Apply the brief's conventions to a pandoc AST read from .docx."""
    state = _State(max_image_bytes)
    blocks: list[Node] = []
    for block in ast["blocks"]:
        if block["t"] == "Header":
            state.where = f"section «{plain(block['c'][2])}»"
        made = state.walk_element(block)
        if block["t"] == "Header":
            made = _notes_out_of_heading(made, state)
        blocks.extend(made)
    blocks = _attach_pending(blocks)
    meta = {key: state.walk(value) for key, value in ast.get("meta", {}).items()}
    blocks = _title_notes(meta, state) + blocks
    result = Converted(
        blocks=blocks,
        meta=meta,
        images=state.images,
        notes=state.notes,
        changes=state.changes,
        warnings=state.warnings,
        removed=state.removed,
    )
    return result


_PENDING = "briefing-pending-notes"


def _notes_out_of_heading(made: list[Node], state: _State) -> list[Node]:
    """A heading cannot carry a footnote in the brief (its text is the contents entry and
    the bookmark); the call moves to the end of the paragraph that follows."""
    header = made[0]
    inlines = header["c"][2]
    notes = [i for i in inlines if i["t"] == "Note"]
    if not notes:
        return made
    header["c"][2] = [i for i in inlines if i["t"] != "Note"]
    state.warn("footnote on a heading moved to the end of the paragraph after it")
    return [header, {"t": _PENDING, "c": notes}]


def _attach_pending(blocks: list[Node]) -> list[Node]:
    out: list[Node] = []
    for block in blocks:
        if out and out[-1]["t"] == _PENDING and block["t"] == "Para":
            notes = out.pop()["c"]
            block = {"t": "Para", "c": [*block["c"], *notes]}
        out.append(block)
    return [{"t": "Para", "c": b["c"]} if b["t"] == _PENDING else b for b in out]


def _title_notes(meta: dict[str, Any], state: _State) -> list[Node]:
    """A footnote on the title or subtitle (an author's note, a disclaimer) has no place on
    the cover: its text becomes the first paragraph of the body, and the import says so."""
    paragraphs: list[Node] = []
    for key in ("title", "subtitle"):
        value = meta.get(key)
        if not value or value.get("t") != "MetaInlines":
            continue
        notes = [i for i in value["c"] if i["t"] == "Note"]
        if notes:
            value["c"] = [i for i in value["c"] if i["t"] != "Note"]
            state.notes -= len(notes)
            state.where = f"on the {key}"
            state.warn("footnote moved to the start of the body as a paragraph")
            paragraphs.extend(b for note in notes for b in note["c"])
    return paragraphs


class _State:
    def __init__(self, max_image_bytes: int) -> None:
        self.where = "before the first heading"
        self.images: list[tuple[Path, str]] = []
        self.notes = 0
        self.changes: Counter[str] = Counter()
        self.warnings: list[str] = []
        self.removed: Counter[str] = Counter()
        self.max_image_bytes = max_image_bytes
        self._handlers: dict[str, Callable[[Any], list[Node]]] = {
            "Span": self._span,
            "Div": lambda c: c[1],
            "Underline": lambda c: c,
            "SmallCaps": lambda c: c,
            "Strikeout": lambda c: c,
            "Cite": lambda c: c[1],
            "Math": self._math,
            "RawInline": self._raw,
            "RawBlock": self._raw,
            "Link": self._link,
            "Image": self._image,
            "Header": self._header,
            "Note": self._note,
            "Table": self._table,
            "Figure": self._figure,
            "Para": self._para,
            "Code": self._code,
            "CodeBlock": self._code_block,
            "BulletList": self._bullets,
            "OrderedList": self._ordered,
            "Str": self._str,
        }

    def warn(self, message: str) -> None:
        self.warnings.append(f"{message} ({self.where})")

    # -- the walk ---------------------------------------------------------------------------
    def walk(self, value: Any) -> Any:
        if isinstance(value, list):
            out: list[Any] = []
            for item in value:
                if isinstance(item, dict) and "t" in item:
                    out.extend(self.walk_element(item))
                else:
                    out.append(self.walk(item))
            return out
        if isinstance(value, dict):
            return {k: self.walk(v) for k, v in value.items()}
        return value

    def walk_element(self, node: Node) -> list[Node]:
        """Children first, then the node's own rule; returns what replaces it (0..n nodes)."""
        content = self.walk(node["c"]) if "c" in node else None
        handler = self._handlers.get(node["t"])
        if handler is None:
            return [{"t": node["t"], "c": content} if "c" in node else {"t": node["t"]}]
        return handler(content)

    # -- inlines ----------------------------------------------------------------------------
    def _span(self, c: Any) -> list[Node]:
        attr, inlines = c
        for cls in attr[1]:
            if cls in _TRACKED:
                self.changes[_TRACKED[cls]] += 1
                return inlines if _TRACKED[cls] == "insertions" else []
            if cls == "comment-end":
                return []
        return inlines  # direction, bookmarks, underline…: wrappers only

    def _str(self, c: str) -> list[Node]:
        # "[^1]" typed in Word is text, but the brief would read it as a footnote call: its
        # bracket goes out as an HTML character reference, which prints the same "[".
        if "[^" not in c:
            return [{"t": "Str", "c": c}]
        out: list[Node] = []
        for n, piece in enumerate(c.split("[^")):
            if n:
                out.extend([{"t": "RawInline", "c": ["html", "&#91;"]}, {"t": "Str", "c": "^"}])
            if piece:
                out.append({"t": "Str", "c": piece})
        return out

    def _math(self, c: Any) -> list[Node]:
        self.warn(f"equation not carried, its TeX kept as code: {c[1][:60]}")
        return [{"t": "Code", "c": [_EMPTY_ATTR, c[1]]}]

    def _raw(self, c: Any) -> list[Node]:
        self.warn(f"raw {c[0]} content dropped: {c[1][:60]!r}")
        return []

    def _code(self, c: Any) -> list[Node]:
        return [{"t": "Code", "c": [_EMPTY_ATTR, c[1]]}]

    def _code_block(self, c: Any) -> list[Node]:
        return [{"t": "CodeBlock", "c": [_EMPTY_ATTR, c[1]]}]

    def _link(self, c: Any) -> list[Node]:
        _attr, inlines, (url, title) = c
        if not url.startswith(("http://", "https://", "mailto:")):
            return inlines  # internal bookmarks and local files mean nothing in the brief
        return [{"t": "Link", "c": [_EMPTY_ATTR, inlines, [url, title]]}]

    def _image(self, c: Any) -> list[Node]:
        _attr, alt, (src, title) = c
        name = self._take_image(Path(src), plain(alt) or title)
        if name is None:
            return alt
        return [{"t": "Image", "c": [_EMPTY_ATTR, alt, [name, title]]}]

    def _take_image(self, src: Path, label: str) -> str | None:
        try:
            data = src.read_bytes()[:16] if src.is_file() else b""
            size = src.stat().st_size if src.is_file() else 0
        except OSError:
            data, size = b"", 0
        kind = next((k for magic, k in _IMAGE_KINDS.items() if data.startswith(magic)), None)
        if kind is None:
            self.warn(
                f"image «{label}» ({src.name}) is not PNG, JPEG, GIF or WebP (EMF, WMF "
                "or TIFF?); not carried — save it as PNG and add it by hand"
            )
            return None
        if size > self.max_image_bytes:
            self.warn(
                f"image «{label}» is {size:,} bytes (limit {self.max_image_bytes:,}); not carried"
            )
            return None
        for old, new in self.images:
            if old == src:
                return new
        name = f"figure-{len(self.images) + 1}.{kind}"
        self.images.append((src, name))
        return name

    def _note(self, c: Any) -> list[Node]:
        self.notes += 1
        return [{"t": "Note", "c": c}]

    # -- blocks -----------------------------------------------------------------------------
    def _header(self, c: Any) -> list[Node]:
        level, _attr, inlines = c
        inlines = self._drop_typed_number(inlines)
        return [{"t": "Header", "c": [min(level + 1, 4), _EMPTY_ATTR, inlines]}]

    def _drop_typed_number(self, inlines: list[Node]) -> list[Node]:
        if (
            len(inlines) > 2
            and inlines[0]["t"] == "Str"
            and inlines[1]["t"] == "Space"
            and _NUMBER.match(inlines[0]["c"])
        ):
            self.warn(
                f"typed heading number «{inlines[0]['c']}» removed: the build numbers sections"
            )
            self.removed.update(re.findall(r"\w+", inlines[0]["c"]))
            return inlines[2:]
        return inlines

    def _para(self, c: Any) -> list[Node]:
        images = [i for i in c if i["t"] == "Image"]
        rest = [i for i in c if i["t"] not in ("Image", "Space", "SoftBreak", "LineBreak")]
        if len(images) == 1 and not rest:
            _attr, alt, (src, title) = images[0]["c"]
            return [_figure_html(src, plain(alt) or title, plain(alt) or title)]
        return [{"t": "Para", "c": c}]

    def _bullets(self, c: Any) -> list[Node]:
        return [{"t": "BulletList", "c": _tight(c)}]

    def _ordered(self, c: Any) -> list[Node]:
        (start, _style, _delim), items = c
        # Python-Markdown numbers from the first item's number; styles (a., i.) it has not.
        return [
            {
                "t": "OrderedList",
                "c": [[start, {"t": "DefaultStyle"}, {"t": "Period"}], _tight(items)],
            }
        ]

    def _figure(self, c: Any) -> list[Node]:
        _attr, (_short, caption_blocks), body = c
        caption = " ".join(plain(b["c"]) for b in caption_blocks if b["t"] in ("Plain", "Para"))
        images = [
            i for b in body if b["t"] in ("Plain", "Para") for i in b["c"] if i["t"] == "Image"
        ]
        if len(images) != 1:
            return [*body, *([{"t": "Para", "c": _text(caption)}] if caption else [])]
        _a, alt, (src, title) = images[0]["c"]
        return [_figure_html(src, plain(alt) or title, caption or plain(alt) or title)]

    def _table(self, c: Any) -> list[Node]:
        attr, caption, colspecs, head, bodies, foot = c
        colspecs = [[align, {"t": "ColWidthDefault"}] for align, _width in colspecs]
        head_attr, head_rows = head
        if not head_rows and bodies and bodies[0][3]:
            # Word tables rarely mark a header row; the brief's tables need one, and the first
            # row is the header in every analyst's table we have seen.
            body_attr, row_heads, inter, rows = bodies[0]
            head_rows = [rows[0]]
            bodies = [[body_attr, row_heads, inter, rows[1:]], *bodies[1:]]
        caption_blocks = caption[1]
        table = {
            "t": "Table",
            "c": [attr, [None, []], colspecs, [head_attr, head_rows], bodies, foot],
        }
        return [table, *caption_blocks]


def _tight(items: list[list[Node]]) -> list[list[Node]]:
    """One-paragraph entries as tight list items (no blank line between them)."""
    return [
        [{"t": "Plain", "c": e[0]["c"]}] if len(e) == 1 and e[0]["t"] == "Para" else e
        for e in items
    ]


def _figure_html(src: str, alt: str, caption: str) -> Node:
    """A standalone image as the brief's ``<figure>`` (the sanitiser's allow-list keeps it)."""
    esc = html.escape
    fig = f'<figure><img src="{esc(src)}" alt="{esc(alt)}" />'
    if caption:
        fig += f"<figcaption>{esc(caption, quote=False)}</figcaption>"
    return {"t": "RawBlock", "c": ["html", fig + "</figure>"]}


def _text(words: str) -> list[Node]:
    out: list[Node] = []
    for word in words.split():
        if out:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def plain(inlines: Any) -> str:
    """The text of inline nodes (footnotes left out)."""
    parts: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            kind = value.get("t")
            if kind == "Str":
                parts.append(value["c"])
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif kind in ("Code", "Math"):
                parts.append(value["c"][1])
            elif kind == "Note":
                return
            elif "c" in value:
                visit(value["c"])

    visit(inlines)
    return " ".join("".join(parts).split())
