#!/usr/bin/env python3
"""`briefing` against its floor, plain WeasyPrint on the same HTML, in one run: ratios.

    python3 bench/floor.py               # 3 alternating runs per measure, batch of 6 briefs
    python3 bench/floor.py --repeat 5 --batch 10

The HTML is what the build renders for the sample brief `pyongyang-moscow`, edition `full`
(made by briefing itself, in this process, then written to a file in the brief's folder so its
relative URLs resolve the same way). The floor is a Python process that imports WeasyPrint and
renders that file with one FontConfiguration and the same `pdf_variant` — no briefing code, no
text-layer rewrite or check. Every process is timed from outside (wall clock including Python
start-up); CPU (user + system) and peak RSS of the largest process come from `wait4`, so they
include the build's worker and barrier children. Medians of alternating runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import live  # (bench/live.py: watch and serve latency)
import run as catalogue  # (bench/run.py: sample variants, code snapshot)

REPO = catalogue.REPO
SAMPLE = REPO / "content" / "pyongyang-moscow" / "index.md"
AUDIENCE = "full"

#: Plain WeasyPrint: render each HTML file given (repeated), print each render's seconds.
FLOOR = """
import json, sys, time
import weasyprint
from weasyprint.text.fonts import FontConfiguration
variant, repeat, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
fonts = FontConfiguration()
times, pages = [], 0
for _ in range(repeat):
    for name in files:
        started = time.perf_counter()
        html = weasyprint.HTML(filename=name, base_url=name)
        document = html.render(font_config=fonts)
        document.write_pdf(pdf_variant=variant)
        times.append(time.perf_counter() - started)
        pages += len(document.pages)
print(json.dumps({"times": times, "pages": pages}))
"""

#: Warm renders on request, for alternating the two sides: each line on stdin makes one render,
#: its seconds go to stdout. Plain WeasyPrint: one FontConfiguration, the same pdf_variant.
FLOOR_SERVE = """
import sys, time
import weasyprint
from weasyprint.text.fonts import FontConfiguration
variant, name = sys.argv[1], sys.argv[2]
fonts = FontConfiguration()
for _ in sys.stdin:
    started = time.perf_counter()
    document = weasyprint.HTML(filename=name, base_url=name).render(font_config=fonts)
    document.write_pdf(pdf_variant=variant)
    print(time.perf_counter() - started, flush=True)
"""

#: briefing's own render of the same edition (a render job, then the text check), warm.
WARM_BRIEFING = """
import sys, time
from pathlib import Path
from briefing.build import gather, make_job, plan
from briefing.config import load_config
from briefing.build.job import run_job
from briefing.pdf.textlayer.check import load_mupdf, verdict
from briefing.render import render_html, visible_blocks
root = Path(sys.argv[1])
config = load_config(root)
briefs, errors = gather(config)
assert not errors, errors
edition = next(e for e in plan(briefs, config, root / "dist") if e.audience == "full")
html = render_html(edition.brief, config, "full")
job, expected = make_job(edition, html, config, remote=False), tuple(visible_blocks(html))
load_mupdf()
for _ in sys.stdin:
    started = time.perf_counter()
    result = run_job(job)
    assert result.error is None, result.error
    verdict(result.pdf, expected)
    print(time.perf_counter() - started, flush=True)
"""


class Renderer:
    """A warm render process (:data:`FLOOR_SERVE` or :data:`WARM_BRIEFING`): one render per
    call, its seconds kept; the first render, which warms it up, is not kept."""

    def __init__(self, cmd: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=cwd, text=True
        )
        self.times: list[float] = []
        self()
        self.times.clear()

    def __call__(self) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"a warm render process failed ({self.proc.wait()})")
        self.times.append(float(line))
        return self.times[-1]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


#: Plain WeasyPrint, warm: two processes, each imports WeasyPrint, makes its FontConfiguration
#: and renders its first file once uncounted; then both start together (a barrier) and render
#: their half of the files; the batch's time is the slower half's.
FLOOR_WARM_BATCH = """
import json, multiprocessing as mp, sys, time
variant, repeat, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def half(names, barrier, out):
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    fonts = FontConfiguration()
    weasyprint.HTML(filename=names[0]).render(font_config=fonts).write_pdf(pdf_variant=variant)
    barrier.wait()
    started, pages = time.perf_counter(), 0
    for _ in range(repeat):
        for name in names:
            document = weasyprint.HTML(filename=name).render(font_config=fonts)
            document.write_pdf(pdf_variant=variant)
            pages += len(document.pages)
    out.put((time.perf_counter() - started, pages))
if __name__ == "__main__":
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=half, args=(files[k::2], barrier, out)) for k in range(2)]
    for p in procs: p.start()
    results = [out.get() for _ in procs]
    for p in procs: p.join()
    print(json.dumps({"seconds": max(t for t, _ in results), "pages": sum(n for _, n in results)}))
"""

#: briefing, warm: a build of the whole batch (read, HTML, render, text check, publish) on a
#: kept pool of two workers, as ``watch`` and ``serve`` keep theirs; the first build warms the
#: workers and this process and is not counted.
WARM_BATCH_BRIEFING = """
import json, sys, time
from pathlib import Path
from briefing.build import build
from briefing.build.pool import LocalPool
from briefing.config import load_config
root, repeat = Path(sys.argv[1]), int(sys.argv[2])
config = load_config(root)
limits = config.limits
pool = LocalPool(processes=2, timeout=limits.render_timeout, memory_mb=limits.worker_memory_mb)
with pool:
    build(config, force=True, runner=pool)
    started = time.perf_counter()
    for _ in range(repeat):
        report = build(config, force=True, runner=pool)
    seconds = time.perf_counter() - started
assert not report.failed, report.failed
pages = repeat * sum(r.pages or 0 for r in report.results)
print(json.dumps({"seconds": seconds, "pages": pages}))
"""


@dataclass
class Proc:
    wall: float
    cpu: float
    rss_mb: float
    out: str


def build_command(project: Path) -> list[str]:
    """``briefing build`` of a bench project into its own ``dist/``, quiet, with the JSON
    summary the rows read (the same interpreter, so ``PYTHONPATH`` picks the code measured)."""
    return [
        sys.executable,
        "-m",
        "briefing",
        "build",
        "--root",
        str(project),
        "--out",
        str(project / "dist"),
        "--json",
        "-q",
    ]


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> Proc:
    """Run ``cmd`` to the end: wall clock, CPU and peak RSS of it and its waited-for children."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd[:4])} … failed ({proc.returncode}):\n{err.read()}")
        return Proc(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read())


def parallel(cmds: list[list[str]], env: dict[str, str], cwd: Path) -> float:
    """Wall clock of several processes started together, until the last one ends."""
    started = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, env=env, cwd=cwd) for c in cmds]
    if any(p.wait() != 0 for p in procs):
        sys.exit("a floor process failed")
    return time.perf_counter() - started


def project(root: Path, count: int) -> list[Path]:
    """``count`` variants of the sample brief (images beside them); only the `full` edition is
    configured (not `--audience`), so the bench also runs on code from before that option."""
    (root / "content").mkdir(parents=True)
    (root / "briefing.toml").write_text(
        "".join(
            f"[audiences.{name}]\nenabled = false\n" for name in ("english", "executive", "public")
        ),
        encoding="utf-8",
    )
    files = []
    for n in range(1, count + 1):
        folder = root / "content" / f"b{n:03}"
        shutil.copytree(SAMPLE.parent, folder)
        text = SAMPLE.read_text(encoding="utf-8")
        (folder / "index.md").write_text(
            text if n == 1 else catalogue.variant(text, n), encoding="utf-8"
        )
        files.append(folder / "index.md")
    return files


def write_html(root: Path, code: Path) -> list[Path]:
    """The `full` edition's HTML of every brief, as the build makes it, beside the brief."""
    script = (
        "import sys; from pathlib import Path\n"
        "from briefing.build import gather, plan\n"
        "from briefing.config import load_config\n"
        "from briefing.render import render_html\n"
        "config = load_config(Path(sys.argv[1])); briefs, errors = gather(config)\n"
        "assert not errors, errors\n"
        "for e in plan(briefs, config, config.root / 'dist'):\n"
        "    if e.audience == 'full':\n"
        "        path = e.brief.source.folder / '.floor.html'\n"
        "        path.write_text(render_html(e.brief, config, 'full'), encoding='utf-8')\n"
        "        print(path)\n"
    )
    out = timed([sys.executable, "-c", script, str(root)], _env(code), root).out
    return sorted(Path(line) for line in out.split())


def _env(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--batch", type=int, default=6, help="briefs in the --jobs 2 batch")
    parser.add_argument(
        "--code",
        type=Path,
        default=REPO,
        help="checkout whose briefing/, templates/, fonts/ are measured "
        "(default: this one), e.g. an export of an older commit",
    )
    args = parser.parse_args()
    catalogue.REPO = args.code  # what snapshot() copies
    with tempfile.TemporaryDirectory(prefix="briefing-floor-") as tmp_name:
        tmp = Path(tmp_name)
        code = catalogue.snapshot(tmp)
        env = _env(code)
        one, batch = tmp / "one", tmp / "batch"
        project(one, 1)
        project(batch, args.batch)
        html = write_html(one, code)
        batch_html = write_html(batch, code)
        variant = "pdf/ua-1"
        py = sys.executable
        floor_cold = [py, "-c", FLOOR, variant, "1", str(html[0])]
        build = build_command(one)

        rows: dict[str, list[Proc]] = {"floor": [], "cold": [], "noop": []}
        for _ in range(args.repeat):  # alternating, so load from others hits both alike
            rows["floor"].append(timed(floor_cold, env, tmp))
            rows["cold"].append(timed([*build, "--force", "-j", "1"], env, tmp))
            rows["noop"].append(timed(build, env, tmp))
        pages_one = json.loads(rows["cold"][0].out)["outputs"][0]["pages"]

        # warm: each of briefing's renders (or saves) is followed by one of the floor's, so
        # both sides see the same load from the machine's other users
        warm_n = max(4, args.repeat + 1)
        floor = Renderer([py, "-c", FLOOR_SERVE, variant, str(html[0])], env, tmp)
        ours = Renderer([py, "-c", WARM_BRIEFING, str(one)], env, tmp)
        for _ in range(warm_n - 1):
            ours()
            floor()
        ours.close()
        ours_warm, floor_warm = ours.times, list(floor.times)
        saves = [
            catalogue.variant(SAMPLE.read_text(encoding="utf-8"), 100 + k) for k in range(warm_n)
        ]
        brief, pdf = one / "content" / "b001" / "index.md", one / "dist" / "b001" / "full.pdf"
        floor.times.clear()
        watch_times = live.watch_latency(one, brief, pdf, saves, env, between=floor)
        watch_floor = floor.times[1:]
        floor.times.clear()
        serve_times = live.serve_latency(one, brief, "b001", saves, env, between=floor)
        serve_floor = floor.times[1:]
        floor.close()

        batch_runs, floor_batch = [], []
        for _ in range(args.repeat):
            halves = [[str(p) for p in batch_html[k::2]] for k in range(2)]
            floor_batch.append(
                parallel([[py, "-c", FLOOR, variant, "1", *h] for h in halves], env, tmp)
            )
            batch_runs.append(timed([*build_command(batch), "--force", "-j", "2"], env, tmp))
        pages_batch = sum(o["pages"] for o in json.loads(batch_runs[0].out)["outputs"])

        warm_batch = {"floor": [], "ours": []}
        for _ in range(args.repeat):
            floor_cmd = [py, "-c", FLOOR_WARM_BATCH, variant, "1", *map(str, batch_html)]
            warm_batch["floor"].append(json.loads(timed(floor_cmd, env, tmp).out))
            ours_cmd = [py, "-c", WARM_BATCH_BRIEFING, str(batch), "1"]
            warm_batch["ours"].append(json.loads(timed(ours_cmd, env, tmp).out))

    med = statistics.median

    def wall(key: str) -> float:
        return med(p.wall for p in rows[key])

    def cpu(key: str) -> float:
        return med(p.cpu for p in rows[key])

    def rss(key: str) -> float:
        return max(p.rss_mb for p in rows[key])

    ours_pps = pages_batch / med(p.wall for p in batch_runs)
    floor_pps = pages_batch / med(floor_batch)
    # the ratio of each pair of runs made one after the other, then their median: the machine's
    # speed drifts between runs (±15% here), and both runs of a pair see the same drift
    batch_pairs = [f / p.wall for f, p in zip(floor_batch, batch_runs, strict=True)]
    warm_pairs = [
        f["seconds"] / o["seconds"]
        for f, o in zip(warm_batch["floor"], warm_batch["ours"], strict=True)
    ]
    print(
        f"`python3 bench/floor.py --repeat {args.repeat} --batch {args.batch}`: "
        f"`pyongyang-moscow`, edition `{AUDIENCE}` ({pages_one} pages, {variant}); "
        f"{os.cpu_count()} cores (`os.cpu_count()`), load average before the run "
        f"{os.getloadavg()[0]:.1f}; medians of {args.repeat} alternating runs; "
        "whole processes timed from outside.\n"
    )
    print("| measure | briefing | plain WeasyPrint, same HTML | ratio |")
    print("|---|---:|---:|---:|")
    print(
        f"| cold, one brief, one edition: wall s | {wall('cold'):.2f} | {wall('floor'):.2f} | "
        f"**{wall('cold') / wall('floor'):.2f}×** |"
    )
    print(
        f"| cold, one brief, one edition: CPU s | {cpu('cold'):.2f} | {cpu('floor'):.2f} | "
        f"{cpu('cold') / cpu('floor'):.2f}× |"
    )
    print(
        f"| peak RSS of the largest process, MB | {rss('cold'):.0f} | {rss('floor'):.0f} | "
        f"{rss('cold') / rss('floor'):.2f}× |"
    )
    print(
        f"| warm render in a live process (briefing: a render job, text check on), s | "
        f"{med(ours_warm):.3f} | {med(floor_warm):.3f} | "
        f"{med(ours_warm) / med(floor_warm):.2f}× |"
    )
    for label, times, floor_times in (
        ("save → PDF in `watch` (debounce included; 1st save apart)", watch_times[1:], watch_floor),
        ("save → PDF bytes from `serve` (1st preview apart)", serve_times[1:], serve_floor),
    ):
        warm_floor = med(floor_times)
        print(
            f"| {label}, s | {med(times):.3f} | {warm_floor:.3f} (warm render, between saves) | "
            f"**{med(times) / warm_floor:.2f}×** |"
        )
    print(
        f"| first save in `watch` / first preview in `serve`, s | {watch_times[0]:.2f} / "
        f"{serve_times[0]:.2f} | – | – |"
    )
    print(
        f"| no-op rebuild (nothing changed), wall s | {wall('noop'):.2f} | – | "
        f"{wall('noop') / wall('floor'):.2f}× of a cold render |"
    )
    print(
        f"| batch of {args.batch} briefs, `--jobs 2` vs 2 plain processes: pages/s | "
        f"{ours_pps:.1f} | {floor_pps:.1f} | **{med(batch_pairs):.2f}×** "
        f"({min(batch_pairs):.2f}–{max(batch_pairs):.2f}) |"
    )
    # the same documents on both sides, counted in briefing's pages (plain WeasyPrint lays
    # the samples out on more pages: it does not keep footnotes on their call's page)
    warm_pps = {
        side: pages_batch / med(r["seconds"] for r in runs) for side, runs in warm_batch.items()
    }
    print(
        f"| batch of {args.batch} briefs on 2 warm workers (as `watch` keeps them) vs 2 warm "
        f"plain processes: pages/s | {warm_pps['ours']:.1f} | {warm_pps['floor']:.1f} | "
        f"**{med(warm_pairs):.2f}×** ({min(warm_pairs):.2f}–{max(warm_pairs):.2f}) |"
    )
    print(
        f"\n(batch: {pages_batch} pages, whole processes; a ratio above 1 is better only in "
        "the pages/s rows, whose ratio is the median of the runs' pairs — each of briefing's "
        "runs against the floor's run next to it — with their range.)"
    )


if __name__ == "__main__":
    main()
