"""Stage 5 — pdf: one HTML document → PDF bytes, with WeasyPrint.

A :class:`PdfRenderer` is made once per process (``import weasyprint`` costs ~0.9 s) and holds
the one ``FontConfiguration`` shared by every document of a batch. Each document gets its own
:class:`~briefing.fetch.SandboxFetcher`, so content can only load the project's fonts, template
assets and files from its own folder; refusals and WeasyPrint's own warnings about fonts become
errors, because a PDF with a silently substituted font or a missing image is not publishable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import Config, builtin_dir
from .errors import BriefError
from .fetch import SandboxFetcher

log = logging.getLogger(__name__)

#: WeasyPrint warnings that mean the PDF is not what the templates asked for.
_FATAL_WARNINGS = ("Failed to load font", "Failed to load stylesheet", "Failed to load image",
                   "Failed to load attachment", "Failed to read font")


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


class PdfRenderer:
    """Turns HTML into PDF bytes; reuse one instance for a whole batch."""

    def __init__(self, config: Config) -> None:
        import weasyprint  # deferred: the CLI's --help must not pay for it
        from weasyprint.text.fonts import FontConfiguration

        try:
            from . import textlayer
        except ImportError:  # TEMP until the text-layer module lands
            textlayer = None
        if textlayer is not None:
            textlayer.install()
        self._weasyprint = weasyprint
        self.config = config
        self.fonts = FontConfiguration()
        check_fonts(config.fonts_dir)

    def roots(self, folder: Path) -> list[Path]:
        """What a brief may load: fonts, the theme's and project's templates, its own folder."""
        project = self.config.root / self.config.paths.templates
        return [self.config.fonts_dir, builtin_dir("templates"), project, folder,
                *(d for d in self.config.template_dirs("") if d.is_dir())]

    def render(self, html: str, *, source: Path, folder: Path) -> RenderedPdf:
        """Render ``html`` (whose relative URLs resolve against ``folder``) to PDF bytes."""
        limits = self.config.limits
        fetcher = SandboxFetcher(
            roots=self.roots(folder),
            brief=source,
            allow_remote=self.config.security.allow_remote,
            max_bytes=limits.max_resource_bytes,
        )
        variant = self.config.build.pdf_variant
        with _capture_warnings() as warnings:
            document = self._weasyprint.HTML(
                string=html, base_url=folder.resolve().as_uri() + "/", url_fetcher=fetcher,
            ).render(font_config=self.fonts)
            data = document.write_pdf(
                pdf_variant=None if variant == "none" else variant,
                uncompressed_pdf=False,
            )
        fetcher.raise_if_refused()
        fatal = [w for w in warnings if w.startswith(_FATAL_WARNINGS)]
        if fatal:
            raise BriefError(source, f"rendering problem: {fatal[0]}")
        return RenderedPdf(data=data, pages=len(document.pages))


def check_fonts(fonts_dir: Path, names: Sequence[str] | None = None) -> None:
    """Fail loudly when a font file is missing or not a font: never fall back to machine fonts."""
    names = names or ["Amiri-Regular.ttf", "Amiri-Bold.ttf", "NotoKufiArabic-Regular.ttf",
                      "NotoKufiArabic-Bold.ttf", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf",
                      "NotoSans-Italic.ttf"]
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
