"""Hostile content, limits and faults: each test fails when its protection is removed."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from briefing.build import build, gather, workers
from briefing.build.job import run_job
from briefing.config import load_config
from briefing.content.model import validate
from briefing.content.source import read_source, split_front_matter
from briefing.errors import BriefError
from briefing.render import render_html, visible_text

from .conftest import MINIMAL, write_brief
from .helpers import pdfium_text

_WESTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
HOSTILE = Path(__file__).parent / "hostile"
EXPECTED = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
SECRET = "SECRET-MARKER-4f1c9e"


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    _Recorder.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], _Recorder.requests
    httpd.shutdown()


@pytest.mark.parametrize("name", sorted(k for k in EXPECTED if not k.startswith("_")))
def test_hostile_brief_builds_to_an_error_or_a_safe_pdf(tmp_path, server, name):
    port, requests = server
    expect = EXPECTED[name]
    (tmp_path / "secret.txt").write_text(f"{SECRET} root:x:0:0", encoding="utf-8")
    text = (HOSTILE / name).read_text(encoding="utf-8").replace("__PORT__", str(port))
    write_brief(tmp_path, "brief/index.md", text)
    report = build(load_config(tmp_path), jobs=1)
    errors = " ".join(str(r.error) for r in report.results if r.error)
    errors += " ".join(map(str, report.errors))
    for url in expect["refused"]:
        assert "refused resource" in errors and url.replace("__PORT__", str(port)) in errors
    assert requests == []  # the network was never reached
    for pdf in (tmp_path / "dist").rglob("*.pdf"):
        data = pdf.read_bytes()
        assert SECRET.encode() not in data
        # An Arabic edition prints every number in Arabic-Indic digits («{{ ٧*٧ }}»): compare
        # in Western digits, so a leaked evaluation («٤٩») is caught as well.
        content = " ".join(pdfium_text(pdf).split()).translate(_WESTERN_DIGITS)
        assert SECRET not in content and "root:x" not in content
        assert "49" not in content.split()  # {{ 7*7 }} was never evaluated
        for absent in expect["absent"]:
            assert absent not in content, (pdf, absent)
        for literal in expect["literal"] if pdf.name == "full.pdf" else ():
            for word in re.findall(r"\w+", literal):  # the literal's words reach the reader
                assert word in content, (pdf, literal, word)
    if not expect["refused"]:
        assert report.ok, errors
        # ... and the document WeasyPrint received carries each literal exactly as written
        config = load_config(tmp_path)
        (brief,), _ = gather(config)
        html = visible_text(render_html(brief, config, "full")).translate(_WESTERN_DIGITS)
        for literal in expect["literal"]:
            assert literal in html, literal


def test_hung_render_is_killed_and_the_rest_of_the_build_goes_on(project):
    write_brief(project, "slow.md", MINIMAL)
    write_brief(project, "fast.md", MINIMAL)
    (project / "briefing.toml").write_text(
        "[limits]\nrender_timeout = 4\n[audiences.executive]\nenabled = false\n"
        "[audiences.public]\nenabled = false\n",
        encoding="utf-8",
    )
    config = load_config(project)

    def hanging(job):  # what a worker does with each job: "slow" never returns
        if job.name.startswith("slow/"):
            time.sleep(3600)
        return run_job(job)

    def pool(jobs):  # the build's own pool (its limits), with workers that may hang
        limits = config.limits
        return workers.run_local(
            jobs,
            processes=1,
            timeout=limits.render_timeout,
            memory_mb=limits.worker_memory_mb,
            render=hanging,
        )

    report = build(config, jobs=1, runner=pool)
    by_name = {r.name: r for r in report.results}
    assert by_name["slow/full"].status == "failed"
    assert "longer than 4 s" in str(by_name["slow/full"].error)
    assert by_name["fast/full"].status == "built"


def test_decompression_bomb_image_is_refused(project):
    folder = project / "content" / "b"
    folder.mkdir(parents=True)
    Image.new("1", (6000, 6000)).save(folder / "bomb.png")  # 36 Mpx, a few KB on disk
    write_brief(project, "b/index.md", MINIMAL + "\n![صورة](bomb.png)\n")
    (project / "briefing.toml").write_text(
        "[limits]\nmax_image_pixels = 1000000\n", encoding="utf-8"
    )
    report = build(load_config(project), jobs=1)
    full = next(r for r in report.results if r.name == "b/full")
    assert full.status == "failed" and "bomb.png" in str(full.error)
    assert not (project / "dist" / "b" / "full.pdf").exists()


def test_oversized_brief_is_refused(project):
    write_brief(project, "big.md", MINIMAL + "نص " * 200_000)
    briefs, errors = gather(load_config(project))
    assert not briefs and "the limit is 1,000,000" in str(errors[0])


def test_unwritable_output_path_is_a_clear_error_without_partial_files(project):
    write_brief(project, "b.md", MINIMAL)
    out = project / "dist"
    (out / "b").mkdir(parents=True)
    (out / "b" / "full.pdf").mkdir()  # a folder where the PDF should go: os.replace fails
    report = build(load_config(project), jobs=1)
    full = next(r for r in report.results if r.name == "b/full")
    assert full.status == "failed" and "cannot write output" in str(full.error)
    assert not [p for p in (out / "b").iterdir() if p.name.endswith(".tmp")]


def test_corrupt_font_is_an_error_never_a_fallback(project):
    from briefing.config import builtin_dir

    fonts = project / "fonts"
    fonts.mkdir()
    for font in builtin_dir("fonts").glob("*.ttf"):
        (fonts / font.name).write_bytes(font.read_bytes())
    (fonts / "Amiri-Regular.ttf").write_bytes(b"this is not a font")
    (project / "briefing.toml").write_text('[paths]\nfonts = "fonts"\n', encoding="utf-8")
    write_brief(project, "b.md", MINIMAL)
    report = build(load_config(project), jobs=1)
    assert not report.ok
    assert all("Amiri-Regular.ttf" in str(r.error) for r in report.results)
    assert not list((project / "dist").rglob("*.pdf"))


# ------------------------------------------------------------------ property-based loading


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_a_brief_or_our_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("p") / "x.md"
    path.write_bytes(data)
    try:
        validate(read_source(path))
    except BriefError as exc:
        assert str(exc).startswith(str(path))


_yaml_ish = st.text(alphabet=st.sampled_from(list("-:[]{}#&*!|>'\"%@`, \n\tab1٢ت")), max_size=120)


@settings(max_examples=300, deadline=None)
@given(_yaml_ish, st.text(max_size=200))
def test_any_front_matter_and_body_give_a_brief_or_our_error(front, body):
    text = f"---\ntitle: t\ndate: 2025-01-01\n{front}\n---\n{body}"
    try:
        meta, lines, rest, first = split_front_matter(Path("x.md"), text)
        from briefing.content.markdown.body import parse_body
        from briefing.content.source import Source

        source = Source(Path("x.md"), "x", Path("."), meta, lines, rest, first, "")
        validate(source)
        parse_body(rest, Path("x.md"), first)
    except BriefError as exc:
        assert str(exc).startswith("x.md")


def test_worker_memory_cap_fails_the_edition_not_the_build(project):
    write_brief(project, "b.md", MINIMAL)
    (project / "briefing.toml").write_text(
        "[limits]\nworker_memory_mb = 64\n[audiences.executive]\nenabled = false\n"
        "[audiences.public]\nenabled = false\n",
        encoding="utf-8",
    )
    report = build(load_config(project), jobs=1)  # returns: the build itself survives
    full = next(r for r in report.results if r.name == "b/full")
    assert full.status == "failed"
    assert "memory" in str(full.error)
    assert not (project / "dist" / "b" / "full.pdf").exists()


#: Builds ``sys.argv[1]`` with its renders done first, then a file-size limit on the process
#: (every write past 4 KB fails, as on a full disk) while the build publishes.
_FULL_DISK_BUILD = """
import resource, signal, sys
from pathlib import Path
from briefing.build import build
from briefing.build.workers import run_local
from briefing.config import load_config
from briefing.errors import BriefError

def runner(jobs):
    results = list(run_local(jobs, processes=1, timeout=180, memory_mb=0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # the disk is full from here
    return results

try:
    build(load_config(Path(sys.argv[1])), runner=runner)
except BriefError as exc:
    print(exc)
"""


def test_full_disk_is_a_clear_error_and_keeps_the_old_pdf(project):
    path = write_brief(project, "b.md", MINIMAL)
    assert build(load_config(project), jobs=1).ok
    pdf = project / "dist" / "b" / "full.pdf"
    good = pdf.read_bytes()
    path.write_text(MINIMAL.replace("نصّ عربي", "نصّ عربي معدَّل"), encoding="utf-8")
    # each PDF fails to publish, then so does the cache: the build stops with a clear error
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_BUILD, str(project)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "cannot write output: File too large" in done.stdout
    assert pdf.read_bytes() == good
    assert not [p for p in pdf.parent.iterdir() if p.name.endswith(".tmp")]


def test_front_matter_cannot_break_out_of_the_stylesheet(project):
    """The series is printed by CSS (running header): `</style>` in it must stay text."""
    other = write_brief(project, "other/index.md", MINIMAL.replace("نصّ عربي", SECRET))
    attack = (
        "\"a</style><a rel=attachment href='../other/index.md'>x</a>"
        "<img src='file:///etc/passwd'><style>\""
    )
    write_brief(project, "y/index.md", MINIMAL.replace("date:", f"series: {attack}\ndate:"))
    report = build(load_config(project), [project / "content" / "y" / "index.md"], jobs=1)
    assert report.ok, [str(r.error) for r in report.results]
    for pdf in (project / "dist" / "y").glob("*.pdf"):
        data = pdf.read_bytes()
        assert b"/EmbeddedFile" not in data and SECRET.encode() not in data, pdf
        assert other.read_bytes() not in data
    header = pdfium_text(project / "dist" / "y" / "full.pdf")
    for word in ("style", "attachment", "passwd"):  # printed as text in the running header
        assert word in header


def test_flat_brief_cannot_load_another_briefs_files(project):
    folder = project / "content" / "other"
    folder.mkdir(parents=True)
    Image.new("RGB", (10, 10)).save(folder / "private.png")
    write_brief(project, "flat.md", MINIMAL + "\n![صورة](other/private.png)\n")
    report = build(load_config(project), jobs=1)
    full = next(r for r in report.results if r.name == "flat/full")
    assert full.status == "failed"
    assert "refused resource" in str(full.error) and "private.png" in str(full.error)


def test_placeholder_characters_in_content_cannot_crash_the_build(project):
    write_brief(project, "b.md", MINIMAL + "\nنص \ue0007\ue001 و\ue0029\ue003 هنا.\n")
    assert build(load_config(project), jobs=1).ok
