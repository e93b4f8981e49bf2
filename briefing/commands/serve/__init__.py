"""Live preview: ``briefing serve`` shows each brief's editions (HTML and PDF) and reloads on save.

A stdlib :class:`~http.server.ThreadingHTTPServer` (bound to 127.0.0.1 by default) answers:

``/``                        an index of briefs × audiences, with the briefs that fail to load
``/<slug>/<audience>/``      the HTML rendition: the exact HTML the PDF is made from, with its
                             ``file://`` font, logo and folder URLs pointed at this server, plus
                             a small toolbar and the reload script
``/<slug>/<audience>/<f>``   a file of the brief's own folder (its images), nothing else
``/<slug>/<audience>.pdf``   the PDF, made once per change on one warm render worker (right
                             after the save when the edition was viewed lately; see
                             :mod:`~briefing.commands.serve.prerender`)
``/_pdf/<slug>/<audience>``  a page framing that PDF, which reloads too
``/_fonts/<name>``           the project fonts; ``/_logo/<audience>`` the configured logo
``/_version``                the change counter; ``?since=N`` holds the answer until it moves
                             from N (a few seconds at most): the pages long-poll it

(the route table is :data:`briefing.commands.serve.routes.ROUTES`; the pages are template files
in ``templates/``, rendered by :mod:`~briefing.commands.serve.pages`).

Reload: a watcher thread (:func:`briefing.commands.watching.changes` over the content folder,
the project's and the built-in templates, and the project root non-recursively for
``briefing.toml``) bumps a version number, reloads the config, and starts making the PDFs of the
editions viewed in the last minutes, the most recently viewed first. Every page long-polls
``/_version`` and reloads itself (keeping its scroll position) when the number changes; a PDF
page asks to be answered only once its PDF for the new version is made (``wait=pdf``), so it
reloads onto a finished PDF. Errors — a :class:`BriefError` from load, validation, render or
PDF — are shown in the page as ``path:line: message`` (status 500), and the server keeps
running; an error counts as made, and the error page long-polls too, so fixing the file brings
the brief back.

The content is untrusted: the HTML has been sanitised by the pipeline already, and every page
carries a Content-Security-Policy that allows nothing remote and only the one inline script
(by nonce). Only the brief's own folder and the fonts are served from disk; paths with ``..``
are refused, and the Host header must name this machine when bound to a loopback address
(no DNS rebinding).
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from briefing.commands.serve.httpd import MAX_CONNECTIONS, is_loopback
from briefing.commands.serve.server import READ_TIMEOUT, PreviewServer

__all__ = ["MAX_CONNECTIONS", "READ_TIMEOUT", "PreviewServer", "serve"]


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Run the preview until interrupted; the exit code of ``briefing serve``."""
    try:
        preview = PreviewServer(root, host=host, port=port)
    except OSError as exc:
        print(f"cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not is_loopback(host):
        print(
            f"warning: listening on {host}: anyone who can reach this address sees the "
            "unpublished briefs",
            file=sys.stderr,
        )
    preview.start_watching()
    print(f"Preview at {preview.url} (Ctrl-C to stop)", flush=True)
    if preview.config_error is not None:
        print(str(preview.config_error), file=sys.stderr)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly on `kill` too
    try:
        preview.httpd.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        preview.close()
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
