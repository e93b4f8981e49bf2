"""Live preview: ``briefing serve`` shows each brief's editions (HTML and PDF) and reloads on save.

A stdlib :class:`~http.server.ThreadingHTTPServer` (bound to 127.0.0.1 by default) answers:

``/``                        an index of briefs × audiences, with the briefs that fail to load
``/<slug>/<audience>/``      the HTML rendition: the exact HTML the PDF is made from, with its
                             ``file://`` font, logo and folder URLs pointed at this server, plus
                             a small toolbar and the reload script
``/<slug>/<audience>/<f>``   a file of the brief's own folder (its images), nothing else
``/<slug>/<audience>.pdf``   the PDF, rendered on demand in this process by
                             :func:`briefing.build.job.run_job` and cached per change
``/_pdf/<slug>/<audience>``  a page framing that PDF, which reloads too
``/_fonts/<name>``           the project fonts; ``/_logo/<audience>`` the configured logo
``/_version``                the change counter the pages poll

Reload: a watcher thread (:func:`watchfiles.watch` over the content folder, the project's and
the built-in templates, and the project root non-recursively for ``briefing.toml``) bumps a
version number and reloads the config; every page polls ``/_version`` every 500 ms and reloads
itself (keeping its scroll position) when the number changes. Errors — a :class:`BriefError` from
load, validation, render or PDF — are shown in the page as ``path:line: message`` (status 500),
and the server keeps running; the error page polls too, so fixing the file brings the brief back.

The content is untrusted: the HTML has been sanitised by the pipeline already, and every page
carries a Content-Security-Policy that allows nothing remote and only the one inline script
(by nonce). Only the brief's own folder and the fonts are served from disk; paths with ``..``
are refused, and the Host header must name this machine when bound to a loopback address
(no DNS rebinding).
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import re
import secrets
import signal
import sys
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from briefing.config import CONFIG_NAME, Config, builtin_dir, load_config
from briefing.errors import BriefError

log = logging.getLogger(__name__)

POLL_MS = 500
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
_RESERVED = {"_version", "_fonts", "_logo", "_pdf", "favicon.ico"}
_FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Run the preview until interrupted; the exit code of ``briefing serve``."""
    try:
        preview = PreviewServer(root, host=host, port=port)
    except OSError as exc:
        print(f"cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not _is_loopback(host):
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


# ---------------------------------------------------------------------------- the server


class PreviewServer:
    """The preview's state: config, change counter, PDF cache, watcher threads, HTTP server."""

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = root.resolve()
        self.host = host
        self.version = 0
        self.config: Config | None = None
        self.config_error: BriefError | None = None
        self._lock = threading.Lock()  # version, config, PDF cache
        self._render_lock = threading.Lock()  # one WeasyPrint render at a time
        self._pdfs: dict[tuple[str, str], tuple[int, object]] = {}
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watched: list[Path] = []  # what the tree watcher watches now
        self._reload_config()
        self.httpd = _Server((host, port), _Handler)
        self.httpd.preview = self

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        name = f"[{host}]" if ":" in str(host) else host
        return f"http://{name}:{port}/"

    # -- lifecycle

    def start(self) -> PreviewServer:
        """Serve in a background thread (for tests and embedding); :meth:`close` stops it."""
        self.start_watching()
        thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="briefing-serve",
            daemon=True,
        )
        thread.start()
        self._threads.append(thread)
        return self

    def start_watching(self) -> None:
        for target, name in (
            (self._watch_tree, "briefing-watch"),
            (self._watch_root, "briefing-watch-root"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        self._stop.set()
        self._restart.set()
        if any(t.name == "briefing-serve" for t in self._threads):
            self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- changes

    def _reload_config(self) -> None:
        try:
            config, error = load_config(self.root), None
        except BriefError as exc:
            config, error = None, exc
        with self._lock:
            if config is not None:
                self.config = config
            self.config_error = error
            if self._tree_paths() != self._watched:
                self._restart.set()  # a folder appeared, went or moved: watch the new set

    def changed(self, paths: Iterable[str] = ()) -> None:
        """Something was saved: reload the config, bump the version (pages reload)."""
        self._reload_config()
        with self._lock:
            self.version += 1
            self._pdfs.clear()
        log.debug("changed (version %d): %s", self.version, ", ".join(sorted(paths)))

    def _folders(self) -> list[Path]:
        """The content and template folders, whether they exist or not."""
        config = self.config
        if config is not None:
            dirs = [config.content_dir, config.root / config.paths.templates]
        else:
            dirs = [self.root / "content", self.root / "templates"]
        return [d.resolve() for d in [*dirs, builtin_dir("templates")]]

    def _tree_paths(self) -> list[Path]:
        return sorted({d for d in self._folders() if d.is_dir()})

    def _watch_tree(self) -> None:
        """Content and template folders, recursively; restarted when that set changes."""
        import watchfiles

        stop = _Either(self._stop, self._restart)
        polling: bool | None = None
        while not self._stop.is_set():
            self._restart.clear()
            with self._lock:
                paths = self._watched = self._tree_paths()
            if not paths:
                self._stop.wait(0.5)
                continue
            try:
                for changes in watchfiles.watch(
                    *paths,
                    stop_event=stop,
                    debounce=400,
                    step=50,
                    rust_timeout=1000,
                    raise_interrupt=False,
                    force_polling=polling,
                ):
                    self.changed(p for _, p in changes)
            except Exception as exc:  # inotify limits, a folder vanishing, …: poll instead
                if polling:
                    log.warning("preview: watching %s failed: %s", paths, exc)
                    self._stop.wait(1)
                polling = True

    def _watch_root(self) -> None:
        """The project root, not recursively: briefing.toml, and the folders appearing."""
        import watchfiles

        def wanted(_change: object, path: str) -> bool:
            p = Path(path)
            return p.name == CONFIG_NAME or p.resolve() in self._folders()

        polling: bool | None = None
        while not self._stop.is_set():
            try:
                for changes in watchfiles.watch(
                    self.root,
                    watch_filter=wanted,
                    recursive=False,
                    stop_event=self._stop,
                    debounce=400,
                    step=50,
                    rust_timeout=1000,
                    raise_interrupt=False,
                    force_polling=polling,
                ):
                    self.changed(p for _, p in changes)
            except Exception as exc:
                if polling:
                    log.warning("preview: watching %s failed: %s", self.root, exc)
                    self._stop.wait(1)
                polling = True

    # -- pages

    def current(self) -> tuple[int, Config]:
        """The version and config to render with; raises the config's error if it has one."""
        with self._lock:
            version, config, error = self.version, self.config, self.config_error
        if error is not None or config is None:
            raise error or BriefError(self.root / CONFIG_NAME, "no configuration")
        return version, config

    def briefs(self, config: Config) -> dict[str, Path]:
        from briefing.content.discovery import find_briefs, slug_of

        found: dict[str, Path] = {}
        if config.content_dir.is_dir():
            for path in find_briefs([config.content_dir]):
                found.setdefault(slug_of(path), path)
        return found

    def edition(self, slug: str, audience: str) -> tuple[int, Config, object, object]:
        """Load one brief for one audience: ``(version, config, brief, Edition)``.

        Raises :class:`LookupError` for what does not exist (404), :class:`BriefError` for
        what the author must fix (shown in the page).
        """
        from briefing.build import load_brief, plan
        from briefing.build.barrier import call_isolated

        version, config = self.current()
        path = self.briefs(config).get(slug)
        if path is None:
            raise LookupError(f"no brief '{slug}' in {config.content_dir}")
        if audience not in config.audiences:
            raise LookupError(
                f"no audience '{audience}' (configured: {', '.join(sorted(config.audiences))})"
            )
        brief = call_isolated(
            lambda p: load_brief(p, config),
            path,
            path=path,
            what="reading this brief",
            timeout=config.limits.parse_timeout,
            memory_mb=config.limits.worker_memory_mb,
        )
        editions = [e for e in plan([brief], config, config.output_dir) if e.audience == audience]
        if not editions:
            reason = (
                "it has no 'english' block"
                if config.audiences[audience].requires_english
                else "its 'audiences' list leaves this one out"
            )
            raise BriefError(path, f"no '{audience}' edition of this brief: {reason}")
        return version, config, brief, editions[0]

    def html(self, slug: str, audience: str) -> tuple[int, str, Config, object]:
        version, config, brief, edition = self.edition(slug, audience)
        return version, self._page_of(edition, config).html, config, brief

    def _page_of(self, edition: object, config: Config):  # -> build.Page
        """One edition's HTML behind the per-brief barrier (never in a server thread)."""
        from briefing.build import write_pages
        from briefing.render import make_environment

        env = {edition.audience: make_environment(config, edition.audience)}  # type: ignore[attr-defined]
        _, page, error = next(write_pages([edition], config, env))  # type: ignore[list-item]
        if error is not None:
            raise error
        return page

    def pdf(self, slug: str, audience: str) -> bytes:
        """The PDF of one edition, rendered once per version; raises :class:`BriefError`."""
        from briefing.build import _job
        from briefing.build.barrier import call_isolated
        from briefing.build.job import renderer_for, run_job

        key = (slug, audience)
        with self._render_lock:
            with self._lock:
                cached = self._pdfs.get(key)
                version = self.version
            if cached is None or cached[0] != version:
                try:
                    version, config, brief, edition = self.edition(slug, audience)
                    page = self._page_of(edition, config)
                    job = _job(edition, page.html, config, remote=False, expected=page.expected)
                    renderer_for(job)  # WeasyPrint and fonts loaded once, here: inherited
                    result = call_isolated(
                        run_job,
                        job,
                        path=brief.source.path,
                        what="rendering this edition",
                        timeout=config.limits.render_timeout,
                        memory_mb=config.limits.worker_memory_mb,
                    )
                    error = result.brief_error()
                    cached = (version, error if error is not None else result.pdf)
                except BriefError as exc:
                    cached = (version, exc)
                with self._lock:
                    if self.version == version:
                        self._pdfs[key] = cached
        if isinstance(cached[1], BriefError):
            raise cached[1]
        return cached[1]  # type: ignore[return-value]


#: Seconds a connection may stay silent (a half-open or slow client holds a thread otherwise).
READ_TIMEOUT = 10.0
#: Connections served at once; more wait in the listen queue (one thread each).
MAX_CONNECTIONS = 32


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    preview: PreviewServer

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        # Wait for a free slot here, in the accepting thread: beyond the cap, new clients
        # queue in the kernel's backlog instead of each costing a thread.
        self.slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):  # type: ignore[no-untyped-def]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


@dataclass
class _Either:
    """``is_set()`` of either event: stop for good, or restart the watcher."""

    a: threading.Event
    b: threading.Event

    def is_set(self) -> bool:
        return self.a.is_set() or self.b.is_set()


# ---------------------------------------------------------------------------- requests


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT  # socket timeout for every read: a silent client is dropped

    def version_string(self) -> str:
        return "briefing-preview"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        self._head = head
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception:  # a bug: show it, keep serving
            log.exception("preview: %s", self.path)
            self._page(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "Internal error",
                f"<pre class=error>{html.escape(traceback.format_exc())}</pre>",
            )

    # -- routing

    def _route(self) -> None:
        preview = self.server.preview
        if not self._host_ok():
            return self._plain(HTTPStatus.FORBIDDEN, "forbidden host")
        raw = urlsplit(self.path).path
        if "\\" in raw or "\x00" in unquote(raw):
            return self._not_found()
        segments = [unquote(s) for s in raw.split("/")[1:]]
        if any(s in (".", "..") or "/" in s or "\\" in s or "\x00" in s for s in segments):
            return self._not_found()
        trailing = raw.endswith("/") and len(segments) > 1
        parts = [s for s in segments if s]
        if len(parts) != len(segments) - (1 if trailing or raw == "/" else 0):
            return self._not_found()  # empty segments: //x, /a//b
        first = parts[0] if parts else ""

        if not parts:
            return self._index()
        if first == "_version" and len(parts) == 1:
            return self._send(
                HTTPStatus.OK, str(preview.version).encode(), "text/plain; charset=utf-8"
            )
        if first == "_fonts" and len(parts) == 2:
            return self._font(parts[1])
        if first == "_logo" and len(parts) == 2:
            return self._logo(parts[1])
        if first == "_pdf" and len(parts) == 3:
            return self._pdf_view(parts[1], parts[2])
        if first == "favicon.ico" and len(parts) == 1:
            return self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        if first in _RESERVED:
            return self._not_found()
        if len(parts) == 2 and parts[1].endswith(".pdf") and not trailing:
            return self._pdf(parts[0], parts[1].removesuffix(".pdf"))
        if len(parts) == 1 or (len(parts) == 2 and not trailing):  # → /slug/audience/
            audience = parts[1] if len(parts) == 2 else "full"
            if not self._exists(parts[0], audience):
                return self._not_found()
            return self._redirect(f"/{quote(parts[0])}/{quote(audience)}/")
        if len(parts) == 2:
            return self._rendition(parts[0], parts[1])
        return self._folder_file(parts[0], parts[1], parts[2:])

    def _exists(self, slug: str, audience: str) -> bool:
        config = self.server.preview.config
        return (
            config is not None
            and audience in config.audiences
            and slug in self.server.preview.briefs(config)
        )

    def _host_ok(self) -> bool:
        """Bound to loopback: the Host header must be exactly this server's name and port
        (DNS rebinding sends the attacker's name; ``127.0.0.1:8765@evil.com`` is refused)."""
        if not _is_loopback(self.server.preview.host):
            return True
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        return host in {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    # -- pages

    def _index(self) -> None:
        from briefing.build import gather, plan

        preview = self.server.preview
        try:
            version, config = preview.current()
        except BriefError as exc:
            return self._error(exc, preview.version)
        briefs, errors = gather(config)
        rows = []
        for brief in briefs:
            try:
                editions = plan([brief], config, config.output_dir)
            except BriefError as exc:
                errors.append(exc)
                continue
            links = []
            for e in editions:
                base = f"/{quote(brief.slug)}/{quote(e.audience)}"
                title = config.audiences[e.audience].title or e.audience
                links.append(
                    f'<li><a href="{base}/">{html.escape(title)}</a> '
                    f"<span class=muted>({html.escape(e.audience)})</span> · "
                    f'<a href="/_pdf{base}">PDF</a></li>'
                )
            rows.append(
                f"<section><h2 dir=auto>{html.escape(brief.meta.title)}</h2>"
                f"<p class=muted>{html.escape(_rel(brief.source.path, preview.root))}"
                f"</p><ul>{''.join(links)}</ul></section>"
            )
        problems = "".join(
            f"<pre class=error>{html.escape(_message(e, preview.root))}</pre>" for e in errors
        )
        body = "".join(rows) or "<p>No briefs in the content folder yet.</p>"
        self._page(HTTPStatus.OK, "Briefs", problems + body, version=version)

    def _rendition(self, slug: str, audience: str) -> None:
        preview = self.server.preview
        version = preview.version
        try:
            version, text, config, brief = preview.html(slug, audience)
        except LookupError as exc:
            return self._not_found(str(exc))
        except BriefError as exc:
            return self._error(exc, version, slug=slug, audience=audience)
        base = f"/{quote(slug)}/{quote(audience)}/"
        text = text.replace(config.fonts_dir.resolve().as_uri(), "/_fonts")
        text = text.replace(brief.source.folder.resolve().as_uri() + "/", base)
        logo = config.branding_for(audience).logo
        if logo:
            text = text.replace(
                (config.root / logo).resolve().as_uri(), f"/_logo/{quote(audience)}"
            )
        nonce = secrets.token_urlsafe(16)
        bar = _toolbar(config, slug, audience, "html", _editions(brief, config))
        text = _inject(text, _script(version, nonce), bar)
        self._send(HTTPStatus.OK, text.encode(), "text/html; charset=utf-8", csp=_csp(nonce))

    def _pdf(self, slug: str, audience: str) -> None:
        preview = self.server.preview
        version = preview.version
        try:
            data = preview.pdf(slug, audience)
        except LookupError as exc:
            return self._not_found(str(exc))
        except BriefError as exc:
            return self._error(exc, version, slug=slug, audience=audience)
        self._send(
            HTTPStatus.OK,
            data,
            "application/pdf",
            csp=None,
            extra={
                "Content-Disposition": f"inline; filename*=UTF-8''"
                f"{quote(slug)}-{quote(audience)}.pdf"
            },
        )

    def _pdf_view(self, slug: str, audience: str) -> None:
        preview = self.server.preview
        try:
            version, config = preview.current()
        except BriefError as exc:
            return self._error(exc, preview.version)
        if slug not in preview.briefs(config) or audience not in config.audiences:
            return self._not_found()
        src = f"/{quote(slug)}/{quote(audience)}.pdf?v={version}"
        body = (
            f"{_toolbar(config, slug, audience, 'pdf')}"
            f'<iframe src="{src}" title="PDF" style="position:fixed;inset:2.2em 0 0 0;'
            f'width:100%;height:calc(100% - 2.2em);border:0"></iframe>'
        )
        self._page(HTTPStatus.OK, f"{slug} / {audience} (PDF)", body, version=version, bare=True)

    def _error(
        self, exc: BriefError, version: int, *, slug: str | None = None, audience: str | None = None
    ) -> None:
        message = _message(exc, self.server.preview.root)
        log.error("%s", message)
        bar = ""
        config = self.server.preview.config
        if slug and audience and config is not None and audience in config.audiences:
            bar = _toolbar(config, slug, audience, "html")
        body = (
            f"{bar}<h1>This edition cannot be shown</h1>"
            f"<pre class=error dir=auto>{html.escape(message)}</pre>"
            "<p class=muted>Fix the file and save: this page reloads by itself.</p>"
        )
        self._page(HTTPStatus.INTERNAL_SERVER_ERROR, "Error", body, version=version)

    # -- files

    def _font(self, name: str) -> None:
        preview = self.server.preview
        config = preview.config
        if config is None:
            return self._not_found()
        self._file(config.fonts_dir, [name], config.limits.max_resource_bytes)

    def _logo(self, audience: str) -> None:
        config = self.server.preview.config
        if config is None or audience not in config.audiences:
            return self._not_found()
        logo = config.branding_for(audience).logo
        if not logo:
            return self._not_found()
        path = (config.root / logo).resolve()
        self._file(path.parent, [path.name], config.limits.max_resource_bytes)

    def _folder_file(self, slug: str, audience: str, rel: list[str]) -> None:
        preview = self.server.preview
        config = preview.config
        if config is None or audience not in config.audiences:
            return self._not_found()
        path = preview.briefs(config).get(slug)
        # only an index.md brief has a folder of its own (a flat brief shares content/)
        if (
            path is None
            or path.name != "index.md"
            or any(p.startswith(".") for p in rel)
            or rel[-1].lower().endswith(".md")
        ):
            return self._not_found()
        self._file(path.parent, rel, config.limits.max_resource_bytes)

    def _file(self, folder: Path, rel: list[str], limit: int) -> None:
        """A regular file whose real path lies inside ``folder``; 404 for anything else."""
        try:
            base = folder.resolve(strict=True)
            target = base.joinpath(*rel).resolve(strict=True)
            if (
                not target.is_relative_to(base)
                or not target.is_file()
                or target.stat().st_size > limit
            ):
                return self._not_found()
            data = target.read_bytes()
        except (OSError, ValueError):
            return self._not_found()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix.lower() in (".ttf", ".otf", ".woff", ".woff2"):
            kind = f"font/{target.suffix.lower()[1:]}"
        self._send(HTTPStatus.OK, data, kind, csp=_FILE_CSP)

    # -- responses

    def _not_found(self, message: str = "not found") -> None:
        self._plain(HTTPStatus.NOT_FOUND, message)

    def _plain(self, status: HTTPStatus, message: str) -> None:
        self._send(
            status, (message + "\n").encode(), "text/plain; charset=utf-8", csp="default-src 'none'"
        )

    def _redirect(self, location: str) -> None:
        self._send(HTTPStatus.FOUND, b"", "text/plain", extra={"Location": location})

    def _page(
        self,
        status: HTTPStatus,
        title: str,
        body: str,
        *,
        version: int | None = None,
        bare: bool = False,
    ) -> None:
        nonce = secrets.token_urlsafe(16)
        script = _script(version, nonce) if version is not None else ""
        style = _BARE_CSS if bare else _PAGE_CSS
        text = (
            f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            f"<title>{html.escape(title)} — briefing preview</title>"
            f"<style>{style}</style>{script}</head><body>{body}</body></html>"
        )
        self._send(status, text.encode(), "text/html; charset=utf-8", csp=_csp(nonce))

    def _send(
        self,
        status: HTTPStatus,
        data: bytes,
        kind: str,
        *,
        csp: str | None = "default-src 'none'",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if csp:
            self.send_header("Content-Security-Policy", csp)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not getattr(self, "_head", False):
            self.wfile.write(data)


# ---------------------------------------------------------------------------- pieces


def _csp(nonce: str) -> str:
    """Nothing remote; the one inline script by nonce; inline styles (the theme CSS is inline)."""
    return (
        "default-src 'self'; "
        f"script-src 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )


def _script(version: int | None, nonce: str) -> str:
    """Poll ``/_version``; reload (keeping the scroll position) when it changes."""
    return f"""<script nonce="{nonce}">(function () {{
  var seen = {json.dumps(version)}, key = "briefing-scroll:" + location.pathname;
  var y = sessionStorage.getItem(key);
  if (y !== null) {{
    sessionStorage.removeItem(key);
    addEventListener("load", function () {{ scrollTo(0, +y); }});
  }}
  function poll() {{
    fetch("/_version", {{cache: "no-store"}}).then(function (r) {{ return r.text(); }})
      .then(function (v) {{
        if (+v !== seen) {{
          sessionStorage.setItem(key, String(scrollY));
          location.reload();
        }} else setTimeout(poll, {POLL_MS});
      }}, function () {{ setTimeout(poll, {2 * POLL_MS}); }});
  }}
  setTimeout(poll, {POLL_MS});
}})();</script>"""


def _editions(brief: object, config: Config) -> list[str]:
    from briefing.build import plan

    try:
        return [e.audience for e in plan([brief], config, config.output_dir)]  # type: ignore[list-item]
    except BriefError:
        return list(config.audiences)


def _toolbar(
    config: Config, slug: str, audience: str, showing: str, audiences: list[str] | None = None
) -> str:
    """A small fixed bar (not printed): index, HTML/PDF, the other audiences."""
    s = "all:initial;font:13px/1.6 system-ui,sans-serif;"
    link = s + "color:#1f3a5f;text-decoration:underline;cursor:pointer;margin:0 .4em;"
    here = s + "font-weight:bold;margin:0 .4em;"
    q, a = quote(slug), quote(audience)

    def item(href: str, label: str, current: bool) -> str:
        if current:
            return f'<span style="{here}">{html.escape(label)}</span>'
        return f'<a style="{link}" href="{href}">{html.escape(label)}</a>'

    items = [
        item("/", "all briefs", False),
        f'<span style="{s}">|</span>',
        item(f"/{q}/{a}/", "HTML", showing == "html"),
        item(f"/_pdf/{q}/{a}", "PDF", showing == "pdf"),
        f'<span style="{s}">|</span>',
    ]
    for name in audiences or config.audiences:
        href = f"/{q}/{quote(name)}/" if showing == "html" else f"/_pdf/{q}/{quote(name)}"
        items.append(item(href, name, name == audience))
    return (
        f'<div id="briefing-preview-bar" dir="ltr" style="{s}position:fixed;top:0;left:0;'
        f"right:0;z-index:2147483647;display:block;background:#f4f4f4;"
        f'border-bottom:1px solid #ccc;padding:.2em .6em;">{"".join(items)}</div>'
        "<style>@media print{#briefing-preview-bar{display:none!important}}"
        "body{margin-top:2.2em}</style>"
    )


def _inject(text: str, script: str, bar: str) -> str:
    """The reload script into ``<head>``, the toolbar at the start of ``<body>``."""
    head = re.search(r"</head\s*>", text, re.IGNORECASE)
    text = text[: head.start()] + script + text[head.start() :] if head else script + text
    body = re.search(r"<body\b[^>]*>", text, re.IGNORECASE)
    return text[: body.end()] + bar + text[body.end() :] if body else text + bar


_PAGE_CSS = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2.6em auto;"
    "padding:0 1em;color:#1d1d1f}h1{font-size:1.4em}h2{font-size:1.15em;margin-bottom:0}"
    ".muted{color:#666}.error{background:#fdecea;border:1px solid #b5292b;"
    "padding:.8em;white-space:pre-wrap;unicode-bidi:plaintext}"
)
_BARE_CSS = "html,body{margin:0;height:100%;overflow:hidden}"


def _message(exc: BriefError, root: Path) -> str:
    """``path:line: message`` with the path relative to the project when it is inside it."""
    if exc.path is None:
        return exc.message
    return str(BriefError(_rel(exc.path, root), exc.message, exc.line))


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return str(path)


def _is_loopback(host: str) -> bool:
    return host in _LOOPBACK_NAMES or host.startswith("127.")
