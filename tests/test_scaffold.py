"""`briefing init` + `briefing new`: a working project in two commands, nothing overwritten."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from briefing.build import load_brief
from briefing.commands.scaffold import SKELETON
from briefing.config import Config, load_config

from .helpers import pdftotext, word_recall


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefing", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def test_init_then_new_give_a_project_that_builds(tmp_path):
    root = tmp_path / "house"
    made = run("init", str(root))
    assert made.returncode == 0, made.stderr
    assert (root / "templates" / "README.md").is_file()
    added = run("new", "second-brief", "--root", str(root))
    assert added.returncode == 0, added.stderr
    checked = run("check", "--root", str(root))
    assert checked.returncode == 0, checked.stderr
    assert "2 briefs ok" in checked.stdout
    built = run("build", "--root", str(root))
    assert built.returncode == 0, built.stderr
    pdfs = sorted(p.relative_to(root / "dist").as_posix() for p in (root / "dist").rglob("*.pdf"))
    assert "second-brief/full.pdf" in pdfs and "second-brief/english.pdf" in pdfs
    assert "first-brief/executive.pdf" in pdfs
    text = pdftotext(root / "dist" / "second-brief" / "full.pdf")
    recall, missing = word_recall("القسم الأول الحاشية مثال على رسم بياني التجارة", text)
    assert recall == 1, missing


def test_skeleton_shows_every_front_matter_key(tmp_path):
    root = tmp_path
    assert run("init", str(root)).returncode == 0
    brief = load_brief(root / "content" / "first-brief" / "index.md", load_config(root))
    text = (root / "content" / "first-brief" / "index.md").read_text(encoding="utf-8")
    from briefing.content.model import FrontMatter

    for key in FrontMatter.model_fields:
        assert f"{key}:" in text, key
    assert brief.meta.english is not None and brief.body.sections
    assert '<span class="footnote">' in brief.body.sections[0].html
    assert "<table>" in brief.body.sections[0].html


def test_commented_settings_are_the_defaults():
    """Uncommenting every line of the init config gives exactly the built-in defaults."""
    lines = (SKELETON / "briefing.toml").read_text(encoding="utf-8").splitlines()
    body = "\n".join(
        line[2:]
        for line in lines
        if line.startswith("# ") and ("=" in line or line.startswith("# ["))
    ).split("[audiences.board]")[0]
    data = tomllib.loads(body)
    defaults = Config().model_dump(exclude={"root", "audiences"})
    for table, values in data.items():
        for key, value in values.items():
            if isinstance(value, dict) or key != "logo":
                assert defaults[table][key] == value, (table, key)


def test_nothing_is_overwritten(tmp_path):
    assert run("init", str(tmp_path)).returncode == 0
    toml = tmp_path / "briefing.toml"
    toml.write_text("# ours\n", encoding="utf-8")
    again = run("init", str(tmp_path))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert toml.read_text(encoding="utf-8") == "# ours\n"
    index = tmp_path / "content" / "first-brief" / "index.md"
    before = index.read_bytes()
    twice = run("new", "first-brief", "--root", str(tmp_path))
    assert twice.returncode == 1 and "already exists; nothing was written" in twice.stderr
    assert index.read_bytes() == before
    bad = run("new", "Bad Name", "--root", str(tmp_path))
    assert bad.returncode == 1 and "lowercase" in bad.stderr
