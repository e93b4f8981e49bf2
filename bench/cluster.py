#!/usr/bin/env python3
"""A batch on a local Dask cluster (2 workers, 1 thread each) against the local pool (`--jobs 2`)
on the same cores, in one run: pages per second of whole `briefing build --force` processes.

    python3 bench/cluster.py --batch 4 --repeat 2

The cluster is `dask scheduler` + 2 × `dask worker --nthreads 1 --no-nanny`, started once and
warmed by a first build that is not counted (its workers import WeasyPrint once, as a
long-lived cluster would have). Alternating runs; medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import floor  # (bench/floor.py: the project, the timing)
import run as catalogue

DASK = str(Path(sys.executable).with_name("dask"))


def cluster(tmp: Path, env: dict[str, str]) -> tuple[str, list[subprocess.Popen]]:
    info = tmp / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "cwd": tmp}
    procs = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(info),
            ],
            **quiet,
        )
    ]
    while not info.exists():
        time.sleep(0.1)
    for _ in range(2):
        procs.append(
            subprocess.Popen(
                [
                    DASK,
                    "worker",
                    "--scheduler-file",
                    str(info),
                    "--host",
                    "127.0.0.1",
                    "--no-nanny",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--local-directory",
                    str(tmp),
                ],
                **quiet,
            )
        )
    return json.loads(info.read_text())["address"], procs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefing-dask-") as name:
        tmp = Path(name)
        code = catalogue.snapshot(tmp)
        env = {**os.environ, "PYTHONPATH": str(code)}
        batch = tmp / "batch"
        floor.project(batch, args.batch)
        address, procs = cluster(tmp, env)
        build = [*floor.build_command(batch), "--force"]
        try:
            floor.timed([*build, "--scheduler", address], env, tmp)  # warm the cluster
            local, dask = [], []
            for _ in range(args.repeat):
                local.append(floor.timed([*build, "-j", "2"], env, tmp))
                dask.append(floor.timed([*build, "--scheduler", address], env, tmp))
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
    pages = sum(o["pages"] for o in json.loads(local[0].out)["outputs"])
    med = statistics.median
    lw, dw = med(p.wall for p in local), med(p.wall for p in dask)
    print(
        f"batch of {args.batch} briefs ({pages} pages), {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; medians of {args.repeat}\n"
    )
    print("| runner | wall s | pages/s | ratio |\n|---|---:|---:|---:|")
    print(f"| local pool, `--jobs 2` | {lw:.2f} | {pages / lw:.2f} | 1.00× |")
    print(f"| Dask, 2 local workers (warm) | {dw:.2f} | {pages / dw:.2f} | **{lw / dw:.2f}×** |")


if __name__ == "__main__":
    main()
