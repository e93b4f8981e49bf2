"""What a screen reader is handed: the structure tree's text in tree order, by language.

Read through pdf.js (Firefox builds its accessibility tree from ``getStructTree()`` and the
text layer); the document's own ``/Lang`` (the default for elements without one) through
pikepdf, which pdf.js's API does not expose.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf

from . import PdfInput, pdfjs_struct_tree


def document_lang(pdf: PdfInput) -> str:
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else Path(pdf)
    with pikepdf.open(source) as document:
        return str(document.Root.get("/Lang", ""))


def text_by_language(pdf: PdfInput) -> dict[str, str]:
    """Each language's text, content leaves in tree order, one leaf per line.

    An element's language is its ``/Lang``, else its parent's, else the document's; the
    primary subtag only (``en-GB`` counts as ``en``).
    """
    default = document_lang(pdf)
    runs: dict[str, list[str]] = {}

    def walk(node: dict[str, Any], lang: str) -> None:
        lang = node.get("lang") or lang
        for kid in node.get("children", ()):
            if kid.get("type") == "content":
                runs.setdefault(lang.split("-")[0].lower(), []).append(kid.get("text", ""))
            elif "children" in kid:
                walk(kid, lang)

    for tree in pdfjs_struct_tree(pdf):
        if tree is not None:
            walk(tree, default)
    return {lang: "\n".join(texts) for lang, texts in runs.items()}
