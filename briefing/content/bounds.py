"""The content limits (``[limits]`` in briefing.toml) in force for the brief being read.

Loading one brief runs in its own barrier child (:mod:`briefing.build.barrier`), so "the brief being
read" is a process-wide fact there; :func:`using` sets it for the duration of one load. Code
that reads content (:mod:`briefing.content.source`, :mod:`briefing.content.markdown.body`,
:mod:`briefing.figures`) asks
:func:`current` instead of having the limits threaded through every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from briefing.config import Limits

_current = Limits()


def current() -> Limits:
    return _current


@contextmanager
def using(limits: Limits) -> Iterator[None]:
    global _current
    previous, _current = _current, limits
    try:
        yield
    finally:
        _current = previous
