"""``briefing build --scheduler tcp://…``: render jobs on a real Dask cluster.

A scheduler and a worker are started as processes on 127.0.0.1 with the ``dask`` command, as
docs/rebuilds.md tells users to. The worker runs in an empty folder of its own, and while the
cluster renders, the project's folder is moved away: the brief's files can only reach the
worker inside the job (its bundle; a logo inside the HTML), the PDFs only come back through
Dask, and the cache and publishing stay on this side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import distributed  # a test dependency: fail loudly if it is missing
import pytest

from briefing.build import build
from briefing.build.cache import CACHE_NAME
from briefing.build.job import JobResult, RenderJob
from briefing.build.workers import run_dask
from briefing.config import load_config

from .conftest import write_brief
from .helpers import tool
from .test_rebuild import brief_text, editions, names

CHART = """<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">
<rect x="10" y="10" width="{w}" height="80" fill="#1f3a5f"/></svg>
"""

# the `dask` command of the Python running the tests (a venv's, not one found on PATH)
DASK = str(Path(sys.executable).with_name("dask"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """``dask scheduler`` + ``dask worker`` (one process, one thread) on 127.0.0.1.

    (No nanny, so that the worker stops at once at the end; docs/rebuilds.md keeps it.)"""
    tmp = tmp_path_factory.mktemp("dask")
    info = tmp / "scheduler.json"
    workdir = tmp / "worker"
    workdir.mkdir()
    env = dict(os.environ)
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
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not info.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
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
                    str(workdir),
                ],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        address = json.loads(info.read_text())["address"]
        with distributed.Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class RemoteOnly:
    """A build ``runner``: the cluster's, with the project folder moved away while the cluster
    renders (so a job that still read the project's files would fail). ``calls``: how many
    jobs each build sent."""

    def __init__(self, scheduler: str, project: Path) -> None:
        self.scheduler, self.project = scheduler, project
        self.calls: list[int] = []

    def __call__(self, jobs: Iterable[RenderJob]) -> list[JobResult]:
        made = list(jobs)
        self.calls.append(len(made))
        hidden = self.project.with_name("project-moved-away")
        self.project.rename(hidden)
        try:
            return list(run_dask(made, scheduler=self.scheduler, timeout=180))
        finally:
            hidden.rename(self.project)


@pytest.fixture
def remote_only(cluster: str, tmp_path: Path) -> RemoteOnly:
    return RemoteOnly(cluster, tmp_path / "project")


def pdf_pages(path: Path) -> int:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    )


def test_build_through_a_local_cluster(cluster: str, remote_only: RemoteOnly, tmp_path: Path):
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    write_brief(root, "a.md", brief_text(1))
    chart = root / "content" / "chart-brief" / "chart.svg"
    write_brief(root, "chart-brief/index.md", brief_text(2, "\n\n![رسم بياني](chart.svg)\n"))
    chart.write_text(CHART.format(w=120), encoding="utf-8")
    logo = root / "logo.svg"
    logo.write_text(CHART.format(w=30), encoding="utf-8")
    (root / "briefing.toml").write_text('[branding]\nlogo = "logo.svg"\n', encoding="utf-8")
    out = tmp_path / "out"
    config = load_config(root)

    report = build(config, out_dir=out, scheduler=cluster, runner=remote_only)
    assert report.ok, [str(r.error) for r in report.results if r.error]
    assert names(report) == editions("a", "chart-brief")
    assert remote_only.calls == [6]
    for result in report.results:
        assert result.output.is_file() and pdf_pages(result.output) == result.pages
    # the cache knows the files the remote render loaded, under their names on this machine
    cache = json.loads((out / CACHE_NAME).read_text(encoding="utf-8"))
    files = cache["entries"]["chart-brief/full.pdf"]["files"]
    assert chart.resolve().as_posix() in files
    assert not [f for f in files if "briefing-job-" in f]

    # incremental through the cluster too: nothing; then only the brief whose image changed
    assert names(build(config, out_dir=out, scheduler=cluster, runner=remote_only)) == set()
    chart.write_text(CHART.format(w=60), encoding="utf-8")
    report = build(config, out_dir=out, scheduler=cluster, runner=remote_only)
    # (the executive edition has no body, so no image)
    assert names(report) == {"chart-brief/full", "chart-brief/public"}
    assert remote_only.calls == [6, 0, 2]
    # the logo travels inside the HTML, and the cache knows it: the editions with a cover
    logo.write_text(CHART.format(w=40), encoding="utf-8")
    report = build(config, out_dir=out, scheduler=cluster, runner=remote_only)
    assert names(report) == editions("a", "chart-brief", audiences=("full", "public"))


def test_cli_build_with_scheduler_matches_a_local_build(cluster: str, project: Path):
    write_brief(project, "a.md", brief_text(1))
    remote = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefing",
            "build",
            "--root",
            str(project),
            "--out",
            str(project / "remote"),
            "--scheduler",
            cluster,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert remote.returncode == 0, remote.stderr
    summary = json.loads(remote.stdout)
    assert (summary["built"], summary["failed"]) == (3, 0)
    assert build(load_config(project), out_dir=project / "local", jobs=1).ok
    for audience in ("full", "executive", "public"):
        pdf = f"a/{audience}.pdf"
        assert (project / "remote" / pdf).read_bytes() == (project / "local" / pdf).read_bytes()
    shutil.rmtree(project / "remote")
