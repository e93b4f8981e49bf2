"""The preview's HTTP side: a request handler whose paths are matched against one route table
(:data:`ROUTES`), and the responses — every one with a Content-Security-Policy, no caching and
no sniffing. Only the brief's own folder, the fonts and the logo are served from disk."""

from __future__ import annotations

import logging
import mimetypes
import re
import secrets
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, quote, unquote, urlsplit

import briefing.commands.serve.pages as pages
from briefing.build.paths import relative
from briefing.commands.serve.httpd import Server, is_loopback
from briefing.errors import BriefError

log = logging.getLogger(__name__)

_RESERVED = {"_version", "_fonts", "_logo", "_pdf", "favicon.ico"}
_FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


class Route(NamedTuple):
    """``path`` documents the route; ``match(parts, trailing_slash)`` decides it."""

    path: str
    match: Callable[[list[str], bool], bool]
    handler: str  # a method of Handler taking the path's parts


#: The preview's URLs, tried in order (the first that matches answers).
ROUTES: tuple[Route, ...] = (
    Route("/", lambda p, t: not p, "index"),
    Route(
        "/_version[?since=N[&slug=S&audience=A[&wait=pdf]]]",
        lambda p, t: p == ["_version"],
        "version",
    ),
    Route("/_fonts/<name>", lambda p, t: len(p) == 2 and p[0] == "_fonts", "font"),
    Route("/_logo/<audience>", lambda p, t: len(p) == 2 and p[0] == "_logo", "logo"),
    Route("/_pdf/<slug>/<audience>", lambda p, t: len(p) == 3 and p[0] == "_pdf", "pdf_view"),
    Route("/favicon.ico", lambda p, t: p == ["favicon.ico"], "favicon"),
    Route("/_<anything else>", lambda p, t: p[0] in _RESERVED, "reserved"),
    Route(
        "/<slug>/<audience>.pdf",
        lambda p, t: len(p) == 2 and p[1].endswith(".pdf") and not t,
        "pdf",
    ),
    Route(
        "/<slug>[/<audience>]",
        lambda p, t: len(p) == 1 or (len(p) == 2 and not t),
        "redirect_to_edition",
    ),
    Route("/<slug>/<audience>/", lambda p, t: len(p) == 2, "rendition"),
    Route("/<slug>/<audience>/<file>", lambda p, t: True, "folder_file"),
)


def split_path(raw: str) -> tuple[list[str], bool] | None:
    """The decoded segments of a request path and whether it ends in ``/``; None for a path
    that could name something else than it says (``..``, ``\\``, NUL, empty segments)."""
    if "\\" in raw or "\x00" in unquote(raw):
        return None
    segments = [unquote(s) for s in raw.split("/")[1:]]
    if any(s in (".", "..") or "/" in s or "\\" in s or "\x00" in s for s in segments):
        return None
    trailing = raw.endswith("/") and len(segments) > 1
    parts = [s for s in segments if s]
    if len(parts) != len(segments) - (1 if trailing or raw == "/" else 0):
        return None  # empty segments: //x, /a//b
    return parts, trailing


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"
    _head = False

    def setup(self) -> None:
        super().setup()
        # a timeout for every read on the socket: a silent client is dropped
        self.connection.settimeout(self.server.preview.read_timeout)

    def version_string(self) -> str:
        return "briefing-preview"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self._head = True
        self.do_GET()

    def do_GET(self) -> None:
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception:  # a bug: show it, keep serving
            log.exception("preview: %s", self.path)
            self._send_page(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "error.html",
                title="Internal error",
                heading="",
                message=traceback.format_exc(),
                hint="",
            )

    def _route(self) -> None:
        if not self._host_ok():
            return self._plain(HTTPStatus.FORBIDDEN, "forbidden host")
        split = split_path(urlsplit(self.path).path)
        if split is None:
            return self.not_found()
        parts, trailing = split
        route = next(r for r in ROUTES if r.match(parts, trailing))
        getattr(self, route.handler)(parts)

    def _host_ok(self) -> bool:
        """Bound to loopback: the Host header must be exactly this server's name and port
        (DNS rebinding sends the attacker's name; ``127.0.0.1:8765@evil.com`` is refused)."""
        if not is_loopback(self.server.preview.host):
            return True
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        return host in {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    # -- pages

    def index(self, _parts: list[str]) -> None:
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
            rows.append(
                {
                    "title": brief.meta.title,
                    "path": relative(brief.source.path, preview.root),
                    "editions": [
                        {
                            "href": f"/{quote(brief.slug)}/{quote(e.audience)}",
                            "title": config.audiences[e.audience].title or e.audience,
                            "audience": e.audience,
                        }
                        for e in editions
                    ],
                }
            )
        problems = [pages.message(e, preview.root) for e in errors]
        self._send_page(
            HTTPStatus.OK,
            "index.html",
            title="Briefs",
            version=version,
            briefs=rows,
            errors=problems,
        )

    def version(self, _parts: list[str]) -> None:
        """The change counter; with ``since``, a long-poll (see :func:`pages.watch_url`)."""
        query = parse_qs(urlsplit(self.path).query)
        since, slug, audience, wait = (
            (query.get(name) or [""])[0] for name in ("since", "slug", "audience", "wait")
        )
        preview = self.server.preview
        if not re.fullmatch(r"[0-9]{1,18}", since):
            version = preview.version  # no long-poll: the number, now
        else:
            edition = (slug, audience) if slug and audience else None
            version = preview.wait(int(since), edition, pdf=wait == "pdf")
        self._send(HTTPStatus.OK, str(version).encode(), "text/plain; charset=utf-8")

    def favicon(self, _parts: list[str]) -> None:
        self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")

    def redirect_to_edition(self, parts: list[str]) -> None:
        slug, audience = parts[0], parts[1] if len(parts) == 2 else "full"
        if not self._exists(slug, audience):
            return self.not_found()
        self._send(
            HTTPStatus.FOUND,
            b"",
            "text/plain",
            extra={"Location": f"/{quote(slug)}/{quote(audience)}/"},
        )

    def rendition(self, parts: list[str]) -> None:
        slug, audience = parts
        preview = self.server.preview
        version = preview.version
        try:
            version, text, config, brief = preview.html(slug, audience)
        except LookupError as exc:
            return self.not_found(str(exc))
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
        bar = pages.toolbar(config, slug, audience, "html", pages.editions(brief, config))
        script = pages.reload_script(version, nonce, pages.watch_url(version, slug, audience))
        text = pages.inject(text, script, bar)
        self._send(HTTPStatus.OK, text.encode(), "text/html; charset=utf-8", csp=pages.csp(nonce))

    def pdf(self, parts: list[str]) -> None:
        slug, audience = parts[0], parts[1].removesuffix(".pdf")
        preview = self.server.preview
        version = preview.version
        try:
            data = preview.pdf(slug, audience)
        except LookupError as exc:
            return self.not_found(str(exc))
        except BriefError as exc:
            return self._error(exc, version, slug=slug, audience=audience, pdf=True)
        disposition = f"inline; filename*=UTF-8''{quote(slug)}-{quote(audience)}.pdf"
        self._send(
            HTTPStatus.OK,
            data,
            "application/pdf",
            csp=None,
            extra={"Content-Disposition": disposition},
        )

    def pdf_view(self, parts: list[str]) -> None:
        slug, audience = parts[1], parts[2]
        preview = self.server.preview
        try:
            version, config = preview.current()
        except BriefError as exc:
            return self._error(exc, preview.version)
        if slug not in preview.briefs(config) or audience not in config.audiences:
            return self.not_found()
        self._send_page(
            HTTPStatus.OK,
            "pdf.html",
            title=f"{slug} / {audience} (PDF)",
            version=version,
            watch=pages.watch_url(version, slug, audience, pdf=True),
            bare=True,
            toolbar=pages.toolbar(config, slug, audience, "pdf"),
            src=f"/{quote(slug)}/{quote(audience)}.pdf?v={version}",
        )

    def _error(
        self,
        exc: BriefError,
        version: int,
        *,
        slug: str | None = None,
        audience: str | None = None,
        pdf: bool = False,
    ) -> None:
        """The error page (it reloads on the next save; in place of a PDF, once that PDF or
        its next error is made)."""
        message = pages.message(exc, self.server.preview.root)
        log.error("%s", message)
        bar = ""
        config = self.server.preview.config
        if slug and audience and config is not None and audience in config.audiences:
            bar = pages.toolbar(config, slug, audience, "html")
        self._send_page(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "error.html",
            title="Error",
            version=version,
            watch=pages.watch_url(version, slug, audience, pdf=pdf),
            toolbar=bar,
            heading="This edition cannot be shown",
            message=message,
            hint="Fix the file and save: this page reloads by itself.",
        )

    def _exists(self, slug: str, audience: str) -> bool:
        config = self.server.preview.config
        return (
            config is not None
            and audience in config.audiences
            and slug in self.server.preview.briefs(config)
        )

    # -- files

    def font(self, parts: list[str]) -> None:
        config = self.server.preview.config
        if config is None:
            return self.not_found()
        self._file(config.fonts_dir, [parts[1]], config.limits.max_resource_bytes)

    def logo(self, parts: list[str]) -> None:
        audience = parts[1]
        config = self.server.preview.config
        if config is None or audience not in config.audiences:
            return self.not_found()
        logo = config.branding_for(audience).logo
        if not logo:
            return self.not_found()
        path = (config.root / logo).resolve()
        self._file(path.parent, [path.name], config.limits.max_resource_bytes)

    def folder_file(self, parts: list[str]) -> None:
        slug, audience, rel = parts[0], parts[1], parts[2:]
        preview = self.server.preview
        config = preview.config
        if config is None or audience not in config.audiences:
            return self.not_found()
        path = preview.briefs(config).get(slug)
        # only an index.md brief has a folder of its own (a flat brief shares content/)
        if (
            path is None
            or path.name != "index.md"
            or any(p.startswith(".") for p in rel)
            or rel[-1].lower().endswith(".md")
        ):
            return self.not_found()
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
                return self.not_found()
            data = target.read_bytes()
        except (OSError, ValueError):
            return self.not_found()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix.lower() in (".ttf", ".otf", ".woff", ".woff2"):
            kind = f"font/{target.suffix.lower()[1:]}"
        self._send(HTTPStatus.OK, data, kind, csp=_FILE_CSP)

    # -- responses

    def reserved(self, _parts: list[str]) -> None:
        self.not_found()

    def not_found(self, message: str = "not found") -> None:
        self._plain(HTTPStatus.NOT_FOUND, message)

    def _plain(self, status: HTTPStatus, message: str) -> None:
        self._send(
            status, (message + "\n").encode(), "text/plain; charset=utf-8", csp="default-src 'none'"
        )

    def _send_page(
        self, status: HTTPStatus, template: str, *, version: int | None = None, **context: object
    ) -> None:
        nonce = secrets.token_urlsafe(16)
        context.setdefault("toolbar", "")
        text = pages.render(template, version=version, nonce=nonce, **context)
        self._send(status, text.encode(), "text/html; charset=utf-8", csp=pages.csp(nonce))

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
        if not self._head:
            self.wfile.write(data)
