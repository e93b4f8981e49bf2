"""The render job: a pure function from a job description to PDF bytes and facts.

Everything a render needs travels in :class:`RenderJob` (the HTML, the folder its relative URLs
resolve against, the limits), and everything it produces comes back in :class:`JobResult`, so
the same function runs in this process, in a local worker process, or on a Dask worker on
another machine. For a remote worker the brief's own files travel inside the job
(:attr:`RenderJob.bundle`, see :mod:`briefing.build.bundle`); fonts come from the worker's
installed package. :func:`make_job` is the one way the build (and the preview) describe an
edition as a job.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.build.bundle import embed, pack, unpack
from briefing.build.cache import logos_shown
from briefing.build.editions import Edition
from briefing.config import Build, Config, Limits, builtin_dir
from briefing.errors import BriefError
from briefing.render import visible_blocks

if TYPE_CHECKING:
    from briefing.pdf.renderer import PdfRenderer

# The defaults of a job are the config's (a job made by hand, as the reader tests do, renders
# like a build with the default config).
_LIMITS, _BUILD = Limits(), Build()


@dataclass(frozen=True)
class RenderJob:
    """Everything one render needs; plain data, so it pickles to a worker or another machine."""

    name: str  # "slug/audience"
    source: str  # the brief's path, for messages
    html: str
    folder: str  # the brief's folder (base URL for relative references)
    roots: tuple[str, ...]  # folders the document may load files from
    fonts_dir: str
    pdf_variant: str = _BUILD.pdf_variant
    allow_remote: tuple[str, ...] = ()
    max_resource_bytes: int = _LIMITS.max_resource_bytes
    max_image_pixels: int = _LIMITS.max_image_pixels
    max_pages: int | None = None
    # (section, text) blocks the PDF must give back; the text-layer check runs when set
    expected: tuple[tuple[str, str], ...] | None = None
    min_fidelity: float = _BUILD.min_fidelity
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
    if job.expected is not None:
        from briefing.pdf import textlayer

        found = textlayer.check.verdict(rendered.data, job.expected)
        # the share of words some reader gives back: below it, words are missing from the
        # document itself, not from one reader's reading of it
        result.fidelity = found.words
        result.fidelity_missing = tuple(
            f"«{phrase}»" + (f" ({section})" if section else "")
            for section, phrase in found.missing
        )


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
    """Do in this process, ahead of its first job, what every render needs: import WeasyPrint,
    Pillow and the check's readers, make the renderer and its FontConfiguration. A worker
    calls it as soon as it starts, while the build is still writing the first HTML. A font
    problem is left for the job to report (it names the brief)."""
    import PIL.Image  # noqa: F401
    import pypdfium2  # noqa: F401

    from briefing.pdf.textlayer import check

    check.load_mupdf()
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


def make_job(
    edition: Edition,
    html: str,
    config: Config,
    *,
    remote: bool,
    expected: tuple[tuple[str, str], ...] = (),
) -> RenderJob:
    """The render job of one edition's HTML. ``remote``: for another machine, which cannot
    read the project's files — the brief's folder travels in the job, logos inside the HTML."""
    brief = edition.brief
    own = brief.source.own_folder
    if remote:
        html = embed(html, logos_shown(html, config))
    return RenderJob(
        name=edition.name,
        source=str(brief.source.path),
        html=html,
        folder=str(brief.source.folder),
        roots=job_roots(config, own),
        fonts_dir=str(config.fonts_dir),
        pdf_variant=config.build.pdf_variant,
        allow_remote=tuple(config.security.allow_remote),
        max_resource_bytes=config.limits.max_resource_bytes,
        max_image_pixels=config.limits.max_image_pixels,
        max_pages=config.audiences[edition.audience].max_pages,
        expected=(expected or tuple(visible_blocks(html))) if config.build.text_check else None,
        min_fidelity=config.build.min_fidelity,
        bundle=(pack(own, config.limits.max_resource_bytes) if own else {}) if remote else None,
    )


def job_roots(config: Config, own_folder: Path | None) -> tuple[str, ...]:
    """What a brief may load: fonts, the template folders (theme assets), its own folder (if
    it has one) and the configured logo files themselves (not the folders they are in)."""
    roots = [config.fonts_dir, builtin_dir("templates"), config.root / config.paths.templates]
    if own_folder is not None:
        roots.append(own_folder)
    roots += config.logo_files()
    return tuple(str(r) for r in roots if r.exists())
