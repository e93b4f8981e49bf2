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
made while the build was reading); the next no-op asks the cache, and records. Nor when the
record could not see a change: a symlink that leads nowhere yet, a folder it cannot read.

What it assumes, as the cache's hash memo does: a file system that keeps ctime and inodes
(FAT and exFAT report ctime as mtime, so ``touch -r`` after a same-size edit goes unseen
there, by the cache too) and a clock within 2 s of the file server's. In a checkout of
briefing itself, editing its Python code is not a change (the versions stay the same).
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

from briefing.build.paths import CACHE_NAME, MANIFEST_NAME, UPTODATE_NAME, signature
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


def command(
    root: Path, out_dir: Path, paths: Sequence[Path], audiences: Collection[str] | None
) -> dict[str, Any] | None:
    """What a build was asked for, as the record keeps it: the printed paths of a report
    are relative to the working folder, so that is part of it too (None when the working
    folder is gone: then there is no record, and no answer)."""
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    return {
        "cwd": cwd,
        "root": str(root),
        "out": str(out_dir),
        "paths": [str(p) for p in paths],
        "audiences": sorted(audiences) if audiences else None,
    }


def output_dir(root: Path, out: Path | None) -> Path | None:
    """The output folder a build of ``root`` writes to, read from ``briefing.toml`` without
    validating it (that is what this module avoids); None when it cannot tell. A wrong guess
    costs nothing: a record is only used while the config file has the signature it had when
    the record was written.
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
    asked = None if out_dir is None else command(root, out_dir, paths, audiences)
    if out_dir is None or asked is None:
        return None
    try:
        data = json.loads((out_dir / UPTODATE_NAME).read_bytes())
        if (
            data["version"] != RECORD_VERSION
            or data["command"] != asked
            or data["stamp"] != stamp()
        ):
            return None
        files = {**data["inputs"], **data["outputs"]}
        if any(signature(path) != was for path, was in files.items()):
            return None
        results = [
            Result(name, Path(src), Path(dst), "skipped", pages=pages, fidelity=fid, sha256=sha)
            for name, src, dst, pages, fid, sha in data["results"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None  # no record, or not one this version wrote: the build will tell
    return Report(results=results, seconds=time.perf_counter() - started)


# ------------------------------------------------------------------------------ the record


class _Unsure(Exception):
    """A folder the record cannot vouch for: too many or too deep to watch (past
    :data:`MAX_FOLDERS` or :data:`MAX_DEPTH`), or a symlink that leads nowhere (what appears
    at its target would change no folder the record watches)."""


def record(
    config: Config,
    cache: Cache,
    asked: dict[str, Any] | None,
    noop: Sequence[Result] | None,
    *,
    out_dir: Path,
    briefs: Iterable[Path],
    started_ns: int,
) -> None:
    """Write the record of a build that has just finished: ``asked`` is its :func:`command`,
    ``noop`` the report a build with nothing to do would give now (every output skipped), or
    None when this build cannot vouch for one (something failed). Then, or when an input is
    racy, the last record is removed instead."""
    from briefing.build.publish import write_if_changed

    path = out_dir / UPTODATE_NAME
    data = None
    if asked is not None and noop is not None:
        data = _record_data(config, cache, asked, noop, out_dir, briefs, started_ns)
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
        folders = _folders(config, asked, out_dir)
    except _Unsure:
        return None
    inputs = {p: signature(p) for p in set(_inputs(config, cache, out_dir, briefs, noop))}
    inputs.update((p, signature(p)) for p in folders)
    if any(sig and max(sig[1], sig[2]) >= started_ns - RACY_NS for sig in inputs.values()):
        return None
    own = [str(out_dir / name) for name in (CACHE_NAME, MANIFEST_NAME)]
    outputs = [str(r.output) for r in noop] + own
    return {
        "version": RECORD_VERSION,
        "stamp": cache.stamp,  # the versions this build's cache was read for
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
    """Every file the build read or checked: the config and the logos it names (the config is
    refused when one is missing), the briefs, the source of every output the cache knows (a
    build of some paths still removes the outputs of a brief that is gone), and each output's
    files and templates."""
    yield str(config.root / CONFIG_NAME)
    yield from (str(p) for p in config.logo_files())
    yield from (str(p) for p in briefs)
    for entry in cache.entries.values():
        if entry.get("source"):
            yield str(config.root / entry["source"])
    for result in noop:
        # the record's results are out_dir / (the cache's name): no need to resolve it again
        entry = cache.entries.get(result.output.relative_to(out_dir).as_posix(), {})
        yield from entry.get("files", {})
        for resolved in entry.get("templates", {}).values():
            if resolved:
                yield resolved.rpartition(":")[0]  # "path:sha256"


def _folders(config: Config, asked: dict[str, Any], out_dir: Path) -> list[str]:
    """The folders whose listings decide what the build finds: where briefs are looked for,
    every folder of each audience's template chain (and where the missing ones would be
    made), the fonts folder. The output folder is left out: the build writes there."""
    project = config.root / config.paths.templates
    paths = [Path(p) for p in asked["paths"]]
    roots = [p for p in paths if p.is_dir()] if paths else [config.content_dir]
    for name in asked["audiences"] or config.audiences:
        roots += [*config.template_dirs(name), project, project / name]
    roots.append(config.fonts_dir)
    skip = os.path.abspath(out_dir)
    found: dict[str, None] = {}
    for root in roots:
        found.update((folder, None) for folder in _tree(root, skip))
        if len(found) > MAX_FOLDERS:
            raise _Unsure
    return list(found)


def _tree(top: Path, skip: str) -> Iterator[str]:
    """``top`` and the folders below it (symlinks followed; ``skip`` and what is below it left
    out); for a folder that is not there, the nearest one above it, where it would appear."""
    if not top.is_dir():
        if os.path.lexists(top):
            raise _Unsure  # a symlink to nothing (or a file where a folder is looked for)
        parent = top.parent
        while parent != parent.parent and not parent.is_dir():
            if os.path.lexists(parent):
                raise _Unsure
            parent = parent.parent
        yield os.path.abspath(parent)
        return
    stack = [(os.path.abspath(top), 0)]
    while stack:
        folder, depth = stack.pop()
        if folder == skip:
            continue
        yield folder
        below: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir():
                        below.append(entry.path)
                    elif entry.is_symlink() and not os.path.exists(entry.path):
                        raise _Unsure
        except OSError:
            raise _Unsure from None  # unreadable: what it holds cannot be watched
        if below and depth >= MAX_DEPTH:
            raise _Unsure
        stack += [(p, depth + 1) for p in below]
