"""Stage 6 — write: put finished PDFs (and the manifest) in place atomically.

A reader of the output folder (a web server, a sync job) must only ever see a complete old file
or a complete new one: we write to a temporary file in the same folder, flush it to disk, then
``os.replace`` it over the target. A failure at any point leaves the previous file untouched and
removes the temporary one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from briefing.errors import BriefError


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never partial."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise BriefError(path, f"cannot write output: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise BriefError(path, f"cannot write output: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_unique(claims: list[tuple[Path, str]]) -> None:
    """Two editions claiming one output path would overwrite each other: refuse it."""
    seen: dict[Path, str] = {}
    for path, who in claims:
        key = path.resolve()
        if key in seen:
            raise BriefError(path, f"two outputs claim this path: {seen[key]} and {who}")
        seen[key] = who
