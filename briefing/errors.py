"""The one error type of the project.

Every problem a user can fix (bad front matter, a missing template, a refused URL…) is raised as
:class:`BriefError`, which carries the file and line so the CLI can print ``path:line: message``
— the format editors and CI logs understand. Anything else escaping the pipeline is a bug.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

#: Longest message printed without ``--verbose`` (a refused 2 MB ``data:`` URL, a library's
#: error quoting the whole input…); :data:`VERBOSE` is set by the command line.
MAX_MESSAGE_CHARS = 500
VERBOSE = False

#: Characters a file name or a quoted value must not print raw: C0/C1 controls (a tab or a
#: newline in a file name splits the message), bidi embeddings, overrides and isolates (they
#: reorder the rest of the terminal line).
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every :data:`UNPRINTABLE` character written as ``\\uXXXX``."""
    return UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def capped(text: str) -> str:
    """``text``, cut to :data:`MAX_MESSAGE_CHARS` unless :data:`VERBOSE`."""
    if VERBOSE or len(text) <= MAX_MESSAGE_CHARS:
        return text
    return (
        f"{text[:MAX_MESSAGE_CHARS]}… ({len(text) - MAX_MESSAGE_CHARS:,} more characters; "
        "--verbose shows them)"
    )


class BriefError(Exception):
    """A user-facing error tied to a file (and a line when known)."""

    def __init__(
        self,
        path: Path | str | None,
        message: str,
        line: int | None = None,
        *,
        also: Sequence[BriefError] = (),
    ) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message
        self.also = tuple(also)  # further problems found in the same pass (one line each)

    def __reduce__(self) -> tuple:
        # travels from a barrier child to the parent; Exception's default would lose path/line
        return _rebuild, (self.path, self.message, self.line, self.also)

    def __str__(self) -> str:
        return "\n".join([self._one(), *(str(other) for other in self.also)])

    def _one(self) -> str:
        if self.path is None:
            return capped(self.message)
        path = printable(str(self.path))
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {capped(self.message)}"


def _rebuild(
    path: Path | None, message: str, line: int | None, also: Sequence[BriefError]
) -> BriefError:
    return BriefError(path, message, line, also=also)
