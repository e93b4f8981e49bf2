"""Shared fixtures: the sample briefs are built once per test session (rendering is the slow
part), and small throw-away projects are copied from ``tests/fixtures/<name>/`` into tmp folders.

Fixture projects (each a real project: ``briefing build --root tests/fixtures/<name>`` works):

- ``minimal``: one short brief, ``content/b.md`` (its text is :data:`MINIMAL`), no
  ``briefing.toml`` (the built-in audiences: full, executive, public).
- ``full-only``: the same brief, and a ``briefing.toml`` that switches executive and public
  off, so a build renders one edition. A test adds its own settings by appending tables to
  that file (``[limits]``, ``[build]`` …).

To adopt one, ask for ``fixture_project`` and call it with the folder's name; it returns the
copy's root::

    def test_something(fixture_project):
        root = fixture_project("full-only")
        report = build(load_config(root), jobs=1)

A new recurring set-up becomes a new folder here, listed above.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefing.build import Report, build
from briefing.config import Config, load_config

REPO = Path(__file__).resolve().parent.parent
#: The test files that read :func:`samples`: one pytest-xdist worker runs them all, so the
#: sample build is made once per run. A file that starts using ``samples`` is added here.
SAMPLE_FILES = frozenset(
    {
        "test_accessibility.py",
        "test_page_quality.py",
        "test_readers.py",
        "test_samples.py",
        "test_textlayer.py",
    }
)
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: The brief of the ``minimal`` and ``full-only`` fixture projects.
MINIMAL = (FIXTURES / "minimal" / "content" / "b.md").read_text(encoding="utf-8")


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist (``-n 2``, pyproject's addopts) each test file runs whole in one
    worker, as without xdist: its module-scoped fixtures are made once and its tests keep their
    order; and the files of :data:`SAMPLE_FILES` run in one worker, after one another.

    (A scheduler rather than ``xdist_group`` marks: ``--dist loadgroup`` renames node ids,
    which pytest 9 no longer lets it do, so its groups are silently ignored.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "samples" if Path(path).name in SAMPLE_FILES else path

    return ByFile(config, log)


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="session")
def _sample_build(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Config, Report, Path, list[str]]:
    out = tmp_path_factory.mktemp("dist")
    config = load_config(REPO)
    logger, recorder = logging.getLogger("briefing"), _Recorder()
    level = logger.level
    logger.setLevel(logging.WARNING)
    logger.addHandler(recorder)
    try:
        report = build(config, out_dir=out)
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(level)
    problems = [str(r.error) for r in report.results if r.error] + list(map(str, report.errors))
    assert report.ok, problems
    return config, report, out, recorder.messages


@pytest.fixture(scope="session")
def samples(_sample_build: tuple[Config, Report, Path, list[str]]) -> tuple[Config, Report, Path]:
    """Every edition of the sample briefs in content/, built once."""
    config, report, out, _ = _sample_build
    return config, report, out


@pytest.fixture(scope="session")
def sample_warnings(_sample_build: tuple[Config, Report, Path, list[str]]) -> list[str]:
    """The warnings briefing logged while building :func:`samples` (the build is shared, so a
    test cannot watch it with ``caplog``)."""
    return _sample_build[3]


@pytest.fixture
def fixture_project(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a project from ``tests/fixtures/<name>/`` into the test's tmp folder; returns it."""

    def copy(name: str) -> Path:
        source = FIXTURES / name
        if not (source / "content").is_dir():
            raise ValueError(f"{source} is not a fixture project (no content/ folder)")
        return Path(shutil.copytree(source, tmp_path / name))

    return copy


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


@pytest.fixture
def no_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Fail the test on any warning briefing logs while it runs: a test that expects none
    asks for this, so an unexpected warning fails it (style.md, lesson 9: "a fixture that
    fails the test on any unexpected warning log")."""
    caplog.set_level(logging.WARNING)
    yield caplog
    bad = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("briefing")
    ]
    assert not bad, bad
