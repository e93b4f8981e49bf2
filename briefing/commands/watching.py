"""File watching, shared by ``watch`` (rebuild on save) and ``serve`` (reload on save).

:func:`changes` wraps :func:`watchfiles.watch` and falls back to polling when the OS watcher
fails (inotify limits, a network file system, a folder vanishing): a long-running command must
keep noticing saves rather than die or go quietly deaf.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from watchfiles import Change

log = logging.getLogger(__name__)

Filter = Callable[..., bool]


class Stop(Protocol):
    """A :class:`threading.Event`, or anything that answers like one."""

    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


def changes(
    *paths: Path,
    stop: Stop,
    watch_filter: Filter | None = None,
    recursive: bool = True,
    debounce: int = 400,
    tick_ms: int = 1000,
    yield_on_timeout: bool = False,
) -> Iterator[set[tuple[Change, str]]]:
    """Each debounced batch of changes under ``paths`` until ``stop`` is set (or Ctrl-C).

    ``yield_on_timeout``: an empty batch every ``tick_ms`` too (the first one says the watcher
    is running, so a caller can build then without missing a save).
    """
    import watchfiles

    chosen = watch_filter if watch_filter is not None else watchfiles.DefaultFilter()
    polling: bool | None = None
    while not stop.is_set():
        try:
            yield from watchfiles.watch(
                *paths,
                watch_filter=chosen,
                recursive=recursive,
                stop_event=stop,
                debounce=debounce,
                step=50,
                rust_timeout=tick_ms,
                yield_on_timeout=yield_on_timeout,
                raise_interrupt=False,
                force_polling=polling,
            )
            return  # the watcher ended: stop set, or Ctrl-C caught by watchfiles
        except Exception as exc:  # inotify limits, a folder vanishing, …: poll instead
            if polling:
                log.warning("watching %s failed: %s", ", ".join(map(str, paths)), exc)
                stop.wait(1)
            polling = True
