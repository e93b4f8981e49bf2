"""Which PDFs the preview makes, and when: one per edition and version, right after a save for
the editions someone is looking at, most recently viewed first.

Why: a page that waits for a save to be noticed, then for its own reload, and only then asks
for the PDF, waits for the render last. Here a save (:meth:`Renders.bump`) moves the version
on and queues, at once, every edition viewed in the last :data:`VIEW_TTL` seconds (at most
:data:`MAX_VIEWED` of them); a request for one of them (:meth:`Renders.get`) waits for that
render instead of starting a second one, and a page long-polling :meth:`Renders.wait_ready`
reloads the moment its PDF — or its error — exists. An edition nobody viewed is made when it
is asked for.

Every render runs on the one render thread (the warm worker's parent, see
:class:`~briefing.commands.serve.server.PreviewServer`). Which queued edition goes next is
chosen when that thread is free, not when it was queued, so an edition viewed since (a request
is a view) goes ahead of older ones. A render already running when the version moves on is not
stopped: whoever asked for it gets it, but it is not kept for the new version, whose render is
queued behind it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field

from briefing.errors import BriefError

#: An edition: ``(slug, audience)``.
Key = tuple[str, str]
#: What making an edition gave: its PDF, or the error to show instead (a :class:`BriefError`
#: for the author, :class:`LookupError` for a 404, anything else is a bug shown as one).
Outcome = bytes | Exception
#: An outcome and the version it was made for.
Made = tuple[int, Outcome]
#: Makes one edition for one version; runs on the render thread.
Make = Callable[[Key, int], Outcome]

#: Editions kept as "being looked at" (a few tabs; each costs a render per save).
MAX_VIEWED = 4
#: Seconds after its last request an edition stops being prerendered (its tab was closed).
#: Open pages refresh it with every long-poll, which even a throttled background tab sends
#: about once a minute.
VIEW_TTL = 300.0


@dataclass(eq=False)
class _Task:
    """One edition to make: queued until the render thread takes it and sets ``version``."""

    key: Key
    future: Future[Made] = field(default_factory=Future)
    version: int | None = None


class Renders:
    """The version counter, the outcomes made for the current version, the queue of editions
    to make, and the editions viewed lately (see the module's docstring)."""

    def __init__(self, make: Make, thread: Executor) -> None:
        """``make`` runs on ``thread``, an executor of one thread, one edition at a time."""
        self._make = make
        self._thread = thread
        self._cond = threading.Condition()  # everything below; notified on every change
        self._version = 0
        self._made: dict[Key, Made] = {}  # for the current version only
        self._tasks: dict[Key, _Task] = {}  # the newest task per edition, queued or running
        self._views: OrderedDict[Key, float] = OrderedDict()  # last request, oldest first
        self._closed = False
        #: Every edition made, ``(slug, audience, version)``, oldest first (the last 256):
        #: what a save set off and in which order, for tests and debugging.
        self.made: deque[tuple[str, str, int]] = deque(maxlen=256)

    @property
    def version(self) -> int:
        with self._cond:
            return self._version

    # -- what moves things on

    def bump(self) -> int:
        """A save: the next version, with the editions viewed lately queued for it."""
        with self._cond:
            self._version += 1
            self._made.clear()
            if not self._closed:
                for key in self._recent():
                    self._queue(key)
            self._cond.notify_all()
            return self._version

    def view(self, key: Key) -> None:
        """Someone is looking at ``key`` (its page, its PDF, or a long-poll from either)."""
        with self._cond:
            self._views[key] = time.monotonic()
            self._views.move_to_end(key)
            while len(self._views) > MAX_VIEWED:
                self._views.popitem(last=False)

    def close(self) -> None:
        """Make nothing more (queued editions end as an error) and wake every waiter."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- what requests ask

    def get(self, key: Key) -> Made:
        """``key`` for the current version: made already, being made (wait for it), or queued
        now. (A render running for an older version is not waited for: it is stale.)"""
        self.view(key)
        with self._cond:
            made = self._made.get(key)
            if made is not None and made[0] == self._version:
                return made
            task = self._queue(key)
        return task.future.result()

    def wait_change(self, since: int, timeout: float) -> int:
        """The version once it differs from ``since``; ``since`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._version == since and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self._version

    def wait_ready(self, key: Key, since: int, timeout: float) -> int:
        """Once the version differs from ``since`` and ``key`` has been made for it (a PDF or
        an error), that version; ``since`` after ``timeout`` seconds. Counts as a view, and
        queues ``key`` if nothing else did."""
        self.view(key)
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._closed:
                if self._version != since:
                    made = self._made.get(key)
                    if made is not None and made[0] == self._version:
                        return made[0]
                    self._queue(key)
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return since

    # -- the render thread

    def _queue(self, key: Key) -> _Task:
        """The task that makes ``key`` for the current version: the one queued already, or a
        new one (called with the lock held)."""
        task = self._tasks.get(key)
        if task is not None and task.version in (None, self._version):
            return task  # queued (it takes the version when it starts), or making this one
        task = _Task(key)
        if self._closed:  # the executor takes nothing more
            task.future.set_result((self._version, BriefError(None, "the preview has stopped")))
            return task
        self._tasks[key] = task
        self._thread.submit(self._run)  # one run per task: each takes the best one queued
        return task

    def _next(self) -> _Task | None:
        """The queued task viewed most recently (the first queued among the unviewed)."""
        queued = [t for t in self._tasks.values() if t.version is None]
        return max(queued, key=lambda t: self._views.get(t.key, -math.inf), default=None)

    def _run(self) -> None:
        with self._cond:
            task = self._next()
            if task is None:
                return
            task.version = version = self._version
            closed = self._closed
        outcome: Outcome
        if closed:
            outcome = BriefError(None, "the preview has stopped")
        else:
            try:
                outcome = self._make(task.key, version)
            except Exception as exc:  # a bug: its page shows it, the next edition goes on
                outcome = exc
        with self._cond:
            if self._tasks.get(task.key) is task:
                del self._tasks[task.key]
            self.made.append((*task.key, version))
            if version == self._version:  # not kept when a save came while it was made
                self._made[task.key] = (version, outcome)
            if isinstance(outcome, LookupError):  # no such edition: nothing to prerender
                self._views.pop(task.key, None)
            task.future.set_result((version, outcome))
            self._cond.notify_all()

    def _recent(self) -> list[Key]:
        """The editions viewed in the last :data:`VIEW_TTL` seconds, most recent first."""
        cutoff = time.monotonic() - VIEW_TTL
        for key in [k for k, seen in self._views.items() if seen < cutoff]:
            del self._views[key]
        return list(reversed(self._views))
