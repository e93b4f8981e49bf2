"""Warm render workers (briefing.build.pool) and the text check's early stop.

The pool's workers outlive one batch when their owner keeps them (``watch``, ``serve``): the
same process renders the next batch, and a worker that died while idle is replaced rather than
handed a job. The check reads with a second reader only while something is missing from every
reader so far, and its verdict is the one every reader's measure gives.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from briefing.build import build
from briefing.build.job import JobResult, RenderJob
from briefing.build.workers import LocalPool, run_here
from briefing.config import load_config
from briefing.pdf.textlayer import check

from .conftest import MINIMAL, write_brief


def _pid(job: RenderJob) -> JobResult:
    """What a worker does in these tests: say which process it is (in ``pages``)."""
    return JobResult(job.name, pdf=b"", pages=os.getpid())


def _jobs(*names: str) -> list[RenderJob]:
    return [RenderJob(n, "x.md", "<p>x</p>", ".", (), ".") for n in names]


def test_a_kept_pool_renders_the_next_batch_in_the_same_worker():
    with LocalPool(processes=1, timeout=60, memory_mb=0, render=_pid) as pool:
        first = [r.pages for r in pool(_jobs("a/full", "b/full"))]
        second = [r.pages for r in pool(_jobs("c/full"))]
    assert len(set(first)) == 1
    assert second == first[:1]
    assert first[0] != os.getpid()


def test_a_worker_that_died_between_batches_is_replaced():
    with LocalPool(processes=1, timeout=60, memory_mb=0, render=_pid) as pool:
        (first,) = pool(_jobs("a/full"))
        assert first.pages is not None
        os.kill(first.pages, signal.SIGKILL)
        _until_dead(first.pages)
        (second,) = pool(_jobs("b/full"))
    assert second.error is None
    assert second.pages not in (None, first.pages)


def _until_dead(pid: int) -> None:
    """Until the killed worker is a zombie (dead, not yet reaped by the pool)."""
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_an_empty_batch_starts_no_worker():
    with LocalPool(processes=2, timeout=60, memory_mb=0, render=_pid) as pool:
        assert list(pool([])) == []
        assert pool.workers == []


def test_the_checks_verdict_is_every_readers(project: Path):
    write_brief(project, "a.md", MINIMAL + "\nوتتسع الشراكة في ميادين الطاقة والنقل.\n")
    config = load_config(project)
    report = build(config, runner=run_here, audiences=["full"])
    pdf = (project / "dist" / "a" / "full.pdf").read_bytes()
    # a phrase no reader can give back, beside the ones they all do
    blocks = [("القسم الأول", "نصّ عربي قصير للتجربة."), ("ملحق", "عبارة غائبة تماما عن الصفحة.")]
    every = check.measure(pdf, blocks)
    verdict = check.verdict(pdf, blocks)
    assert report.ok
    assert verdict.missing == check.missing_everywhere(every) == [("ملحق", "عبارة غائبة تماما عن")]
    assert verdict.words == check.words_found_by_some(every) < 1.0


def test_the_build_checks_each_pdf_and_names_text_it_loses(project: Path, caplog):
    """The check runs in the build process (behind the barrier), not in the render worker:
    every built edition has its share of words, and a PDF that loses text the HTML has — here
    a project stylesheet hides the sections' paragraphs — is published with a warning naming
    the brief, the edition and the phrase."""
    import logging

    from briefing.config import builtin_dir

    write_brief(project, "a.md", MINIMAL)
    css = project / "templates" / "css" / "brief.css"
    css.parent.mkdir(parents=True)
    house = (builtin_dir("templates") / "css" / "brief.css").read_text(encoding="utf-8")
    css.write_text(house + "\n.section p { display: none; }\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        report = build(load_config(project), audiences=["full", "executive"])
    assert report.ok
    fidelity = {r.name: r.fidelity for r in report.results}
    assert fidelity["a/executive"] == 1.0  # no sections in that edition: nothing hidden
    assert fidelity["a/full"] is not None and 0.5 < fidelity["a/full"] < 1
    warned = [r.getMessage() for r in caplog.records if "text layer of edition" in r.getMessage()]
    assert len(warned) == 1 and "a.md" in warned[0] and "'full'" in warned[0], warned
    assert "«نصّ عربي قصير للتجربة»" in warned[0], warned


def test_a_reader_that_crashes_costs_only_that_pdfs_check(project: Path, caplog, monkeypatch):
    """Each reader reads in a child of its own: one that dies on a PDF makes that edition's
    check a warning (the PDF is published); the next PDF is checked by a new child."""
    import logging
    import os

    real = check.score

    def score(pdf, blocks, reader):
        if reader == "mupdf" and "انهيار" in str(blocks):
            os._exit(9)
        return real(pdf, blocks, reader)

    from briefing.build import textcheck

    textcheck.close_kept()  # children forked before the patch would not crash
    monkeypatch.setattr(check, "score", score)
    write_brief(project, "a.md", MINIMAL + "\nفقرة تذكر الانهيار هنا.\n")
    write_brief(project, "b.md", MINIMAL)
    with caplog.at_level(logging.WARNING):
        report = build(load_config(project), audiences=["full"], jobs=1)
    assert report.ok and {r.name for r in report.results} == {"a/full", "b/full"}
    fidelity = {r.name: r.fidelity for r in report.results}
    assert fidelity["a/full"] is None and fidelity["b/full"] is not None
    warned = [r.getMessage() for r in caplog.records if "could not be checked" in r.getMessage()]
    assert len(warned) == 1 and "a.md" in warned[0] and "(mupdf)" in warned[0], warned
    textcheck.close_kept()  # (the children forked under the patch)


def _unrendered(handed):
    """A runner that renders nothing: ``handed(job)`` as each job is handed to it, then the job
    fails (for tests of what a build hands over, and when)."""

    def runner(jobs):
        for job in jobs:
            handed(job)
            yield JobResult(job.name, error="not rendered in this test", error_path=job.source)

    return runner


def test_the_first_brief_is_rendering_while_the_next_ones_are_read(project: Path, caplog):
    """A build hands a brief's editions to the workers as soon as that brief is read (and its
    HTML written), not after every brief: the workers no longer wait for the whole batch to
    load. (One barrier child, so the order is certain: b is not read yet when a's job goes.)"""
    import logging

    (project / "briefing.toml").write_text("[build]\njobs = 1\n", encoding="utf-8")
    write_brief(project, "a.md", MINIMAL)
    later = MINIMAL + "\nفقرة <iframe></iframe>\n"  # the body is converted as b is read
    write_brief(project, "b.md", later)
    read_when_handed: dict[str, bool] = {}

    def handed(job: RenderJob) -> None:
        read_when_handed[job.name] = "raw HTML <iframe> removed" in caplog.text

    with caplog.at_level(logging.WARNING):
        report = build(load_config(project), audiences=["full"], runner=_unrendered(handed))
    assert read_when_handed == {"a/full": False, "b/full": True}
    assert {r.name: r.status for r in report.results} == {"a/full": "failed", "b/full": "failed"}


def test_a_brief_that_fails_to_read_does_not_hold_back_the_others(project: Path):
    """Read one after another as the workers take their editions: a brief with an error in
    the middle of the batch is reported, the briefs around it are built."""
    write_brief(project, "a.md", MINIMAL)
    write_brief(project, "b.md", "---\ntitle: [unclosed\n---\n")
    write_brief(project, "c.md", MINIMAL)
    report = build(load_config(project), audiences=["full"], runner=run_here)
    assert {r.name: r.status for r in report.results} == {"a/full": "built", "c/full": "built"}
    assert len(report.errors) == 1 and str(report.errors[0].path).endswith("b.md")


def test_an_ambiguous_output_name_is_refused_before_anything_renders(project: Path):
    """``{slug}-{audience}.pdf`` lets brief ``a`` in audience ``x-full`` and brief ``a-x`` in
    ``full`` claim one file: every brief is read first, and the clash refused before any
    render, as when all briefs were read before the first one rendered."""
    import pytest

    from briefing.errors import BriefError

    (project / "briefing.toml").write_text(
        "[paths]\noutput_name = '{slug}-{audience}.pdf'\n[audiences.x-full]\n", encoding="utf-8"
    )
    write_brief(project, "a.md", MINIMAL)
    write_brief(project, "a-x.md", MINIMAL)
    handed: list[str] = []
    with pytest.raises(BriefError, match="two outputs claim this path"):
        build(load_config(project), runner=_unrendered(lambda job: handed.append(job.name)))
    assert handed == []


def test_a_symlink_that_joins_two_outputs_is_refused_before_anything_renders(project: Path):
    """``dist/a`` a symlink to ``dist/b``: the two briefs' PDFs would be one file. Every brief
    is read first and the clash refused before any render."""
    import pytest

    from briefing.errors import BriefError

    write_brief(project, "a.md", MINIMAL)
    write_brief(project, "b.md", MINIMAL)
    (project / "dist" / "b").mkdir(parents=True)
    (project / "dist" / "a").symlink_to(project / "dist" / "b")
    handed: list[str] = []
    with pytest.raises(BriefError, match="two outputs claim this path"):
        build(
            load_config(project),
            audiences=["full"],
            runner=_unrendered(lambda job: handed.append(job.name)),
        )
    assert handed == []


def test_an_edition_whose_html_crashes_fails_alone(project: Path):
    """Each edition's HTML is a barrier task of its own: one whose template crashes (not a
    brief's error: a ZeroDivisionError) costs that edition, not the brief's other editions."""
    (project / "templates").mkdir()
    (project / "templates" / "crash.html").write_text("{{ 1 / 0 }}", encoding="utf-8")
    (project / "briefing.toml").write_text(
        "[audiences.public]\ntemplate = 'crash.html'\n", encoding="utf-8"
    )
    write_brief(project, "a.md", MINIMAL)
    report = build(load_config(project), audiences=["full", "public"], runner=run_here)
    status = {r.name: r.status for r in report.results}
    assert status == {"a/full": "built", "a/public": "failed"}, status
