"""Command line: a thin click group. Each verb imports its heavy modules only when it runs,
so ``briefing --help`` answers at once (importing WeasyPrint costs about a second)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click


def _setup_logging(quiet: bool) -> None:
    logging.basicConfig(level=logging.ERROR if quiet else logging.WARNING,
                        format="%(message)s", stream=sys.stderr)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _config(root: Path):
    from .config import load_config
    from .errors import BriefError

    try:
        return load_config(root)
    except BriefError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefing")
def main() -> None:
    """Arabic right-to-left policy-brief PDFs from Markdown + YAML."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder (default: dist/).")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True, help="Project folder (with briefing.toml, content/, templates/).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the final line.")
def build(paths: tuple[Path, ...], out_dir: Path | None, root: Path, quiet: bool) -> None:
    """Build every brief under content/ (or the given files) into PDFs."""
    from .build import build as run_build

    _setup_logging(quiet)
    config = _config(root)
    report = run_build(config, paths, out_dir=out_dir, on_result=None if quiet else _echo_result)
    for error in report.errors:
        click.echo(str(error), err=True)
    click.echo(
        f"{report.count('built')} built, {report.count('skipped')} skipped, "
        f"{report.failed} failed in {report.seconds:.1f}s"
    )
    sys.exit(0 if report.ok else 1)


def _echo_result(result) -> None:
    if result.status == "failed":
        click.echo(str(result.error), err=True)
        return
    fidelity = f", text {100 * result.fidelity:.1f}%" if result.fidelity is not None else ""
    click.echo(f"{result.status:7} {result.output} ({result.pages} pages{fidelity}, "
               f"{result.seconds:.1f}s)")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True)
def check(paths: tuple[Path, ...], root: Path) -> None:
    """Validate briefs without rendering them."""
    from .build import gather, plan

    _setup_logging(False)
    config = _config(root)
    briefs, errors = gather(config, paths)
    for error in errors:
        click.echo(str(error), err=True)
    editions = plan(briefs, config, config.output_dir)
    click.echo(f"{len(briefs)} briefs ok ({len(editions)} editions), {len(errors)} with errors")
    sys.exit(1 if errors else 0)
