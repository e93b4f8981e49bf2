"""One incremental rebuild that never raises: the step ``watch`` runs on every save and
``schedule`` at every tick. The config is read afresh each time, so an edit to
``briefing.toml`` takes effect at the next run; a broken config, a failed or crashed build is
reported and the caller's loop goes on.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

import click

from briefing.build import Report, Result, build
from briefing.build.workers import WarmPool
from briefing.commands.progress import describe, summary_line
from briefing.config import CONFIG_NAME, Config, default_jobs, load_config
from briefing.errors import BriefError

Echo = Callable[[str], None]
#: What runs the build: :func:`briefing.build.build` or anything with its signature (an
#: embedding that audits or times each run, a test).
Builder = Callable[..., Report]


def out(message: str) -> None:
    """Print to stdout."""
    click.echo(message)


def err(message: str) -> None:
    """Print to stderr."""
    click.echo(message, err=True)


def warm_builder(pool: WarmPool) -> Builder:
    """:func:`~briefing.build.build` on workers kept in ``pool`` from one run to the next, so
    a save re-renders with WeasyPrint, fonts and the renderer already loaded."""

    def run(config: Config, *, jobs: int | None = None, **kwargs: object) -> Report:
        limits = config.limits
        local = pool.get(
            processes=jobs or default_jobs(config),
            timeout=limits.render_timeout,
            memory_mb=limits.worker_memory_mb,
        )
        report = build(config, jobs=jobs, runner=local, **kwargs)  # type: ignore[arg-type]
        # warm now, in the background, so the next save does not wait for WeasyPrint's import
        local.start(warm=(str(config.fonts_dir), config.build.pdf_variant))
        return report

    return run


def build_once(
    root: Path,
    out_dir: Path | None,
    *,
    echo: Echo = out,
    error: Echo = err,
    jobs: int | None = None,
    builder: Builder = build,
) -> tuple[Config | None, Report | None]:
    """Load the config afresh and run one incremental build; never raises for a failed run.

    Returns ``(config, report)``; either is None when the config (or the build) could not be
    used. Each built, removed or failed output is printed as it finishes, then the summary line.
    """
    try:
        config = load_config(root)
    except BriefError as exc:
        error(f"config error, not building: {exc}")
        return None, None
    except OSError as exc:
        error(f"config error, not building: cannot read {root / CONFIG_NAME}: {exc}")
        return None, None

    def line(result: Result) -> None:
        if result.status == "failed":
            error(describe(result))
        elif result.status != "skipped":
            echo(describe(result))

    try:
        report = builder(config, out_dir=out_dir, jobs=jobs, on_result=line)
    except BriefError as exc:
        error(f"build failed: {exc}")
        return config, None
    except Exception as exc:  # a bug: report it loudly, but a long-running loop goes on
        error(f"build crashed: {exc!r}\n{traceback.format_exc().rstrip()}")
        return config, None
    for problem in report.errors:
        error(str(problem))
    echo(summary_line(report))
    return config, report
