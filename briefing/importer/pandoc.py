"""Running pandoc, bounded: the converter between .docx and the brief's Markdown.

pandoc comes from PyPI's ``pypandoc-binary`` (a current release; Debian's 2.17 predates the
docx reader's handling of figures and captions). Each run has a wall-clock timeout, a heap
cap (``+RTS -M``, as pandoc's manual advises for untrusted input) and ``--sandbox`` (readers
and writers cannot touch files or the network); a failure of any kind is a
:class:`BriefError` for the document being imported.
"""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefing.errors import BriefError

HEAP_MB = 1024  #: pandoc's heap cap

#: Markdown that Python-Markdown (what briefs are read with) understands the same way:
#: the original syntax plus pipe tables and footnotes; HTML where Markdown has no form
#: (merged table cells), which the brief's sanitiser then keeps to its allow-list.
MARKDOWN = "markdown_strict+pipe_tables+footnotes+raw_html"


@lru_cache(maxsize=1)
def executable() -> str:
    try:
        import pypandoc
    except ImportError:  # pragma: no cover - a declared dependency
        raise BriefError(
            None, "pandoc is missing: run ./install.sh (pip install pypandoc-binary)"
        ) from None
    try:
        return str(pypandoc.get_pandoc_path())
    except OSError:
        raise BriefError(
            None, "pandoc is missing: run ./install.sh (pip install pypandoc-binary)"
        ) from None


def _run(args: list[str], source: Path, *, timeout: float, stdin: bytes | None = None) -> bytes:
    command = [executable(), "+RTS", f"-M{HEAP_MB}m", "-RTS", "--sandbox", *args]
    try:
        done = subprocess.run(
            command, input=stdin, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise BriefError(
            source,
            f"conversion took longer than {timeout:g} s ([limits] import_timeout) and was stopped "
            "(is the document very large?)",
        ) from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if "Heap exhausted" in " ".join(why):
            why = [f"it needed more than {HEAP_MB} MB of memory"]
        raise BriefError(
            source,
            f"pandoc could not read the document: {why[-1] if why else f'exit {done.returncode}'}",
        )
    return done.stdout


def read_docx(path: Path, media_dir: Path, *, timeout: float) -> dict[str, Any]:
    """The document as pandoc's JSON AST; images are extracted under ``media_dir``.

    ``--track-changes=all`` keeps insertions, deletions and comments as marked spans, so the
    filter can accept/drop them *and report each* (``accept`` would drop them silently).
    """
    out = _run(
        [
            "--from=docx",
            "--to=json",
            "--track-changes=all",
            f"--extract-media={media_dir}",
            str(path.resolve()),
        ],
        path,
        timeout=timeout,
    )
    return json.loads(out)


def write_markdown(ast: dict[str, Any], source: Path, *, timeout: float) -> str:
    """Markdown for a JSON AST (no wrapping: one paragraph per line keeps diffs readable)."""
    out = _run(
        ["--from=json", f"--to={MARKDOWN}", "--wrap=none", "--markdown-headings=atx"],
        source,
        timeout=timeout,
        stdin=json.dumps(ast).encode(),
    )
    return out.decode("utf-8")
