"""Stage 6 — publish: put finished PDFs (and the manifest) in place, remove stale outputs.

A reader of the output folder (a web server, a sync job) must only ever see a complete old file
or a complete new one: we write to a temporary file in the same folder, flush it to disk, then
``os.replace`` it over the target. A failure at any point leaves the previous file untouched and
removes the temporary one. Everything a build writes or removes in the output folder happens
here, under the folder's lock (:func:`output_lock`): one build at a time per output folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from briefing.build.cache import Cache, Keys
from briefing.build.editions import Edition
from briefing.build.job import JobResult
from briefing.build.paths import CACHE_NAME, LOCK_NAME, MANIFEST_NAME, inside, relative
from briefing.build.report import Result
from briefing.build.versions import version
from briefing.config import Config
from briefing.content.discovery import escape
from briefing.errors import BriefError

log = logging.getLogger(__name__)


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


@contextmanager
def output_lock(out_dir: Path, *, wait: bool) -> Iterator[None]:
    """One build per output folder: the lock is released by the OS even after SIGKILL."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / LOCK_NAME, "a+")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise BriefError(out_dir, f"cannot use output folder: {exc.strerror or exc}") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BriefError(
                    out_dir,
                    "another build is running on this output folder; "
                    "try again when it has finished",
                ) from None
            log.warning(
                "%s: another build is running on this output folder; waiting for it", out_dir
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(out_dir: Path) -> None:
    """Temporary files of a build that was killed while writing (we hold the lock: no other
    build is writing now)."""
    real = out_dir.resolve()
    for tmp in out_dir.rglob(".*.tmp"):
        with contextlib.suppress(OSError):
            if tmp.resolve().is_relative_to(real):  # never through a symlink out of it
                tmp.unlink()


def publish_result(
    job_result: JobResult,
    edition: Edition,
    keys: Keys,
    templates: dict[str, str],
    logos: list[Path],
) -> Result:
    """Write one finished PDF in place and record it; a failure leaves the old PDF alone."""
    brief, config, cache, out_dir = edition.brief, keys.config, keys.cache, keys.out_dir
    result = Result(
        edition.name, brief.source.path, edition.output, "failed", seconds=job_result.seconds
    )
    error = job_result.brief_error()
    if error is None and job_result.pdf is not None:
        try:
            atomic_write(edition.output, job_result.pdf)
        except BriefError as exc:
            error = exc
    if error is not None:
        result.error = error
        return result
    result.status, result.pages = "built", job_result.pages
    result.sha256, result.fidelity = job_result.sha256, job_result.fidelity
    _warn_fidelity(job_result, edition, config.build.min_fidelity)
    rel = relative(edition.output, out_dir)
    previous = cache.entries.get(rel, {})
    built_at = previous.get("built_at") if previous.get("sha256") == result.sha256 else None
    cache.record(
        rel,
        keys.edition(brief.source.digest, edition.audience),
        sha256=result.sha256 or "",
        templates=templates,
        files=keys.files(brief.source.path, job_result.served, logos),
        facts={
            "source": relative(brief.source.path, config.root),
            "audience": edition.audience,
            "pages": result.pages,
            "fidelity": None if result.fidelity is None else round(result.fidelity, 4),
            "built_at": built_at or _now(),
        },
    )
    return result


def _warn_fidelity(job_result: JobResult, edition: Edition, min_fidelity: float) -> None:
    """A PDF whose text layer loses words is published, with a warning naming them."""
    missing = job_result.fidelity_missing
    if not missing and (job_result.fidelity is None or job_result.fidelity >= min_fidelity):
        return
    log.warning(
        "%s: text layer of edition '%s': %d phrase%s not found as written "
        "by any reader checked (words found: %.1f%%)%s%s",
        edition.brief.source.path,
        edition.audience,
        len(missing),
        "" if len(missing) == 1 else "s",
        100 * (job_result.fidelity or 0),
        "; " if missing else "",
        "; ".join(missing[:5]),
    )


def remove_stale(
    cache: Cache,
    current: set[str],
    out_dir: Path,
    config: Config,
    emit: Callable[[Result], None],
    wanted: frozenset[str],
) -> None:
    """Remove outputs whose brief or audience is gone — never those of a brief that failed,
    nor those of briefs or audiences this build was not asked about (``briefing build one.md``,
    ``--audience full``).

    ``current``: the briefs (paths relative to the project) this build planned from;
    ``wanted``: the audiences it builds (an output of an audience gone from the config is
    removed only by a build of every audience).
    """
    everything = wanted >= set(config.audiences)
    planned = {out for rel in current for out, _ in cache.sources.get(rel, {}).get("outputs", [])}
    for rel in sorted(set(cache.entries) - planned):
        entry = cache.entries[rel]
        source = entry.get("source") or ""
        if (config.root / source).exists() and source not in current:
            continue  # out of this build's scope, or failed to load this time
        if entry.get("audience") not in wanted and not everything:
            continue  # another edition than the ones asked for
        path = inside(out_dir, rel)
        if path is None or not rel.endswith(".pdf"):
            log.warning(
                "%s: build cache names %s as an output, outside the output folder or "
                "not a PDF; not removed",
                out_dir / CACHE_NAME,
                escape(rel),
            )
            del cache.entries[rel]
            continue
        try:
            path.unlink(missing_ok=True)
            if path.parent != out_dir and not any(path.parent.iterdir()):
                path.parent.rmdir()
        except OSError as exc:  # a stale PDF left in the published folder: the build failed
            why = f"cannot remove stale output: {exc.strerror or exc}"
            source = Path(entry.get("source", ""))
            emit(
                Result(
                    rel.removesuffix(".pdf"), source, path, "failed", error=BriefError(path, why)
                )
            )
            continue
        del cache.entries[rel]
        emit(Result(rel.removesuffix(".pdf"), Path(entry.get("source", "")), path, "removed"))
    for source in [s for s in cache.sources if not (config.root / s).exists()]:
        del cache.sources[source]


def write_manifest(out_dir: Path, cache: Cache) -> None:
    """``manifest.json``: every output with its facts, sorted, written atomically and last."""
    outputs = []
    for rel, entry in sorted(cache.entries.items()):
        outputs.append(
            {
                "path": rel,
                "source": entry.get("source"),
                "audience": entry.get("audience"),
                "sha256": entry.get("sha256"),
                "pages": entry.get("pages"),
                "text_fidelity": entry.get("fidelity"),
                "built_at": entry.get("built_at"),
            }
        )
    data = {"generator": f"briefing {version()}", "outputs": outputs}
    write_if_changed(
        out_dir / MANIFEST_NAME, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    )


def save_cache(cache: Cache) -> None:
    """The build cache, written like any output: never partial."""
    write_if_changed(cache.path, cache.dumps())


def write_if_changed(path: Path, data: bytes) -> None:
    """:func:`atomic_write`, unless ``path`` holds these bytes already: a rebuild that changes
    nothing then writes nothing — cache, manifest, no-op record (no fsync, and the manifest
    keeps its date for mirrors and rsync)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass  # not there (or unreadable): write it
    atomic_write(path, data)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
