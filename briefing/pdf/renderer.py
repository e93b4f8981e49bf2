"""Stage 5 — pdf: one HTML document → PDF bytes, with WeasyPrint.

A :class:`PdfRenderer` is made once per process (``import weasyprint`` costs ~0.9 s) and holds
the one ``FontConfiguration`` shared by every document of a batch. Each document gets its own
:class:`~briefing.pdf.fetch.SandboxFetcher`, so content can only load the project's fonts, template
assets and files from its own folder; refusals and WeasyPrint's own warnings about fonts become
errors, because a PDF with a silently substituted font or a missing image is not publishable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from briefing.errors import BriefError
from briefing.pdf import compat
from briefing.pdf.fetch import SandboxFetcher

log = logging.getLogger(__name__)

#: WeasyPrint warnings that mean the PDF is not what the templates asked for.
_FATAL_WARNINGS = (
    "Failed to load font",
    "Failed to load stylesheet",
    "Failed to load image",
    "Failed to load attachment",
    "Failed to read font",
)


class Document(Protocol):
    """What a render reads from its job (:class:`briefing.build.job.RenderJob` is one): this
    stage does not depend on the build that describes the work."""

    @property
    def source(self) -> str: ...  # the brief's path, for messages
    @property
    def html(self) -> str: ...
    @property
    def folder(self) -> str: ...  # relative URLs resolve against it
    @property
    def roots(self) -> tuple[str, ...]: ...  # folders the document may load files from
    @property
    def allow_remote(self) -> tuple[str, ...]: ...
    @property
    def max_resource_bytes(self) -> int: ...


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    served: tuple[str, ...]  # local files the document loaded


class PdfRenderer:
    """Turns HTML into PDF bytes; one per process, reused for a whole batch."""

    def __init__(self, fonts_dir: Path, pdf_variant: str = "pdf/ua-1") -> None:
        import weasyprint  # deferred: the CLI's --help must not pay for it
        from weasyprint.text.fonts import FontConfiguration

        from briefing.pdf import layoutfix, textlayer

        textlayer.install()
        layoutfix.install()  # footnotes stay on the page of their call
        compat.hook_stylesheets()  # the theme's <style> is parsed once per worker
        _tag_languages()
        check_fonts(fonts_dir)
        self._weasyprint = weasyprint
        self.pdf_variant = None if pdf_variant == "none" else pdf_variant
        self.fonts = FontConfiguration()

    def render(self, job: Document) -> RenderedPdf:
        """Render a job's HTML (relative URLs resolve against its folder) to PDF bytes."""
        folder = Path(job.folder)
        fetcher = SandboxFetcher(
            roots=[Path(r) for r in job.roots],
            brief=Path(job.source),
            allow_remote=job.allow_remote,
            max_bytes=job.max_resource_bytes,
        )
        with _capture_warnings() as warnings:
            document = self._weasyprint.HTML(
                string=job.html,
                base_url=folder.resolve().as_uri() + "/",
                url_fetcher=fetcher,
            ).render(font_config=self.fonts)
            data = document.write_pdf(pdf_variant=self.pdf_variant)
        fetcher.raise_if_refused()
        fatal = [w for w in warnings if w.startswith(_FATAL_WARNINGS)]
        if fatal:
            raise BriefError(job.source, f"rendering problem: {fatal[0]}")
        served = tuple(
            sorted({unquote(urlsplit(u).path) for u in fetcher.served if u.startswith("file:")})
        )
        return RenderedPdf(data=data, pages=len(document.pages), served=served)


def _tag_languages() -> None:
    """Give structure elements with their own ``lang`` (the English summary) a ``/Lang``.

    WeasyPrint 70 writes only the document-level ``/Lang``, so a screen reader would read the
    English page with an Arabic voice. Its tag builder is a recursive generator looked up by
    module global, so wrapping it (through :mod:`briefing.pdf.compat`) reaches every element.
    Idempotent.
    """
    import pydyf

    def wrap(original):
        def build(box, parent, pdf, *args):
            element = getattr(box, "element", None)
            lang = (
                element.get("lang")
                if element is not None and getattr(box, "element_tag", None) not in ("html", "body")
                else None
            )
            for struct in original(box, parent, pdf, *args):
                if lang and isinstance(struct, pydyf.Dictionary) and "Lang" not in struct:
                    struct["Lang"] = pydyf.String(lang)
                yield struct

        return build

    compat.hook_tag_builder(wrap)


def check_fonts(fonts_dir: Path, names: Sequence[str] | None = None) -> None:
    """Fail loudly when a font file is missing or not a font: never fall back to machine fonts."""
    names = names or [
        "Amiri-Regular.ttf",
        "Amiri-Bold.ttf",
        "NotoKufiArabic-Regular.ttf",
        "NotoKufiArabic-Bold.ttf",
        "NotoSans-Regular.ttf",
        "NotoSans-Bold.ttf",
        "NotoSans-Italic.ttf",
    ]
    for name in names:
        path = fonts_dir / name
        try:
            with path.open("rb") as handle:
                magic = handle.read(4)
        except OSError as exc:
            raise BriefError(path, f"font file missing or unreadable: {exc.strerror}") from exc
        if magic not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
            raise BriefError(path, "not a TrueType/OpenType font file (corrupt?)")


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _capture_warnings() -> Iterator[list[str]]:
    logger = logging.getLogger("weasyprint")
    handler = _ListHandler()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
