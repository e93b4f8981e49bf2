"""Child process of :func:`tests.readers.documents.render`: pickled render jobs on stdin,
pickled PDF bytes on stdout. ``--plain`` renders with WeasyPrint's own text layer (the floor)."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path


def main() -> None:
    from briefing.pdf import textlayer
    from briefing.pdf.renderer import PdfRenderer

    plain = "--plain" in sys.argv[1:]
    jobs = pickle.loads(sys.stdin.buffer.read())
    renderers: dict[tuple[str, str], PdfRenderer] = {}
    pdfs = []
    for job in jobs:
        key = (job.fonts_dir, job.pdf_variant)
        if key not in renderers:
            renderers[key] = PdfRenderer(Path(job.fonts_dir), job.pdf_variant)
        if plain:  # the renderer installs briefing's text layer; the floor is WeasyPrint alone
            textlayer.uninstall()
            assert not textlayer.installed()
        try:
            pdfs.append(renderers[key].render(job).data)
        except Exception as exc:  # name the document: the traceback alone does not
            raise RuntimeError(
                f"rendering {job.name} ({'plain' if plain else 'briefing'}) failed"
            ) from exc
    sys.stdout.buffer.write(pickle.dumps(pdfs))


if __name__ == "__main__":
    main()
