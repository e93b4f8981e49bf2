"""The preview's state: the config, the change counter the pages long-poll, the PDFs made per
change (:mod:`~briefing.commands.serve.prerender`), and the threads that watch the project
(see :mod:`briefing.commands.serve`)."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from briefing.build import Edition, load_brief, make_job, plan, write_pages
from briefing.build.barrier import call_isolated
from briefing.build.load import Page
from briefing.build.workers import LocalPool, WarmPool
from briefing.commands.serve.httpd import Server
from briefing.commands.serve.prerender import Key, Outcome, Renders
from briefing.commands.serve.routes import Handler
from briefing.commands.watching import changes
from briefing.config import CONFIG_NAME, Config, builtin_dir, load_config
from briefing.content.brief import Brief
from briefing.content.discovery import find_briefs, slug_of
from briefing.errors import BriefError
from briefing.render import kept_environment

log = logging.getLogger(__name__)

#: Seconds a connection may stay silent (a half-open or slow client holds a thread otherwise).
READ_TIMEOUT = 10.0
#: Longest a long-poll of ``/_version`` is held before it answers "no change" (the page asks
#: again at once): short, as each one holds a server thread and one of the browser's few
#: connections to this host.
LONG_POLL = 4.0


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
        self.config: Config | None = None
        self.config_error: BriefError | None = None
        self._lock = threading.Lock()  # config, watched folders
        self._workers = WarmPool()  # one render worker, warm from one preview to the next
        # the worker's parent thread: it lives as long as the server (a worker is killed
        # when the thread that forked it ends, and request threads end after each request);
        # every edition is made on it, one at a time
        self._render_thread = ThreadPoolExecutor(1, thread_name_prefix="briefing-render")
        self._renders = Renders(self._make, self._render_thread)
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

    @property
    def version(self) -> int:
        """The change counter: one more for every save the watchers report."""
        return self._renders.version

    @property
    def made(self) -> deque[tuple[str, str, int]]:
        """Every edition made, ``(slug, audience, version)``, oldest first (the last 256): what
        each save set off, and in which order (for tests and debugging)."""
        return self._renders.made

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
        self._renders.close()  # first: the long-polls answer, queued editions are dropped
        self._stop.set()
        self._restart.set()
        if any(t.name == "briefing-serve" for t in self._threads):
            self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
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
        """Something was saved: reload the config, bump the version (pages reload), and start
        making the editions viewed lately for it (their pages reload when they are made)."""
        self._reload_config()
        version = self._renders.bump()
        log.debug("changed (version %d): %s", version, ", ".join(sorted(paths)))

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
        version = self.version  # read first: the config is at least as new as the version
        with self._lock:
            config, error = self.config, self.config_error
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
        """One edition's HTML as the PDF is made from it: ``(version, html, config, brief)``.

        The edition counts as viewed (its PDF is made on the next save), also when it fails."""
        try:
            version, config, brief, edition = self.edition(slug, audience)
        except BriefError:
            self._renders.view((slug, audience))
            raise
        self._renders.view((slug, audience))
        return version, self._page_of(edition, config).html, config, brief

    def _page_of(self, edition: Edition, config: Config) -> Page:
        """One edition's HTML behind the per-brief barrier (never in a server thread)."""
        env = {edition.audience: kept_environment(config, edition.audience)}
        _, page, error = next(write_pages([edition], config, env))
        if page is None:
            raise error or BriefError(edition.brief.source.path, "no HTML was written")
        return page

    def pdf(self, slug: str, audience: str) -> bytes:
        """The PDF of one edition, made once per version (perhaps before it was asked for);
        raises its :class:`BriefError`, or :class:`LookupError` when there is no such one."""
        _, outcome = self._renders.get((slug, audience))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def wait(self, since: int, edition: Key | None = None, *, pdf: bool = False) -> int:
        """For a page's long-poll: the version once it differs from ``since`` — with ``pdf``,
        once ``edition``'s PDF (or its error) for it is made — or ``since`` after
        :data:`LONG_POLL` seconds. A page showing ``edition`` keeps it viewed."""
        if edition is not None and pdf:
            return self._renders.wait_ready(edition, since, LONG_POLL)
        if edition is not None:
            self._renders.view(edition)
        return self._renders.wait_change(since, LONG_POLL)

    def _make(self, key: Key, version: int) -> Outcome:
        """One edition's PDF for ``version``, on the render thread: the brief is read, its HTML
        written (each behind its barrier) and the PDF rendered on the kept worker. The files
        are read after ``version`` was: what is made is at least that new."""
        try:
            _, config, brief, edition = self.edition(*key)
            page = self._page_of(edition, config)
            job = make_job(edition, page.html, config, remote=False)
            (result,) = self._warm_up(config)([job])  # the whole iterator: the pool is idle
        except (BriefError, LookupError) as exc:
            return exc
        error = result.brief_error()
        if error is None and result.pdf is None:
            error = BriefError(brief.source.path, "the render made no PDF")
        return error if error is not None else result.pdf or b""

    def _warm_up(self, config: Config) -> LocalPool:
        limits = config.limits
        pool = self._workers.get(
            processes=1, timeout=limits.render_timeout, memory_mb=limits.worker_memory_mb
        )
        pool.start(1, warm=(str(config.fonts_dir), config.build.pdf_variant))
        return pool


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
