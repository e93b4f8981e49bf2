"""Numbered, captioned figures and tables, and cross-references to them (a Markdown extension).

Syntax (documented in the README):

* an image alone in its paragraph is a figure; its caption is the image's title, else its alt
  text: ``![صادرات الذخيرة {#fig:shells}](shells.png "عنوان اختياري")``;
* a paragraph right after a table (a blank line between) that starts with ``جدول:``,
  ``Table:`` or ``:`` is that table's caption: ``: التجارة مع الجارين {#tbl:trade}``;
* ``{#fig:name}`` / ``{#tbl:name}`` at the end of a caption gives it a label, and
  ``[@fig:name]`` / ``[@tbl:name]`` anywhere in the text refers to it («شكل ٢», «جدول ١»).

Numbers are not written here: an edition may leave sections out, so the stylesheet numbers
figures and tables with CSS counters and prints references with ``target-counter()``, in the
edition's digits (templates/css/brief.css).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

_LABEL = re.compile(r"\s*\{#(?P<kind>fig|tbl):(?P<name>[A-Za-z0-9_-]{1,60})\}\s*$")
_TABLE_CAPTION = re.compile(r"^\s*(?:جدول\s*:|Table\s*:|:)\s*")
_WORD = {"fig": "شكل", "tbl": "جدول"}
_REF = re.compile(r"\[@(?P<kind>fig|tbl):(?P<name>[A-Za-z0-9_-]{1,60})\]")


def _label(text: str, kind: str) -> tuple[str, str | None]:
    """``text`` without its ``{#kind:name}`` label, and the element id the label names."""
    match = _LABEL.search(text)
    if not match or match["kind"] != kind:
        return text, None
    return text[: match.start()], f"{kind}-{match['name']}"


def _figure(p: ET.Element) -> ET.Element | None:
    """A ``<p>`` holding one image and nothing else → ``<figure class="image">``."""
    if len(p) != 1 or p[0].tag != "img" or (p.text or "").strip() or (p[0].tail or "").strip():
        return None
    img = p[0]
    img.tail = None
    alt, ident = _label(img.get("alt", ""), "fig")
    img.set("alt", alt.strip())
    caption = (img.get("title") or alt).strip()
    figure = ET.Element("figure", {"class": "image"})
    if ident:
        figure.set("id", ident)
    figure.append(img)
    if caption:
        ET.SubElement(figure, "figcaption").text = caption
    return figure


def _table_caption(table: ET.Element, p: ET.Element) -> ET.Element | None:
    """A table and the caption paragraph after it → ``<figure class="table">``."""
    if not _TABLE_CAPTION.match(p.text or ""):
        return None
    caption = ET.Element("figcaption")
    caption.text = _TABLE_CAPTION.sub("", p.text or "", count=1)
    caption.extend(list(p))
    ident = None
    holder = caption[-1] if len(caption) else caption
    attr = "tail" if len(caption) else "text"
    text, ident = _label(getattr(holder, attr) or "", "tbl")
    setattr(holder, attr, text)
    figure = ET.Element("figure", {"class": "table"})
    if ident:
        figure.set("id", ident)
    figure.append(caption)
    figure.append(table)
    return figure


def _references(parent: ET.Element) -> None:
    """``[@fig:name]`` in text and tails → ``<a class="xref xref-fig" href="#fig-name">``."""
    for child in list(parent):
        _references(child)
    _split(parent, "text")
    for child in list(parent):
        _split(child, "tail", parent)


def _split(node: ET.Element, attr: str, parent: ET.Element | None = None) -> None:
    text = getattr(node, attr)
    if not text or "[@" not in text:
        return
    pieces = _REF.split(text)  # text, kind, name, text, kind, name, …, text
    setattr(node, attr, pieces[0])
    links = []
    for i in range(1, len(pieces), 3):
        kind, name, after = pieces[i], pieces[i + 1], pieces[i + 2]
        link = ET.Element("a", {"class": f"xref xref-{kind}", "href": f"#{kind}-{name}"})
        link.text = _WORD[kind]  # the number is the stylesheet's target-counter()
        link.tail = after
        links.append(link)
    if attr == "text":
        for offset, link in enumerate(links):
            node.insert(offset, link)
    else:
        assert parent is not None
        at = list(parent).index(node) + 1
        for offset, link in enumerate(links):
            parent.insert(at + offset, link)


class CaptionTreeprocessor(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            children = list(parent)
            for i, child in enumerate(children):
                if child.tag == "p":
                    figure = _figure(child)
                    if figure is not None:
                        _replace(parent, child, figure)
                        continue
                if child.tag == "table" and i + 1 < len(children) and children[i + 1].tag == "p":
                    figure = _table_caption(child, children[i + 1])
                    if figure is not None:
                        parent.remove(children[i + 1])
                        _replace(parent, child, figure)
        _references(root)


def _replace(parent: ET.Element, old: ET.Element, new: ET.Element) -> None:
    at = list(parent).index(old)
    new.tail = old.tail
    parent.remove(old)
    parent.insert(at, new)


class CaptionExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's API
        # Before bidi isolation (priority 5), after inline patterns have made <img> and <a>.
        md.treeprocessors.register(CaptionTreeprocessor(md), "captions", 6)
