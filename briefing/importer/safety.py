"""Checks on a .docx before any converter sees it, and a list of what it holds.

A .docx is a zip of XML parts from an untrusted sender. Before pandoc is run on it this module
refuses, with a message a publications officer can act on: legacy binary .doc and RTF files,
password-protected documents (Word stores those as an OLE2 container, not a zip), corrupt zips,
and bombs — too many parts, parts that inflate past a bound, XML nested deeper than any real
document, DTDs (entity expansion), thousands of images.

The same streaming pass over the XML counts what the brief format cannot carry (text boxes,
SmartArt, charts, embedded objects, several page layouts, headers/footers,
tracked changes, comments) with the text just before each, for the import's warnings; and it
collects the document's words, so the importer can prove no text was silently dropped on the
way. It reads element names and ``w:t`` text only; converting the document is pandoc's job.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from briefing.errors import BriefError

MAX_DOCX_BYTES = 50_000_000  #: the .docx file itself
MAX_PARTS = 2_000  #: zip members
MAX_XML_BYTES = 60_000_000  #: all XML parts, inflated
MAX_MEDIA_BYTES = 100_000_000  #: all media, inflated
MAX_IMAGES = 200
MAX_DEPTH = 120  #: XML nesting; real documents stay under 40 even with nested tables
MAX_RATIO = 200  #: inflated/compressed size of one member above 1 MB

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TEXT_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
WORD = re.compile(r"[\w\u064B-\u065F\u0670]+")  # \w alone splits words at tashkeel

#: element (namespace-free local name, or ns|name) → what the warning calls it
_FEATURES = {
    f"{_W}|txbxContent": "text box",
    f"{_W}|object": "embedded object (OLE)",
    "http://schemas.openxmlformats.org/drawingml/2006/diagram|relIds": "SmartArt diagram",
    "http://schemas.openxmlformats.org/drawingml/2006/chart|chart": "chart",
    f"{_W}|headerReference": "page header",
    f"{_W}|footerReference": "page footer",
    f"{_W}|sectPr": "page layout section",
    f"{_W}|ins": "tracked insertion",
    f"{_W}|del": "tracked deletion",
    f"{_W}|commentReference": "comment",
}
_PARAGRAPH = f"{_W}|p"
_FALLBACK = "http://schemas.openxmlformats.org/markup-compatibility/2006|Fallback"


@dataclass
class Feature:
    what: str
    near: str  # the last words of text before it, so the editor can find it


@dataclass
class Inventory:
    """What the pre-check saw in the document."""

    features: list[Feature] = field(default_factory=list)
    words: Counter[str] = field(default_factory=Counter)  # body, footnote and endnote words
    images: int = 0

    def count(self, what: str) -> int:
        return sum(1 for f in self.features if f.what == what)


def inspect(path: Path) -> Inventory:
    """Refuse what is not a safe .docx (raising :class:`BriefError`); else say what it holds."""
    head = _head(path)
    if head.startswith(_OLE2):
        raise BriefError(path, _ole2_message(path))
    if head.startswith(b"{\\rtf"):
        raise BriefError(
            path,
            "this is an RTF file, not .docx; open it in Word or LibreOffice "
            "and save it as Word Document (.docx)",
        )
    if not head.startswith(b"PK\x03\x04"):
        raise BriefError(
            path,
            "not a .docx file (it is not a zip archive): the file is corrupt "
            "or another format; save it from Word as .docx",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            return _inspect_zip(path, archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise BriefError(
            path, f"the .docx is corrupt ({exc}); open and re-save it in Word"
        ) from None
    except NotImplementedError as exc:  # an unsupported compression method
        raise BriefError(path, f"the .docx uses an unsupported zip feature ({exc})") from None


def _head(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_DOCX_BYTES:
            raise BriefError(
                path, f"file is {size:,} bytes; the import limit is {MAX_DOCX_BYTES:,}"
            )
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError as exc:
        raise BriefError(path, f"cannot read file: {exc.strerror or exc}") from exc


def _ole2_message(path: Path) -> str:
    # An encrypted .docx is an OLE2 file holding "EncryptedPackage" (names are UTF-16LE).
    with path.open("rb") as handle:
        data = handle.read(1_000_000)
    if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptionInfo" in data.replace(
        b"\x00", b""
    ):
        return (
            "the document is password-protected (encrypted); remove the password in Word "
            "(File → Info → Protect Document → Encrypt with Password) and save it again"
        )
    return (
        "this is a Word 97–2003 .doc (binary) file, not .docx; open it in Word or LibreOffice "
        "and save it as Word Document (.docx)"
    )


def _inspect_zip(path: Path, archive: zipfile.ZipFile) -> Inventory:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise BriefError(
            path,
            f"the .docx has {len(infos):,} parts (limit {MAX_PARTS:,}): "
            "not a document a word processor writes",
        )
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        raise BriefError(
            path, "the zip has no word/document.xml: not a Word document (an .xlsx, .pptx or .odt?)"
        )
    inventory = Inventory()
    xml_total = media_total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise BriefError(path, "the .docx has encrypted parts; remove the password and save")
        big = info.file_size > 1_000_000
        if big and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise BriefError(
                path,
                f"part {info.filename} inflates {info.file_size:,} bytes from "
                f"{info.compress_size:,}: refused as a zip bomb",
            )
        if info.filename.startswith("word/media/"):
            inventory.images += 1
            media_total += info.file_size
        elif info.filename.endswith((".xml", ".rels")):
            xml_total += info.file_size
    if inventory.images > MAX_IMAGES:
        raise BriefError(
            path,
            f"the .docx holds {inventory.images:,} images (limit {MAX_IMAGES}); split the document",
        )
    if xml_total > MAX_XML_BYTES or media_total > MAX_MEDIA_BYTES:
        raise BriefError(
            path,
            f"the .docx inflates to {xml_total + media_total:,} bytes: "
            "refused as too large (or a zip bomb)",
        )
    for info in infos:
        # Every XML part is parsed, not only the text ones: pandoc reads styles, numbering,
        # relationships and core properties too.
        if info.filename.endswith((".xml", ".rels")):
            _scan(path, archive, info, inventory, text=info.filename in _TEXT_PARTS)
    return inventory


class _PartReader:
    """Expat handlers for one part: a depth bound, no DTD, and the inventory's words and features.

    A class rather than closures so that each event is one small method with its own state.
    """

    def __init__(self, path: Path, part: str, inventory: Inventory, *, text: bool) -> None:
        self.path, self.part, self.inventory, self.text = path, part, inventory, text
        self.depth = 0
        self.fallback_depth = 0  # inside mc:Fallback, a second copy of what mc:Choice holds
        self.in_text = False
        self.runs: list[str] = []  # text of the paragraph being read
        self.recent: list[str] = []  # the last words read, to say where a feature is

    def attach(self, parser: expat.XMLParserType) -> None:
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        parser.StartDoctypeDeclHandler = self.no_dtd
        parser.EntityDeclHandler = self.no_dtd

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise BriefError(
                self.path,
                f"{self.part} nests XML {self.depth} levels deep (limit "
                f"{MAX_DEPTH}): refused as a bomb or a broken file",
            )
        if self.fallback_depth or name == _FALLBACK:
            self.fallback_depth += 1
            return
        what = _FEATURES.get(name)
        if what and self.text and self.part == "word/document.xml":
            self.inventory.features.append(Feature(what, " ".join(self.recent[-6:])))
        self.in_text = name == f"{_W}|t"

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.fallback_depth:
            self.fallback_depth -= 1
        self.in_text = False
        if name == _PARAGRAPH and self.runs:
            # Words are cut per paragraph, not per run: Word splits "1948م" into two runs.
            found = WORD.findall("".join(self.runs))
            self.runs.clear()
            self.inventory.words.update(found)
            self.recent.extend(found)
            del self.recent[:-12]

    def chars(self, data: str) -> None:
        if self.in_text and self.text and not self.fallback_depth:
            self.runs.append(data)

    def no_dtd(self, *_args: object) -> None:
        raise BriefError(self.path, f"{self.part} declares a DTD: refused (entity expansion)")


def _scan(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, inventory: Inventory, *, text: bool
) -> None:
    """Stream-parse one part with a depth bound, no DTD, and a bound on inflated bytes."""
    parser = expat.ParserCreate(namespace_separator="|")
    _PartReader(path, info.filename, inventory, text=text).attach(parser)
    read = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 16):
                read += len(chunk)
                if read > MAX_XML_BYTES:
                    raise BriefError(
                        path,
                        f"{info.filename} inflates past {MAX_XML_BYTES:,} "
                        "bytes: refused as a zip bomb",
                    )
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise BriefError(
            path,
            f"{info.filename} is not well-formed XML ({exc}): the file is "
            "corrupt; open and re-save it in Word",
        ) from None
    except zipfile.BadZipFile as exc:
        raise BriefError(
            path, f"the .docx is corrupt ({exc}); open and re-save it in Word"
        ) from None
