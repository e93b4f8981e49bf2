"""The documents the text layer is judged on, each with the text it should give back.

- every edition of the sample briefs in ``content/`` whose body is Arabic, as ``briefing build``
  makes it (same HTML, fetcher and ``pdf_variant``);
- the pages in ``tests/corpus/`` (``NAME.html`` with its expected ``NAME.txt``), rendered by the
  same :class:`briefing.pdf.renderer.PdfRenderer` with the project's default ``pdf_variant``.

:func:`render` turns render jobs into PDFs in a child process, with briefing's text layer or —
``plain=True``, the floor — with WeasyPrint alone (``textlayer.uninstall()`` after the renderer is
made, so fonts, fetcher, language tags and PDF variant stay the same and only the text layer
differs). A child process keeps this process's WeasyPrint as the other tests left it, and two
of them (briefing and floor) run side by side.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from briefing.build.job import RenderJob
from briefing.render.visible import TextWalker

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
FONTS = REPO / "fonts"
#: Bound on rendering a batch of documents in the child process.
RENDER_TIMEOUT = 600


@dataclass(frozen=True)
class Document:
    name: str
    job: RenderJob
    expected: str  # the source in logical order, one block per line (see metrics.py)
    digits: str = "arabic"  # how its footnote calls are numbered ("arabic": Arabic-Indic)


def sample_documents() -> list[Document]:
    """Every sample edition with an Arabic body, with the text its HTML holds."""
    from briefing.build import gather, make_job, plan
    from briefing.config import load_config
    from briefing.render import render_html

    config = load_config(REPO)
    briefs, errors = gather(config)
    assert not errors, [str(e) for e in errors]
    documents = []
    for edition in plan(briefs, config, REPO / "dist"):
        audience = config.audiences[edition.audience]
        if audience.lang != "ar":
            continue
        html = render_html(edition.brief, config, edition.audience)
        job = make_job(edition, html, config, remote=False)
        documents.append(
            Document(edition.name, job, expected_from_html(html, audience.digits), audience.digits)
        )
    return documents


def corpus_documents() -> list[Document]:
    """The corpus pages, each with its committed expected text."""
    documents = []
    for html in sorted(CORPUS.glob("*.html")):
        job = RenderJob(
            name=f"corpus/{html.stem}",
            source=str(html),
            html=html.read_text(encoding="utf-8"),
            folder=str(CORPUS),
            roots=(str(CORPUS), str(FONTS)),
            fonts_dir=str(FONTS),
        )
        expected = html.with_suffix(".txt").read_text(encoding="utf-8")
        # corpus.css numbers footnotes in Arabic-Indic digits; hard_cases.html keeps
        # WeasyPrint's default decimal counter.
        digits = "arabic" if 'href="corpus.css"' in job.html else "latin"
        documents.append(Document(job.name, job, expected, digits))
    return documents


# ---------------------------------------------------------------------------- rendering


def render(jobs: list[RenderJob], *, plain: bool) -> subprocess.Popen[bytes]:
    """Start rendering ``jobs`` in a child process; :func:`collect` waits for the PDFs."""
    with tempfile.TemporaryFile() as jobs_file:  # the child keeps its own handle open
        jobs_file.write(pickle.dumps(jobs))
        jobs_file.seek(0)
        return subprocess.Popen(
            [sys.executable, "-m", "tests.readers._render", *(["--plain"] if plain else [])],
            cwd=REPO,
            stdin=jobs_file,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )


def collect(child: subprocess.Popen[bytes]) -> list[bytes]:
    """The PDFs of :func:`render`, in job order; a failed or hung child is an error."""
    try:
        out, err = child.communicate(timeout=RENDER_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
    if child.returncode != 0:
        raise RuntimeError(
            f"rendering failed ({child.returncode}):\n{err.decode(errors='replace')}"
        )
    return pickle.loads(out)


def render_now(jobs: list[RenderJob], *, plain: bool) -> list[bytes]:
    return collect(render(jobs, plain=plain))


# ---------------------------------------------------------------------------- expected text


class _Walker(TextWalker):
    """The build's walk of the HTML, with the reader tests' block edges.

    A ``<span>`` with a class may be laid out as a block by the theme (key figures, chart
    titles, section numbers), so its edges are block edges: that only drops a pair or two per
    heading from the score, where treating it as inline would ask for words the layout puts
    apart. The corpus marks its footnotes ``fn``.
    """

    edges = TextWalker.edges | {
        *("h5", "h6", "header", "footer", "nav", "main", "article", "aside"),
        *("ul", "ol", "table", "tr", "body", "figure"),
    }
    note_classes = TextWalker.note_classes | {"fn"}

    def is_edge(self, tag: str, classes: list[str]) -> bool:
        return tag in self.edges or (tag == "span" and bool(classes))


def expected_from_html(html: str, digits: str = "arabic") -> str:
    """The text a reader should give back for ``html``: one block per line, logical order.

    Footnotes (``float: footnote`` spans) become their own block, ``N. text``, after the
    block that cites them, and leave their call ``N`` glued to the word before them, numbered as
    the templates' counters print them (Arabic-Indic digits for ``digits = "arabic"``).
    """
    lines: list[str] = []
    pending: list[str] = []  # footnotes, written after the block that cites them
    for block in _Walker(digits).walk(html):
        if block.note:
            pending.append(block.text(calls=True))
            continue
        lines += [text] if (text := block.text(calls=True)) else []
        lines += pending
        pending = []
    return "\n".join(lines) + "\n"


def text_by_language(html: str, digits: str = "arabic") -> dict[str, str]:
    """The same text split by the language its element declares (``lang``, inherited):
    ``{"ar": ..., "en": ...}``, a block per line; a run in another language inside a block
    ends the block on both sides."""
    by_lang: dict[str, list[str]] = {}
    for block in _Walker(digits).walk(html):
        runs: list[tuple[str, str]] = []
        for run in block.runs:
            if runs and runs[-1][0] == run.lang:
                runs[-1] = (run.lang, runs[-1][1] + run.text)
            else:
                runs.append((run.lang, run.text))
        for lang, text in runs:
            if text.split():
                by_lang.setdefault(lang.split("-")[0].lower(), []).append(" ".join(text.split()))
    return {lang: "\n".join(lines) + "\n" for lang, lines in by_lang.items()}
