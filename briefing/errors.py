"""The one error type of the project.

Every problem a user can fix (bad front matter, a missing template, a refused URL…) is raised as
:class:`BriefError`, which carries the file and line so the CLI can print ``path:line: message``
— the format editors and CI logs understand. Anything else escaping the pipeline is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class BriefError(Exception):
    """A user-facing error tied to a file (and a line when known)."""

    def __init__(self, path: Path | str | None, message: str, line: int | None = None,
                 *, also: Sequence[BriefError] = ()) -> None:
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
            return self.message
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


def _rebuild(path: Path | None, message: str, line: int | None,
             also: Sequence[BriefError]) -> BriefError:
    return BriefError(path, message, line, also=also)
