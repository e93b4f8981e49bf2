"""Sections an author titled «التوصيات», «المصادر», «ملخص» or «أبرز النقاط» → front matter.

The brief prints these as its own boxes (summary, key points, recommendations, sources), so a
Word document's section of the same name belongs in the front matter. It is moved only when
that is unambiguous: exactly one section has the name, it has no subsections, and it holds only
what the field can hold — one list (or plain paragraphs) of text without footnotes, images or
tables. Anything else stays in the body, and the import says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from briefing.importer.conventions import Node, plain

_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")

#: heading text (tashkeel, tatweel and punctuation removed) → front-matter key
NAMES: dict[str, str] = {
    **dict.fromkeys(
        ["التوصيات", "توصيات", "توصيات السياسات", "التوصيات السياساتية"], "recommendations"
    ),
    **dict.fromkeys(
        [
            "المصادر",
            "مصادر",
            "المراجع",
            "مراجع",
            "المصادر والمراجع",
            "قائمة المصادر",
            "قائمة المراجع",
        ],
        "sources",
    ),
    **dict.fromkeys(["ملخص", "الملخص", "ملخص تنفيذي", "الملخص التنفيذي"], "summary"),
    **dict.fromkeys(["أبرز النقاط", "النقاط الرئيسية", "أهم النقاط"], "key_points"),
}


@dataclass
class Moved:
    key: str
    title: str
    items: list[list[Node]]  # one block list per list entry (summary: its paragraphs)


def field_of(title: str) -> str | None:
    key = " ".join(re.sub(r"[^\w\s]", " ", _MARKS.sub("", title)).split())
    return NAMES.get(key)


def move_sections(blocks: list[Node]) -> tuple[list[Node], list[Moved], list[str]]:
    """Take the matching top-level sections out of ``blocks``; return what was moved and why
    others were left."""
    spans = _sections(blocks)
    by_key: dict[str, list[tuple[int, int, str]]] = {}
    for start, end in spans:
        title = plain(blocks[start]["c"][2])
        key = field_of(title)
        if key:
            by_key.setdefault(key, []).append((start, end, title))
    moved: list[Moved] = []
    notes: list[str] = []
    remove: set[int] = set()
    for key, found in by_key.items():
        if len(found) > 1:
            names = "», «".join(t for _s, _e, t in found)
            notes.append(f"sections «{names}» all look like '{key}'; left in the body")
            continue
        start, end, title = found[0]
        items, why = _items(key, blocks[start + 1 : end])
        if items is None:
            notes.append(f"section «{title}» left in the body, not moved to '{key}': {why}")
            continue
        moved.append(Moved(key, title, items))
        remove.update(range(start, end))
    kept = [b for i, b in enumerate(blocks) if i not in remove]
    return kept, moved, notes


def _sections(blocks: list[Node]) -> list[tuple[int, int]]:
    """(start, end) of every ``##`` section: its heading up to the next ``##``."""
    starts = [i for i, b in enumerate(blocks) if b["t"] == "Header" and b["c"][0] == 2]
    return [
        (s, (starts[n + 1] if n + 1 < len(starts) else len(blocks))) for n, s in enumerate(starts)
    ]


def _items(key: str, body: list[Node]) -> tuple[list[list[Node]] | None, str]:
    if not body:
        return None, "it is empty"
    kinds = {b["t"] for b in body}
    if _has(body, {"Note"}):
        return None, "it has footnotes, which a front-matter field cannot hold"
    if _has(body, {"Image", "Table", "Header", "RawBlock", "CodeBlock", "BlockQuote"}):
        return None, "it holds more than text (a subsection, table, image or quote)"
    if key == "summary":
        if kinds <= {"Para", "Plain"}:
            return [[{"t": "Para", "c": b["c"]} for b in body]], ""
        return None, "a summary is paragraphs, and this section has lists"
    if kinds <= {"BulletList", "OrderedList"} and len(body) == 1:
        entries = body[0]["c"] if body[0]["t"] == "BulletList" else body[0]["c"][1]
        if all(len(e) == 1 and e[0]["t"] in ("Para", "Plain") for e in entries):
            return [[{"t": "Para", "c": e[0]["c"]}] for e in entries], ""
        return None, "its list has nested lists or several paragraphs in one entry"
    if kinds <= {"Para", "Plain"}:
        return [[{"t": "Para", "c": b["c"]}] for b in body], ""
    return None, "it mixes lists and paragraphs"


def _has(value: Any, kinds: set[str]) -> bool:
    if isinstance(value, list):
        return any(_has(v, kinds) for v in value)
    if isinstance(value, dict):
        return value.get("t") in kinds or _has(value.get("c"), kinds)
    return False
