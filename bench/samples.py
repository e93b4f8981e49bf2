"""Time the sample briefs: a cold process, and warm rendering per page.

    python3 bench/samples.py [--repeat 3]

Cold: `briefing build --force -j 1` of content/ in a fresh process (imports, WeasyPrint start-up,
fonts, every edition). Warm: the same editions rendered again in one process that has already
rendered them once (one FontConfiguration, as in a worker), reported per page.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from briefing.build import gather, make_job, plan
    from briefing.build.job import run_job
    from briefing.config import load_config
    from briefing.render import render_html

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "briefing",
                "build",
                "--force",
                "-j",
                "1",
                "-q",
                "--root",
                str(ROOT),
                "--out",
                out,
            ],
            check=True,
            cwd=ROOT,
        )
        cold = time.perf_counter() - started

    config = load_config(ROOT)
    briefs, _ = gather(config)
    jobs = [
        make_job(e, render_html(e.brief, config, e.audience), config, remote=False)
        for e in plan(briefs, config, ROOT / "dist")
    ]
    for job in jobs:  # warm up: WeasyPrint import, fonts
        run_job(job)
    best = float("inf")
    pages = 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        pages = sum(run_job(job).pages or 0 for job in jobs)
        best = min(best, time.perf_counter() - started)
    print(f"{len(jobs)} editions, {pages} pages; {os.cpu_count()} cores")
    print(f"cold process, -j 1: {cold:.2f} s")
    print(
        f"warm: {best:.2f} s for {pages} pages = {1000 * best / pages:.0f} ms per page "
        f"({pages / best:.1f} pages/s on one core), text-layer check included"
    )


if __name__ == "__main__":
    main()
