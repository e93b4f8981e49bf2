"""The render job: a pure function from a job description to PDF bytes and facts.

Everything a render needs travels in :class:`RenderJob` (the HTML, the folder its relative URLs
resolve against, the limits), and everything it produces comes back in :class:`JobResult`, so
the same function runs in this process, in a local worker process, or on a Dask worker on
another machine. For a remote worker the brief's own files travel inside the job
(:attr:`RenderJob.bundle`); fonts come from the worker's installed package.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from briefing.config import Config, builtin_dir
from briefing.errors import BriefError


@dataclass(frozen=True)
class RenderJob:
    name: str  # "slug/audience"
    source: str  # the brief's path, for messages
    html: str
    folder: str  # the brief's folder (base URL for relative references)
    roots: tuple[str, ...]  # folders the document may load files from
    fonts_dir: str
    pdf_variant: str = "pdf/ua-1"
    allow_remote: tuple[str, ...] = ()
    max_resource_bytes: int = 20_000_000
    max_image_pixels: int = 40_000_000
    max_pages: int | None = None
    # (section, text) blocks the PDF must give back; the text-layer check runs when set
    expected: tuple[tuple[str, str], ...] | None = None
    min_fidelity: float = 0.99
    bundle: dict[str, bytes] | None = field(default=None, repr=False)  # folder files, remote runs


@dataclass
class JobResult:
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


_RENDERERS: dict[tuple, object] = {}


def run_job(job: RenderJob) -> JobResult:
    """Render one edition. Never raises for a user error: it is returned in the result."""
    started = time.perf_counter()
    result = JobResult(job.name)
    try:
        if job.bundle is not None:
            with tempfile.TemporaryDirectory(prefix="briefing-job-") as tmp:
                _render(_unbundle(job, Path(tmp)), result)
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

    rendered = renderer_for(job).render(job)  # type: ignore[attr-defined]
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

        results = textlayer.measure(rendered.data, job.expected)
        # the share of words some reader gives back: below it, words are missing from the
        # document itself, not from one reader's reading of it
        result.fidelity = textlayer.check.words_found_by_some(results)
        result.fidelity_missing = tuple(
            f"«{phrase}»" + (f" ({section})" if section else "")
            for section, phrase in textlayer.check.missing_everywhere(results)
        )


def renderer_for(job: RenderJob) -> object:
    """One renderer (and FontConfiguration) per process and settings. Called ahead in a
    process that forks a child per render (the preview), so every child inherits it warm."""
    from briefing.pdf.renderer import PdfRenderer

    key = (job.fonts_dir, job.pdf_variant)
    renderer = _RENDERERS.get(key)
    if renderer is None:
        renderer = _RENDERERS[key] = PdfRenderer(Path(job.fonts_dir), job.pdf_variant)
    return renderer


def _unbundle(job: RenderJob, tmp: Path) -> RenderJob:
    """Recreate the brief's folder from the bundle; fonts are this machine's installed ones."""
    folder = tmp / "brief"
    for rel, data in (job.bundle or {}).items():
        target = (folder / rel).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise BriefError(job.source, f"bundle entry escapes the brief folder: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    folder.mkdir(exist_ok=True)
    fonts = builtin_dir("fonts")
    html = job.html.replace(Path(job.fonts_dir).resolve().as_uri(), fonts.resolve().as_uri())
    html = html.replace(Path(job.folder).resolve().as_uri(), folder.resolve().as_uri())
    return RenderJob(
        **{
            **job.__dict__,
            "html": html,
            "folder": str(folder),
            "roots": (str(fonts), str(folder)),
            "fonts_dir": str(fonts),
            "bundle": None,
        }
    )


def bundle_folder(folder: Path, limit: int) -> dict[str, bytes]:
    """The files of a brief's own folder, for a job that runs on another machine."""
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= limit:
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def job_roots(config: Config, own_folder: Path | None) -> tuple[str, ...]:
    """What a brief may load: fonts, the template folders (theme assets), its own folder (if
    it has one) and the configured logo files themselves (not the folders they are in)."""
    roots = [config.fonts_dir, builtin_dir("templates"), config.root / config.paths.templates]
    if own_folder is not None:
        roots.append(own_folder)
    logos = [config.branding.logo] + [
        a.branding.logo for a in config.audiences.values() if a.branding and a.branding.logo
    ]
    roots += [config.root / logo for logo in logos if logo]
    return tuple(str(r) for r in roots if r.exists())
