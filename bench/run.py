#!/usr/bin/env python3
"""Benchmark of `briefing build` on a generated catalogue: cold, no-op and partial rebuilds.

    python3 bench/run.py              # 50 briefs x 3 audiences = 150 PDFs (several minutes)
    python3 bench/run.py --briefs 6   # a quick run while developing

The catalogue is generated in a temporary folder from the sample briefs in content/: each
generated brief is a sample with its own slug, title, number and a paragraph of its own, so
every PDF differs. The project turns the `english` audience off (3 audiences per brief) and has
a house copy of the built-in `css/brief.css`, which one scenario edits.

Every scenario runs `python -m briefing build --json` as a child process (what a user or CI
would run), timed from outside (wall clock, including interpreter start-up); the process tree is
sampled with psutil every 50 ms for its resident memory. The result is a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
AUDIENCES = 3  # full, executive, public

WORDS = [
    "الأمن",
    "الاقتصاد",
    "الطاقة",
    "التجارة",
    "الدبلوماسية",
    "العقوبات",
    "الموانئ",
    "الإقليم",
    "التحالفات",
    "الاستثمار",
    "الحدود",
    "الممرات",
    "المياه",
    "الغذاء",
]


# ------------------------------------------------------------------------ the catalogue


def samples() -> list[Path]:
    found = sorted((REPO / "content").glob("*.md")) + sorted((REPO / "content").glob("*/index.md"))
    if not found:
        sys.exit("no sample briefs in content/")
    return found


def variant(text: str, n: int) -> str:
    """A sample brief made distinct: title, number and a paragraph of its own."""
    words = " و".join(WORDS[(n + k) % len(WORDS)] for k in range(4 + n % 5))
    text = re.sub(r"^title: (.*)$", lambda m: f"title: {m[1]} ({n})", text, count=1, flags=re.M)
    text = re.sub(r"^number: .*$", f"number: {n}", text, count=1, flags=re.M)
    note = (
        f"تتناول هذه النسخة رقم {n} من الورقة محاور {words}، وتعرض تقديراً خاصاً "
        f"بالمرحلة {n % 7 + 1} من المتابعة.\n\n"
    )
    return re.sub(r"^(## .*\n\n)", lambda m: m[1] + note, text, count=1, flags=re.M)


def make_catalogue(root: Path, count: int) -> list[Path]:
    """``count`` briefs in ``root/content``; returns their files."""
    (root / "content").mkdir(parents=True)
    (root / "briefing.toml").write_text("[audiences.english]\nenabled = false\n", encoding="utf-8")
    house = root / "templates" / "css" / "brief.css"
    house.parent.mkdir(parents=True)
    shutil.copy(REPO / "templates" / "css" / "brief.css", house)
    sources = samples()
    files = []
    for n in range(1, count + 1):
        sample = sources[(n - 1) % len(sources)]
        stem = sample.parent.name if sample.name == "index.md" else sample.stem
        folder = root / "content" / f"b{n:03}-{stem}"
        if sample.name == "index.md":  # a brief with files beside it: take them along
            shutil.copytree(sample.parent, folder)
        folder.mkdir(exist_ok=True)
        target = folder / "index.md"
        target.write_text(variant(sample.read_text(encoding="utf-8"), n), encoding="utf-8")
        files.append(target)
    return files


# ------------------------------------------------------------------------ measuring


@dataclass
class Run:
    name: str
    jobs: int
    wall: float = 0.0
    build: float = 0.0
    cpu: float = 0.0  # user + system seconds of the build and its workers
    others: float = 0.0  # share of the machine's CPU used by other processes meanwhile
    built: int = 0
    skipped: int = 0
    failed: int = 0
    peak_tree_mb: float = 0.0  # the most the whole process tree held at once
    peak_main_mb: float = 0.0
    worker_mb: list[tuple[float, float]] = field(default_factory=list)  # (t, max worker RSS)

    def quarters(self) -> str:
        """Largest worker RSS in the first and in the last quarter of the run."""
        if len(self.worker_mb) < 8:
            return "–"
        end = self.worker_mb[-1][0]
        first = [m for t, m in self.worker_mb if t <= end / 4 and m]
        last = [m for t, m in self.worker_mb if t >= 3 * end / 4 and m]
        if not first or not last:
            return "–"
        return f"{max(first):.0f} → {max(last):.0f}"


def snapshot(tmp: Path) -> Path:
    """A copy of the package, its templates and fonts: what is measured cannot change mid-run
    (someone editing the checkout), and every scenario runs the same code."""
    code = tmp / "code"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("briefing", "templates", "fonts"):
        shutil.copytree(REPO / name, code / name, ignore=ignore)
    return code


def build(root: Path, name: str, jobs: int, code: Path) -> Run:
    run = Run(name, jobs)
    cmd = [
        sys.executable,
        "-m",
        "briefing",
        "build",
        "--root",
        str(root),
        "--out",
        str(root / "dist"),
        "--jobs",
        str(jobs),
        "--json",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(code), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine = _busy()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root
    )  # not the checkout: `-m` imports from the cwd
    done = threading.Event()

    def sample() -> None:
        main = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                kids = main.children(recursive=True)
                main_rss = main.memory_info().rss
                rss = []
                for kid in kids:
                    with contextlib.suppress(psutil.Error):  # it may just have ended
                        rss.append(kid.memory_info().rss)
            except psutil.Error:
                break
            mb = 1024 * 1024
            run.peak_main_mb = max(run.peak_main_mb, main_rss / mb)
            run.peak_tree_mb = max(run.peak_tree_mb, (main_rss + sum(rss)) / mb)
            run.worker_mb.append((time.perf_counter() - started, max(rss, default=0) / mb))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    run.wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers were waited for too
    run.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    capacity = run.wall * (psutil.cpu_count() or 1)
    run.others = max(0.0, (_busy() - machine - run.cpu) / capacity)
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        sys.exit(f"{name}: briefing build exited {proc.returncode}\n{err}")
    summary = json.loads(out)
    run.build, run.built = summary["seconds"], summary["built"]
    run.skipped, run.failed = summary["skipped"], summary["failed"]
    if run.failed:
        print(f"warning: {name}: {run.failed} failed\n{err}", file=sys.stderr)
    print(
        f"  {name}: {run.built} built, {run.skipped} skipped in {run.wall:.2f}s "
        f"(peak {run.peak_tree_mb:.0f} MB; other processes took {100 * run.others:.0f}% "
        "of the CPU)",
        file=sys.stderr,
        flush=True,
    )
    return run


def _busy() -> float:
    """CPU seconds the whole machine has spent busy (not idle, not waiting for I/O)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0) - getattr(times, "steal", 0.0)


def scenarios(
    root: Path, files: list[Path], repeat: int, skip_jobs1: bool, code: Path
) -> list[Run]:
    def run(name: str, jobs: int) -> Run:
        return build(root, name, jobs, code)

    runs = []
    if not skip_jobs1:
        runs.append(run("cold build", 1))
        shutil.rmtree(root / "dist")
    runs.append(run("cold build", 2))
    # the cold build's briefs were written just before it (racy: no record), so the first
    # no-op asks the cache, and records; the next ones are answered from the record
    runs.append(run("first no-op rebuild (asks the cache)", 2))
    noops = [run("no-op rebuild", 2) for _ in range(repeat)]
    runs.append(min(noops, key=lambda r: r.wall))
    runs[-1].name = f"no-op rebuild (best of {repeat}, from the record)"
    later = time.time() + 10
    for path in files:
        os.utime(path, (later, later))
    runs.append(run("every brief touched, unchanged", 2))
    one = files[len(files) // 2]
    one.write_text(one.read_text(encoding="utf-8") + "\nفقرة أُضيفت بعد النشر.\n", encoding="utf-8")
    runs.append(run("one brief changed", 2))
    css = root / "templates" / "css" / "brief.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* house change */\n", encoding="utf-8")
    runs.append(run("house CSS changed", 2))
    return runs


# ------------------------------------------------------------------------ report


def cores() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return f"{usable or os.cpu_count()} usable cores (os.cpu_count() = {os.cpu_count()})"


def table(runs: list[Run], outputs: int) -> str:
    rows = [
        "| scenario | --jobs | built | skipped | wall s | build s | CPU s | "
        "peak RSS, tree MB | peak RSS, main MB | worker RSS MB, 1st → last quarter | "
        "other load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in runs:
        rows.append(
            f"| {r.name} | {r.jobs} | {r.built} | {r.skipped} | {r.wall:.2f} | "
            f"{r.build:.2f} | {r.cpu:.1f} | {r.peak_tree_mb:.0f} | "
            f"{r.peak_main_mb:.0f} | {r.quarters()} | {100 * r.others:.0f}% |"
        )
    return "\n".join(rows)


def verdicts(runs: list[Run], outputs: int, briefs: int) -> str:
    by = {(r.name.split(" (")[0], r.jobs): r for r in runs}
    lines = []
    cold1, cold2 = by.get(("cold build", 1)), by[("cold build", 2)]
    noop, one = by[("no-op rebuild", 2)], by[("one brief changed", 2)]
    css = by[("house CSS changed", 2)]
    first = by[("first no-op rebuild", 2)]
    lines.append(
        f"- no-op rebuild of {outputs} outputs: {noop.wall:.2f} s wall "
        f"({noop.build:.2f} s inside the build) — target < 0.5 s: "
        f"{'met' if noop.wall < 0.5 else 'MISSED'}; the first one after a build, which asks "
        f"the cache: {first.wall:.2f} s"
    )
    if cold1:
        speedup = cold1.wall / cold2.wall
        lines.append(
            f"- --jobs 2 vs --jobs 1, cold: {speedup:.2f}x — target ≥ 1.7x on 2 cores: "
            f"{'met' if speedup >= 1.7 else 'MISSED'}"
        )
        per_brief = (cold1.wall - noop.wall) / briefs
        lines.append(
            f"- one changed brief: {one.wall:.2f} s, {one.built} outputs rebuilt; one "
            f"brief's share of the --jobs 1 cold build is {per_brief:.2f} s "
            f"(+ {noop.wall:.2f} s fixed cost of any build)"
        )
    lines.append(
        f"- house CSS changed: {css.built} of {outputs} rebuilt in {css.wall:.2f} s "
        f"(cold --jobs 2: {cold2.wall:.2f} s)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--briefs", type=int, default=50, help="briefs to generate (default 50)")
    parser.add_argument("--repeat", type=int, default=3, help="no-op runs (best is reported)")
    parser.add_argument("--skip-jobs1", action="store_true", help="no --jobs 1 cold build")
    parser.add_argument("--keep", action="store_true", help="keep the generated project")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    try:
        root = tmp / "catalogue"
        code = snapshot(tmp)
        files = make_catalogue(root, args.briefs)
        outputs = args.briefs * AUDIENCES
        print(
            f"catalogue: {args.briefs} briefs x {AUDIENCES} audiences = {outputs} outputs "
            f"in {root}; {cores()}",
            file=sys.stderr,
        )
        runs = scenarios(root, files, args.repeat, args.skip_jobs1, code)
        print(
            f"\n{args.briefs} briefs × {AUDIENCES} audiences = {outputs} PDFs; {cores()}; "
            f"Python {sys.version.split()[0]}\n"
        )
        print(table(runs, outputs))
        print()
        print(verdicts(runs, outputs, args.briefs))
    finally:
        if args.keep:
            print(f"\nkept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
