"""``briefing check``: every step of a build but the PDF render, reported like a build."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from briefing.build import check_all
from briefing.commands.progress import plural
from briefing.config import Config


def run_check(config: Config, paths: Iterable[Path] = ()) -> int:
    """Check the briefs under ``paths`` (default: all); print each error and a summary line.
    Returns the exit code: 1 when any brief has an error."""
    ok, editions, errors = check_all(config, paths)
    for error in errors:
        click.echo(str(error), err=True)
    click.echo(
        f"{plural(ok, 'brief')} ok ({plural(editions, 'edition')}), {len(errors)} with errors"
    )
    return 1 if errors else 0
