"""Stage 1b — load: decode a brief file and split the YAML front matter from the body.

Nothing here interprets the content; it only turns bytes into ``(front matter, body)`` while
keeping the line of every front-matter key, so that later stages can say ``path:line: message``.
Decoding is strict on purpose: briefs arrive from shared drives and CMS exports in UTF-16 or
Windows-1256, and guessing an encoding silently would print mojibake into a published PDF.
Which files are briefs, and the name each one's outputs take, is :mod:`briefing.content.discovery`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from briefing.config import Limits
from briefing.content import bounds
from briefing.content.discovery import escape, slug_of, slug_problem
from briefing.content.yamlparse import load_yaml
from briefing.errors import BriefError

log = logging.getLogger(__name__)

#: Location of a value inside the front matter, as pydantic reports it: ("english", "title").
KeyPath = tuple[str | int, ...]

#: The default size limit of a brief's file: the one ``[limits] max_source_bytes`` declares.
MAX_SOURCE_BYTES: int = Limits.model_fields["max_source_bytes"].default


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


def read_source(path: Path, *, max_bytes: int = MAX_SOURCE_BYTES) -> Source:
    """Read, decode and split one brief file; every problem is a :class:`BriefError`."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BriefError(path, f"file is {size:,} bytes; the limit is {max_bytes:,}")
        raw = path.read_bytes()
    except OSError as exc:
        raise BriefError(path, f"cannot read file: {exc.strerror or exc}") from exc
    problem = slug_problem(slug_of(path))
    if problem:
        raise BriefError(path, problem)
    text = _decode(path, raw)
    _check_lines(path, text)
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


def _check_lines(path: Path, text: str) -> None:
    """Lines longer than ``limits.max_line_chars`` are refused before any parser sees them."""
    limit = bounds.current().max_line_chars
    if len(text) <= limit:
        return
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > limit:
            raise BriefError(
                path,
                f"line is {len(line):,} characters long; the limit is "
                f"{limit:,} (limits.max_line_chars)",
                number,
            )


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
        node, meta = load_yaml(path, yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 0-based, +1 for the '---' line
        problem = getattr(exc, "problem", None) or str(exc)
        message = plain_yaml_error(problem, lines[1:end], line - 2)
        raise BriefError(path, f"YAML error in front matter: {message}", line) from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise BriefError(path, "front matter must be a mapping of keys to values", 2)
    key_lines: dict[KeyPath, int] = {}
    if node is not None:
        _check_duplicates(path, node)
        _warn_swallowed(path, node, lines)
        for loc, line in _walk(node, ()):
            key_lines.setdefault(loc, line + 2)
    body = "\n".join(lines[end + 1 :])
    return meta, key_lines, body, end + 2


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


def plain_yaml_error(problem: str, lines: list[str], index: int) -> str:
    """PyYAML's parser vocabulary in words an analyst can act on (``index``: 0-based line of
    the front matter where the parser stopped)."""
    here = lines[index] if 0 <= index < len(lines) else ""
    above = next((ln for ln in reversed(lines[: max(index, 0)]) if ln.strip()), "")

    def indent(text: str) -> int:
        return len(text) - len(text.lstrip(" "))

    deeper = bool(here.strip()) and indent(here) > indent(above)
    if "mapping values are not allowed" in problem or "<block mapping start>" in problem:
        if deeper:
            return (
                "this line is indented more than the key above it; give it the same "
                "indentation, or make the line above a key ending in ':'"
            )
        return "':' followed by a space inside a value; put the whole value in quotes"
    if "found '-'" in problem or "<block sequence start>" in problem:
        return (
            "a list item ('- ') where a key was expected: indent the list under its key, "
            "with every item at the same indentation"
        )
    if "'\\t'" in problem or "\\t" in problem:
        return "a tab character: YAML indentation must use spaces"
    if "could not find expected ':'" in problem:
        return (
            "a line that is neither 'key: value' nor a list item: is a ':' missing, or "
            "is a long value continued without indentation?"
        )
    if "unexpected end of stream" in problem:
        return "a quotation mark is opened and never closed"
    if "expected ',' or" in problem:
        return "a bracket '[' or '{' is opened and never closed"
    if "undefined alias" in problem:
        return f"{problem}: '*name' refers to an anchor '&name' defined nowhere above"
    if "cannot start any token" in problem:
        char = problem.split("'")[1] if "'" in problem else "?"
        return f"a value cannot start with '{char}'; put the value in quotes"
    if "<block end>" in problem:
        return "this line's indentation does not match the lines above it"
    return problem


def _check_duplicates(path: Path, node: yaml.Node) -> None:
    """YAML keeps the last of two equal keys without a word: an edit lost in silence."""
    stack = [node]
    seen_nodes: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:
            continue
        seen_nodes.add(id(current))
        if isinstance(current, yaml.MappingNode):
            first: dict[str, int] = {}
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    line = key_node.start_mark.line + 2
                    if key_node.value in first:
                        raise BriefError(
                            path,
                            f"key {escape(key_node.value)} appears twice (also "
                            f"on line {first[key_node.value]}); keep one",
                            line,
                        )
                    first[key_node.value] = line
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


_NESTED_ITEM = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)])\s")


def _warn_swallowed(path: Path, node: yaml.Node, lines: list[str]) -> None:
    """A list item followed by a more indented ``- item`` line: YAML folds that line into the
    item's text ("first - second"); front-matter lists cannot nest, so say so."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            stack.extend(v for _, v in current.value)
        elif isinstance(current, yaml.SequenceNode):
            for item in current.value:
                if (
                    isinstance(item, yaml.ScalarNode)
                    and not item.style  # None (Python parser) or "" (libyaml): plain
                    and item.end_mark.line > item.start_mark.line
                ):
                    for index in range(item.start_mark.line + 1, item.end_mark.line + 1):
                        text = lines[index + 1] if index + 1 < len(lines) else ""
                        if _NESTED_ITEM.match(text):
                            log.warning(
                                "%s:%d: this line became part of the list item above "
                                "(a nested list is not possible here); give it the "
                                "same indentation as the other items to make it an "
                                "item of its own",
                                path,
                                index + 2,
                            )
                stack.extend(i for i in current.value if not isinstance(i, yaml.ScalarNode))
