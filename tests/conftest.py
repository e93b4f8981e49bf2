"""Shared fixtures: the sample briefs are built once per test session (rendering is the slow
part), and small throw-away projects are made in tmp folders."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from briefing.build import Report, build
from briefing.config import Config, load_config

REPO = Path(__file__).resolve().parent.parent

MINIMAL = """---
title: عنوان تجريبي
date: 2025-01-01
---

## القسم الأول

نصّ عربي قصير للتجربة.
"""


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Report, Path]:
    """Every edition of the sample briefs in content/, built once."""
    out = tmp_path_factory.mktemp("dist")
    config = load_config(REPO)
    report = build(config, out_dir=out)
    problems = [str(r.error) for r in report.results if r.error] + list(map(str, report.errors))
    assert report.ok, problems
    return config, report, out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder with a content/ directory."""
    (tmp_path / "content").mkdir()
    return tmp_path


def write_brief(root: Path, name: str, text: str | bytes) -> Path:
    path = root / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def copy_samples(root: Path) -> None:
    shutil.copytree(REPO / "content", root / "content", dirs_exist_ok=True)


@pytest.fixture
def no_warnings(caplog: pytest.LogCaptureFixture):
    """Fail the test on any warning logged by briefing (style.md lesson 9)."""
    caplog.set_level(logging.WARNING)
    yield caplog
    bad = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("briefing")
    ]
    assert not bad, bad
