"""What a build shows while it runs: a rich progress bar on a terminal, plain lines otherwise
(CI, cron, logs), nothing but the summary with ``--quiet``, a JSON summary with ``--json``."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from briefing.build.report import Report, Result
from briefing.errors import BriefError, printable

if TYPE_CHECKING:
    from rich.console import Console

    from briefing.config import Config


def plural(count: int, noun: str) -> str:
    """``1 page``, ``2 pages``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def describe(result: Result) -> str:
    """One output's line: ``built dist/x/full.pdf (3 pages, text 100.0%, 1.2s)``."""
    if result.status == "failed":
        return str(result.error)
    if result.status == "removed":
        return f"removed {printable(str(result.output))}"
    fidelity = f", text {100 * result.fidelity:.1f}%" if result.fidelity is not None else ""
    timing = f", {result.seconds:.1f}s" if result.status == "built" else ""
    pages = plural(result.pages, "page") if result.pages is not None else "? pages"
    return f"{result.status} {printable(str(result.output))} ({pages}{fidelity}{timing})"


def summary_line(report: Report) -> str:
    """The last line of every build."""
    return (
        f"{report.count('built')} built, {report.count('skipped')} skipped, "
        f"{report.count('removed')} removed, {report.failed} failed "
        f"in {report.seconds:.1f}s"
    )


def summary_json(report: Report) -> dict[str, object]:
    """``--json``: the counts and every output, for scripts."""
    return {
        "built": report.count("built"),
        "skipped": report.count("skipped"),
        "removed": report.count("removed"),
        "failed": report.failed,
        "seconds": round(report.seconds, 3),
        "outputs": [
            {
                "name": r.name,
                "status": r.status,
                "path": str(r.output),
                "pages": r.pages,
                "text_fidelity": r.fidelity,
                "error": None if r.error is None else str(r.error),
            }
            for r in report.results
        ],
        "errors": [str(e) for e in report.errors],
    }


def run_build(
    config: Config,
    paths: Iterable[Path],
    *,
    out_dir: Path | None,
    force: bool,
    jobs: int | None,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
    audiences: Collection[str] | None = None,
) -> bool:
    """Run a build with the right kind of output; True when nothing failed."""
    from briefing.build import build

    interactive = sys.stderr.isatty() and not quiet and not as_json
    start = functools.partial(
        build,
        config,
        paths,
        out_dir=out_dir,
        force=force,
        jobs=jobs,
        scheduler=scheduler,
        audiences=audiences,
    )
    try:
        if interactive:
            report = _with_bar(start)
        else:

            def line(result: Result) -> None:
                if result.status == "failed":
                    click.echo(describe(result), err=True)
                elif not quiet and not as_json and result.status != "skipped":
                    click.echo(describe(result))

            report = start(on_result=line)
    except BriefError as exc:
        click.echo(str(exc), err=True)
        return False
    for error in report.errors:
        click.echo(str(error), err=True)
    show_summary(report, as_json=as_json)
    return report.ok


def answer_noop(
    root: Path,
    paths: Sequence[Path],
    *,
    out_dir: Path | None,
    audiences: Collection[str] | None,
    as_json: bool,
) -> bool:
    """Print the report of a build that has nothing to do and say True, when the last build's
    record shows that (:mod:`briefing.build.uptodate`); else False, and nothing is printed."""
    from briefing.build.uptodate import noop_report

    report = noop_report(root, out_dir, paths, audiences)
    if report is None:
        return False
    show_summary(report, as_json=as_json)
    return True


def show_summary(report: Report, *, as_json: bool) -> None:
    """The last line of a build, or ``--json``'s summary."""
    if as_json:
        click.echo(json.dumps(summary_json(report), ensure_ascii=False, indent=2))
    else:
        click.echo(summary_line(report))


@contextmanager
def _log_above(console: Console) -> Iterator[None]:
    """While the bar is shown, log records are printed by its console, above the bar: the
    logging handler's stream is the real stderr, and writing there would land in the bar's
    line."""

    class Above(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            console.print(self.format(record), highlight=False, markup=False)

    root = logging.getLogger()
    above = Above(logging.WARNING)
    above.setFormatter(logging.Formatter("%(message)s"))
    saved = root.handlers[:]
    root.handlers = [above]
    try:
        yield
    finally:
        root.handlers = saved


def _with_bar(start: Callable[..., Report]) -> Report:
    """Run ``start`` (the build, its options bound) with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with (
        Progress(
            TextColumn("[bold]building"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar,
        _log_above(console),
    ):
        task = bar.add_task("build", total=None)

        def planned(count: int) -> None:
            bar.update(task, total=count)

        def done(result: Result) -> None:
            if result.status == "failed":
                console.print(f"[red]{describe(result)}[/red]", highlight=False)
            elif result.status in ("built", "removed"):
                console.print(describe(result), highlight=False)
                bar.advance(task)

        return start(on_result=done, on_plan=planned)
