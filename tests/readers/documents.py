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
from html.parser import HTMLParser
from pathlib import Path

from briefing.build.job import RenderJob

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

_BLOCKS = frozenset(
    {
        "p",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "td",
        "th",
        "dt",
        "dd",
        "caption",
        "figcaption",
        "blockquote",
        "div",
        "section",
        "header",
        "footer",
        "nav",
        "main",
        "article",
        "aside",
        "br",
        "ul",
        "ol",
        "table",
        "tr",
        "body",
        "figure",
    }
)
_SKIP = frozenset({"head", "style", "script", "svg", "title"})
_FOOTNOTE_CLASSES = frozenset({"footnote", "fn"})  # float: footnote in brief.css / the corpus
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr", "col", "source"})


def expected_from_html(html: str, digits: str = "arabic") -> str:
    """The text a reader should give back for ``html``: one block per line, logical order.

    A ``<span>`` with a class may be laid out as a block by the theme (key figures, chart
    titles, section numbers), so its edges are block edges: that only drops a pair or two per
    heading from the score, where treating it as inline would ask for words the layout puts
    apart. Footnotes (``float: footnote`` spans) become their own block, ``N. text``, after the
    block that cites them, and leave their call ``N`` glued to the word before them, numbered as
    the templates' counters print them (Arabic-Indic digits for ``digits = "arabic"``).
    """
    return "\n".join(_parse(html, digits).blocks) + "\n"


def text_by_language(html: str, digits: str = "arabic") -> dict[str, str]:
    """The same text split by the language its element declares (``lang``, inherited):
    ``{"ar": ..., "en": ...}``, a block per line; a run in another language inside a block
    ends the block on both sides."""
    return {lang: "\n".join(runs) + "\n" for lang, runs in _parse(html, digits).by_lang.items()}


def _parse(html: str, digits: str) -> _Blocks:
    parser = _Blocks(digits)
    parser.feed(html)
    parser.close()
    parser.finish()
    return parser


Piece = tuple[str, str]  # (language, text)


class _Blocks(HTMLParser):
    def __init__(self, digits: str) -> None:
        super().__init__(convert_charrefs=True)
        self.digits = digits
        self.skip = 0
        self.blocks: list[str] = []
        self.by_lang: dict[str, list[str]] = {}
        self.stack: list[list[Piece]] = [[]]  # the block being written; footnotes push one
        self.spans: list[str] = []  # open <span>s: "note", "block" (has a class) or ""
        self.langs: list[tuple[str, str]] = [("", "")]  # open elements and their language
        self.notes = 0
        self.pending: list[str] = []  # footnotes, written after the block that cites them

    @property
    def lang(self) -> str:
        return self.langs[-1][1]

    def _digits(self, n: int) -> str:
        text = str(n)
        return (
            text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
            if self.digits == "arabic"
            else text
        )

    def _flush(self) -> None:
        pieces = self.stack[-1]
        text = " ".join("".join(t for _, t in pieces).split())
        runs: list[Piece] = []
        for lang, piece in pieces:
            if runs and runs[-1][0] == lang:
                runs[-1] = (lang, runs[-1][1] + piece)
            else:
                runs.append((lang, piece))
        for lang, run in runs:
            if run.split():
                primary = lang.split("-")[0].lower()
                self.by_lang.setdefault(primary, []).append(" ".join(run.split()))
        if len(self.stack) > 1:  # a footnote ends
            self.pending.append(text)
        else:
            self.blocks += [text] if text else []
            self.blocks += self.pending
            self.pending = []
        self.stack[-1] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += tag not in _VOID
            return
        if self.skip:
            return
        if tag not in _VOID:
            self.langs.append((tag, dict(attrs).get("lang") or self.lang))
        if tag == "span":
            classes = set((dict(attrs).get("class") or "").split())
            if classes & _FOOTNOTE_CLASSES:
                self.spans.append("note")
                self.notes += 1
                self.stack[-1].append((self.lang, self._digits(self.notes)))
                self.stack.append([(self.lang, f"{self._digits(self.notes)}. ")])
            else:
                self.spans.append("block" if classes else "")
                if classes and len(self.stack) == 1:
                    self._flush()
        elif tag in _BLOCKS and len(self.stack) == 1:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "span" and self.spans:
            kind = self.spans.pop()
            if kind == "note":
                self._flush()
                self.stack.pop()
            elif kind == "block" and len(self.stack) == 1:
                self._flush()
        elif tag in _BLOCKS and len(self.stack) == 1:
            self._flush()
        for depth in range(len(self.langs) - 1, 0, -1):  # close up to the matching element
            if self.langs[depth][0] == tag:
                del self.langs[depth:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.stack[-1].append((self.lang, data))

    def finish(self) -> list[str]:
        while len(self.stack) > 1:
            self._flush()
            self.stack.pop()
        self._flush()
        return self.blocks
