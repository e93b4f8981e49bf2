"""The command line as a user meets it: exit codes, stderr format, a fast --help."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import MINIMAL, write_brief


def run(*args: str, cwd=None, python: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *python, "-m", "briefing", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_help_does_not_import_weasyprint():
    code = (
        "import sys; from click.testing import CliRunner; from briefing.cli import main; "
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
        "print('weasyprint' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    # the real entry point too: -X importtime lists every module the process imported
    helped = run("--help", python=("-X", "importtime"))
    assert helped.returncode == 0 and "Usage:" in helped.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in helped.stderr.splitlines()}
    assert "click" in imported and "weasyprint" not in imported  # (WeasyPrint costs ~1 s)


def test_only_a_local_build_forks_its_render_worker_before_the_cli_loads():
    from briefing.launch import _renders

    assert _renders(["build"]) and _renders(["build", "content/x.md", "--force", "-j", "2"])
    for args in (
        [],
        ["check"],
        ["serve"],
        ["--help"],
        ["build", "--help"],
        ["build", "-h"],
        ["build", "--scheduler", "tcp://h:8786"],
        ["build", "--scheduler=tcp://h:8786"],
    ):
        assert not _renders(args), args


def test_check_reports_path_line_message_and_exit_1(project):
    write_brief(project, "good.md", MINIMAL)
    bad = write_brief(project, "bad.md", "---\ntitle: x\ndate: 2025-01-01\nkeyword: y\n---\n")
    result = run("check", "--root", str(project))
    assert result.returncode == 1
    assert f"{bad}:4: unknown key 'keyword'" in result.stderr
    assert "1 brief ok" in result.stdout


def test_build_exit_codes(project):
    write_brief(project, "good.md", MINIMAL)
    ok = run("build", "--root", str(project), "--out", str(project / "out"))
    assert ok.returncode == 0, ok.stderr
    assert (project / "out" / "good" / "full.pdf").is_file()
    write_brief(project, "bad.md", "---\ntitle: x\n---\n")
    failed = run("build", "--root", str(project), "--out", str(project / "out"))
    assert failed.returncode == 1
    assert "bad.md:" in failed.stderr and "date" in failed.stderr
    usage = run("build", "--no-such-option")
    assert usage.returncode == 2


def test_build_audience_builds_only_those_editions_and_removes_no_other(project):
    """`--audience` while iterating on one edition: only it is built, no other edition's PDF
    is removed or rewritten, and the next full build catches up (and removes what is gone)."""
    toml = project / "briefing.toml"
    toml.write_text(
        "[audiences.public]\nenabled = false\n\n[audiences.board]\ntitle = 'مجلس'\n",
        encoding="utf-8",
    )
    brief = write_brief(project, "b.md", MINIMAL)
    out = project / "out" / "b"
    args = ("build", "--root", str(project), "--out", str(project / "out"))

    first = run(*args, "--audience", "executive", "-a", "board")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in out.iterdir()) == ["board.pdf", "executive.pdf"]
    assert "2 built, 0 skipped, 0 removed, 0 failed" in first.stdout

    usage = run(*args, "--audience", "nope")
    assert usage.returncode == 2
    assert "unknown audience 'nope'" in usage.stderr
    assert "(configured: board, english, executive, full)" in usage.stderr

    executive = (out / "executive.pdf").read_bytes()
    brief.write_text(MINIMAL.replace("عنوان تجريبي", "عنوان معدّل"), encoding="utf-8")
    toml.write_text("[audiences.public]\nenabled = false\n", encoding="utf-8")  # board is gone
    second = run(*args, "-a", "full")
    assert second.returncode == 0, second.stderr
    assert "1 built, 0 skipped, 0 removed, 0 failed" in second.stdout
    assert (out / "executive.pdf").read_bytes() == executive  # not this build's edition
    assert (out / "board.pdf").is_file()  # gone from the config, but not asked about

    full = run(*args)
    assert full.returncode == 0, full.stderr
    assert "1 built, 1 skipped, 1 removed, 0 failed" in full.stdout
    assert sorted(p.name for p in out.iterdir()) == ["executive.pdf", "full.pdf"]
    assert (out / "executive.pdf").read_bytes() != executive
    manifest = json.loads((project / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(o["path"] for o in manifest["outputs"]) == ["b/executive.pdf", "b/full.pdf"]
