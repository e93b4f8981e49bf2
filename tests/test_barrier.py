"""One bad brief costs only that brief: the hostile corpus built together with good briefs, the
per-brief barrier (a hang, a crash deep in a library), names and cache paths that must stay in
the output folder, strict audience marks, and parsing that stays linear in the input."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from briefing.build import build, check_all
from briefing.build.barrier import Isolated, run_isolated
from briefing.commands.serve import PreviewServer
from briefing.config import load_config
from briefing.content.markdown.body import check_bounds, parse_body
from briefing.content.markdown.sections import section_heading
from briefing.content.source import split_front_matter
from briefing.errors import BriefError

from .conftest import write_brief
from .helpers import pdfium_text
from .hostile_faults import FAULTS, GOOD, brief

LIMITS = "[limits]\nparse_timeout = 60\n"


def _corpus(root: Path, outside: Path) -> None:
    (root / "briefing.toml").write_text(LIMITS, encoding="utf-8")
    for name, text in {**GOOD, **{n: t for n, (t, _) in FAULTS.items()}}.items():
        write_brief(root, name, text)
    secret = outside / "outside.md"
    secret.write_text(brief(), encoding="utf-8")
    (root / "content" / "link.md").symlink_to(secret)


def _errors_by_file(messages: list[str], root: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for message in messages:
        for name in [*FAULTS, "link.md"]:
            shown = (
                str(root / "content" / name).replace("\t", "\\u0009").replace("\u202e", "\\u202e")
            )
            if message.startswith(shown + ":"):
                found.setdefault(name, []).append(message)
    return found


def test_hostile_corpus_each_bad_brief_fails_alone_and_the_good_ones_build(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("corpus")
    _corpus(root, tmp_path_factory.mktemp("outside"))
    (root / "full.pdf").write_bytes(b"not to be overwritten")
    config = load_config(root)

    report = build(config, jobs=2)

    built = sorted(r.name for r in report.results if r.status == "built")
    assert built == ["good-one/full", "good-two/full"], [str(e) for e in report.errors]
    messages = [str(e).splitlines()[0] for e in report.errors] + [
        str(r.error) for r in report.results if r.error
    ]
    by_file = _errors_by_file(messages, root)
    for name, (_, needle) in FAULTS.items():
        assert len(by_file.get(name, [])) == 1, (name, by_file.get(name), messages)
        assert needle in by_file[name][0], (name, by_file[name][0])
    assert "leads outside the content folder" in by_file["link.md"][0]
    assert len(messages) == len(FAULTS) + 1, messages  # nothing else failed
    # bounded by the limits themselves, not by the barrier's clock: nothing waited for a timeout
    assert not any("took longer than" in m for m in messages), messages
    # nothing written outside the output folder; the manifest lists only the good PDFs
    assert (root / "full.pdf").read_bytes() == b"not to be overwritten"
    manifest = json.loads((root / "dist" / "manifest.json").read_text(encoding="utf-8"))
    assert [o["path"] for o in manifest["outputs"]] == ["good-one/full.pdf", "good-two/full.pdf"]
    text = pdfium_text(root / "dist" / "good-two" / "full.pdf")
    assert "نص الحاشية" in text

    # check reports the same problems, and serve's index keeps answering beside them
    _, _, errors = check_all(config)
    assert sorted(str(e).splitlines()[0] for e in errors) == sorted(
        str(e).splitlines()[0] for e in report.errors
    )
    with PreviewServer(root, host="127.0.0.1", port=0) as preview:
        port = preview.httpd.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=120) as response:
            page = response.read().decode()
        assert response.status == 200
        assert "limits.max_front_matter_nodes" in page and "/good-one/full/" in page
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/good-one/full/", timeout=120
        ) as response:
            assert response.status == 200 and "نصٌّ عربي سليم" in response.read().decode()


def test_a_library_recursing_without_end_fails_only_that_brief(project: Path) -> None:
    (project / "briefing.toml").write_text(
        "[limits]\nparse_timeout = 60\nmax_depth = 100000\n", encoding="utf-8"
    )
    write_brief(project, "good.md", brief("audiences: [full]\n"))
    # a list nested 3000 levels deep: Python-Markdown recurses per level (max_depth is off)
    write_brief(
        project,
        "recursion.md",
        brief("audiences: [full]\n", "\n## عنوان\n\n" + "- " * 3000 + "بند\n"),
    )
    report = build(load_config(project), jobs=2)

    assert [r.name for r in report.results if r.status == "built"] == ["good/full"]
    errors = {Path(str(e.path)).name: str(e) for e in report.errors}
    assert set(errors) == {"recursion.md"}, errors
    assert "nested too deeply" in errors["recursion.md"]
    assert "Traceback" not in "".join(errors.values())


def _stuck_or_broken(path: Path) -> str:
    """What a brief's loading does in :func:`test_a_hang_or_a_crash_...`: a library stuck on
    this brief's input, or a bug deep in one."""
    if path.name == "hangs.md":
        time.sleep(3600)
    if path.name == "crashes.md":
        raise KeyError("a bug deep in a library")
    return path.name


def test_a_hang_or_a_crash_inside_one_brief_fails_only_that_brief(project: Path) -> None:
    """The barrier every brief's loading and HTML go through (``build`` reads each brief with
    ``run_isolated(load_brief, ...)``), given work that hangs or crashes on some briefs."""
    paths = [project / name for name in ("good.md", "hangs.md", "crashes.md", "after.md")]
    outcomes = list(
        run_isolated(
            _stuck_or_broken,
            paths,
            path_of=lambda p: p,
            what="reading this brief",
            timeout=3,
            processes=2,
        )
    )
    assert [o.task for o in outcomes] == paths  # in order, every one
    assert [o.value for o in outcomes if o.error is None] == ["good.md", "after.md"]
    errors = {o.task.name: str(o.error) for o in outcomes if o.error is not None}
    assert set(errors) == {"hangs.md", "crashes.md"}, errors
    assert "internal error: KeyError('a bug deep in a library')" in errors["crashes.md"]
    assert "took longer than 3 s (limits.parse_timeout)" in errors["hangs.md"]
    assert "Traceback" not in "".join(errors.values())


def _pid_unless_bad(name: str) -> int:
    import os

    if name.startswith("bad"):
        raise BriefError(Path(name), "a brief's own error")
    if name == "dies":
        os._exit(3)
    return os.getpid()


def test_a_child_serves_tasks_while_they_succeed_and_never_after_a_failure() -> None:
    """Children are reused (a fork and its first touches cost more than a brief's HTML), but a
    task that fails — its error, a crash — ends its process: the next task gets a fresh one."""
    tasks = ["a", "b", "bad1", "c", "dies", "d", "e"]
    outcomes = list(
        run_isolated(_pid_unless_bad, tasks, path_of=Path, what="t", timeout=30, processes=1)
    )
    assert [o.task for o in outcomes] == tasks
    pids = {o.task: o.value for o in outcomes}
    assert pids["a"] == pids["b"]  # one process for both
    assert pids["c"] not in (pids["a"], None) and pids["d"] not in (pids["c"], None)
    assert pids["d"] == pids["e"]
    assert "a brief's own error" in str(outcomes[2].error)
    assert "stopped (exit code 3)" in str(outcomes[4].error)


def test_a_kept_child_answers_call_after_call_and_is_replaced_after_an_error() -> None:
    with Isolated(_pid_unless_bad, what="t", timeout=30) as isolated:
        first = isolated("a", Path("a.md"))
        assert isolated("b", Path("b.md")) == first
        with pytest.raises(BriefError, match="a brief's own error") as failed:
            isolated("bad", Path("bad.md"))
        assert str(failed.value).startswith("bad")
        with pytest.raises(BriefError, match="stopped") as died:
            isolated("dies", Path("dies.md"))
        assert str(died.value).startswith("dies.md")  # named by the call, not the first task
        after = isolated("c", Path("c.md"))
        assert after not in (first, None)


def _hang() -> None:
    time.sleep(3600)


def test_a_task_too_big_for_the_pipe_meets_the_time_limit_when_nothing_reads_it() -> None:
    """A PDF to check is larger than a pipe holds: a child hung before reading it (here while
    warming up) is stopped at the time limit; sending it never blocks the build."""
    import threading

    raised: list[BaseException] = []

    def call() -> None:
        with Isolated(
            len, what="reading", timeout=1, warm_up=_hang, limit="limits.render_timeout"
        ) as isolated:
            try:
                isolated(b"x" * 4_000_000, Path("big.md"))
            except BriefError as exc:
                raised.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(120)  # a liveness bound, not a speed one: a blocked send never returns
    assert not caller.is_alive(), "the send blocked the caller"
    assert len(raised) == 1 and "took longer than 1 s (limits.render_timeout)" in str(raised[0])


def _sigterm_self(name: str) -> int:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGTERM)  # as systemd does to every process of the service
    time.sleep(0.2)
    return os.getpid()


def test_a_child_outlives_a_sigterm_sent_to_the_process_group() -> None:
    """Its parent ends it: ``schedule`` stopped by a SIGTERM to the whole group finishes the
    run under way, so the children must not die of that signal halfway through a brief."""
    outcomes = list(run_isolated(_sigterm_self, ["a", "b"], path_of=Path, what="t", timeout=30))
    assert [o.error for o in outcomes] == [None, None]
    assert outcomes[0].value == outcomes[1].value  # the same child, still alive


def test_a_process_leaving_a_kept_child_open_still_exits() -> None:
    """The children ignore SIGTERM; multiprocessing's exit hook would terminate them and wait
    for ever. The barrier's own hook ends them first."""
    import subprocess
    import sys

    script = (
        "from pathlib import Path\n"
        "from briefing.build.barrier import Isolated\n"
        "kept = Isolated(len, what='t', timeout=30)\n"
        "print(kept('abc', Path('a.md')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr


def test_stale_and_cache_paths_never_leave_the_output_folder(project: Path, caplog) -> None:
    write_brief(project, "a.md", brief("audiences: [full]\n"))
    config = load_config(project)
    assert build(config).ok
    victim = project / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    cache_file = project / "dist" / ".briefing-cache.json"
    data = json.loads(cache_file.read_text(encoding="utf-8"))
    data["entries"]["../victim.txt"] = {**data["entries"]["a/full.pdf"], "source": "gone.md"}
    cache_file.write_text(json.dumps(data), encoding="utf-8")

    report = build(config)

    assert report.ok and victim.read_text(encoding="utf-8") == "keep me"
    assert "outside the output folder" in caplog.text
    assert "../victim.txt" not in cache_file.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "shape", [[], {"version": 2, "stamp": "x", "entries": []}, "WRONG_STAMP_ENTRIES_STR"]
)
def test_cache_of_the_wrong_shape_is_discarded_with_a_warning(project: Path, caplog, shape) -> None:
    write_brief(project, "a.md", brief("audiences: [full]\n"))
    config = load_config(project)
    assert build(config).ok
    cache_file = project / "dist" / ".briefing-cache.json"
    if shape == "WRONG_STAMP_ENTRIES_STR":
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        data["entries"] = {"a/full.pdf": "not a mapping"}
        shape = data
    cache_file.write_text(json.dumps(shape), encoding="utf-8")

    report = build(config)

    assert report.ok and report.count("built") == 1
    assert "unreadable build cache" in caplog.text


@pytest.mark.parametrize(
    "heading",
    [
        "## تقدير داخلي {audience=full}",
        "## تقدير {audiences=full} .",
        "## تقدير {Audiences=full}",
        "## تقدير {audiences=full",
        "## تقدير { audiences : full }",
        "## تقدير {audiences=full} ##x",
    ],
)
def test_malformed_audience_mark_is_an_error_naming_the_line(heading: str) -> None:
    body = f"\n## عام\n\nنص عام.\n\n{heading}\n\nنص مقيّد.\n"
    with pytest.raises(BriefError) as caught:
        parse_body(body, Path("x.md"), 10)
    assert caught.value.line == 15
    assert "audience" in caught.value.message


def test_well_formed_marks_and_plain_headings_still_parse() -> None:
    assert section_heading("## عنوان {audiences=full, executive}", Path("x"), 1) == (
        "عنوان",
        "full, executive",
    )
    assert section_heading("## عنوان ##", Path("x"), 1) == ("عنوان", None)
    assert section_heading("## C# {x}", Path("x"), 1) == ("C# {x}", None)
    assert section_heading("### فرعي", Path("x"), 1) is None


def test_footnote_calls_are_recognised_in_text_only() -> None:
    body = (
        'نص[^1] و![صورة [^1]](a.png) و<img alt="[^1]" src="b.png"> '
        "و[رابط](https://example.org/[^1])\n\n[^1]: نص الحاشية.\n"
    )
    out = parse_body(body, Path("x.md"), 1).intro
    assert out.count('<span class="footnote">') == 1
    assert 'alt="[^1]"' in out and 'href="https://example.org/[^1]"' in out


def _steps(func, text: str) -> float:
    """CPU time of 20 × ``func(text)``, best of five (one run's ratio, no absolute threshold)."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(20):
            func(text)
        best = min(best, time.process_time() - started)
    return max(best, 1e-6)


@pytest.mark.parametrize(
    "make, parse",
    [
        (lambda n: "## أ" + " " * n + "x", lambda t: section_heading(t, Path("x"), 1)),
        (lambda n: "## أ {" + " " * n + "audiences=full", lambda t: _quiet(section_heading, t)),
        (lambda n: ("- " * 30 + "أ " * n + "\n") * 4, lambda t: _quiet(check_bounds, t)),
        (
            lambda n: "---\n" + "k: [" + ", ".join(["&a x"] + ["*a"] * (n // 16)) + "]\n---\n",
            lambda t: _quiet(split_front_matter, t),
        ),
    ],
)
def test_parsing_grows_linearly(make, parse) -> None:
    """16× the input may cost at most 16 × 8 the time (the old heading regex: 16³ ≈ 4,000×);
    a ratio of CPU times in one run, not a wall-clock threshold."""
    small, large = make(100), make(100 * 16)
    ratio = _steps(parse, large) / _steps(parse, small)
    assert ratio < 16 * 8, ratio


def _quiet(func, text: str) -> None:  # type: ignore[no-untyped-def]
    try:
        if func is section_heading:
            func(text, Path("x"), 1)
        elif func is split_front_matter:
            func(Path("x"), text)
        else:
            func(text, Path("x"), 1)
    except BriefError:
        pass


def test_serve_host_check_is_exact_and_idle_connections_are_dropped(project: Path) -> None:
    write_brief(project, "a.md", brief())
    with PreviewServer(project, host="127.0.0.1", port=0, read_timeout=0.5) as preview:
        port = preview.httpd.server_address[1]

        def status(host: str) -> int:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                conn.sendall(
                    f"GET /_version HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
                )
                return int(conn.recv(100).split()[1])

        assert status(f"127.0.0.1:{port}") == 200
        assert status(f"localhost:{port}") == 200
        for host in (
            f"127.0.0.1:{port}@evil.com",
            "127.0.0.1",
            f"evil.com:{port}",
            f"127.0.0.1:{port}.evil.com",
            f"localhost:{port + 1}",
        ):
            assert status(host) == 403, host
        idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(40)]
        for conn in idle:  # each silent connection is closed by the server (EOF), none hangs
            assert conn.recv(100) == b""
            conn.close()
        assert status(f"127.0.0.1:{port}") == 200


def test_data_image_is_judged_by_its_bytes(project: Path) -> None:
    import base64

    svg = base64.b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
        b'<rect width="9" height="9"/></svg>'
    ).decode()
    write_brief(
        project,
        "a.md",
        brief("audiences: [full]\n", f"\n## ق\n\n![شكل](data:image/png;base64,{svg})\n"),
    )
    report = build(load_config(project))
    [result] = report.results
    assert result.status == "failed"
    assert "declared image/png, but its bytes are an SVG document" in str(result.error)


def test_long_messages_are_capped_unless_verbose() -> None:
    from briefing import errors

    error = BriefError(Path("x.md"), "x" * 10_000, 3)
    assert len(str(error)) < 700 and "--verbose" in str(error)
    errors.VERBOSE = True
    try:
        assert len(str(error)) > 10_000
    finally:
        errors.VERBOSE = False
    assert str(BriefError(Path("a\tb\u202e.md"), "m")) == "a\\u0009b\\u202e.md: m"


def test_hidden_characters_in_titles_are_reported(project: Path, caplog) -> None:
    write_brief(project, "a.md", "---\ntitle: عنوان \u202eمقلوب\ndate: 2025-01-01\n---\n\nنص.\n")
    _, _, errs = check_all(load_config(project))
    assert not errs
    assert (
        f"{project / 'content' / 'a.md'}:2: title contains the invisible character U+202E"
        in caplog.text
    )


def test_swallowed_nested_list_is_warned(project: Path, caplog) -> None:
    write_brief(
        project,
        "a.md",
        "---\ntitle: ع\ndate: 2025-01-01\nkey_points:\n  - أولى\n    - فرعية\n---\n\nنص.\n",
    )
    check_all(load_config(project))
    assert (
        f"{project / 'content' / 'a.md'}:6: this line became part of the list item above"
        in caplog.text
    )


def test_watch_ignores_editor_scratch_files() -> None:
    from briefing.commands.watch import is_scratch_file

    for name in (
        "sedC30Jds",
        ".index.md.swp",
        "index.md~",
        "#index.md#",
        ".#index.md",
        "4913",
        ".x.pdf.tmp",
        "index.md.bak",
        "a.kate-swp",
        "goutputstream-ABC123",
    ):
        assert is_scratch_file(name), name
    for name in ("index.md", "chart.png", "brief.css", "sedan.md", "x.md"):
        assert not is_scratch_file(name), name


def test_safe_names_refuse_every_escape() -> None:
    from briefing.content.discovery import slug_problem

    for slug in (
        "",
        ".",
        "..",
        "...",
        ".hidden",
        "a/b",
        "a\\b",
        "a\nb",
        "manifest.json",
        "_fonts",
        "a\u2066b",
    ):
        assert slug_problem(slug), slug
    assert slug_problem("أمن-الطاقة 2025") is None


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("bomb.png", None, "pixels; the limit is 1,000,000 (limits.max_image_pixels)"),
        ("text.png", "ليست صورة".encode(), "declared image/png, but its bytes are not an image"),
        (
            "fake.jpg",
            b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            "declared image/jpeg, but its bytes are image/png",
        ),
        (
            "entities.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "entity expansion refused",
        ),
    ],
)
def test_image_failures_say_why(project: Path, name: str, data: bytes | None, reason: str) -> None:
    from PIL import Image

    folder = project / "content" / "b"
    folder.mkdir(parents=True)
    if data is None:
        Image.new("1", (2000, 2000)).save(folder / name)  # 4 Mpx, a few KB on disk
    else:
        (folder / name).write_bytes(data)
    write_brief(project, "b/index.md", brief("audiences: [full]\n", f"\n## ق\n\n![صورة]({name})\n"))
    (project / "briefing.toml").write_text(
        "[limits]\nmax_image_pixels = 1000000\n", encoding="utf-8"
    )
    [result] = build(load_config(project), jobs=1).results
    assert result.status == "failed"
    assert name in str(result.error) and reason in str(result.error), str(result.error)
