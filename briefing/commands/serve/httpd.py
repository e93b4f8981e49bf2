"""The preview's HTTP server: a thread per connection, a bounded number at once, and what
its request handler may ask of the preview (:class:`Preview`)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol

from briefing.config import Config
from briefing.content.brief import Brief

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
#: Connections served at once; more wait in the listen queue (one thread each).
MAX_CONNECTIONS = 32


class Preview(Protocol):
    """What the routes ask of the preview's state
    (:class:`~briefing.commands.serve.server.PreviewServer`)."""

    root: Path
    host: str
    config: Config | None
    read_timeout: float

    @property
    def version(self) -> int: ...
    def wait(
        self, since: int, edition: tuple[str, str] | None = None, *, pdf: bool = False
    ) -> int: ...
    def current(self) -> tuple[int, Config]: ...
    def briefs(self, config: Config) -> dict[str, Path]: ...
    def html(self, slug: str, audience: str) -> tuple[int, str, Config, Brief]: ...
    def pdf(self, slug: str, audience: str) -> bytes: ...


def is_loopback(host: str) -> bool:
    """Only this machine can reach ``host``."""
    return host in LOOPBACK_NAMES or host.startswith("127.")


class Server(ThreadingHTTPServer):
    """The HTTP server: a thread per connection, at most :data:`MAX_CONNECTIONS` at once."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], preview: Preview
    ) -> None:
        super().__init__(address, handler)
        self.preview = preview
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request, client_address):
        # Wait for a free slot here, in the accepting thread: beyond the cap, new clients
        # queue in the kernel's backlog instead of each costing a thread.
        self.slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()
