"""Incremental builds: exactly which outputs each kind of change rebuilds, byte-identical
rebuilds, one build at a time per output folder, and a build killed mid-run.

The selection tests render in the test process (``runner=run_here``, a documented parameter of
:func:`build`): which editions are rebuilt is decided by the build and its cache before any job
is run, and an in-process renderer keeps each build to a fraction of a second. The site they
change is built once per module and restored before each test. The tests that start
``briefing build`` as a process use the real worker pool.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefing.build import build, run_here
from briefing.build.cache import CACHE_NAME
from briefing.build.job import run_job
from briefing.config import builtin_dir, load_config

from .conftest import MINIMAL, write_brief
from .helpers import tool

AUDIENCES = ("full", "executive", "public")  # english needs an `english:` block: not built


def brief_text(n: int, extra: str = "") -> str:
    return MINIMAL.replace("نصّ عربي قصير للتجربة.", f"نصّ عربي قصير للتجربة رقم {n}. {extra}")


def editions(*slugs: str, audiences: tuple[str, ...] = AUDIENCES) -> set[str]:
    return {f"{s}/{a}" for s in slugs for a in audiences}


def names(report, status: str = "built") -> set[str]:
    return {r.name for r in report.results if r.status == status}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A project with briefs a, b, c, built once for the module (9 outputs), and a pristine
    copy of it. The cache names absolute paths, so a test gets the site back at its own path
    (:func:`site`), not a copy elsewhere (which would rebuild everything)."""
    root = tmp_path_factory.mktemp("site") / "project"
    (root / "content").mkdir(parents=True)
    for n, slug in enumerate("abc"):
        write_brief(root, f"{slug}.md", brief_text(n))
    report = run(root)
    assert names(report) == editions("a", "b", "c") and report.ok
    pristine = root.with_name("pristine")
    shutil.copytree(root, pristine, symlinks=True)  # copy2: same bytes and mtimes
    return root, pristine


@pytest.fixture
def site(built_site: tuple[Path, Path]) -> Path:
    """The built site as its first build left it; each test may change it."""
    root, pristine = built_site
    shutil.rmtree(root)
    shutil.copytree(pristine, root, symlinks=True)
    assert names(run(root)) == set()  # the restored site is up to date
    return root


def run(root: Path, **kwargs):
    kwargs.setdefault("runner", run_here)
    report = build(load_config(root), out_dir=root / "out", **kwargs)
    assert not report.errors, [str(e) for e in report.errors]
    return report


def manifest(root: Path) -> dict:
    return json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------- what is rebuilt


def test_noop_and_touch_rebuild_nothing(site: Path):
    report = run(site)
    assert names(report) == set() and names(report, "skipped") == editions("a", "b", "c")
    later = time.time() + 60
    for path in [*site.glob("content/*.md")]:
        os.utime(path, (later, later))  # touched, same bytes: hashed again, not rendered
    report = run(site)
    assert names(report) == set() and len(names(report, "skipped")) == 9


def test_a_noop_rebuild_writes_nothing(site: Path):
    """Nothing changed: no output, not even the cache or the manifest, is written again (no
    fsync to wait for; a mirror of the folder sees the same files)."""

    def files() -> dict[Path, tuple[int, int]]:
        return {
            p: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (site / "out").rglob("*")
            if p.is_file()
        }

    before = files()
    assert names(run(site)) == set()
    assert files() == before


def test_editing_a_brief_rebuilds_only_its_editions(site: Path):
    write_brief(site, "b.md", brief_text(1, "جملة مضافة."))
    before = manifest(site)
    report = run(site)
    assert names(report) == editions("b")
    assert names(report, "skipped") == editions("a", "c")
    was = {o["path"]: o["sha256"] for o in before["outputs"]}
    changed = {o["path"] for o in manifest(site)["outputs"] if was[o["path"]] != o["sha256"]}
    # the executive edition has no body sections: rebuilt, but to the same bytes
    assert changed == {"b/full.pdf", "b/public.pdf"}


def test_template_of_one_audience_rebuilds_only_that_audience(site: Path):
    css = site / "templates" / "css" / "executive.css"
    css.parent.mkdir(parents=True)
    shutil.copy(builtin_dir("templates") / "css" / "executive.css", css)
    # a project override now shadows the built-in file: a change for the editions using it
    assert names(run(site)) == editions("a", "b", "c", audiences=("executive",))
    css.write_text(
        css.read_text(encoding="utf-8") + "\nh1 { letter-spacing: 0; }\n", encoding="utf-8"
    )
    assert names(run(site)) == editions("a", "b", "c", audiences=("executive",))
    # a template no built edition uses changes nothing
    english = site / "templates" / "css" / "english.css"
    english.write_text("p { color: red; }\n", encoding="utf-8")
    assert names(run(site)) == set()
    # the house CSS is used by every edition
    house = site / "templates" / "css" / "brief.css"
    house.write_text(
        (builtin_dir("templates") / "css" / "brief.css").read_text(encoding="utf-8")
        + "\n/* house */\n",
        encoding="utf-8",
    )
    assert names(run(site)) == editions("a", "b", "c")
    # removing an override falls back to the built-in file: a change again
    css.unlink()
    assert names(run(site)) == editions("a", "b", "c", audiences=("executive",))


def test_a_template_chosen_from_a_list_is_a_dependency(site: Path):
    """``{% include [first, fallback] %}``: making the first one later changes the editions
    that include it, and so does editing it then."""
    sections = site / "templates" / "partials" / "sections.html"
    sections.parent.mkdir(parents=True)
    sections.write_text(
        "{% include ['partials/house-sections.html', 'base/partials/sections.html'] %}",
        encoding="utf-8",
    )
    using = names(run(site))
    assert using  # the editions that print the sections
    assert names(run(site)) == set()  # the first name still missing: nothing to do
    house = site / "templates" / "partials" / "house-sections.html"
    builtin = builtin_dir("templates") / "partials" / "sections.html"
    house.write_text(builtin.read_text(encoding="utf-8") + "\n{# house #}\n", encoding="utf-8")
    assert names(run(site)) == using
    house.write_text(house.read_text(encoding="utf-8") + "{# again #}\n", encoding="utf-8")
    assert names(run(site)) == using
    assert names(run(site)) == set()


def test_a_template_included_if_present_is_a_dependency(site: Path):
    """``{% include 'x' ignore missing %}``: making ``x`` later changes the editions."""
    sections = site / "templates" / "partials" / "sections.html"
    sections.parent.mkdir(parents=True)
    builtin = builtin_dir("templates") / "partials" / "sections.html"
    sections.write_text(
        builtin.read_text(encoding="utf-8")
        + "{% include 'partials/house-note.html' ignore missing %}",
        encoding="utf-8",
    )
    using = names(run(site))
    assert using
    assert names(run(site)) == set()
    note = site / "templates" / "partials" / "house-note.html"
    note.write_text("<p>ملاحظة المركز</p>", encoding="utf-8")
    assert names(run(site)) == using


def test_a_template_edited_between_builds_of_one_process_is_read_again(site: Path):
    """``watch`` and ``serve`` keep their Jinja environments (compiled templates) from one
    build to the next: the next build's HTML must show a new override of a template the last
    build used, and an edit that leaves the file's size and modification time as they were
    (two saves within one clock tick)."""
    seen: list[str] = []

    def record(jobs):  # a runner that keeps each job's HTML and renders it here
        for job in jobs:
            seen.append(job.html)
            yield run_job(job)

    (site / "templates").mkdir()  # the same template folders before and after the override
    run(site, runner=record, audiences=["executive"], force=True)  # the built-in file, cached
    css = site / "templates" / "css" / "executive.css"
    css.parent.mkdir()
    original = (builtin_dir("templates") / "css" / "executive.css").read_text(encoding="utf-8")
    css.write_text(original + "\n/* marker-AAA */\n", encoding="utf-8")
    seen.clear()
    run(site, runner=record, audiences=["executive"])
    assert seen and all("marker-AAA" in html for html in seen)
    stat = css.stat()
    css.write_text(original + "\n/* marker-BBB */\n", encoding="utf-8")
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert css.stat().st_size == stat.st_size
    seen.clear()
    report = run(site, runner=record, audiences=["executive"])
    assert names(report) == editions("a", "b", "c", audiences=("executive",))
    assert seen and all("marker-BBB" in html and "marker-AAA" not in html for html in seen)


def test_config_edits_rebuild_the_audiences_they_affect(site: Path):
    toml = site / "briefing.toml"
    toml.write_text('[audiences.executive]\nmarking = "للاستخدام الداخلي"\n', encoding="utf-8")
    assert names(run(site)) == editions("a", "b", "c", audiences=("executive",))
    toml.write_text(
        '[audiences.executive]\nmarking = "للاستخدام الداخلي"\n\n'
        '[branding.palette]\nprimary = "#224466"\n',
        encoding="utf-8",
    )
    assert names(run(site)) == editions("a", "b", "c")
    # settings of the build machinery, not of the output, rebuild nothing
    toml.write_text(
        "[build]\njobs = 3\n\n[limits]\nrender_timeout = 100\n"
        "worker_memory_mb = 2000\n\n"
        '[audiences.executive]\nmarking = "للاستخدام الداخلي"\n\n'
        '[branding.palette]\nprimary = "#224466"\n',
        encoding="utf-8",
    )
    assert names(run(site)) == set()
    # an audience switched off: its outputs are removed and reported
    toml.write_text(
        toml.read_text(encoding="utf-8") + "\n[audiences.public]\nenabled = false\n",
        encoding="utf-8",
    )
    report = run(site)
    assert names(report) == set()
    assert names(report, "removed") == editions("a", "b", "c", audiences=("public",))
    assert not list((site / "out").glob("*/public.pdf"))
    assert {o["audience"] for o in manifest(site)["outputs"]} == {"full", "executive"}


def test_replacing_a_font_rebuilds_everything(project: Path):
    fonts = project / "fonts"
    shutil.copytree(builtin_dir("fonts"), fonts)
    (project / "briefing.toml").write_text('[paths]\nfonts = "fonts"\n', encoding="utf-8")
    for n, slug in enumerate("ab"):
        write_brief(project, f"{slug}.md", brief_text(n))
    assert names(run(project)) == editions("a", "b")
    assert names(run(project)) == set()
    shutil.copy(builtin_dir("fonts") / "NotoSans-Bold.ttf", fonts / "NotoSans-Regular.ttf")
    assert names(run(project)) == editions("a", "b")


def test_deleting_a_brief_removes_and_reports_its_outputs(site: Path):
    (site / "content" / "b.md").unlink()
    report = run(site)
    assert names(report) == set()
    assert names(report, "removed") == editions("b")
    assert names(report, "skipped") == editions("a", "c")
    assert not (site / "out" / "b").exists()
    assert {o["source"] for o in manifest(site)["outputs"]} == {"content/a.md", "content/c.md"}


def test_a_stale_output_that_cannot_be_removed_fails_the_build(site: Path):
    """The published folder would keep an outdated brief: that is the build's failure, every
    time until it is gone (not a log line once, then silence)."""
    (site / "content" / "b.md").unlink()
    stuck = site / "out" / "b" / "full.pdf"
    stuck.unlink()
    stuck.mkdir()  # unlink() fails on it, even for root
    (stuck / "keep").write_text("x", encoding="utf-8")
    for _ in range(2):
        report = run(site)
        assert names(report, "failed") == {"b/full"} and not report.ok
        (failed,) = [r for r in report.results if r.status == "failed"]
        assert "cannot remove stale output" in str(failed.error)
        assert str(stuck) in str(failed.error)
    assert names(report, "removed") == set()  # the others went the first time
    assert not (site / "out" / "b" / "public.pdf").exists()


def test_a_broken_brief_keeps_its_previous_outputs(site: Path):
    good = (site / "out" / "b" / "full.pdf").read_bytes()
    write_brief(site, "b.md", "---\ntitle: x\n---\n")  # no date: fails validation
    report = build(load_config(site), out_dir=site / "out", runner=run_here)
    assert len(report.errors) == 1 and names(report) == set()
    assert names(report, "removed") == set()
    assert (site / "out" / "b" / "full.pdf").read_bytes() == good
    assert "content/b.md" in {o["source"] for o in manifest(site)["outputs"]}


def test_force_rebuilds_everything(site: Path):
    assert names(run(site, force=True)) == editions("a", "b", "c")


@pytest.mark.parametrize("garbage", [b"{not json", b'{"version": 999, "entries": {}}', b"[]"])
def test_unreadable_or_foreign_cache_warns_and_rebuilds_all(
    site: Path, garbage: bytes, caplog: pytest.LogCaptureFixture
):
    (site / "out" / CACHE_NAME).write_bytes(garbage)
    caplog.set_level(logging.WARNING)
    report = run(site)
    assert names(report) == editions("a", "b", "c")
    assert any("unreadable build cache" in r.getMessage() for r in caplog.records)
    assert names(run(site)) == set()  # and the cache is good again


def test_a_copy_that_keeps_size_and_date_is_seen(project: Path):
    """``cp -p`` of another version of an image: same size, same modification time. The cache
    remembers file hashes by stat, and such a copy keeps only the mtime: its ctime and inode
    are new."""
    from PIL import Image

    write_brief(project, "b/index.md", MINIMAL + "\n![مربّع](square.png)\n")
    image = project / "content" / "b" / "square.png"
    Image.new("RGB", (30, 30), "navy").save(image, compress_level=0)
    assert names(run(project, audiences=["full"])) == {"b/full"}
    other = project / "square.png"
    Image.new("RGB", (30, 30), "maroon").save(other, compress_level=0)
    assert other.stat().st_size == image.stat().st_size
    os.utime(other, ns=(image.stat().st_atime_ns, image.stat().st_mtime_ns))
    os.replace(other, image)
    assert names(run(project, audiences=["full"])) == {"b/full"}


def test_deleted_or_edited_output_is_rebuilt(site: Path):
    (site / "out" / "a" / "full.pdf").unlink()
    (site / "out" / "c" / "public.pdf").write_bytes(b"%PDF-1.7 edited by hand")
    assert names(run(site)) == {"a/full", "c/public"}


# ------------------------------------------------------------------------- reproducibility


def test_same_inputs_give_byte_identical_pdfs_and_manifest(project: Path):
    for n, slug in enumerate("ab"):
        write_brief(project, f"{slug}.md", brief_text(n))
    config = load_config(project)
    first, second = project / "out1", project / "out2"
    assert build(config, out_dir=first, jobs=2).ok
    pdfs = {p.relative_to(first): p.read_bytes() for p in first.rglob("*.pdf")}
    manifest1 = (first / "manifest.json").read_bytes()
    assert len(pdfs) == 6
    # --force into the same folder: same bytes, same manifest (built_at kept for equal PDFs)
    assert names(build(config, out_dir=first, jobs=1, force=True)) == editions("a", "b")
    assert {p.relative_to(first): p.read_bytes() for p in first.rglob("*.pdf")} == pdfs
    assert (first / "manifest.json").read_bytes() == manifest1
    # a fresh folder: same PDFs; manifest entries equal but for the time they were built
    assert build(config, out_dir=second, jobs=2).ok
    assert {p.relative_to(second): p.read_bytes() for p in second.rglob("*.pdf")} == pdfs

    def entries(folder: Path) -> list[dict]:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return [{k: v for k, v in o.items() if k != "built_at"} for o in data["outputs"]]

    assert entries(first) == entries(second)


# ------------------------------------------------------------------------- processes


@pytest.fixture
def cli():
    """Start ``briefing build`` processes; any still running at the end of the test is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(root: Path, *args: str) -> subprocess.Popen[str]:
        started.append(_popen(root, *args))
        return started[-1]

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _popen(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "briefing",
            "build",
            "--root",
            str(root),
            "--out",
            str(root / "out"),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def big_project(root: Path, count: int) -> None:
    """Briefs long enough that a build of them takes a few seconds with one worker."""
    body = "\n\n".join(
        f"## القسم {i}\n\n" + "فقرة عربية طويلة للتجربة والاختبار. " * 60 for i in range(1, 5)
    )
    for n in range(count):
        write_brief(root, f"long{n:02}.md", brief_text(n) + "\n" + body)


def test_second_build_waits_for_the_first(project: Path, cli):
    big_project(project, 3)
    first = cli(project, "--jobs", "1")
    wait_for(lambda: any((project / "out").glob("*/*.pdf")) or first.poll() is not None)
    assert first.poll() is None, "the first build finished before the second one started"
    second = cli(project, "--jobs", "1")
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "another build is running on this output folder; waiting" in err2
    assert out1.strip().splitlines()[-1].startswith("9 built, 0 skipped")
    # it ran after the first one, not beside it: everything was already built
    assert out2.strip().splitlines()[-1].startswith("0 built, 9 skipped")


def test_killed_build_leaves_earlier_outputs_and_manifest_intact(project: Path, cli):
    big_project(project, 2)  # 6 outputs: enough for a kill to land between two of them
    done = cli(project, "--jobs", "2")
    assert done.wait(timeout=120) == 0
    old_pdfs = {p: p.read_bytes() for p in (project / "out").rglob("*.pdf")}
    old_manifest = (project / "out" / "manifest.json").read_bytes()
    assert len(old_pdfs) == 6
    for n in range(2):  # every brief changes: every PDF will be replaced
        path = project / "content" / f"long{n:02}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nسطر جديد.\n", encoding="utf-8")

    killed = cli(project, "--jobs", "1")
    wait_for(
        lambda: any(p.read_bytes() != b for p, b in old_pdfs.items()) or killed.poll() is not None
    )
    assert killed.poll() is None, "the build finished before it could be killed"
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=10)

    replaced = [p for p, b in old_pdfs.items() if p.read_bytes() != b]
    assert 1 <= len(replaced) < 6
    for path in old_pdfs:  # every PDF is whole: the old one or a complete new one
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        subprocess.run([tool("pdfinfo"), str(path)], check=True, capture_output=True)
    assert (project / "out" / "manifest.json").read_bytes() == old_manifest

    again = cli(project, "--jobs", "2")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    built = int(out.strip().splitlines()[-1].split()[0])
    assert 6 - len(replaced) <= built <= 6  # the rest; published-but-unrecorded ones too
    data = json.loads((project / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert len(data["outputs"]) == 6
    for entry in data["outputs"]:
        pdf = (project / "out" / entry["path"]).read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == entry["sha256"]
    assert not list((project / "out").rglob("*.tmp"))
