"""`briefing serve` in a real headless browser (Debian's chromium driven by Playwright), and
over HTTP.

Start the preview on a free port, open an edition, save the brief and watch the page reload by
itself; break the front matter and see ``path:line: message`` in the page while the server keeps
answering; fix it and see the brief come back; fetch the PDF; try to read files outside the
brief's folder and the fonts. After a save, the PDFs of the editions just viewed are made
without being asked for, most recently viewed first, each once per version, and a PDF page is
told to reload only once its PDF (or its error) exists: observed through the server's record of
what it made (:attr:`PreviewServer.made`) and the PDFs' text.
"""

from __future__ import annotations

import http.client
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefing.commands.serve import PreviewServer

from .conftest import MINIMAL, write_brief
from .helpers import pdfium_text

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
TITLE = "عنوان تجريبي"
NEW_TITLE = "عنوان بعد الحفظ"
LAST_TITLE = "عنوان بعد الحفظ الثاني"
BROKEN = "---\ntitle: عنوان\ndate: 2025-01-01\nkeyword: y\n---\n\nنص.\n"


@pytest.fixture
def server(project: Path) -> Iterator[PreviewServer]:
    write_brief(project, "demo/index.md", MINIMAL)
    (project / "content" / "demo" / "pic.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>', encoding="utf-8"
    )
    with PreviewServer(project, host="127.0.0.1", port=0) as preview:
        _wait_until_watching(preview, project)
        yield preview


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _raw_status(preview: PreviewServer, path: str, host: str = "127.0.0.1") -> int:
    """GET ``path`` exactly as written (urllib and browsers would normalise ``..`` away)."""
    conn = http.client.HTTPConnection(*preview.httpd.server_address[:2], timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _wait_until_watching(preview: PreviewServer, project: Path) -> None:
    """The watcher thread starts asynchronously: poke the content folder until it sees it.

    (A new poke only after a long-poll's worth of seconds, far longer than the watcher takes to
    report one, so no earlier poke moves the version again after this returns.)"""
    start = preview.version
    for n in range(8):
        (project / "content" / "warm-up.txt").write_text(str(n), encoding="utf-8")
        if preview.wait(start) != start:
            return
    raise AssertionError("the watcher never reported a change")


def _until(check: Callable[[], bool], limit: float = 60) -> None:
    """Wait for ``check`` (a deadline, so a broken server fails the test instead of hanging)."""
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def _save(brief: Path, text: str) -> None:
    """Save as editors do: a whole new file moved into place (one change, not two)."""
    tmp = brief.parents[2] / "saving~"  # the project root: the watchers ignore this name
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, brief)


def _poll(preview: PreviewServer, since: int, query: str = "") -> int:
    """What a page that shows version ``since`` is told by its long-poll of /_version, once
    the answer differs from ``since``."""
    url = f"{preview.url}_version?since={since}{query}"
    for _ in range(30):
        status, _, body = _get(url)
        assert status == 200, body
        if int(body) != since:
            return int(body)
    raise AssertionError("the version never moved on")


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "got.pdf"
    path.write_bytes(pdf)
    return pdfium_text(path)


def _made(preview: PreviewServer, after: int) -> list[tuple[str, str, int]]:
    return [m for m in preview.made if m[2] > after]


def test_live_preview_in_chromium(server: PreviewServer, project: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.url.rstrip("/")
    brief = project / "content" / "demo" / "index.md"
    with sync_playwright() as pw:
        # No skip: if chromium cannot start here, this test fails with Playwright's message.
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            blocked: list[str] = []
            page.on(
                "console",
                lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
            )
            response = page.goto(f"{base}/demo/full/")
            assert response is not None and response.status == 200
            csp = response.headers["content-security-policy"]
            assert "default-src 'self'" in csp and "script-src 'nonce-" in csp
            expect(page.locator("h1")).to_have_text(TITLE)
            assert page.evaluate("document.fonts.check('16px Amiri')")

            # Save a new title: the page reloads by itself.
            brief.write_text(MINIMAL.replace(TITLE, NEW_TITLE), encoding="utf-8")
            expect(page.locator("h1")).to_have_text(NEW_TITLE, timeout=10_000)

            # Break the front matter: the page shows path:line: message; the server still answers.
            brief.write_text(BROKEN, encoding="utf-8")
            expect(page.locator("pre.error")).to_contain_text(
                "content/demo/index.md:4: unknown key 'keyword'", timeout=10_000
            )
            status, _, body = _get(f"{base}/demo/full/")
            assert status == 500 and "demo/index.md:4: unknown key" in body.decode()
            status, _, body = _get(f"{base}/")
            assert status == 200 and "demo/index.md:4" in body.decode()

            # Fix it: the same page comes back.
            brief.write_text(MINIMAL, encoding="utf-8")
            expect(page.locator("h1")).to_have_text(TITLE, timeout=10_000)

            # Config and templates reload too (the templates folder appears while serving).
            (project / "briefing.toml").write_text(
                '[branding]\norganisation = "مركز التجربة"\n', encoding="utf-8"
            )
            expect(page.locator(".organisation")).to_have_text("مركز التجربة", timeout=10_000)
            cover = project / "templates" / "partials" / "cover.html"
            cover.parent.mkdir(parents=True)
            # (Letters, not digits: an Arabic edition prints a template's digits as ١ ٢.)
            cover.write_text('<h1 class="house">{{ brief.title }} (أ)</h1>', encoding="utf-8")
            expect(page.locator("h1.house")).to_have_text(f"{TITLE} (أ)", timeout=10_000)
            cover.write_text('<h1 class="house">{{ brief.title }} (ب)</h1>', encoding="utf-8")
            expect(page.locator("h1.house")).to_have_text(f"{TITLE} (ب)", timeout=10_000)
            assert not blocked, blocked

            # A PDF page reloads once the PDF for the new version has been made.
            page.goto(f"{base}/_pdf/demo/full")
            frame = page.locator("iframe")
            expect(frame).to_have_attribute("src", re.compile(r"^/demo/full\.pdf\?v=\d+$"))
            old = frame.get_attribute("src")
            _save(brief, MINIMAL.replace(TITLE, NEW_TITLE))
            expect(frame).not_to_have_attribute("src", old, timeout=10_000)
            version = int((frame.get_attribute("src") or "").rsplit("=", 1)[1])
            assert ("demo", "full", version) in server.made
            assert not blocked, blocked

            # The index links to the edition.
            page.goto(f"{base}/")
            page.get_by_role("link", name="التحليل الكامل").click()
            expect(page.locator("h1.house")).to_have_text(f"{NEW_TITLE} (ب)")
        finally:
            browser.close()

    status, headers, pdf = _get(f"{base}/demo/full.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF")


def test_serves_only_the_brief_folder_and_fonts(server: PreviewServer) -> None:
    base = server.url.rstrip("/")
    assert _get(f"{base}/_fonts/Amiri-Regular.ttf")[0] == 200
    status, headers, _ = _get(f"{base}/demo/full/pic.svg")
    assert status == 200 and "sandbox" in headers["Content-Security-Policy"]
    assert _get(f"{base}/demo/full/index.md")[0] == 404  # sources are not resources
    for path in [
        "/../../etc/passwd",
        "/_fonts/../config.py",
        "/_fonts/%2e%2e/config.py",
        "/_fonts/..%2fconfig.py",
        "/demo/full/../../../etc/passwd",
        "/demo/full/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/demo/full//etc/passwd",
        "/etc/passwd",
        "/_fonts/",
        "/_fonts//etc/passwd",
        "/demo/full/..%5c..%5cx",
    ]:
        assert _raw_status(server, path) in (403, 404), path
    # DNS rebinding: a foreign Host header is refused on a loopback-bound server.
    assert _raw_status(server, "/", host="attacker.example:80") == 403
    assert _raw_status(server, "/", host=f"localhost:{server.httpd.server_address[1]}") == 200


def test_a_save_makes_the_viewed_pdf_before_it_is_asked_for(
    server: PreviewServer, project: Path, tmp_path: Path
) -> None:
    base = server.url.rstrip("/")
    brief = project / "content" / "demo" / "index.md"
    status, _, pdf = _get(f"{base}/demo/full.pdf")
    assert status == 200 and TITLE in _text(pdf, tmp_path)

    # a save: the PDF is made without anyone asking for it …
    since = server.version
    _save(brief, MINIMAL.replace(TITLE, NEW_TITLE))
    version = _poll(server, since)
    _until(lambda: ("demo", "full", version) in server.made)
    count = len(server.made)
    # … so asking for it renders nothing more
    status, _, body = _get(f"{base}/demo/full.pdf")
    assert status == 200 and NEW_TITLE in _text(body, tmp_path)
    assert len(server.made) == count, _made(server, since)

    # a PDF page is told to reload only once its PDF, or here its error, has been made
    since = server.version
    _save(brief, BROKEN)
    version = _poll(server, since, "&slug=demo&audience=full&wait=pdf")
    assert ("demo", "full", version) in server.made
    count = len(server.made)
    status, _, body = _get(f"{base}/demo/full.pdf")
    assert status == 500 and "content/demo/index.md:4: unknown key" in body.decode()
    assert "wait=pdf" in body.decode()  # the error page reloads once the fix is made
    assert len(server.made) == count, _made(server, since)


def test_the_edition_viewed_last_is_made_first(server: PreviewServer, project: Path) -> None:
    base = server.url.rstrip("/")
    assert _get(f"{base}/demo/full.pdf")[0] == 200
    assert _get(f"{base}/demo/executive/")[0] == 200  # viewing the HTML page counts too
    since = server.version
    _save(project / "content" / "demo" / "index.md", MINIMAL.replace(TITLE, NEW_TITLE))
    _until(lambda: {"full", "executive"} <= {a for _, a, _ in _made(server, since)})
    made = [(slug, audience) for slug, audience, _ in _made(server, since)]
    assert made[0] == ("demo", "executive"), made
    assert "public" not in {a for _, a in made}  # nobody looked at it


def test_a_pdf_asked_for_while_it_is_made_waits_for_that_render(
    server: PreviewServer, project: Path, tmp_path: Path
) -> None:
    base = server.url.rstrip("/")
    brief = project / "content" / "demo" / "index.md"
    assert _get(f"{base}/demo/full.pdf")[0] == 200
    since = server.version
    _save(brief, MINIMAL.replace(TITLE, NEW_TITLE))
    _poll(server, since)  # answers as the version moves: the render has just been started
    status, _, pdf = _get(f"{base}/demo/full.pdf")
    assert status == 200 and NEW_TITLE in _text(pdf, tmp_path)
    versions = [v for _, audience, v in _made(server, since) if audience == "full"]
    assert versions and len(versions) == len(set(versions)), versions  # once per version

    # two saves in a row: the first one's render is not kept for the second, which has its own
    since = server.version
    _save(brief, MINIMAL.replace(TITLE, NEW_TITLE + " ١"))
    _poll(server, since)
    _save(brief, MINIMAL.replace(TITLE, LAST_TITLE))
    _until(lambda: server.version >= since + 2)
    version = _poll(server, since, "&slug=demo&audience=full&wait=pdf")
    assert ("demo", "full", version) in server.made
    count = len(server.made)
    status, _, pdf = _get(f"{base}/demo/full.pdf")
    assert status == 200 and LAST_TITLE in _text(pdf, tmp_path)
    assert len(server.made) == count
