"""The brief's files for a render on another machine: packed on the submitting machine,
unpacked into a temporary folder on the worker. The one place either happens.

Logos live outside the brief's folder, so a remote job carries them inside the HTML as
``data:`` URLs instead; fonts are the worker's own installed copies.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Iterable
from pathlib import Path

from briefing.errors import BriefError


def pack(folder: Path, limit: int) -> dict[str, bytes]:
    """The files of a brief's own folder (no symlinks, none over ``limit`` bytes)."""
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= limit:
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def embed(html: str, files: Iterable[Path]) -> str:
    """``html`` with every ``file://`` URL of ``files`` replaced by the file as a data URL."""
    for path in files:
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode()
        html = html.replace(path.as_uri(), f"data:{mime};base64,{data}")
    return html


def unpack(files: dict[str, bytes], folder: Path, source: str) -> Path:
    """Recreate a packed folder at ``folder``; an entry escaping it is the brief's error."""
    for rel, data in files.items():
        target = (folder / rel).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise BriefError(source, f"bundle entry escapes the brief folder: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
