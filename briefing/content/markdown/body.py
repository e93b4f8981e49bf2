"""Stage 3 — markup: the Markdown body and Markdown fields → safe HTML fragments.

A brief's body is cut into numbered sections at each ``## `` heading (numbers are given later,
per edition, because an edition may leave sections out). Footnotes are not collected at the end
as Python-Markdown's extension does: each ``[^id]`` becomes an inline ``<span class="footnote">``
holding its text, which the stylesheet floats to the foot of the page (CSS GCPM
``float: footnote``) — that is what puts footnotes at the foot of the page where they are cited.

All HTML made from content goes through :func:`briefing.content.markdown.sanitize.clean_html`;
only trusted code
(footnote spans, generated figures) is added after it.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import markdown

from briefing.content import bounds
from briefing.content.markdown.bidi import BidiExtension
from briefing.content.markdown.captions import CaptionExtension
from briefing.content.markdown.footnotes import CALL_RE, Cite, FootnoteCalls
from briefing.content.markdown.sanitize import clean_html, find_disallowed
from briefing.errors import BriefError

log = logging.getLogger(__name__)

_FENCE = re.compile(r"^(```|~~~)")
_AUDIENCE_MARK = re.compile(r"\s*audiences\s*=([^{}=]*)")  # inside {…}: one pass, linear
_AUDIENCE_NAME = re.compile(r"[\w-]+")
_H1 = re.compile(r"^#(?!#)\s")
_FN_DEF = re.compile(r"^\[\^(?P<id>[^\]\s]+)\]:[ \t]*(?P<text>.*)$")
_FN_REF = CALL_RE
_TOKEN = re.compile("\ue000(\\d+)\ue001")
_TOKEN_CHARS = dict.fromkeys(range(0xE000, 0xE004))
_BLOCK_TOKEN = re.compile("<p>\ue002(\\d+)\ue003</p>|\ue002(\\d+)\ue003")

#: A hook that turns a fenced ```` ```figure ```` block into trusted HTML (set by the renderer).
BlockRenderer = Callable[[str, str, int], str]


@dataclass(frozen=True)
class Section:
    """One ``## `` section of the body (its subsections are inside ``html``)."""

    title: str  # plain text, for the table of contents, bookmarks and the text check
    title_html: str
    html: str
    line: int
    audiences: frozenset[str] | None = None  # None: every edition

    def shown_in(self, audience: str) -> bool:
        return self.audiences is None or audience in self.audiences


@dataclass(frozen=True)
class Body:
    intro: str  # HTML before the first section (usually empty)
    sections: list[Section] = field(default_factory=list)


def _md(cite: Cite | None = None, lang: str = "ar") -> markdown.Markdown:
    # Tables and sane lists are what briefs use; no extension that lets content set attributes.
    # Column alignment as an `align` attribute: the sanitiser drops every `style` attribute.
    return markdown.Markdown(
        extensions=[
            "tables",
            "sane_lists",
            *([FootnoteCalls(cite)] if cite else []),
            CaptionExtension(),
            BidiExtension(lang=lang),
        ],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )


def to_html(text: str, path: Path, line: int, cite: Cite | None = None, lang: str = "ar") -> str:
    """Block-level Markdown from content → sanitised HTML (``lang``: the page it is printed on)."""
    check_bounds(text, path, line)
    raw = _md(cite, lang).convert(text)
    _warn_disallowed(raw, path, line)
    return clean_html(raw)


def to_inline_html(text: str, path: Path, line: int, lang: str = "ar") -> str:
    """A one-paragraph Markdown field (a key point, a source) → inline HTML without ``<p>``."""
    out = to_html(text, path, line, lang=lang)
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


_NEST = re.compile(r"[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t])")


def check_bounds(text: str, path: Path, line: int) -> None:
    """Refuse what Python-Markdown handles in more than linear time or by deep recursion,
    before it gets there: lists and quotes nested past ``limits.max_depth`` (recursion per
    level), and paragraphs with more than ``limits.max_brackets`` ``[`` or ``<`` (its inline
    parser rescans the rest of the paragraph at each one: quadratic). One pass, linear."""
    limits = bounds.current()
    brackets = 0
    for offset, row in enumerate(text.split("\n")):
        if not row.strip():
            brackets = 0
            continue
        if len(row) > limits.max_line_chars:
            raise BriefError(
                path,
                f"line is {len(row):,} characters long; the limit is "
                f"{limits.max_line_chars:,} (limits.max_line_chars)",
                line + offset,
            )
        depth, at = 0, 0
        while match := _NEST.match(row, at):
            depth, at = depth + 1, match.end()
        spaces = len(row) - len(row.lstrip(" \t"))
        depth += row[:spaces].expandtabs(4).count(" ") // 4
        if depth > limits.max_depth:
            raise BriefError(
                path,
                f"lists or quotes nested {depth} levels deep; the limit is "
                f"{limits.max_depth} (limits.max_depth)",
                line + offset,
            )
        brackets += row.count("[") + row.count("<")
        if brackets > limits.max_brackets:
            raise BriefError(
                path,
                f"more than {limits.max_brackets} '[' and '<' in one "
                "paragraph (links, images, HTML tags); split it into paragraphs "
                "(limits.max_brackets)",
                line + offset,
            )


def _warn_disallowed(raw: str, path: Path, line: int) -> None:
    for what in find_disallowed(raw):
        log.warning("%s:%d: raw HTML %s removed (not allowed in content)", path, line, what)


def parse_body(body: str, path: Path, first_line: int, blocks: BlockRenderer | None = None) -> Body:
    """Split the body into sections and convert each to HTML."""
    # The placeholders below use private-use characters; content must not be able to forge one.
    lines = body.translate(_TOKEN_CHARS).split("\n")
    notes, lines = _extract_footnotes(lines, path, first_line)
    used: set[str] = set()
    note_html: list[str] = []
    note_index: dict[str, int] = {}

    def ref(match: re.Match[str], line: int) -> str:
        key = match["id"]
        if key not in notes:
            raise BriefError(path, f"footnote [^{key}] is cited but never defined", line)
        if key not in note_index:
            text, def_line = notes[key]
            note_index[key] = len(note_html)
            note_html.append(to_inline_html(text, path, def_line))
        used.add(key)
        return f"\ue000{note_index[key]}\ue001"

    def cite(key: str) -> str | None:
        return f"\ue000{note_index[key]}\ue001" if key in note_index else None

    chunks: list[tuple[str, int, str | None, list[str]]] = [("", first_line, None, [])]
    block_html: list[str] = []
    in_fence = False
    fence_start = 0
    fence_lines: list[str] = []
    fence_info = ""
    for offset, text in enumerate(lines):
        number = first_line + offset
        if _FENCE.match(text):
            if not in_fence:
                in_fence, fence_start, fence_lines = True, number, []
                fence_info = text[3:].strip()
                if blocks is None or not fence_info:
                    chunks[-1][3].append(text)
                continue
            in_fence = False
            if blocks is not None and fence_info:
                block_html.append(blocks(fence_info, "\n".join(fence_lines), fence_start))
                chunks[-1][3].extend(["", f"\ue002{len(block_html) - 1}\ue003", ""])
            else:
                chunks[-1][3].append(text)
            continue
        if in_fence:
            fence_lines.append(text)
            if blocks is None or not fence_info:
                chunks[-1][3].append(text)
            continue
        if _H1.match(text):
            raise BriefError(
                path,
                "'# ' headings are not used in the body: the title comes from the front "
                "matter; start sections with '## '",
                number,
            )
        heading = section_heading(text, path, number)
        if heading:
            title, aud = heading
            if not title:
                raise BriefError(path, "empty section heading", number)
            chunks.append((title, number, aud, []))
            continue
        for match in _FN_REF.finditer(text):
            ref(match, number)
        chunks[-1][3].append(text)
    if in_fence:
        raise BriefError(path, "code block is never closed (missing ```)", fence_start)

    unused = set(notes) - used
    for key in sorted(unused):
        log.warning("%s:%d: footnote [^%s] is defined but never cited", path, notes[key][1], key)

    def finish(md_lines: list[str], line: int) -> str:
        out = to_html("\n".join(md_lines), path, line, cite)
        out = _TOKEN.sub(lambda m: f'<span class="footnote">{note_html[int(m[1])]}</span>', out)
        return _BLOCK_TOKEN.sub(lambda m: block_html[int(m[1] or m[2])], out)

    intro = finish(chunks[0][3], first_line)
    sections = []
    for title, line, aud, md_lines in chunks[1:]:
        title_html = to_inline_html(_FN_REF.sub("", title), path, line)
        audiences = None
        if aud is not None:
            names = [a for a in re.split(r"[,\s]+", aud) if a]
            if not names:
                raise BriefError(path, "empty audience list in {audiences=...}", line)
            for name in names:
                if not _AUDIENCE_NAME.fullmatch(name):
                    raise BriefError(
                        path,
                        f"audience mark: {name!r} is not an audience name "
                        "(write {audiences=full, executive})",
                        line,
                    )
            audiences = frozenset(names)
        sections.append(
            Section(
                title=_plain(title_html),
                title_html=title_html,
                html=finish(md_lines, line),
                line=line,
                audiences=audiences,
            )
        )
    return Body(intro=intro, sections=sections)


def section_heading(text: str, path: Path, line: int) -> tuple[str, str | None] | None:
    """``## title {audiences=a, b}`` → ``(title, "a, b")``; ``(title, None)`` without a mark;
    None when the line is not a section heading.

    String operations, no regex over the title: linear in the line. Anything at the end of a
    heading that looks like an audience mark (``{`` … ``audience`` …) but is not exactly one is
    an error — taken as a plain heading, the section would reach every edition.
    """
    if not text.startswith("##") or text.startswith("###") or text[2:3] not in (" ", "\t"):
        return None
    rest = text[2:].strip()
    stripped = rest.rstrip("#")
    if stripped != rest and (not stripped or stripped[-1] in " \t"):
        rest = stripped.rstrip()  # closing hashes: "## title ##"
    brace = rest.rfind("{")
    if brace < 0 or "audience" not in rest[brace:].lower():
        return rest, None
    mark = rest[brace + 1 : -1] if rest.endswith("}") else None
    found = _AUDIENCE_MARK.fullmatch(mark) if mark is not None else None
    if found is None:
        raise BriefError(
            path,
            f"malformed audience mark {rest[brace:]!r}: write it last in "
            "the heading, exactly as {audiences=full, executive}",
            line,
        )
    return rest[:brace].strip(), found[1]


def _extract_footnotes(
    lines: list[str], path: Path, first_line: int
) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """Remove ``[^id]: text`` definitions (with indented continuation lines) from the body."""
    notes: dict[str, tuple[str, int]] = {}
    kept: list[str] = []
    i = 0
    in_fence = False
    while i < len(lines):
        text = lines[i]
        if _FENCE.match(text):
            in_fence = not in_fence
        match = None if in_fence else _FN_DEF.match(text)
        if not match:
            kept.append(text)
            i += 1
            continue
        line = first_line + i
        parts = [match["text"]]
        i += 1
        while i < len(lines) and (
            lines[i].startswith(("    ", "\t"))
            or (not lines[i].strip() and i + 1 < len(lines) and lines[i + 1].startswith("    "))
        ):
            parts.append(lines[i].strip())
            i += 1
        if match["id"] in notes:
            raise BriefError(path, f"footnote [^{match['id']}] is defined twice", line)
        notes[match["id"]] = ("\n".join(parts).strip(), line)
        kept.append("")  # keep line numbers of what follows
        kept.extend("" for _ in range(len(parts) - 1))
    return notes, kept


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()
