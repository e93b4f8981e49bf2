"""The document properties Word keeps in ``docProps/core.xml``: authors, keywords, dates.

pandoc's docx reader takes the title, subtitle, authors and date from *styled paragraphs* but
not from the file's properties, which is where Word puts the author ("File → Info") and the
keywords. The part is tiny and was already checked (size, depth, no DTD) by
:mod:`briefing.importer.safety`, so ElementTree reads it here.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dcterms": "http://purl.org/dc/terms/",
}
_LIST_SEPARATORS = re.compile(r"\s*[,;،؛]\s*")


@dataclass
class Properties:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    created: dt.date | None = None


def read_properties(path: Path) -> Properties:
    """What ``docProps/core.xml`` says; an absent or unreadable part gives empty properties
    (they are optional in OOXML, and the import then says which defaults it used)."""
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read("docProps/core.xml")
        root = ET.fromstring(raw)
    except (KeyError, zipfile.BadZipFile, ET.ParseError, OSError):
        return Properties()

    def text(tag: str) -> str | None:
        node = root.find(tag, _NS)
        value = (node.text or "").strip() if node is not None else ""
        return value or None

    creator = text("dc:creator")
    keywords = text("cp:keywords")
    return Properties(
        title=text("dc:title"),
        authors=[a for a in _LIST_SEPARATORS.split(creator) if a] if creator else [],
        keywords=[k for k in _LIST_SEPARATORS.split(keywords) if k] if keywords else [],
        created=parse_date(text("dcterms:created") or ""),
    )


def parse_date(value: str) -> dt.date | None:
    """A calendar day from ``2025-01-20`` or ``2025-01-20T09:00:00Z``; None otherwise."""
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match[1])
    except ValueError:
        return None
