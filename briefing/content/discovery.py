"""Stage 1a — discovery: which files are briefs, and the name (slug) each one's outputs take.

A brief is ``content/<slug>.md`` or ``content/<slug>/index.md``; its slug becomes a file or
folder name in the output folder, so a slug that could name a path, a hidden file or one of
the build's own files is refused here, before anything is read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from briefing.errors import BriefError, printable


def find_briefs(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders into brief files, sorted for reproducible builds.

    A folder yields every ``*.md`` directly inside it and every ``*/index.md`` one level down
    (a brief with its images beside it). Other Markdown files inside a brief folder are not briefs.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.glob("*.md") if p.is_file())
            found.extend(p for p in path.glob("*/index.md") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise BriefError(path, "no such file or folder")
    return sorted(set(found))


def slug_of(path: Path) -> str:
    """``content/x.md`` and ``content/x/index.md`` are both the brief ``x`` (NFC: the NFD
    spelling a Mac writes is the same name, not a second brief that looks the same)."""
    return unicodedata.normalize("NFC", path.parent.name if path.name == "index.md" else path.stem)


#: Names a brief cannot take: the build's own files, and the preview's own routes.
RESERVED_SLUGS = frozenset({"manifest.json", "_version", "_fonts", "_logo", "_pdf", "favicon.ico"})
_UNSAFE_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f/\\\\\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name a brief's outputs, or None when it can.

    The slug becomes a folder or file name in the output folder (``paths.output_name``): it must
    be one plain name there, never ``..``, a hidden file, a path, or one of the build's files.
    """
    if not slug:
        return "the brief's name is empty"
    if slug.startswith("."):
        return f"the brief's name {escape(slug)} starts with '.' (hidden, or a path like '..')"
    bad = _UNSAFE_CHARS.search(slug)
    if bad:
        return (
            f"the brief's name {escape(slug)} contains {escape(bad[0])} (control, bidi or "
            "path characters); rename the file"
        )
    if slug in RESERVED_SLUGS:
        return f"the brief's name {escape(slug)} is reserved for the build's own files"
    return None


def escape(text: str) -> str:
    """A file name or value as printed in messages: quoted, control and bidi characters as
    escapes (a tab, a newline or a right-to-left override would garble the terminal)."""
    return "'" + printable(text) + "'"


def leaves_folder(path: Path, folder: Path) -> bool:
    """Is ``path`` (inside ``folder`` by name) really somewhere else, through a symlink?"""
    try:
        return not path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return True
