"""The build cache: which outputs are up to date, and why.

Each output's key covers what it depends on: the brief's bytes, the files the render actually
loaded (images, fonts, logo — as reported by the sandboxed fetcher), the templates and CSS the
render actually used (re-resolved through the loaders each time, so adding an override that
shadows a built-in template is a change), the config that affects the edition, the package and
WeasyPrint versions and :data:`CACHE_VERSION`. Stored as JSON in the output folder (not pickle:
readable, and never breaks on a config object that cannot be pickled).

File hashes are memoised by (size, mtime_ns) so a no-op rebuild reads no file twice; a file
whose stat changed is hashed again, so touching without changing content costs a hash, not a
render.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.build.publish import atomic_write

log = logging.getLogger(__name__)

CACHE_VERSION = 2
CACHE_NAME = ".briefing-cache.json"


@dataclass
class FileHashes:
    """sha256 of files, memoised by stat; shared by every edition of one build."""

    known: dict[str, list[Any]] = field(default_factory=dict)  # path → [size, mtime_ns, sha]

    def digest(self, path: str) -> str | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        entry = self.known.get(path)
        if entry and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            return entry[2]
        with open(path, "rb") as handle:
            sha = hashlib.file_digest(handle, "sha256").hexdigest()
        self.known[path] = [st.st_size, st.st_mtime_ns, sha]
        return sha


@dataclass
class Cache:
    """Cache entries by output path (relative to the output folder)."""

    path: Path
    stamp: str  # package + WeasyPrint + cache-format versions
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: per brief (path relative to the project): its digest, the plan it was made with and its
    #: outputs — so an unchanged brief is not even parsed on the next build
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    hashes: FileHashes = field(default_factory=FileHashes)

    @classmethod
    def load(cls, out_dir: Path, stamp: str) -> Cache:
        path = out_dir / CACHE_NAME
        cache = cls(path, stamp)
        if not path.exists():
            return cache
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
                raise ValueError("written by another version of briefing")
            _check_shape(data)
            if data.get("stamp") != stamp:
                log.info("cache from another briefing/WeasyPrint version: rebuilding all")
                return cache
            cache.entries = dict(data["entries"])
            cache.sources = dict(data.get("sources", {}))
            cache.hashes.known = dict(data.get("files", {}))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("%s: unreadable build cache (%s); rebuilding everything", path, exc)
            cache.entries, cache.sources = {}, {}
            cache.hashes = FileHashes()
        return cache

    def save(self) -> None:
        used = {p for e in self.entries.values() for p in e.get("files", {})}
        files = {p: v for p, v in self.hashes.known.items() if p in used}
        data = {
            "version": CACHE_VERSION,
            "stamp": self.stamp,
            "entries": self.entries,
            "sources": self.sources,
            "files": files,
        }
        atomic_write(
            self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
        )

    # -------------------------------------------------------------------------- checks

    def fresh(
        self, output: str, key: str, resolve: Callable[[str], str | None], out_file: Path
    ) -> bool:
        """Is the recorded output for ``key`` still what a render would produce?

        ``resolve(name)`` gives the current ``path:sha256`` of a template name for the edition.
        """
        entry = self.entries.get(output)
        if not entry or entry.get("key") != key:
            return False
        if self.hashes.digest(str(out_file)) != entry.get("sha256"):
            return False  # deleted or modified by hand
        if any(resolve(name) != was for name, was in entry.get("templates", {}).items()):
            return False
        return all(self.hashes.digest(p) == sha for p, sha in entry.get("files", {}).items())

    def record(
        self,
        output: str,
        key: str,
        *,
        sha256: str,
        templates: dict[str, str],
        files: list[str],
        facts: dict[str, Any],
    ) -> None:
        self.entries[output] = {
            "key": key,
            "sha256": sha256,
            "templates": templates,
            "files": {p: self.hashes.digest(p) for p in files},
            **facts,
        }


def _check_shape(data: dict[str, Any]) -> None:
    """Valid JSON of the wrong shape (hand-edited, or from a broken tool) is discarded whole:
    the build trusts every field it reads from here. Output paths are checked again where they
    are used (they must stay inside the output folder)."""

    def fail(what: str) -> None:
        raise ValueError(f"{what} has the wrong shape")

    entries, sources, files = data["entries"], data.get("sources", {}), data.get("files", {})
    if not isinstance(entries, dict) or not all(
        isinstance(k, str)
        and isinstance(v, dict)
        and isinstance(v.get("key"), str)
        and isinstance(v.get("files", {}), dict)
        and isinstance(v.get("templates", {}), dict)
        for k, v in entries.items()
    ):
        fail("'entries'")
    if not isinstance(sources, dict) or not all(
        isinstance(k, str)
        and isinstance(v, dict)
        and isinstance(v.get("outputs"), list)
        and all(
            isinstance(o, list) and len(o) == 2 and all(isinstance(x, str) for x in o)
            for o in v["outputs"]
        )
        for k, v in sources.items()
    ):
        fail("'sources'")
    if not isinstance(files, dict) or not all(
        isinstance(v, list) and len(v) == 3 for v in files.values()
    ):
        fail("'files'")


def digest_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
