"""Save-to-PDF latency of `briefing watch` and `briefing serve` (used by bench/floor.py).

Each is a real process on a one-brief project. A "save" rewrites the brief's Markdown with new
content (a variant paragraph, so the PDF really changes); the latency is from the moment the
file is written to the moment the new PDF exists: for `watch`, when the output file is
replaced (polled every 5 ms); for `serve`, when a GET of the edition's PDF returns after the
preview's version has moved on. Both include the file watcher's debounce (400 ms in `watch`),
which is part of what a user waits for; the first save after start-up is measured apart.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path


def _save(brief: Path, text: str) -> float:
    tmp = brief.with_name(brief.name + ".saving~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, brief)
    return time.perf_counter()


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def _until(check: Callable[[], bool], limit: float = 120.0, step: float = 0.005) -> None:
    end = time.monotonic() + limit
    while not check():
        if time.monotonic() > end:
            raise TimeoutError("no new PDF within two minutes")
        time.sleep(step)


def watch_latency(
    root: Path,
    brief: Path,
    pdf: Path,
    texts: list[str],
    env: dict[str, str],
    between: Callable[[], object] = lambda: None,
) -> list[float]:
    """Seconds from each save to its PDF, with `briefing watch` running on ``root``;
    ``between`` runs after each (the floor's warm render, so both see the same load)."""
    cmd = [
        sys.executable,
        "-m",
        "briefing",
        "watch",
        "--root",
        str(root),
        "--out",
        str(pdf.parents[1]),
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stdout is not None
        while "built" not in (line := proc.stdout.readline()) and "skipped" not in line:
            if not line:
                raise RuntimeError("briefing watch ended before its first build")
        time.sleep(3)  # its workers warm up after the first build
        times = []
        for text in texts:
            before = _stamp(pdf)
            saved = _save(brief, text)
            _until(lambda before=before: _stamp(pdf) not in (before, None))
            times.append(time.perf_counter() - saved)
            time.sleep(0.5)
            between()
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def serve_latency(
    root: Path,
    brief: Path,
    slug: str,
    texts: list[str],
    env: dict[str, str],
    between: Callable[[], object] = lambda: None,
) -> list[float]:
    """Seconds from each save to the new PDF's bytes, with `briefing serve` running on ``root``:
    the first value is the first preview after start-up (no save); ``between`` as for
    :func:`watch_latency`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "briefing", "serve", "--root", str(root), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=300) as response:
            return response.read()

    try:
        _until(lambda: _answers(get), limit=60, step=0.05)
        started = time.perf_counter()
        get(f"/{slug}/full.pdf")
        times = [time.perf_counter() - started]
        for text in texts:
            version = get("/_version")
            saved = _save(brief, text)
            _until(lambda version=version: get("/_version") != version, step=0.01)
            get(f"/{slug}/full.pdf")
            times.append(time.perf_counter() - saved)
            between()
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answers(get: Callable[[str], bytes]) -> bool:
    try:
        get("/_version")
    except OSError:
        return False
    return True
