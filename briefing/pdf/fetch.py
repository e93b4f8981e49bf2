"""A sandboxed URL fetcher for WeasyPrint.

WeasyPrint fetches every URL it meets in HTML and CSS (``<img src>``, ``url()``,
``@import``, ``@font-face``, SVG ``<image href>``, ``<link rel=attachment>``,
``<a rel=attachment>``, ``xmp_metadata``, ``write_pdf(stylesheets=[...])``), ``file://``
included, and its default fetcher follows redirects. Brief content is untrusted, so the
renderer must only ever see :class:`SandboxFetcher`:

* ``file:`` URLs (relative references arrive here already resolved against ``base_url``)
  are served only when the *real* path (every symlink resolved) lies inside one of the
  trusted ``roots``, is a regular file (no directory, device, FIFO, socket) and is at most
  ``max_bytes`` long;
* ``data:`` URLs are served when their payload is at most ``data_cap`` bytes;
* ``http:``/``https:`` URLs are served only when they match a prefix of ``allow_remote``
  (trusted configuration, empty by default); redirects are followed by hand and only to
  URLs that match the allow-list *and* stay on the same origin; every request has a
  timeout, a total deadline and a size cap, and compressed bodies are refused (no
  decompression bombs);
* anything else (``ftp:``, ``javascript:``, ``file://host/``, …) is refused.

WeasyPrint 70 catches fetch exceptions, logs a warning and skips the resource, so an
exception alone would turn an attack into a silent hole in the PDF. Every refusal is
therefore also recorded in :attr:`SandboxFetcher.refusals`; the pipeline must call
:meth:`SandboxFetcher.raise_if_refused` after rendering and before writing the PDF (or
pass ``fail_fast=True`` to abort the render at the first refusal instead).
"""

from __future__ import annotations

import mimetypes
import os
import stat
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib import request
from urllib.error import HTTPError
from urllib.parse import unquote, urljoin, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from briefing.errors import BriefError
from briefing.pdf import compat

__all__ = ["Refusal", "RefusedResource", "SandboxFetcher"]

_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Refusal:
    """One resource the fetcher would not serve."""

    url: str
    reason: str

    def __str__(self) -> str:
        return f"refused resource: {self.url} ({self.reason})"


class RefusedResource(Exception):
    """Raised inside WeasyPrint for a refused URL (WeasyPrint logs it and skips it)."""


class FatalRefusal(FatalURLFetchingError):
    """Raised with ``fail_fast=True``: WeasyPrint lets it through and the render stops.

    Like WeasyPrint's own ``FatalURLFetchingError`` it derives from ``BaseException``,
    so catch it explicitly (or just call :meth:`SandboxFetcher.raise_if_refused`).
    """


def _shorten(url: str, limit: int = 120) -> str:
    """Keep error messages readable when the URL is a 2 MB ``data:`` blob."""
    return url if len(url) <= limit else f"{url[: limit - 1]}…"


class SandboxFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves only allowed local files and allowed URLs.

    Pass the same instance as ``url_fetcher`` to ``HTML(...)`` and to every ``CSS(...)``
    of one document; one instance per brief, because it records that brief's refusals.
    """

    def __init__(
        self,
        *,
        roots: Sequence[Path],
        brief: Path,
        allow_remote: Sequence[str] = (),
        data_cap: int = 2_000_000,
        max_bytes: int = 20_000_000,
        timeout: float = 10.0,
        fail_fast: bool = False,
    ) -> None:
        # No redirect handler: redirects are followed by hand in _fetch_remote.
        # fail_on_errors stays False: WeasyPrint must not turn a *missing* optional
        # resource into a crash; we record instead (fail_fast raises our own fatal error).
        super().__init__(timeout=timeout, allow_redirects=False, fail_on_errors=False)
        self.brief = Path(brief)
        self.roots: tuple[Path, ...] = tuple(Path(root).resolve() for root in roots)
        for root in self.roots:
            if root == Path(root.anchor):
                raise ValueError(f"a filesystem root cannot be a fetcher root: {root}")
        self.allow_remote: tuple[str, ...] = tuple(allow_remote)
        self._remote_prefixes = [self._parse_prefix(prefix) for prefix in self.allow_remote]
        self.data_cap = data_cap
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.fail_fast = fail_fast
        self.refusals: list[Refusal] = []
        self.served: list[str] = []
        self._lock = threading.Lock()

    # -- results --------------------------------------------------------------------------

    @property
    def refused(self) -> list[str]:
        """The refused URLs, in the order WeasyPrint asked for them."""
        return [refusal.url for refusal in self.refusals]

    def errors(self) -> list[BriefError]:
        """One :class:`BriefError` per distinct refusal, naming the brief and the URL."""
        seen: set[tuple[str, str]] = set()
        result = []
        for refusal in self.refusals:
            key = (refusal.url, refusal.reason)
            if key not in seen:
                seen.add(key)
                result.append(BriefError(self.brief, str(refusal)))
        return result

    def raise_if_refused(self) -> None:
        """Raise a :class:`BriefError` listing every refused resource, if there is any."""
        errors = self.errors()
        if not errors:
            return
        message = errors[0].message
        if len(errors) > 1:
            others = "; ".join(
                error.message.removeprefix("refused resource: ") for error in errors[1:]
            )
            message += f"; also {others}"
        raise BriefError(self.brief, message)

    # -- WeasyPrint entry point -----------------------------------------------------------

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Serve ``url`` or refuse it (record, then raise). Called by WeasyPrint."""
        try:
            return self._dispatch(url)
        except RefusedResource:
            raise
        except Exception as exception:  # whatever fails, WeasyPrint would only log it
            self._refuse(url, f"error: {type(exception).__name__}: {exception}")

    def _dispatch(self, url: str) -> URLFetcherResponse:
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            self._refuse(url, "malformed URL")
        if scheme == "file":
            return self._fetch_file(url)
        if scheme == "data":
            return self._fetch_data(url)
        if scheme in ("http", "https"):
            return self._fetch_remote(url)
        self._refuse(url, f"scheme {scheme or '(none)'}: not allowed")

    def _refuse(self, url: str, reason: str) -> NoReturn:
        refusal = Refusal(_shorten(url), reason)
        with self._lock:
            self.refusals.append(refusal)
        if self.fail_fast:
            raise FatalRefusal(str(refusal))
        raise RefusedResource(str(refusal))

    # -- file: ----------------------------------------------------------------------------

    def _fetch_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            self._refuse(url, "file URL on another host")
        raw_path = request.url2pathname(parts.path)
        if "\x00" in raw_path:
            self._refuse(url, "NUL in path")
        path = Path(raw_path)
        if not path.is_absolute():
            self._refuse(url, "relative file URL without a base")
        try:
            real = path.resolve(strict=True)  # resolves every symlink and '..'
        except (OSError, RuntimeError):
            # Don't reveal whether an outside path exists: report "outside" first.
            real = Path(os.path.realpath(path))
            if not self._inside_roots(real):
                self._refuse(url, "outside the allowed folders")
            self._refuse(url, "file not found")
        if not self._inside_roots(real):
            self._refuse(url, "outside the allowed folders")
        # O_NOFOLLOW: the final component must still be the checked file, not a symlink
        # swapped in since. O_NONBLOCK: opening a FIFO must not hang.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(real, flags)
        except OSError as exception:
            self._refuse(url, f"cannot open: {exception.strerror}")
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self._refuse(url, "not a regular file")
            if info.st_size > self.max_bytes:
                self._refuse(url, f"larger than {self.max_bytes} bytes")
            with os.fdopen(fd, "rb", closefd=False) as stream:
                data = stream.read(self.max_bytes + 1)
        finally:
            os.close(fd)
        if len(data) > self.max_bytes:  # grew after fstat
            self._refuse(url, f"larger than {self.max_bytes} bytes")
        content_type = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        content_type = self._check_image(url, data, content_type)
        self._served(url)
        return URLFetcherResponse(url, data, {"Content-Type": content_type})

    def _inside_roots(self, real: Path) -> bool:
        return any(real == root or real.is_relative_to(root) for root in self.roots)

    # -- data: ----------------------------------------------------------------------------

    def _fetch_data(self, url: str) -> URLFetcherResponse:
        # Cheap bound before decoding: percent-encoding is at most 3 chars per byte,
        # base64 4 per 3; the header (media type, params) gets 1 KiB.
        if len(url) > 3 * self.data_cap + 1024:
            self._refuse(url, f"data: URL larger than {self.data_cap} bytes")
        try:
            response = request.DataHandler().data_open(request.Request(url))
            data = response.read()
            content_type = response.headers.get("Content-type", "text/plain")
        except Exception as exception:
            self._refuse(url, f"invalid data: URL ({exception})")
        if len(data) > self.data_cap:
            self._refuse(url, f"data: URL larger than {self.data_cap} bytes")
        content_type = self._check_image(url, data, content_type)
        self._served("data:")
        return URLFetcherResponse(url, data, {"Content-Type": content_type})

    # -- http:, https: --------------------------------------------------------------------

    @staticmethod
    def _origin(parts) -> tuple[str, str, int]:
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
        return scheme, (parts.hostname or "").lower(), port

    def _parse_prefix(self, prefix: str):
        parts = urlsplit(prefix)
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"allow_remote entry must be an http(s) URL prefix: {prefix!r}")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError(f"allow_remote entry must be a plain URL prefix: {prefix!r}")
        return self._origin(parts), parts.path or "/"

    def _remote_allowed(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            origin = self._origin(parts)
        except ValueError:
            return False
        if parts.username is not None or parts.password is not None:
            return False
        path = unquote(parts.path) or "/"
        if any(segment in (".", "..") for segment in path.split("/")) or "\\" in path:
            return False
        for prefix_origin, prefix_path in self._remote_prefixes:
            if origin != prefix_origin:
                continue
            if path == prefix_path or path.startswith(
                prefix_path if prefix_path.endswith("/") else prefix_path + "/"
            ):
                return True
        return False

    def _fetch_remote(self, url: str) -> URLFetcherResponse:
        if not self._remote_allowed(url):
            self._refuse(url, "remote URL not in allow_remote")
        deadline = time.monotonic() + 3 * self.timeout
        current = url
        first_origin = self._origin(urlsplit(url))
        for _ in range(_MAX_REDIRECTS + 1):
            req = request.Request(
                current, headers={**compat.http_headers(self), "Accept-Encoding": "identity"}
            )
            try:
                # OpenerDirector.open, not URLFetcher.open (which would re-enter fetch);
                # the handlers are URLFetcher's, without HTTPRedirectHandler.
                response = request.OpenerDirector.open(self, req, timeout=self.timeout)
            except HTTPError as error:
                location = error.headers.get("Location") if error.code in _REDIRECT_CODES else None
                error.close()
                if location is None:
                    self._refuse(url, f"HTTP {error.code}")
                target = urljoin(current, location)
                if self._origin(urlsplit(target)) != first_origin or not self._remote_allowed(
                    target
                ):
                    self._refuse(url, f"redirect to a URL not allowed: {_shorten(target)}")
                current = target
                continue
            except Exception as exception:
                self._refuse(url, f"fetch failed: {exception}")
            try:
                chunks, headers = self._read_body(url, response, deadline)
            finally:
                response.close()
            self._served(current)
            return URLFetcherResponse(current, chunks, headers)
        self._refuse(url, "too many redirects")

    def _read_body(self, url: str, response, deadline: float) -> tuple[bytes, dict[str, str]]:
        """A remote response's bytes, refused when compressed, too large or too slow."""
        encoding = response.headers.get("Content-Encoding", "identity").lower()
        if encoding not in ("identity", ""):
            self._refuse(url, f"compressed response ({encoding}) refused")
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            self._refuse(url, f"larger than {self.max_bytes} bytes")
        chunks, size = [], 0
        while size <= self.max_bytes:
            if time.monotonic() > deadline:
                self._refuse(url, "download too slow")
            chunk = response.read(min(_CHUNK, self.max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > self.max_bytes:
            self._refuse(url, f"larger than {self.max_bytes} bytes")
        headers = {"Content-Type": response.headers.get("Content-Type", "application/octet-stream")}
        return b"".join(chunks), headers

    def _check_image(self, url: str, data: bytes, content_type: str) -> str:
        """An image is judged by its bytes, not by its name or declared type: a raster type
        must hold that raster format (an SVG in ``data:image/png`` is refused, never parsed as
        SVG), its pixel count is checked from the header before anything decodes it, and an
        SVG may not declare XML entities. Each refusal says why. Returns the type to serve."""
        kind = content_type.split(";")[0].strip().lower()
        if not kind.startswith("image/"):
            return content_type
        sniffed = sniff_image(data)
        if kind == "image/svg+xml":
            if sniffed is not None:
                return sniffed
            head = data[:65536].lower()
            if b"<!entity" in head or b"<!doctype" in head:
                self._refuse(
                    url, "SVG declares a DOCTYPE or XML entities (entity expansion refused)"
                )
            return content_type
        if sniffed is None:
            what = "an SVG document" if b"<svg" in data[:4096].lower() else "not an image"
            self._refuse(url, f"declared {kind}, but its bytes are {what}")
        if sniffed != kind and not (kind == "image/jpg" and sniffed == "image/jpeg"):
            self._refuse(url, f"declared {kind}, but its bytes are {sniffed}")
        import io

        from PIL import Image

        limit = Image.MAX_IMAGE_PIXELS  # set per job from limits.max_image_pixels
        Image.MAX_IMAGE_PIXELS = None  # only the header is read here: say why, below
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except Exception as exception:
            reason = str(exception) or type(exception).__name__
            self._refuse(url, f"not a readable {sniffed} image ({_shorten(reason, 200)})")
        finally:
            Image.MAX_IMAGE_PIXELS = limit
        if limit and width * height > limit:
            self._refuse(
                url,
                f"image is {width}×{height} = {width * height:,} pixels; the "
                f"limit is {int(limit):,} (limits.max_image_pixels)",
            )
        return sniffed

    def _served(self, url: str) -> None:
        with self._lock:
            self.served.append(_shorten(url))


def sniff_image(data: bytes) -> str | None:
    """The raster type of ``data`` from its magic bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
