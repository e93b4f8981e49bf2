"""Paths the build names: relative ones for the cache and messages, and the check every
output path goes through before anything is written or removed."""

from __future__ import annotations

import os
from pathlib import Path

#: The build's own files in the output folder: never an output, never removed as stale.
MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".briefing.lock"
CACHE_NAME = ".briefing-cache.json"
UPTODATE_NAME = ".briefing-uptodate.json"  # see briefing.build.uptodate


def relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` (both resolved), POSIX style; as given when outside it."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def inside(out_dir: Path, rel: str) -> Path | None:
    """``out_dir / rel`` when it stays inside the output folder (following symlinks) and is
    none of the build's own files; None otherwise. Every path written or removed is checked."""
    if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel:
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts) or parts[0] in (
        MANIFEST_NAME,
        LOCK_NAME,
        CACHE_NAME,
        UPTODATE_NAME,
    ):
        return None
    path = out_dir / rel
    try:
        if not path.resolve().is_relative_to(out_dir.resolve()):
            return None
    except (OSError, RuntimeError):
        return None
    return path


def signature(path: str) -> list[int] | None:
    """What any change to the file or folder ``path`` changes: size, mtime, ctime (set by the
    kernel on every change, and no tool can set it back) and inode (a replaced file has a new
    one); None when it is not there. The build cache memoises hashes by it, and a no-op rebuild
    is answered by it (:mod:`briefing.build.uptodate`)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
