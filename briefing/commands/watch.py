"""``briefing watch``: rebuild what changed whenever a brief, a template or the config is saved.

Each batch of file changes (debounced by watchfiles) triggers one incremental build of the whole
project: the build cache makes that cost only the editions whose inputs changed, so saving one
brief re-renders that brief's editions and saving the house CSS re-renders every edition that
uses it. The config is read again before each build, so an edit to ``briefing.toml`` takes
effect at once. Nothing stops the loop but Ctrl-C (or ``stop_event`` in tests): a broken brief,
a broken config or a crash inside the build is reported and the watcher waits for the next save.

The output folder is never watched (a build must not trigger itself), nor are editor swap files
and version-control folders.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from briefing.build import Report
from briefing.build.paths import relative
from briefing.build.workers import WarmPool
from briefing.commands.rebuild import Builder, Echo, build_once, err, out, warm_builder
from briefing.commands.watching import changes as watch_changes
from briefing.config import CONFIG_NAME, Config, load_config
from briefing.errors import BriefError, printable


class ChangeFilter:
    """Accept changes to briefs, templates, the config and logos; never the output folder."""

    def __init__(self, root: Path, config: Config | None, out_dir: Path | None) -> None:
        from watchfiles import DefaultFilter

        self.default = DefaultFilter()
        root = root.resolve()
        self.config_file = root / CONFIG_NAME
        if config is None:  # broken config: only a fix to it can make the next build work
            self.inputs: tuple[Path, ...] = ()
            self.outputs = ((out_dir or root / "dist").resolve(),)
        else:
            inputs = [config.content_dir, root / config.paths.templates]
            inputs += config.logo_files()
            self.inputs = tuple(p.resolve() for p in inputs)
            self.outputs = ((out_dir or config.output_dir).resolve(),)
        self.paths = [root]  # watched recursively; the content folder too when outside root
        if config is not None:
            content = config.content_dir.resolve()
            if not content.is_relative_to(root) and content.is_dir():
                self.paths.append(content)

    def update(self, other: ChangeFilter) -> None:
        """Take another filter's folders (the watcher keeps calling this object)."""
        self.inputs, self.outputs = other.inputs, other.outputs

    def __call__(self, change: object, path: str) -> bool:
        if not self.default(change, path):  # type: ignore[arg-type]
            return False
        p = Path(path)
        if any(p.is_relative_to(o) for o in self.outputs):
            return False
        if is_scratch_file(p.name):
            return False
        return p == self.config_file or any(p == i or p.is_relative_to(i) for i in self.inputs)


_SCRATCH = re.compile(
    r"^[.#]"  # hidden files, atomic-write temporaries, emacs #x# and .#x
    r"|~$|\.sw[a-p]$|\.(tmp|bak|orig|part|crdownload|kate-swp)$"  # vim, backups, downloads
    r"|^sed[A-Za-z0-9]{6}$|^4913$"  # sed -i's temporary; vim's probe file
    r"|^goutputstream-"  # GNOME/gedit atomic saves
)


def is_scratch_file(name: str) -> bool:
    """Editors' temporary, swap and backup files: never a reason to rebuild (nor worth a
    'changed:' line). Briefs, images and templates never have names like these."""
    return bool(_SCRATCH.search(name))


def watch_and_build(
    root: Path,
    *,
    out_dir: Path | None = None,
    stop_event: threading.Event | None = None,
    debounce: int = 400,
    jobs: int | None = None,
    on_build: Callable[[Report | None], None] | None = None,
    echo: Echo = out,
    error: Echo = err,
    builder: Builder | None = None,
) -> int:
    """Build once, then rebuild on every save until interrupted; returns the exit code (0).

    ``stop_event`` ends the loop from another thread; ``on_build(report_or_None)`` is called
    after each build and ``builder`` runs it (see :data:`briefing.commands.rebuild.Builder`),
    for tests or to embed the watcher; by default, :func:`~briefing.build.build` on worker
    processes kept warm from one save to the next.
    """
    stop = stop_event or threading.Event()
    pool = WarmPool()
    builder = builder or warm_builder(pool)
    accept = _first_filter(root, out_dir)
    try:
        echo(f"watching {root.resolve()} for changes (Ctrl-C to stop)")
        pending = True  # build once the watcher is running, so no save is ever missed
        while not stop.is_set():
            # yield_on_timeout: the first (empty) batch says the watcher is running
            for changes in watch_changes(
                *accept.paths,
                stop=stop,
                watch_filter=accept,
                debounce=debounce,
                tick_ms=_TICK_MS,
                yield_on_timeout=True,
            ):
                if not changes and not pending:
                    continue
                if changes:
                    names = sorted({printable(relative(Path(p), root)) for _, p in changes})
                    echo(f"changed: {', '.join(names)}")
                pending = False
                config, report = build_once(
                    root, out_dir, echo=echo, error=error, jobs=jobs, builder=builder
                )
                if on_build:
                    on_build(report)
                new = ChangeFilter(root, config, out_dir)
                if new.paths != accept.paths:  # the content folder moved: a new watcher
                    accept, pending = new, True
                    break
                accept.update(new)  # the same watcher, with the config's new folders
            else:
                break  # the watcher ended: stop_event set, or Ctrl-C caught by watchfiles
    except KeyboardInterrupt:
        pass
    finally:
        pool.close()
    echo("stopped watching")
    return 0


def _first_filter(root: Path, out_dir: Path | None) -> ChangeFilter:
    """What to watch before the first build: the config's folders, or the default ones when
    the config does not load yet (the first build reports why)."""
    try:
        config: Config | None = load_config(root)
    except (BriefError, OSError):
        config = None
    return ChangeFilter(root, config, out_dir)


_TICK_MS = 200
