"""Stage 1 — load: find brief files, decode them and split the YAML front matter from the body.

Nothing here interprets the content; it only turns bytes into ``(front matter, body)`` while
keeping the line of every front-matter key, so that later stages can say ``path:line: message``.
Decoding is strict on purpose: briefs arrive from shared drives and CMS exports in UTF-16 or
Windows-1256, and guessing an encoding silently would print mojibake into a published PDF.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import BriefError

#: Location of a value inside the front matter, as pydantic reports it: ("english", "title").
KeyPath = tuple[str | int, ...]

MAX_SOURCE_BYTES = 1_000_000  # default; the config can change it (see config.Limits)


@dataclass(frozen=True)
class Source:
    """One brief as read from disk, before validation."""

    path: Path
    slug: str
    folder: Path  # the brief's own folder: images and attachments may only come from here
    meta: dict[str, Any]
    key_lines: dict[KeyPath, int]
    body: str
    body_line: int  # file line on which the body starts (1-based)
    digest: str = field(repr=False)  # sha256 of the raw bytes, for the build cache

    @property
    def own_folder(self) -> Path | None:
        """The folder whose files (images) the brief may load: ``content/<slug>/`` for an
        ``index.md`` brief; none for a flat ``content/<slug>.md``, whose folder is shared with
        every other brief."""
        return self.folder if self.path.name == "index.md" else None

    def line_of(self, loc: Iterable[str | int]) -> int:
        """The file line of the deepest known key on ``loc`` (1 when nothing better is known)."""
        loc = tuple(loc)
        while loc:
            if loc in self.key_lines:
                return self.key_lines[loc]
            loc = loc[:-1]
        return 1


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
    """``content/x.md`` and ``content/x/index.md`` are both the brief ``x``."""
    return path.parent.name if path.name == "index.md" else path.stem


def read_source(path: Path, *, max_bytes: int = MAX_SOURCE_BYTES) -> Source:
    """Read, decode and split one brief file; every problem is a :class:`BriefError`."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BriefError(path, f"file is {size:,} bytes; the limit is {max_bytes:,}")
        raw = path.read_bytes()
    except OSError as exc:
        raise BriefError(path, f"cannot read file: {exc.strerror or exc}") from exc
    text = _decode(path, raw)
    meta, key_lines, body, body_line = split_front_matter(path, text)
    return Source(
        path=path,
        slug=slug_of(path),
        folder=path.parent,
        meta=meta,
        key_lines=key_lines,
        body=body,
        body_line=body_line,
        digest=hashlib.sha256(raw).hexdigest(),
    )


def _decode(path: Path, raw: bytes) -> str:
    if not raw.strip():
        raise BriefError(path, "file is empty; a brief needs a front matter with title and date")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BriefError(path, "file is UTF-16; save it as UTF-8", line=1)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise BriefError(path, "file contains NUL bytes: binary, or UTF-16 without a BOM", line)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM is harmless; editors on Windows add it
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BriefError(
            path,
            "file is not valid UTF-8 (Windows-1256 or another legacy encoding?); save it as UTF-8",
            line,
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(
    path: Path, text: str
) -> tuple[dict[str, Any], dict[KeyPath, int], str, int]:
    """Split ``---``-delimited YAML front matter from the Markdown body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise BriefError(path, "missing front matter: the file must start with a '---' line", 1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise BriefError(path, "front matter is not closed by a '---' line", 1) from None
    yaml_text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
        meta = yaml.load(yaml_text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 0-based, +1 for the '---' line
        problem = getattr(exc, "problem", None) or str(exc)
        raise BriefError(path, f"YAML error in front matter: {problem}", line) from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise BriefError(path, "front matter must be a mapping of keys to values", 2)
    key_lines: dict[KeyPath, int] = {}
    if node is not None:
        for loc, line in _walk(node, ()):
            key_lines.setdefault(loc, line + 2)
    body = "\n".join(lines[end + 1 :])
    return meta, key_lines, body, end + 2


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings.

    PyYAML's own timestamp parsing raises a bare ValueError for ``2025-02-30`` with no line
    number; the model validates dates instead, with the key's line.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _walk(node: yaml.Node, loc: KeyPath) -> Iterator[tuple[KeyPath, int]]:
    """Yield the 0-based YAML line of every key and list item, with its path."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            yield (*loc, key), key_node.start_mark.line
            yield from _walk(value_node, (*loc, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield (*loc, index), item.start_mark.line
            yield from _walk(item, (*loc, index))
