"""The command line as a user meets it: exit codes, stderr format, a fast --help."""

from __future__ import annotations

import subprocess
import sys
import time

from .conftest import MINIMAL, write_brief


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_help_does_not_import_weasyprint():
    code = ("import sys; from click.testing import CliRunner; from briefing.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
            "print('weasyprint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    started = time.perf_counter()
    assert run("--help").returncode == 0
    assert time.perf_counter() - started < 5  # generous: it takes ~0.1 s; WeasyPrint alone ~1 s


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
