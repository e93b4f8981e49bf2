"""`briefing serve` in a real headless browser: Debian's chromium driven by Playwright.

Start the preview on a free port, open an edition, save the brief and watch the page reload by
itself; break the front matter and see ``path:line: message`` in the page while the server keeps
answering; fix it and see the brief come back; fetch the PDF; try to read files outside the
brief's folder and the fonts.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.commands.serve import PreviewServer

from .conftest import MINIMAL, write_brief

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
    """The watcher thread starts asynchronously: poke the content folder until it sees it."""
    deadline = time.monotonic() + 10
    start = preview.version
    n = 0
    while preview.version == start:
        assert time.monotonic() < deadline, "the watcher never reported a change"
        (project / "content" / "warm-up.txt").write_text(str(n), encoding="utf-8")
        n += 1
        time.sleep(0.3)


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

            # The index links to the edition.
            page.goto(f"{base}/")
            page.get_by_role("link", name="التحليل الكامل").click()
            expect(page.locator("h1.house")).to_have_text(f"{TITLE} (ب)")
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
