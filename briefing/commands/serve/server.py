"""The preview's state: the config, a change counter the pages poll, the PDFs rendered per
change, and the threads that watch the project (see :mod:`briefing.commands.serve`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from briefing.build import Edition, load_brief, make_job, plan, write_pages
from briefing.build.barrier import call_isolated
from briefing.build.job import JobResult, RenderJob
from briefing.build.load import Page
from briefing.build.workers import LocalPool, WarmPool
from briefing.commands.serve.httpd import Server
from briefing.commands.serve.routes import Handler
from briefing.commands.watching import changes
from briefing.config import CONFIG_NAME, Config, builtin_dir, load_config
from briefing.content.brief import Brief
from briefing.content.discovery import find_briefs, slug_of
from briefing.errors import BriefError
from briefing.render import make_environment

log = logging.getLogger(__name__)

#: Seconds a connection may stay silent (a half-open or slow client holds a thread otherwise).
READ_TIMEOUT = 10.0


# ---------------------------------------------------------------------------- the server


class PreviewServer:
    """The preview's state: config, change counter, PDF cache, watcher threads, HTTP server."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        """``read_timeout``: seconds a connection may stay silent before it is dropped."""
        self.root = root.resolve()
        self.host = host
        self.read_timeout = read_timeout
        self.version = 0
        self.config: Config | None = None
        self.config_error: BriefError | None = None
        self._lock = threading.Lock()  # version, config, PDF cache
        self._render_lock = threading.Lock()  # one WeasyPrint render at a time
        self._workers = WarmPool()  # one render worker, warm from one preview to the next
        # the worker's parent thread: it lives as long as the server (a worker is killed
        # when the thread that forked it ends, and request threads end after each request)
        self._render_thread = ThreadPoolExecutor(1, thread_name_prefix="briefing-render")
        self._pdfs: dict[tuple[str, str], tuple[int, bytes | BriefError]] = {}
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watched: list[Path] = []  # what the tree watcher watches now
        self._reload_config()
        self.httpd = Server((host, port), Handler, self)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        name = f"[{host}]" if ":" in host else host
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
        if self.config is not None:  # the render worker warms up before the first preview
            self._render_thread.submit(self._warm_up, self.config)
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
        with self._render_lock:
            self._render_thread.submit(self._workers.close).result()
        self._render_thread.shutdown()

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
        stop = _Either(self._stop, self._restart)
        while not self._stop.is_set():
            self._restart.clear()
            with self._lock:
                paths = self._watched = self._tree_paths()
            if not paths:
                self._stop.wait(0.5)
                continue
            for batch in changes(*paths, stop=stop):
                self.changed(p for _, p in batch)

    def _watch_root(self) -> None:
        """The project root, not recursively: briefing.toml, and the folders appearing."""

        def wanted(_change: object, path: str) -> bool:
            p = Path(path)
            return p.name == CONFIG_NAME or p.resolve() in self._folders()

        for batch in changes(self.root, stop=self._stop, watch_filter=wanted, recursive=False):
            self.changed(p for _, p in batch)

    # -- pages

    def current(self) -> tuple[int, Config]:
        """The version and config to render with; raises the config's error if it has one."""
        with self._lock:
            version, config, error = self.version, self.config, self.config_error
        if error is not None or config is None:
            raise error or BriefError(self.root / CONFIG_NAME, "no configuration")
        return version, config

    def briefs(self, config: Config) -> dict[str, Path]:
        """The project's briefs by slug."""
        found: dict[str, Path] = {}
        if config.content_dir.is_dir():
            for path in find_briefs([config.content_dir]):
                found.setdefault(slug_of(path), path)
        return found

    def edition(self, slug: str, audience: str) -> tuple[int, Config, Brief, Edition]:
        """Load one brief for one audience: ``(version, config, brief, Edition)``.

        Raises :class:`LookupError` for what does not exist (404), :class:`BriefError` for
        what the author must fix (shown in the page).
        """
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

    def html(self, slug: str, audience: str) -> tuple[int, str, Config, Brief]:
        """One edition's HTML as the PDF is made from it: ``(version, html, config, brief)``."""
        version, config, brief, edition = self.edition(slug, audience)
        return version, self._page_of(edition, config).html, config, brief

    def _page_of(self, edition: Edition, config: Config) -> Page:
        """One edition's HTML behind the per-brief barrier (never in a server thread)."""
        env = {edition.audience: make_environment(config, edition.audience)}
        _, page, error = next(write_pages([edition], config, env))
        if page is None:
            raise error or BriefError(edition.brief.source.path, "no HTML was written")
        return page

    def _render(self, job: RenderJob, config: Config) -> JobResult:
        """One job on the kept worker (its limits are the build's); the worker stays warm."""
        return self._render_thread.submit(self._render_here, job, config).result()

    def _render_here(self, job: RenderJob, config: Config) -> JobResult:
        (result,) = self._warm_up(config)([job])  # the whole iterator: the pool is idle after
        return result

    def _warm_up(self, config: Config) -> LocalPool:
        limits = config.limits
        pool = self._workers.get(
            processes=1, timeout=limits.render_timeout, memory_mb=limits.worker_memory_mb
        )
        pool.start(1, warm=(str(config.fonts_dir), config.build.pdf_variant))
        return pool

    def pdf(self, slug: str, audience: str) -> bytes:
        """The PDF of one edition, rendered once per version; raises :class:`BriefError`."""
        key = (slug, audience)
        with self._render_lock:
            with self._lock:
                cached = self._pdfs.get(key)
                version = self.version
            if cached is None or cached[0] != version:
                try:
                    version, config, brief, edition = self.edition(slug, audience)
                    page = self._page_of(edition, config)
                    job = make_job(edition, page.html, config, remote=False, expected=page.expected)
                    result = self._render(job, config)
                    error = result.brief_error()
                    if error is None and result.pdf is None:
                        error = BriefError(brief.source.path, "the render made no PDF")
                    cached = (version, error if error is not None else result.pdf or b"")
                except BriefError as exc:
                    cached = (version, exc)
                with self._lock:
                    if self.version == version:
                        self._pdfs[key] = cached
        assert cached is not None
        if isinstance(cached[1], BriefError):
            raise cached[1]
        return cached[1]


@dataclass
class _Either:
    """``is_set()`` of either event: stop for good, or restart the watcher."""

    a: threading.Event
    b: threading.Event

    def is_set(self) -> bool:
        return self.a.is_set() or self.b.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.a.wait(timeout)


# ---------------------------------------------------------------------------- requests
