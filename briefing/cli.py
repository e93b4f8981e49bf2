"""Command line: a thin click group. Each verb imports its heavy modules only when it runs,
so ``briefing --help`` answers at once (importing WeasyPrint costs about a second)."""

from __future__ import annotations

import atexit
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from briefing.config import Config


def _setup_logging(quiet: bool, verbose: bool = False) -> None:
    from briefing import errors

    errors.VERBOSE = verbose  # long messages in full (a refused data: URL, a library's error)
    logging.basicConfig(
        level=logging.ERROR if quiet else logging.WARNING, format="%(message)s", stream=sys.stderr
    )
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _config(root: Path) -> Config:
    from briefing.config import load_config
    from briefing.errors import BriefError

    try:
        return load_config(root)
    except BriefError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


def entry() -> NoReturn:
    """The ``briefing`` command: :func:`main`, then a quick exit.

    Tearing down the interpreter (every module of WeasyPrint's stack, Babel's locale data, the
    templates) takes about a quarter of a second after the work is done, which a user waits
    for on every build. So the exit handlers run (log handlers flush, multiprocessing ends its
    children, temporary folders go) and the streams are flushed, then the process ends without
    the teardown. ``main`` itself exits normally, for callers that run it in-process.
    """
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            code = code or 1
    os._exit(code or 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefing")
def main() -> None:
    """Arabic right-to-left policy-brief PDFs from Markdown + YAML."""


VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Print long error messages in full.")
ROOT = click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Project folder (with briefing.toml, content/, templates/).",
)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Output folder (default: dist/, or paths.output in briefing.toml).",
)
@ROOT
@click.option("--force", is_flag=True, help="Rebuild everything, even unchanged outputs.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: cores).")
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Render on a Dask distributed cluster instead of local processes.",
)
@click.option(
    "-a",
    "--audience",
    "audiences",
    multiple=True,
    metavar="NAME",
    help="Build only this edition (repeatable; default: every audience).",
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the final line.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@VERBOSE
def build(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    root: Path,
    force: bool,
    jobs: int | None,
    scheduler: str | None,
    audiences: tuple[str, ...],
    quiet: bool,
    as_json: bool,
    verbose: bool,
) -> None:
    """Build every brief under content/ (or the given files) into PDFs, only what changed."""
    from briefing import warm
    from briefing.commands.progress import answer_noop

    if not force and answer_noop(
        root, paths, out_dir=out_dir, audiences=audiences or None, as_json=as_json
    ):
        warm.discard()  # forked by briefing.launch: nothing to render
        return  # nothing changed since the last build: answered from its record, at once
    if scheduler is None:
        warm.prestart()  # (done already when started as the command: briefing.launch)
    from briefing.commands.progress import run_build

    _setup_logging(quiet or as_json, verbose)
    config = _config(root)
    unknown = [name for name in audiences if name not in config.audiences]
    if unknown:  # a usage error (exit 2), before anything is read or written
        raise click.BadParameter(
            f"unknown audience {', '.join(map(repr, unknown))} (configured: "
            f"{', '.join(sorted(config.audiences))})",
            param_hint="'--audience'",
        )
    ok = run_build(
        config,
        paths,
        out_dir=out_dir,
        force=force,
        jobs=jobs,
        scheduler=scheduler,
        quiet=quiet,
        as_json=as_json,
        audiences=audiences or None,
    )
    sys.exit(0 if ok else 1)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@ROOT
@VERBOSE
def check(paths: tuple[Path, ...], root: Path, verbose: bool) -> None:
    """Validate briefs without rendering PDFs (everything else a build does is checked)."""
    from briefing.commands.check import run_check

    _setup_logging(False, verbose)
    sys.exit(run_check(_config(root), paths))


@main.command()
@ROOT
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder.")
def watch(root: Path, out_dir: Path | None) -> None:
    """Rebuild what changed whenever content, templates or config are saved."""
    from briefing.commands.watch import watch_and_build

    _setup_logging(False)
    sys.exit(watch_and_build(root, out_dir=out_dir))


@main.command()
@ROOT
@click.option("--cron", required=True, metavar='"0 6 * * *"', help="When to build (cron syntax).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder.")
def schedule(root: Path, cron: str, out_dir: Path | None) -> None:
    """Run the incremental build at every tick of a cron schedule, until stopped."""
    from briefing.commands.schedule import run_schedule

    _setup_logging(False)
    sys.exit(run_schedule(root, cron, out_dir=out_dir))


@main.command()
@ROOT
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
def serve(root: Path, host: str, port: int) -> None:
    """Live preview of a brief's editions (HTML and PDF) that reloads on save."""
    from briefing.commands.serve import serve as run_serve

    _setup_logging(False)
    sys.exit(run_serve(root, host=host, port=port))


@main.command("import")
@click.argument("docx", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--slug", help="Name of the brief (default: from the file name).")
@click.option("--audiences", help="Editions this brief gets, comma-separated (default: all).")
@click.option("--force", is_flag=True, help="Replace an existing brief of the same name.")
@ROOT
def import_(docx: Path, slug: str | None, audiences: str | None, force: bool, root: Path) -> None:
    """Import a Word .docx as content/<slug>/index.md with its images beside it."""
    from briefing.errors import BriefError
    from briefing.importer import import_docx

    _setup_logging(False)
    config = _config(root)
    names = [a.strip() for a in audiences.split(",") if a.strip()] if audiences else None
    try:
        result = import_docx(docx, config, slug=slug, audiences=names, force=force)
    except BriefError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    for line in result.info:
        click.echo(f"{docx}: {line}", err=True)
    for line in result.warnings:
        click.echo(f"{docx}: warning: {line}", err=True)
    click.echo(
        f"wrote {result.path} ({result.notes} footnotes, {result.images} images, "
        f"{len(result.warnings)} warnings)"
    )


@main.command()
@click.argument("slug")
@ROOT
def new(slug: str, root: Path) -> None:
    """Write a commented brief skeleton, content/SLUG/index.md, that builds as it is."""
    from briefing.commands.scaffold import new_brief
    from briefing.errors import BriefError

    config = _config(root)
    try:
        path = new_brief(config.content_dir, slug)
    except BriefError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"wrote {path}")


@main.command()
@click.argument(
    "directory", required=False, type=click.Path(path_type=Path, file_okay=False), default=Path(".")
)
def init(directory: Path) -> None:
    """Start a project: briefing.toml, content/ with one brief, templates/."""
    from briefing.commands.scaffold import init_project
    from briefing.errors import BriefError

    try:
        written = init_project(directory)
    except BriefError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {directory} && briefing build")
