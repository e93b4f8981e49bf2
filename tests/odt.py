"""Word-processor documents for the import tests, made by LibreOffice and not by briefing.

A test describes a document as a list of blocks; :func:`fodt` writes it as flat ODT XML (one
file LibreOffice opens), and :func:`to_docx` has ``soffice --headless --convert-to docx`` save
it as Word would receive it. The same blocks give the words the analyst typed
(:func:`expected_words`), so what comes back in the PDF is measured against the source, never
against the importer's own output.
"""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:math="http://www.w3.org/1998/Math/MathML" '
)

STYLES = """<office:styles>
<style:style style:name="Heading" style:family="paragraph"/>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph"
 style:parent-style-name="Heading" style:default-outline-level="1"/>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph"
 style:parent-style-name="Heading" style:default-outline-level="2"/>
<style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph"
 style:parent-style-name="Heading" style:default-outline-level="3"/>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading"/>
<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Heading"/>
<style:style style:name="Quotations" style:family="paragraph"/>
</office:styles>
<office:automatic-styles>
<style:style style:name="RTL" style:family="paragraph">
 <style:paragraph-properties style:writing-mode="rl-tb" fo:text-align="start"/></style:style>
<text:list-style style:name="NUM"><text:list-level-style-number text:level="1"
 style:num-format="1" style:num-suffix="."/></text:list-style>
<style:style style:name="B" style:family="text"><style:text-properties fo:font-weight="bold"
 style:font-weight-complex="bold"/></style:style>
<style:style style:name="I" style:family="text"><style:text-properties fo:font-style="italic"
 style:font-style-complex="italic"/></style:style>
</office:automatic-styles>"""


# Inline content: a plain string, or one of these.
@dataclass(frozen=True)
class Note:
    text: str
    endnote: bool = False


@dataclass(frozen=True)
class Bold:
    text: str


@dataclass(frozen=True)
class Italic:
    text: str


@dataclass(frozen=True)
class Link:
    text: str
    url: str


Inline = str | Note | Bold | Italic | Link


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    parts: tuple[Inline, ...]
    style: str = "RTL"


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Image:
    png: bytes
    alt: str
    width_cm: float = 6.0


@dataclass(frozen=True)
class Raw:
    """ODT XML for features the importer must report (text boxes, formulas…)."""

    xml: str
    words: str = ""  # what of it a reader sees as text


Block = Heading | Para | Items | Table | Image | Raw


@dataclass
class Document:
    title: str
    subtitle: str | None
    blocks: list[Block]
    authors: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    created: str = "2025-01-20T09:00:00"


def png(width: int, height: int, rgb: tuple[int, int, int] = (31, 58, 95)) -> bytes:
    """A small solid PNG (no image library needed)."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _inline(part: Inline, counter: list[int]) -> str:
    if isinstance(part, str):
        return escape(part, quote=False)
    if isinstance(part, Bold):
        return f'<text:span text:style-name="B">{escape(part.text, quote=False)}</text:span>'
    if isinstance(part, Italic):
        return f'<text:span text:style-name="I">{escape(part.text, quote=False)}</text:span>'
    if isinstance(part, Link):
        return (
            f'<text:a xlink:type="simple" xlink:href="{escape(part.url)}">'
            f"{escape(part.text, quote=False)}</text:a>"
        )
    counter[0] += 1
    n = counter[0]
    kind = "endnote" if part.endnote else "footnote"
    return (
        f'<text:note text:id="ftn{n}" text:note-class="{kind}"><text:note-citation>{n}'
        f'</text:note-citation><text:note-body><text:p text:style-name="RTL">'
        f"{escape(part.text, quote=False)}</text:p></text:note-body></text:note>"
    )


def _block(block: Block, counter: list[int], images: list[int]) -> str:
    if isinstance(block, Heading):
        return (
            f'<text:h text:style-name="Heading_20_{block.level}" '
            f'text:outline-level="{block.level}">{escape(block.text, quote=False)}</text:h>'
        )
    if isinstance(block, Para):
        body = "".join(_inline(p, counter) for p in block.parts)
        return f'<text:p text:style-name="{block.style}">{body}</text:p>'
    if isinstance(block, Items):
        items = "".join(
            f'<text:list-item><text:p text:style-name="RTL">'
            f"{escape(i, quote=False)}</text:p></text:list-item>"
            for i in block.items
        )
        style = ' text:style-name="NUM"' if block.numbered else ""
        return f"<text:list{style}>{items}</text:list>"
    if isinstance(block, Table):
        cols = len(block.rows[0])
        rows = "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="string"><text:p text:style-name="RTL">'
                f"{escape(c, quote=False)}</text:p></table:table-cell>"
                for c in row
            )
            + "</table:table-row>"
            for row in block.rows
        )
        return (
            f'<table:table table:name="T{len(images)}">'
            f'<table:table-column table:number-columns-repeated="{cols}"/>{rows}</table:table>'
        )
    if isinstance(block, Image):
        images.append(1)
        data = base64.b64encode(block.png).decode()
        return (
            f'<text:p text:style-name="RTL"><draw:frame draw:name="img{len(images)}" '
            f'svg:width="{block.width_cm}cm" svg:height="{block.width_cm / 2}cm" '
            f'text:anchor-type="as-char"><draw:image><office:binary-data>{data}'
            f"</office:binary-data></draw:image><svg:desc>{escape(block.alt)}</svg:desc>"
            f"</draw:frame></text:p>"
        )
    return block.xml


def fodt(doc: Document) -> str:
    counter = [0]
    images: list[int] = []
    body = "\n".join(_block(b, counter, images) for b in doc.blocks)
    meta = f"<dc:title>{escape(doc.title)}</dc:title>"
    meta += "".join(
        f"<meta:initial-creator>{escape(a)}</meta:initial-creator>" for a in doc.authors[:1]
    )
    if doc.keywords:
        meta += f"<meta:keyword>{escape(', '.join(doc.keywords))}</meta:keyword>"
    meta += f"<meta:creation-date>{doc.created}</meta:creation-date>"
    head = f'<text:p text:style-name="Title">{escape(doc.title, quote=False)}</text:p>'
    if doc.subtitle:
        head += f'<text:p text:style-name="Subtitle">{escape(doc.subtitle, quote=False)}</text:p>'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {NS}office:version="1.3" '
        f'office:mimetype="application/vnd.oasis.opendocument.text">'
        f"<office:meta>{meta}</office:meta>{STYLES}"
        f"<office:body><office:text>{head}\n{body}</office:text></office:body>"
        f"</office:document>"
    )


def soffice() -> str:
    exe = shutil.which("soffice")
    if exe is None:
        raise RuntimeError(
            "LibreOffice is needed to make .docx test files: run ./install.sh "
            "(it installs libreoffice-writer-nogui)"
        )
    return exe


def to_docx(sources: list[Path], out_dir: Path, profile: Path) -> list[Path]:
    """Convert ODT sources to .docx with LibreOffice, all in one run (it starts slowly).

    A private profile folder keeps parallel runs (and other users' LibreOffice) apart.
    """
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out_dir),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    made = [out_dir / (s.stem + ".docx") for s in sources]
    missing = [p for p in made if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return made


def body_text(doc: Document) -> str:
    """The body as a reader reads it, without footnote texts (they print at the page foot)."""
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(block.text)
        elif isinstance(block, Para):
            out.append(
                "".join(
                    p if isinstance(p, str) else "" if isinstance(p, Note) else p.text
                    for p in block.parts
                )
            )
        elif isinstance(block, Items):
            out.extend(block.items)
        elif isinstance(block, Table):
            out.extend(" ".join(row) for row in block.rows)
        elif isinstance(block, Image):
            out.append(block.alt)
        else:
            out.append(block.words)
    return "\n".join(out)


def notes(doc: Document) -> list[str]:
    found: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Para):
            found.extend(p.text for p in block.parts if isinstance(p, Note))
    return found
