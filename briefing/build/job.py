"""The render job: a pure function from a job description to PDF bytes and facts.

Everything a render needs travels in :class:`RenderJob` (the HTML, the folder its relative URLs
resolve against, the limits), and everything it produces comes back in :class:`JobResult`, so
the same function runs in this process, in a local worker process, or on a Dask worker on
another machine. For a remote worker the brief's own files travel inside the job
(:attr:`RenderJob.bundle`, see :mod:`briefing.build.bundle`); fonts come from the worker's
installed package. :func:`briefing.build.editions.make_job` is the one way the build (and the
preview) describe an edition as a job.

This is the module a render worker imports (with :mod:`briefing.build.pool`): it imports
nothing of the build's own — no pydantic, Jinja or Markdown — so a worker's start-up is
WeasyPrint's, not the pipeline's (the text check runs in the build process:
:mod:`briefing.build.textcheck`).
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.build.bundle import unpack
from briefing.config.defaults import (
    MAX_IMAGE_PIXELS,
    MAX_RESOURCE_BYTES,
    PDF_VARIANT,
    builtin_dir,
)
from briefing.errors import BriefError

if TYPE_CHECKING:
    from briefing.pdf.renderer import PdfRenderer


@dataclass(frozen=True)
class RenderJob:
    """Everything one render needs; plain data, so it pickles to a worker or another machine."""

    name: str  # "slug/audience"
    source: str  # the brief's path, for messages
    html: str
    folder: str  # the brief's folder (base URL for relative references)
    roots: tuple[str, ...]  # folders the document may load files from
    fonts_dir: str
    # the config's defaults: a job made by hand, as the reader tests do, renders like a build
    # with the default config
    pdf_variant: str = PDF_VARIANT
    allow_remote: tuple[str, ...] = ()
    max_resource_bytes: int = MAX_RESOURCE_BYTES
    max_image_pixels: int = MAX_IMAGE_PIXELS
    max_pages: int | None = None
    bundle: dict[str, bytes] | None = field(default=None, repr=False)  # folder files, remote runs


@dataclass
class JobResult:
    """What one render made (the PDF and its facts), or the brief's error."""

    name: str
    pdf: bytes | None = field(default=None, repr=False)
    pages: int | None = None
    error: str | None = None
    error_path: str | None = None
    error_line: int | None = None
    # the text-layer check's findings (briefing.build.textcheck, in the build process)
    fidelity: float | None = None  # share of words some checked reader gives back
    fidelity_missing: tuple[str, ...] = ()  # "«phrase» (section)" no reader gives back
    served: tuple[str, ...] = ()  # local files the document loaded (for the build cache)
    seconds: float = 0.0

    def brief_error(self) -> BriefError | None:
        if self.error is None:
            return None
        return BriefError(self.error_path, self.error, self.error_line)

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.pdf).hexdigest() if self.pdf is not None else None


_RENDERERS: dict[tuple[str, str], PdfRenderer] = {}


def run_job(job: RenderJob) -> JobResult:
    """Render one edition. Never raises for a user error: it is returned in the result."""
    started = time.perf_counter()
    result = JobResult(job.name)
    try:
        if job.bundle is not None:
            with tempfile.TemporaryDirectory(prefix="briefing-job-") as tmp:
                _render_unpacked(job, Path(tmp), result)
        else:
            _render(job, result)
    except BriefError as exc:
        result.pdf = None
        result.error = exc.message
        result.error_path = str(exc.path) if exc.path else job.source
        result.error_line = exc.line
    result.seconds = time.perf_counter() - started
    return result


def _render(job: RenderJob, result: JobResult) -> None:
    import warnings

    from PIL import Image

    # Decompression bombs: Pillow warns above MAX_IMAGE_PIXELS and raises above twice that;
    # both become a failed image load, which pdf.py turns into an error naming the brief.
    Image.MAX_IMAGE_PIXELS = job.max_image_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)

    rendered = renderer_for(job).render(job)
    if job.max_pages is not None and rendered.pages > job.max_pages:
        raise BriefError(
            job.source,
            f"edition '{job.name.split('/')[-1]}' has "
            f"{rendered.pages} pages; its limit is {job.max_pages}",
        )
    result.pdf = rendered.data
    result.pages = rendered.pages
    result.served = rendered.served


def renderer_for(job: RenderJob) -> PdfRenderer:
    """One renderer (and FontConfiguration) per process and settings, kept for every later job
    of this process (a worker renders many)."""
    return _renderer(job.fonts_dir, job.pdf_variant)


def _renderer(fonts_dir: str, pdf_variant: str) -> PdfRenderer:
    from briefing.pdf.renderer import PdfRenderer

    key = (fonts_dir, pdf_variant)
    renderer = _RENDERERS.get(key)
    if renderer is None:
        renderer = _RENDERERS[key] = PdfRenderer(Path(fonts_dir), pdf_variant)
    return renderer


def warm_up(fonts_dir: str, pdf_variant: str) -> None:
    """Do in this process, ahead of its first job, what every render needs: import WeasyPrint
    and Pillow, make the renderer and its FontConfiguration. A worker
    calls it as soon as it starts, while the build is still writing the first HTML. A font
    problem is left for the job to report (it names the brief)."""
    import PIL.Image  # noqa: F401

    with contextlib.suppress(BriefError):
        _renderer(fonts_dir, pdf_variant)


def _render_unpacked(job: RenderJob, tmp: Path, result: JobResult) -> None:
    """Render a job that carries its folder (a remote run): the folder is recreated in ``tmp``
    and the files the render loaded are reported under their names on the submitting machine
    (its build cache hashes them there), not under this worker's temporary folder."""
    folder = unpack(job.bundle or {}, tmp / "brief", job.source)
    fonts = builtin_dir("fonts")
    html = job.html.replace(Path(job.fonts_dir).resolve().as_uri(), fonts.resolve().as_uri())
    html = html.replace(Path(job.folder).resolve().as_uri(), folder.resolve().as_uri())
    here = replace(
        job,
        html=html,
        folder=str(folder),
        roots=(str(fonts), str(folder)),
        fonts_dir=str(fonts),
        bundle=None,
    )
    homes = [(folder, Path(job.folder)), (fonts, Path(job.fonts_dir))]

    def home(path: str) -> str:
        for local, original in homes:
            if Path(path).is_relative_to(local):
                return (original / Path(path).relative_to(local)).as_posix()
        return path

    try:
        _render(here, result)
    except BriefError as exc:
        if exc.path is not None:
            raise BriefError(home(str(exc.path)), exc.message, exc.line) from exc
        raise
    finally:
        result.served = tuple(sorted({home(p) for p in result.served}))
