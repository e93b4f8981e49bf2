"""``briefing import``: a Word .docx → ``content/<slug>/index.md`` with its images beside it.

The flow, one module per step: :mod:`.safety` refuses unsafe files and lists what the document
holds → :mod:`.pandoc` converts it (bounded) to pandoc's AST → :mod:`.conventions` applies the
brief's conventions → :mod:`.fields` moves summary/recommendations/sources sections into the
front matter → pandoc writes the Markdown → :mod:`.frontmatter` writes the YAML.

Everything is written into a staging folder first and checked exactly as ``briefing check``
would check it; only then is the folder renamed into ``content/``. So a failure at any step
writes nothing, and an existing brief is replaced (with ``force``) in one rename.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.config import Config
from briefing.errors import BriefError
from briefing.importer import fields as fields_mod
from briefing.importer import frontmatter, pandoc, safety
from briefing.importer.conventions import Converted, convert, plain
from briefing.importer.properties import parse_date, read_properties

__all__ = ["ImportResult", "import_docx", "slug_for"]

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
_WORD = safety.WORD


@dataclass
class ImportResult:
    path: Path  # the brief written
    images: int
    notes: int
    warnings: list[str] = field(default_factory=list)  # what could not be carried, and where
    info: list[str] = field(default_factory=list)  # what was done that the editor should know


def slug_for(source: Path, slug: str | None) -> str:
    """The brief's name: ``--slug``, else the file name made lowercase ASCII with hyphens."""
    if slug is not None:
        if not _SLUG.fullmatch(slug):
            raise BriefError(
                source,
                f"--slug {slug!r}: use lowercase letters, digits and "
                "hyphens (e.g. moscow-pyongyang)",
            )
        return slug
    made = re.sub(r"[^a-z0-9]+", "-", source.stem.lower()).strip("-")[:80]
    if not made:
        raise BriefError(
            source,
            "cannot make a brief name from this file name; give one "
            "with --slug (lowercase letters, digits, hyphens)",
        )
    return made


def import_docx(
    source: Path,
    config: Config,
    *,
    slug: str | None = None,
    audiences: list[str] | None = None,
    force: bool = False,
    today: dt.date | None = None,
) -> ImportResult:
    """Import one .docx; raises :class:`BriefError` (and writes nothing) on any failure."""
    name = slug_for(source, slug)
    content = config.content_dir
    target = content / name
    _refuse_clobber(source, content, name, force=force)
    for audience in audiences or []:
        if audience not in config.audiences:
            raise BriefError(
                source,
                f"--audiences: unknown audience '{audience}' (configured: "
                f"{', '.join(sorted(config.audiences))})",
            )
    inventory = safety.inspect(source)
    try:
        result = _import(source, config, name, inventory, audiences, today)
    except OSError as exc:  # a full disk, a read-only folder: nothing was put in place
        raise BriefError(
            source, f"cannot write the brief: {exc.strerror or exc}; nothing was written"
        ) from exc
    result.path = target / "index.md"
    return result


def _import(
    source: Path,
    config: Config,
    name: str,
    inventory: safety.Inventory,
    audiences: list[str] | None,
    today: dt.date | None,
) -> ImportResult:
    content = config.content_dir
    target = content / name
    content.mkdir(parents=True, exist_ok=True)
    # Staging inside content/ keeps the final rename on one filesystem (atomic); two levels
    # down, it is never mistaken for a brief by a build running meanwhile.
    with tempfile.TemporaryDirectory(prefix=".import-", dir=content) as tmp:
        work = Path(tmp)
        timeout = config.limits.import_timeout
        ast = pandoc.read_docx(source, work / "extracted", timeout=timeout)
        converted = convert(ast, max_image_bytes=config.limits.max_resource_bytes)
        result, text = _compose(
            source, ast, converted, inventory, audiences, today or dt.date.today(), timeout
        )
        stage = work / name
        stage.mkdir()
        (stage / "index.md").write_text(text, encoding="utf-8")
        for extracted, new_name in converted.images:
            shutil.copyfile(extracted, stage / new_name)
        _check_staged(source, stage / "index.md", config, converted.notes)
        _swap_in(stage, target, work / "replaced")
    return result


def _swap_in(stage: Path, target: Path, aside: Path) -> None:
    """Put the staged brief in place; an old one (``--force``) is moved aside first and moved
    back if the second rename fails, so the old brief is never lost with the staging folder."""
    if not target.exists():
        stage.rename(target)
        return
    target.rename(aside)
    try:
        stage.rename(target)
    except OSError:
        aside.rename(target)
        raise


def _refuse_clobber(source: Path, content: Path, name: str, *, force: bool) -> None:
    flat = content / f"{name}.md"
    if flat.exists():
        raise BriefError(
            source,
            f"a brief named '{name}' already exists ({flat}); choose "
            "another --slug (--force only replaces a brief folder)",
        )
    folder = content / name
    if folder.exists() and not force:
        raise BriefError(
            source,
            f"{folder} already exists; nothing was written. Use --force to "
            "replace it, or --slug to import under another name",
        )
    if folder.exists() and not folder.is_dir():
        raise BriefError(source, f"{folder} exists and is not a folder; nothing was written")


def _compose(
    source: Path,
    ast: dict[str, Any],
    converted: Converted,
    inventory: safety.Inventory,
    audiences: list[str] | None,
    today: dt.date,
    timeout: float,
) -> tuple[ImportResult, str]:
    """The brief's text, and what to tell the editor about it."""
    info: list[str] = []
    warnings = list(converted.warnings)
    props = read_properties(source)
    meta = converted.meta
    blocks = converted.blocks

    title, blocks = _title(meta, blocks, props.title or source.stem, info)
    date = _date(meta, props.created, today, info)
    authors = _meta_list(meta.get("author")) or props.authors
    version = ast["pandoc-api-version"]
    blocks, items = _front_matter_fields(version, meta, blocks, converted, info, source, timeout)
    body = pandoc.write_markdown(
        {"pandoc-api-version": version, "meta": {}, "blocks": blocks}, source, timeout=timeout
    )
    text = (
        frontmatter.render(
            title=title,
            subtitle=_meta_text(meta.get("subtitle")),
            date=date,
            authors=authors,
            keywords=props.keywords,
            audiences=audiences,
            fields=items,
            origin=source.name,
        )
        + "\n"
        + body
    )
    warnings.extend(_feature_warnings(inventory))
    warnings.extend(_lost_words(inventory, text, converted))
    info.extend(_changes_note(converted, inventory))
    result = ImportResult(
        path=Path(),
        images=len(converted.images),
        notes=converted.notes,
        warnings=warnings,
        info=info,
    )
    return result, text


def _title(
    meta: dict[str, Any], blocks: list[dict[str, Any]], fallback: str, info: list[str]
) -> tuple[str, list[dict[str, Any]]]:
    """The title (Word's Title paragraph, else a first heading, else the properties or file
    name) and the blocks left once a heading used as the title is taken out."""
    title = _meta_text(meta.get("title"))
    if title:
        info.append("title from the Title paragraph")
    elif blocks and blocks[0]["t"] == "Header":
        title = plain(blocks[0]["c"][2])
        blocks = blocks[1:]
        info.append(f"title from the first heading «{title}» (no Title paragraph)")
    else:
        title = fallback
        info.append(f"title «{title}» from the document properties or file name: check it")
    return title, blocks


def _date(
    meta: dict[str, Any], created: dt.date | None, today: dt.date, info: list[str]
) -> dt.date:
    """The document's date, else when it was created, else today (each said in ``info``)."""
    date = parse_date(_meta_text(meta.get("date")) or "")
    if date is None and created is not None:
        date = created
        info.append(f"date {date} is when the document was created: check it")
    elif date is None:
        date = today
        info.append(f"no document date; today ({date}) used: check it")
    return date


def _front_matter_fields(
    version: list[int],
    meta: dict[str, Any],
    blocks: list[dict[str, Any]],
    converted: Converted,
    info: list[str],
    source: Path,
    timeout: float,
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Sections that become front-matter fields (summary, key points, …), moved out of the
    body; the Abstract paragraph becomes the summary when no section gave one."""
    blocks, moved, left = fields_mod.move_sections(blocks)
    info.extend(left)
    items: dict[str, list[str]] = {}
    for section in moved:
        items[section.key] = _markdown_items(version, section.items, source, timeout)
        info.append(f"section «{section.title}» moved to '{section.key}' in the front matter")
        converted.removed.update(_WORD.findall(section.title))  # the box prints its own
    abstract = meta.get("abstract")
    if "summary" not in items and abstract and abstract.get("t") == "MetaBlocks":
        items["summary"] = _markdown_items(version, [abstract["c"]], source, timeout)
        info.append("Abstract paragraph moved to 'summary'")
    return blocks, items


def _changes_note(converted: Converted, inventory: safety.Inventory) -> list[str]:
    """What was done with tracked changes and comments, if there were any."""
    changes = converted.changes
    # pandoc marks only comments with a range; Word's point comments it drops unmarked.
    changes["comments"] = max(changes["comments"], inventory.count("comment"))
    if not +changes:
        return []
    return [
        f"tracked changes: {changes['insertions']} insertions accepted, "
        f"{changes['deletions']} deletions dropped, {changes['comments']} "
        "comments dropped"
    ]


def _markdown_items(
    version: list[int], items: list[list[dict[str, Any]]], source: Path, timeout: float
) -> list[str]:
    """Each entry's blocks as one Markdown string (pandoc writes them all in one run)."""
    separator = {"t": "HorizontalRule"}
    blocks: list[dict[str, Any]] = []
    for item in items:
        blocks.extend([*item, separator])
    out = pandoc.write_markdown(
        {"pandoc-api-version": version, "meta": {}, "blocks": blocks}, source, timeout=timeout
    )
    parts = [p.strip() for p in re.split(r"^(?:\* \* \*|-{3,}|\*{3,})\s*$", out, flags=re.M)]
    return [p for p in parts if p][: len(items)]


def _meta_text(value: Any) -> str | None:
    if not value:
        return None
    if value.get("t") == "MetaString":
        return value["c"].strip() or None
    if value.get("t") == "MetaInlines":
        return plain(value["c"]) or None
    if value.get("t") == "MetaBlocks":
        return plain(value["c"]) or None
    return None


def _meta_list(value: Any) -> list[str]:
    if not value:
        return []
    if value.get("t") == "MetaList":
        return [t for t in (_meta_text(v) for v in value["c"]) if t]
    text = _meta_text(value)
    return [text] if text else []


_FEATURE_ADVICE = {
    "text box": "its text is carried as a paragraph; check where it landed",
    "embedded object (OLE)": "not carried; paste it as an image or a table",
    "SmartArt diagram": "not carried; export it as an image",
    "chart": "not carried; use a ```figure block with its data, or an image",
    "page header": "not carried: the house template prints its own",
    "page footer": "not carried: the house template prints its own",
}


def _feature_warnings(inventory: safety.Inventory) -> list[str]:
    out: list[str] = []
    for feature in inventory.features:
        advice = _FEATURE_ADVICE.get(feature.what)
        if advice and feature.what.startswith("page "):
            continue
        if advice:
            near = f" (after «{feature.near}»)" if feature.near else " (at the start)"
            out.append(f"{feature.what}{near}: {advice}")
    for what in ("page header", "page footer"):
        if inventory.count(what):
            out.append(f"{what}s: {_FEATURE_ADVICE[what]}")
    layouts = inventory.count("page layout section")
    if layouts > 1:
        out.append(
            f"{layouts} page-layout sections (orientation, columns, margins): not "
            "carried, the house template sets the page"
        )
    return out


def _lost_words(inventory: safety.Inventory, text: str, converted: Converted) -> list[str]:
    """Words of the document that are nowhere in the brief: the safety net against a converter
    dropping text silently. (Deleted text is ``w:delText``, never counted; typed heading
    numbers are removed on purpose.)"""
    have = Counter(_WORD.findall(_prose(text)))
    lost = inventory.words - have
    lost -= converted.removed
    if not lost:
        return []
    total = sum(lost.values())
    sample = " ".join(list(lost)[:12])
    return [
        f"{total} words of the document are not in the brief (pandoc could not carry "
        f"them; text boxes and fields are the usual cause): {sample}"
    ]


def _prose(markdown: str) -> str:
    """The Markdown's text as Word had it: a typed ``\\*`` is a character (and so a word
    boundary, as in Word), while emphasis ``**`` and tags between letters (``نص<sup>1</sup>``)
    are not there in Word's text at all."""
    text = re.sub(r"\\\*", " ", markdown)
    return re.sub(r"<[^>]+>|\*+|\\(?=[!-/:-@[-`{-~])", "", text)


def _check_staged(source: Path, path: Path, config: Config, notes: int) -> None:
    """Check the staged brief as ``briefing check`` does; the importer's own bug otherwise."""
    from briefing.build import load_brief

    try:
        brief = load_brief(path, config)
    except BriefError as exc:
        raise BriefError(
            source,
            f"the imported brief does not pass the check ({exc}); nothing "
            "was written — please report this file",
        ) from None
    made = sum(s.html.count('<span class="footnote">') for s in brief.body.sections)
    made += brief.body.intro.count('<span class="footnote">')
    if made != notes:
        raise BriefError(
            source,
            f"{notes} footnotes in the document but {made} in the brief; "
            "nothing was written — please report this file",
        )
