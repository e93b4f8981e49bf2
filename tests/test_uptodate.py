"""The no-op rebuild answered from the last build's record (``briefing.build.uptodate``).

What a user would notice if it were wrong: a stale PDF reported as up to date. So every kind of
change the build's cache sees must also void the record — including the ones file dates hide
(an edit that keeps the size and puts the old modification time back) — and the answer it gives
must be the one the build itself gives.

A record is only written when no input changed in the 2 s before the build began (racy files,
as git calls them), and a test cannot backdate a file's ctime; so the module builds its sites
first, waits once, then lets each site's no-op write its record.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from briefing.build import build, run_here
from briefing.build.paths import UPTODATE_NAME
from briefing.build.uptodate import RACY_NS, noop_report
from briefing.config import builtin_dir, load_config
from briefing.errors import BriefError

from .conftest import FIXTURES, MINIMAL, write_brief

#: one site per test that changes one: each change voids its site's record for good
SITES = (
    "same-size-edit",
    "new-brief",
    "new-override",
    "pdf-deleted",
    "config-edited",
    "image-replaced",
    "paths-deleted",
    "logo-deleted",
    "unchanged",
)


def make_site(root: Path) -> Path:
    """``full-only`` (one edition per brief) with two briefs, one of them with an image."""
    shutil.copytree(FIXTURES / "full-only", root)
    picture = root / "content" / "pic" / "dot.png"
    picture.parent.mkdir(parents=True)
    Image.new("RGB", (40, 20), "navy").save(picture)
    write_brief(root, "pic/index.md", MINIMAL + "\n![نقطة زرقاء](dot.png)\n")
    return root


def hide_the_logo(root: Path) -> None:
    """A configured logo the theme does not show: no render loads it, the config needs it."""
    Image.new("RGB", (20, 20), "navy").save(root / "logo.png")
    with (root / "briefing.toml").open("a", encoding="utf-8") as config:
        config.write('\n[branding]\nlogo = "logo.png"\n')
    cover = (builtin_dir("templates") / "partials" / "cover.html").read_text(encoding="utf-8")
    house = root / "templates" / "partials" / "cover.html"
    house.parent.mkdir(parents=True)
    house.write_text("\n".join(line for line in cover.splitlines() if "logo_url" not in line))


def run(root: Path, **kwargs):
    report = build(load_config(root), runner=run_here, **kwargs)
    assert report.ok, [str(e) for e in report.errors] + [str(r.error) for r in report.results]
    return report


def built(report) -> set[str]:
    return {r.name for r in report.results if r.status == "built"}


def answer(root: Path):
    return noop_report(root, None, [], None)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each site built, then (after the racy window) recorded by a no-op build."""
    base = tmp_path_factory.mktemp("uptodate")
    roots = {name: make_site(base / name) for name in SITES}
    hide_the_logo(roots["logo-deleted"])
    for root in roots.values():
        assert built(run(root)) == {"b/full", "pic/full"}
    time.sleep(RACY_NS / 1e9 + 0.2)
    for root in roots.values():
        assert built(run(root)) == set()
        assert (root / "dist" / UPTODATE_NAME).is_file()
    return roots


def test_the_answer_is_the_builds_own(sites: dict[str, Path]) -> None:
    root = sites["unchanged"]
    got = answer(root)
    assert got is not None
    slow = build(load_config(root), runner=run_here)  # what the cache says, asked in full
    fields = ("name", "source", "output", "status", "pages", "fidelity", "sha256")
    assert [[getattr(r, f) for f in fields] for r in got.results] == [
        [getattr(r, f) for f in fields] for r in slow.results
    ]
    assert {r.status for r in got.results} == {"skipped"} and len(got.results) == 2


def test_briefing_build_answers_without_the_build(sites: dict[str, Path]) -> None:
    """The command itself: the same --json summary as a build that reads the cache, and none
    of what a build imports (pydantic for the config, Jinja for the templates)."""
    root = sites["unchanged"]
    probe = (
        "import sys\n"
        "from briefing import cli\n"
        "try:\n"
        "    cli.main(['build', '--root', sys.argv[1], '--json'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print(sorted({'pydantic', 'jinja2', 'weasyprint'} & set(sys.modules)), file=sys.stderr)\n"
    )
    fast = subprocess.run(
        [sys.executable, "-c", probe, str(root)], capture_output=True, text=True, check=True
    )
    assert fast.stderr.strip().splitlines()[-1] == "[]"
    (root / "dist" / UPTODATE_NAME).unlink()  # the build's own no-op: it asks the cache
    slow = subprocess.run(
        [sys.executable, "-m", "briefing", "build", "--root", str(root), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert (root / "dist" / UPTODATE_NAME).is_file()  # and records again
    fast_json, slow_json = json.loads(fast.stdout), json.loads(slow.stdout)
    for summary in (fast_json, slow_json):
        summary.pop("seconds")
    assert fast_json == slow_json
    assert fast_json["skipped"] == 2 and fast_json["built"] == 0


def test_an_edit_that_keeps_size_and_date_is_seen(sites: dict[str, Path]) -> None:
    root = sites["same-size-edit"]
    brief = root / "content" / "b.md"
    before = brief.stat()
    text = brief.read_text(encoding="utf-8")
    assert "قصير" in text
    brief.write_text(text.replace("قصير", "طويل"), encoding="utf-8")  # same UTF-8 length
    os.utime(brief, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert brief.stat().st_size == before.st_size
    assert brief.stat().st_mtime_ns == before.st_mtime_ns
    assert answer(root) is None
    assert built(run(root)) == {"b/full"}


def test_a_new_brief_is_seen(sites: dict[str, Path]) -> None:
    root = sites["new-brief"]
    write_brief(root, "c.md", MINIMAL)
    assert answer(root) is None
    assert built(run(root)) == {"c/full"}


def test_a_new_template_override_is_seen(sites: dict[str, Path]) -> None:
    """An override earlier in the chain wins over the built-in template the record names."""
    root = sites["new-override"]
    override = root / "templates" / "full" / "css" / "brief.css"
    override.parent.mkdir(parents=True)
    override.write_text("{% include 'base/css/brief.css' %}\n.section p { color: #333; }\n")
    assert answer(root) is None
    assert built(run(root)) == {"b/full", "pic/full"}


def test_a_deleted_pdf_is_seen(sites: dict[str, Path]) -> None:
    root = sites["pdf-deleted"]
    (root / "dist" / "pic" / "full.pdf").unlink()
    assert answer(root) is None
    assert built(run(root)) == {"pic/full"}


def test_a_config_edit_is_seen(sites: dict[str, Path]) -> None:
    root = sites["config-edited"]
    with (root / "briefing.toml").open("a", encoding="utf-8") as config:
        config.write('\n[branding]\norganisation = "مركز الاختبار"\n')
    assert answer(root) is None
    assert built(run(root)) == {"b/full", "pic/full"}


def test_a_replaced_image_is_seen(sites: dict[str, Path]) -> None:
    root = sites["image-replaced"]
    Image.new("RGB", (40, 20), "maroon").save(root / "content" / "pic" / "dot.png")
    assert answer(root) is None
    assert built(run(root)) == {"pic/full"}


def test_a_build_of_some_paths_sees_another_brief_deleted(sites: dict[str, Path]) -> None:
    """``briefing build content/b.md`` also removes the outputs of briefs that are gone."""
    root = sites["paths-deleted"]
    one = [root / "content" / "b.md"]
    assert built(run(root, paths=one)) == set()  # records this command
    assert noop_report(root, None, one, None) is not None
    shutil.rmtree(root / "content" / "pic")
    assert noop_report(root, None, one, None) is None
    report = run(root, paths=one)
    assert [r.name for r in report.results if r.status == "removed"] == ["pic/full"]


def test_a_deleted_logo_is_seen_even_when_no_page_shows_it(sites: dict[str, Path]) -> None:
    root = sites["logo-deleted"]
    (root / "logo.png").unlink()
    assert answer(root) is None
    with pytest.raises(BriefError, match="logo file not found"):
        load_config(root)


def test_a_link_to_nothing_is_not_vouched_for(tmp_path: Path) -> None:
    """A template folder that is a symlink to nothing yet: what appears at its target changes
    no folder the record could watch, so there is no record."""
    root = make_site(tmp_path / "site")
    (root / "templates").mkdir()
    (root / "templates" / "full").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    run(root)
    time.sleep(RACY_NS / 1e9 + 0.2)
    run(root)
    assert not (root / "dist" / UPTODATE_NAME).exists()
    css = tmp_path / "elsewhere" / "css" / "brief.css"
    css.parent.mkdir(parents=True)
    css.write_text("{% include 'base/css/brief.css' %}\n.section p { color: #333; }\n")
    assert answer(root) is None
    assert built(run(root)) == {"b/full", "pic/full"}


def test_a_build_from_a_folder_that_is_gone(tmp_path: Path, monkeypatch) -> None:
    """No record and no answer without a working folder (the report's paths are relative to
    it) — and the build itself goes on."""
    root = Path(shutil.copytree(FIXTURES / "full-only", tmp_path / "site")).resolve()
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # (Pillow cannot write a PNG without a working folder: no image here)
    assert built(run(root)) == {"b/full"}
    assert noop_report(root, None, [], None) is None


def test_another_command_is_not_answered(sites: dict[str, Path]) -> None:
    root = sites["unchanged"]
    assert noop_report(root, root / "elsewhere", [], None) is None
    assert noop_report(root, None, [], ["full"]) is None
    assert noop_report(root, None, [root / "content" / "b.md"], None) is None
    assert answer(root) is not None  # asking changed nothing


def test_no_record_after_a_racy_or_failed_build(tmp_path: Path) -> None:
    """Inputs changed just before the build (racy), or a brief that failed: no record, so
    the next build asks the cache (and reports the failure again)."""
    root = make_site(tmp_path / "site")
    run(root)
    assert not (root / "dist" / UPTODATE_NAME).exists()
    write_brief(root, "bad.md", "---\ntitle: [\n---\n")
    report = build(load_config(root), runner=run_here)
    assert not report.ok
    assert not (root / "dist" / UPTODATE_NAME).exists()
    assert answer(root) is None
