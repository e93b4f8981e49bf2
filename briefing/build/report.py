"""What a build tells its caller: one :class:`Result` per output, gathered in a :class:`Report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from briefing.errors import BriefError

Status = Literal["built", "skipped", "failed", "removed"]


@dataclass
class Result:
    """What happened to one output (``slug/audience``) in this build."""

    name: str
    source: Path
    output: Path
    status: Status
    pages: int | None = None
    error: BriefError | None = None
    fidelity: float | None = None
    seconds: float = 0.0
    sha256: str | None = None


@dataclass
class Report:
    """Every output's result, and the briefs that never got as far as a render."""

    results: list[Result] = field(default_factory=list)
    errors: list[BriefError] = field(default_factory=list)  # briefs that never got to render
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed") + len(self.errors)

    @property
    def ok(self) -> bool:
        return self.failed == 0
