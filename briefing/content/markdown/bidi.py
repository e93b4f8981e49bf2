"""Bidi isolation for WeasyPrint: each foreign-direction phrase becomes ONE inline element.

WeasyPrint does not implement ``unicode-bidi`` and gives ``<bdi>``/``<bdo>`` no style; across
inline elements it only reverses the order of a line's children (WP#1711, WP#868). A Latin
citation written with emphasis, a link or code inside an Arabic sentence —
``IRENA, *Renewable Capacity Statistics 2025*, Abu Dhabi`` — is several inline boxes, and comes
out in reversed group order. Wrapped whole in ``<span dir="ltr" lang="en">`` it is one box,
laid out left to right by Pango in the order written. Arabic inside an English paragraph gets
``<span dir="rtl" lang="ar">`` the same way.

A phrase runs from its first to its last strong letter of the other script (inline elements
whose text has no letter of the paragraph's own script count as part of it), with the spaces,
digits and punctuation between; brackets opened and closed inside stay inside («5222 (2020)»),
brackets around the whole phrase and a trailing comma or colon belong to the sentence around
it (they are mirrored there, which looks the same and keeps the text layer in order). Short
phrases (names, titles of up to :data:`NAME_WORDS` words) are marked ``class="bidi-name"``: the
stylesheet keeps them on one line.

The last space of each paragraph becomes a no-break space when the last word is short, so no
paragraph ends on one short word alone on its line.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

from briefing.content.markdown.document import TEXT_PLACEHOLDER_RE as _PLACEHOLDER

#: Phrases of at most this many words are kept on one line.
NAME_WORDS = 4
#: A paragraph's last word of at most this many letters is tied to the word before it (so the
#: last line holds at least two words; longer words fill enough of a line on their own).
SHORT_LAST_WORD = 8
#: Paragraphs shorter than this (in characters) fit on one line of body text.
ONE_LINE = 60

_BLOCKS = frozenset(
    {
        "p",
        "li",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "dt",
        "dd",
        "figcaption",
        "caption",
    }
)
_SKIP = frozenset({"code", "pre", "script", "style"})
_OPEN, _CLOSE = "([{«“‘\"'", ")]}»”’\"'"
_TRAILING = frozenset(",;:،؛")
_ABBREVIATION = re.compile(r"(?:\b[A-Za-z]|\bal|\betc|\bInc|\bLtd|\bCo|\bDr|\bSt|\bvs|\bno)\.$")


@functools.lru_cache(maxsize=4096)
def _direction(char: str) -> str:
    """'L' for a strong left-to-right letter, 'R' for Arabic/Hebrew letters, '' for the rest.

    Memoised: asked for every character of every paragraph (a few hundred distinct ones)."""
    if "\ue000" <= char <= "\uf8ff":
        return ""  # private-use characters (icon fonts) are not letters of either script
    kind = unicodedata.bidirectional(char)
    if kind == "L":
        return "L"
    if kind in ("R", "AL"):
        return "R"
    return ""


def _letters(text: str) -> set[str]:
    return {d for d in map(_direction, text) if d}


Unit = str | ET.Element  # one character of text, or one inline element kept whole


def _chars(text: str) -> list[Unit]:
    """Characters of ``text``; a placeholder (Python-Markdown's for raw HTML, briefing's for
    footnotes, figures and section breaks: ``STX … ETX``) stays whole and neutral, or the HTML
    could not be put back."""
    units: list[Unit] = []
    for i, piece in enumerate(_PLACEHOLDER.split(text)):
        if i % 2:
            units.append(piece)
        else:
            units.extend(piece)
    return units


def _units(parent: ET.Element) -> list[Unit]:
    units: list[Unit] = _chars(parent.text or "")
    for child in parent:
        tail = child.tail or ""
        child.tail = None
        units.append(child)
        units.extend(_chars(tail))
    return units


def _kind(unit: Unit, own: str) -> str:
    """'F' foreign, 'O' own script, '' neutral — for one unit, in a paragraph of ``own``."""
    if isinstance(unit, str):
        if len(unit) > 1:  # a placeholder
            return ""
        direction = _direction(unit)
        return "" if not direction else "O" if direction == own else "F"
    if unit.tag in _SKIP:
        return "F" if own == "R" else ""  # code is Latin: part of a Latin phrase in Arabic
    letters = _letters("".join(unit.itertext()))
    if letters == {"L" if own == "R" else "R"}:
        return "F"
    return "O" if letters else ""


def _text(units: list[Unit]) -> str:
    return "".join(u if isinstance(u, str) else "".join(u.itertext()) for u in units)


def _runs(units: list[Unit], kinds: list[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of each foreign phrase in ``units`` (``kinds``: :func:`_kind` of each)."""
    i = 0
    while i < len(units):
        if kinds[i] != "F":
            i += 1
            continue
        start = end = i
        j = i + 1
        while j < len(units) and kinds[j] != "O":
            if kinds[j] == "F":
                end = j
            j += 1
        # Digits, brackets and the like after the last letter: "(2020)", "11, 5222".
        end = _trim(units, start, j)
        yield start, end
        i = max(end, i + 1)


def _trim(units: list[Unit], start: int, end: int) -> int:
    """Give back from the end of ``units[start:end]`` what belongs to the sentence around."""
    while end > start:
        last = units[end - 1]
        if not isinstance(last, str):
            break
        text = _text(units[start:end])
        pair = _OPEN[_CLOSE.index(last)] if last in _CLOSE else ""
        if last.isspace() or last in _TRAILING or (last in _OPEN and last not in _CLOSE):
            end -= 1
        elif pair and pair != last and text.count(pair) < text.count(last):
            end -= 1  # a closing bracket opened before the phrase
        elif last == "." and not _ABBREVIATION.search(text):
            end -= 1  # a full stop ends the sentence around the phrase
        elif last in "\"'" and text.count(last) % 2:
            end -= 1
        else:
            break
    return end


def _append(container: ET.Element, unit: Unit) -> None:
    if isinstance(unit, str):
        if len(container):
            container[-1].tail = (container[-1].tail or "") + unit
        else:
            container.text = (container.text or "") + unit
    else:
        container.append(unit)


def _extend(container: ET.Element, units: list[Unit]) -> None:
    """:func:`_append` each unit, consecutive characters joined first (not one by one)."""
    text: list[str] = []
    for unit in units:
        if isinstance(unit, str):
            text.append(unit)
            continue
        if text:
            _append(container, "".join(text))
            text.clear()
        _append(container, unit)
    if text:
        _append(container, "".join(text))


def isolate(parent: ET.Element, own: str) -> None:
    """Wrap each foreign phrase among ``parent``'s inline content in one span."""
    if not _has_foreign(parent, own):
        return  # most paragraphs: what follows would take them apart and put them back as is
    units = _units(parent)
    kinds = [_kind(u, own) for u in units]
    found = set(kinds)
    runs = [(0, len(units))] if "F" in found and "O" not in found else list(_runs(units, kinds))
    for child in list(parent):
        parent.remove(child)
    parent.text = None
    at = 0
    for start, end in runs:
        _extend(parent, units[at:start])
        span = ET.SubElement(parent, "span")
        span.set("dir", "ltr" if own == "R" else "rtl")
        span.set("lang", "en" if own == "R" else "ar")
        phrase = units[start:end]
        if len(_text(phrase).split()) <= NAME_WORDS:
            span.set("class", "bidi-name")
        _extend(span, phrase)
        at = end
    _extend(parent, units[at:])
    for child in parent:  # a mixed element (a link with Arabic and Latin words) gets its own
        if (
            child.tag not in _SKIP
            and child.get("dir") is None
            and len(_letters("".join(child.itertext()))) == 2
        ):
            isolate(child, own)


def _has_foreign(parent: ET.Element, own: str) -> bool:
    """Whether ``parent`` may hold a foreign phrase: a letter of the other script, or (in an
    Arabic paragraph) code, which counts as Latin (:func:`_kind`)."""
    foreign = "L" if own == "R" else "R"
    if own == "R" and any(e.tag in _SKIP for e in parent.iter() if e is not parent):
        return True
    return foreign in _letters("".join(parent.itertext()))


def tie_last_word(block: ET.Element) -> None:
    """A no-break space before a short last word, so it never stands alone on a line."""
    holder: ET.Element | None = None
    attr = "text"
    if len(block):
        holder, attr = block[-1], "tail"
        if not (holder.tail or "").strip():
            return
    text = block.text if holder is None else holder.tail
    if not text or len("".join(block.itertext())) < ONE_LINE:
        return  # a one-line paragraph or a title cannot leave a word alone on a line
    head, sep, last = text.rstrip().rpartition(" ")
    letters = [c for c in last if unicodedata.category(c).startswith("L")]
    if not sep or not head.strip() or len(letters) > SHORT_LAST_WORD:
        return
    value = f"{head}\u00a0{last}" + text[len(text.rstrip()) :]
    setattr(block if holder is None else holder, attr, value)


class BidiTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, lang: str) -> None:
        super().__init__(md)
        self.own = "L" if lang == "en" else "R"

    def run(self, root: ET.Element) -> None:
        for block in root.iter():
            if block.tag not in _BLOCKS or any(
                c.tag in _BLOCKS or c.tag in ("ul", "ol") for c in block
            ):
                continue
            if block.tag == "p":
                tie_last_word(block)
            isolate(block, self.own)


class BidiExtension(Extension):
    """``markdown.Markdown(extensions=[BidiExtension(lang="ar")])``: ``lang`` is the language
    of the page the Markdown is printed on (the paragraphs' base direction)."""

    def __init__(self, **kwargs: str) -> None:
        self.config = {"lang": ["ar", "language of the page: ar or en"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's API
        # After inline patterns (priority 20) have made <em>, <a> and <code>, before prettify.
        md.treeprocessors.register(BidiTreeprocessor(md, self.getConfig("lang")), "bidi", 5)
