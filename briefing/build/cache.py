"""The build cache: which outputs are up to date, and why.

Each output's key covers what it depends on: the brief's bytes, the files the render actually
loaded (images, fonts, logo — as reported by the sandboxed fetcher), the templates and CSS the
render actually used (re-resolved through the loaders each time, so adding an override that
shadows a built-in template is a change), the config that affects the edition, the package and
WeasyPrint versions and :data:`CACHE_VERSION`. Stored as JSON in the output folder (not pickle:
readable, and never breaks on a config object that cannot be pickled).

File hashes are memoised by stat signature (size, mtime, ctime, inode) so a no-op rebuild
reads no file twice; a file whose stat changed is hashed again, so touching without changing
content costs a hash, not a render.

Every freshness key is made here (:class:`Keys`, one per build), so what "unchanged" means can
be read in one place.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.build.paths import CACHE_NAME, inside, relative, signature
from briefing.build.versions import CACHE_VERSION
from briefing.config import Config

if TYPE_CHECKING:
    from briefing.render.loaders import ResolvingLoader

log = logging.getLogger(__name__)

__all__ = ["CACHE_NAME", "CACHE_VERSION", "Cache", "FileHashes", "Keys", "digest_json"]


@dataclass
class FileHashes:
    """sha256 of files, memoised by stat; shared by every edition of one build."""

    #: path → [size, mtime_ns, ctime_ns, inode, sha]: ctime and inode too, because a copy that
    #: keeps the size and the old modification time (``cp -p``, ``rsync -t``) changes those
    known: dict[str, list[Any]] = field(default_factory=dict)

    def digest(self, path: str) -> str | None:
        now = signature(path)
        if now is None:
            return None
        entry = self.known.get(path)
        if entry and entry[:4] == now:
            return entry[4]
        with open(path, "rb") as handle:
            sha = hashlib.file_digest(handle, "sha256").hexdigest()
        self.known[path] = [*now, sha]
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

    def dumps(self) -> bytes:
        """The cache as JSON, with the file hashes still in use (the build writes it last)."""
        used = {p for e in self.entries.values() for p in e.get("files", {})}
        files = {p: v for p, v in self.hashes.known.items() if p in used}
        data = {
            "version": CACHE_VERSION,
            "stamp": self.stamp,
            "entries": self.entries,
            "sources": self.sources,
            "files": files,
        }
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()

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
        # a name recorded as missing ("") is fresh while it still resolves to nothing
        templates = entry.get("templates", {}).items()
        if any((resolve(name) or "") != was for name, was in templates):
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
        isinstance(v, list) and len(v) == 5 for v in files.values()
    ):
        fail("'files'")


def digest_json(value: Any) -> str:
    """sha256 of a JSON-able value, independent of key order."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------------ the keys


class Keys:
    """Every freshness key of one build: the edition keys (brief bytes + the config that
    affects the audience), the plan key (what editions a brief yields, and where), the
    templates as the loaders resolve them now, and the files each output depends on."""

    def __init__(
        self,
        config: Config,
        out_dir: Path,
        cache: Cache,
        loaders: dict[str, ResolvingLoader],
        *,
        force: bool,
    ) -> None:
        self.config, self.out_dir, self.cache, self.force = config, out_dir, cache, force
        self.resolvers = {name: _resolver(loader, cache) for name, loader in loaders.items()}
        self.config_keys = {name: config_key(config, name) for name in config.audiences}
        self.plan = digest_json(
            [
                config.paths.output_name,
                out_dir.resolve().as_posix(),
                sorted(self.config_keys.items()),
            ]
        )

    def edition(self, digest: str, audience: str) -> str:
        """The key an edition's output is recorded under."""
        return digest_json([digest, self.config_keys[audience]])

    def fresh(self, rel: str, digest: str, audience: str) -> bool:
        """Is the output ``rel`` (its path in the output folder, the cache's name for it) what a
        render of this brief (``digest``) would make now?"""
        return not self.force and self.cache.fresh(
            rel, self.edition(digest, audience), self.resolvers[audience], self.out_dir / rel
        )

    def unchanged(self, path: Path, wanted: Collection[str]) -> list[tuple[str, str]] | None:
        """The recorded ``(output, audience)`` pairs of a brief whose bytes, plan and
        ``wanted`` outputs are all unchanged — it need not even be parsed; else None."""
        record = self.cache.sources.get(relative(path, self.config.root))
        digest = file_digest(path)
        if not record or not digest:
            return None
        if record.get("digest") != digest or record.get("plan") != self.plan:
            return None
        outputs = [(out, aud) for out, aud in record["outputs"] if aud in wanted]
        if all(
            inside(self.out_dir, out) is not None and self.fresh(out, digest, aud)
            for out, aud in outputs
        ):
            return outputs
        return None

    def templates(self, audience: str, names: Collection[str]) -> dict[str, str]:
        """``name → path:sha256`` of the templates an edition's render used."""
        return {n: self.resolvers[audience](n) or "" for n in names}

    def files(self, source: Path, served: Collection[str], logos: Collection[Path]) -> list[str]:
        """Every file an output depends on: its brief, what the render loaded, the fonts and
        the logos its HTML shows."""
        return [
            source.resolve().as_posix(),
            *served,
            *font_files(self.config),
            *(p.as_posix() for p in logos),
        ]


def _resolver(loader: ResolvingLoader, cache: Cache) -> Callable[[str], str | None]:
    memo: dict[str, str | None] = {}

    def resolve(name: str) -> str | None:
        if name not in memo:
            filename = loader.resolve(name)
            memo[name] = None if filename is None else f"{filename}:{cache.hashes.digest(filename)}"
        return memo[name]

    return resolve


def config_key(config: Config, audience: str) -> str:
    """What in the config changes an edition: its audience, branding, limits and PDF options."""
    data = config.model_dump(mode="json", exclude={"audiences", "root"})
    data["audience"] = config.audiences[audience].model_dump(mode="json")
    data["audience_name"] = audience
    data.pop("paths", None)
    # how the build runs, not what it makes: tuning these must not rebuild every output
    data["build"].pop("jobs", None)
    data["limits"].pop("render_timeout", None)
    data["limits"].pop("worker_memory_mb", None)
    return digest_json(data)


def font_files(config: Config) -> list[str]:
    """Every edition depends on the fonts folder. Not left to ``served``: a worker's one
    FontConfiguration fetches each font once, so only its first document reports them."""
    try:
        return sorted(
            p.resolve().as_posix()
            for p in config.fonts_dir.iterdir()
            if p.suffix.lower() in {".ttf", ".otf", ".woff", ".woff2"}
        )
    except OSError:
        return []


def logos_shown(html: str, config: Config) -> list[Path]:
    """The configured logo files this edition's HTML shows (absolute, resolved)."""
    return [p for p in config.logo_files() if p.as_uri() in html]


def file_digest(path: Path) -> str | None:
    """sha256 of a file's bytes; None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
