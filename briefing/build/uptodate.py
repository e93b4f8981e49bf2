"""A no-op rebuild answered from one file: what the last build verified, by file metadata.

A ``briefing build`` with nothing to do spent most of its time importing what would check
that nothing changed — pydantic and the config schema, Jinja for the template chain — and then
making the cache's keys: 0.7 s for a catalogue of 150 outputs, most of it before the first
key. Build systems answer "nothing changed" from file metadata (make, ninja's log, git's
index); so does this module, in front of the cache:

* at the end of a build in which nothing failed, :func:`record` writes, beside the cache,
  every input the cache's keys were made from — the config file, the briefs, each output's
  files and templates — and every folder whose listing decides which briefs are found or
  which template wins (the content folder, the template chain, the fonts folder), each with
  its stat signature; the outputs and the build's own files with theirs; and the report a
  no-op would give;
* :func:`noop_report`, called by ``briefing build`` before anything of the build is
  imported, gives that report back when the command, the versions and every signature are
  what was recorded; otherwise None, and the build runs as always. The cache still decides
  what is fresh; this only spares asking it when no file it could look at has been touched.

A signature is (size, mtime, ctime, inode). The kernel sets ctime on every change, and no
tool can set it back (``touch -r``, ``rsync -t`` and ``git checkout`` restore or set mtimes
only); a replaced file has a new inode; a folder's times change when an entry is added,
removed or renamed in it. What metadata cannot show is a change made in the same clock tick
as the stat that recorded it (git calls such files racy). So no record is written when any
input changed later than :data:`RACY_NS` before the build began (which also covers an edit
made while the build was reading); the next no-op asks the cache, and records.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import tomllib
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.build.paths import CACHE_NAME, MANIFEST_NAME, UPTODATE_NAME
from briefing.build.report import Report, Result
from briefing.build.versions import stamp
from briefing.config.defaults import CONFIG_NAME, OUTPUT_DIR

if TYPE_CHECKING:
    from briefing.build.cache import Cache
    from briefing.config import Config

RECORD_VERSION = 1
#: Inputs changed this close to the build's start are racy: the coarsest timestamps of common
#: file systems (FAT, some network shares) are 2 s apart.
RACY_NS = 2_000_000_000
#: Folders watched per build at most, and how deep below each root: past either, no record
#: (a no-op then asks the cache, as before). Bounds the no-op's own work.
MAX_FOLDERS = 5000
MAX_DEPTH = 8

Signature = list[int] | None


def signature(path: str) -> Signature:
    """What a change to ``path`` changes (the module docstring); None when it is not there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def command(
    root: Path, out_dir: Path, paths: Sequence[Path], audiences: Collection[str] | None
) -> dict[str, Any]:
    """What a build was asked for, as the record keeps it: the printed paths of a report
    are relative to the working folder, so that is part of it too."""
    return {
        "cwd": os.getcwd(),
        "root": str(root),
        "out": str(out_dir),
        "paths": [str(p) for p in paths],
        "audiences": sorted(audiences) if audiences else None,
    }


def output_dir(root: Path, out: Path | None) -> Path | None:
    """The output folder a build of ``root`` writes to, read from ``briefing.toml`` without
    validating it (that is what this module avoids); None when it cannot tell. A wrong guess
    costs nothing: the record there was written for these exact config bytes, or is not used.
    """
    if out is not None:
        return out
    try:
        data = tomllib.loads((root / CONFIG_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, ValueError):
        return None
    paths = data.get("paths", {})
    folder = paths.get("output", OUTPUT_DIR) if isinstance(paths, dict) else None
    return root / folder if isinstance(folder, str) else None


# ------------------------------------------------------------------------------ the answer


def noop_report(
    root: Path, out: Path | None, paths: Sequence[Path], audiences: Collection[str] | None
) -> Report | None:
    """The report of a build that would find nothing to do, when the record says so."""
    started = time.perf_counter()
    out_dir = output_dir(root, out)
    if out_dir is None:
        return None
    try:
        data = json.loads((out_dir / UPTODATE_NAME).read_bytes())
        if (
            data["version"] != RECORD_VERSION
            or data["command"] != command(root, out_dir, paths, audiences)
            or data["stamp"] != stamp()
        ):
            return None
        files = {**data["inputs"], **data["outputs"]}
        if any(signature(path) != was for path, was in files.items()):
            return None
        results = [
            Result(name, Path(src), Path(out), "skipped", pages=pages, fidelity=fid, sha256=sha)
            for name, src, out, pages, fid, sha in data["results"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no record, or not one this version wrote: the build will tell
    return Report(results=results, seconds=time.perf_counter() - started)


# ------------------------------------------------------------------------------ the record


class _TooMany(Exception):
    """More folders to watch than :data:`MAX_FOLDERS`, or deeper than :data:`MAX_DEPTH`."""


def record(
    config: Config,
    cache: Cache,
    asked: dict[str, Any],
    noop: Sequence[Result],
    *,
    out_dir: Path,
    briefs: Iterable[Path],
    ok: bool,
    started_ns: int,
) -> None:
    """Write the record of a build that has just finished: ``asked`` is its :func:`command`,
    ``noop`` the report a build with nothing to do would give now (every output skipped).
    When this build cannot vouch for that — something failed, or an input is racy — the last
    record is removed instead."""
    from briefing.build.publish import write_if_changed

    path = out_dir / UPTODATE_NAME
    data = _record_data(config, cache, asked, noop, out_dir, briefs, started_ns) if ok else None
    if data is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    write_if_changed(path, json.dumps(data, ensure_ascii=False, sort_keys=True).encode())


def _record_data(
    config: Config,
    cache: Cache,
    asked: dict[str, Any],
    noop: Sequence[Result],
    out_dir: Path,
    briefs: Iterable[Path],
    started_ns: int,
) -> dict[str, Any] | None:
    try:
        folders = _folders(config, asked)
    except _TooMany:
        return None
    inputs = {p: signature(p) for p in _inputs(config, cache, out_dir, briefs, noop)}
    inputs.update((p, signature(p)) for p in folders)
    if any(sig and max(sig[1], sig[2]) >= started_ns - RACY_NS for sig in inputs.values()):
        return None
    own = [str(out_dir / name) for name in (CACHE_NAME, MANIFEST_NAME)]
    outputs = [str(r.output) for r in noop] + own
    return {
        "version": RECORD_VERSION,
        "stamp": stamp(),
        "command": asked,
        "inputs": inputs,
        "outputs": {p: signature(p) for p in outputs},
        "results": [
            [r.name, str(r.source), str(r.output), r.pages, r.fidelity, r.sha256] for r in noop
        ],
    }


def _inputs(
    config: Config, cache: Cache, out_dir: Path, briefs: Iterable[Path], noop: Sequence[Result]
) -> Iterator[str]:
    """Every file the cache's keys of these outputs were made from."""
    from briefing.build.paths import relative

    yield str(config.root / CONFIG_NAME)
    yield from (str(p) for p in briefs)
    for result in noop:
        entry = cache.entries.get(relative(result.output, out_dir), {})
        yield from entry.get("files", {})
        for resolved in entry.get("templates", {}).values():
            if resolved:
                yield resolved.rpartition(":")[0]  # "path:sha256"


def _folders(config: Config, asked: dict[str, Any]) -> list[str]:
    """The folders whose listings decide what the build finds: where briefs are looked for,
    every folder of each audience's template chain (and where the missing ones would be
    made), the fonts folder."""
    project = config.root / config.paths.templates
    paths = [Path(p) for p in asked["paths"]]
    roots = [p for p in paths if p.is_dir()] if paths else [config.content_dir]
    for name in asked["audiences"] or config.audiences:
        roots += [*config.template_dirs(name), project, project / name]
    roots.append(config.fonts_dir)
    found: dict[str, None] = {}
    for root in roots:
        found.update((folder, None) for folder in _tree(root))
        if len(found) > MAX_FOLDERS:
            raise _TooMany
    return list(found)


def _tree(top: Path) -> Iterator[str]:
    """``top`` and the folders below it (symlinks followed); for a folder that is not there,
    the nearest one above it, where it would appear."""
    if not top.is_dir():
        parent = top.parent
        while parent != parent.parent and not parent.is_dir():
            parent = parent.parent
        yield os.path.abspath(parent)
        return
    stack = [(os.path.abspath(top), 0)]
    while stack:
        folder, depth = stack.pop()
        yield folder
        below: list[str] = []
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            below = [e.path for e in entries if e.is_dir()]
        if below and depth >= MAX_DEPTH:
            raise _TooMany
        stack += [(p, depth + 1) for p in below]
