"""SandboxFetcher: what WeasyPrint may read while rendering an untrusted brief.

Every attack is rendered through real WeasyPrint with ``uncompressed_pdf=True`` and checked
with byte oracles that would fire if the resource had been fetched:

* a text file referenced by ``<link rel=attachment>`` / ``<a rel=attachment>`` would be
  embedded verbatim (its marker appears in the PDF bytes);
* a stylesheet carries ``bookmark-label: "<marker>"`` (an ASCII outline title, verbatim);
* an image would add an image XObject (``/Subtype /Image``).

``test_oracles_detect_leaks_without_the_sandbox`` renders the same documents with
WeasyPrint's own fetcher and shows the markers *do* land there, so these tests fail when
the protection is removed.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import markdown
import pytest
from PIL import Image
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from briefing.content.markdown.sanitize import clean_html, find_disallowed
from briefing.errors import BriefError
from briefing.pdf.fetch import FatalRefusal, RefusedResource, SandboxFetcher

REPO = Path(__file__).resolve().parent.parent
FONTS = REPO / "fonts"
AMIRI = FONTS / "Amiri-Regular.ttf"
SECRET = b"SECRET-7f3a9c-DO-NOT-LEAK"
SECRET_CSS = "SECRETCSS-7f3a9c"
INSIDE = b"INSIDE-51be02-SERVED"
INSIDE_CSS = "INSIDECSS-51be02"
IMAGE_XOBJECT = b"/Subtype /Image"


def png_bytes(colour=(200, 0, 0)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # urllib's ProxyHandler reads these when a fetcher is built; a proxy would swallow
    # requests meant for the local test server.
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def site(tmp_path):
    """A brief folder (a root) with good files and symlinks out; secrets outside all roots."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (outside / "secret.css").write_text(f'h1 {{ bookmark-label: "{SECRET_CSS}" }}')
    (outside / "secret.png").write_bytes(png_bytes())
    brief_dir = tmp_path / "project" / "content" / "brief"
    brief_dir.mkdir(parents=True)
    (brief_dir / "index.md").write_text("---\ntitle: t\ndate: 2025-01-01\n---\n")
    (brief_dir / "inside.txt").write_bytes(INSIDE)
    (brief_dir / "inside.css").write_text(f'h1 {{ bookmark-label: "{INSIDE_CSS}" }}')
    (brief_dir / "inside.png").write_bytes(png_bytes((0, 0, 200)))
    for name in ("secret.txt", "secret.css", "secret.png"):
        (brief_dir / f"link-{name}").symlink_to(outside / name)
    (brief_dir / "linkdir").symlink_to(outside, target_is_directory=True)
    return brief_dir, outside


def fetcher_for(brief_dir: Path, **kwargs) -> SandboxFetcher:
    return SandboxFetcher(roots=[FONTS, brief_dir], brief=brief_dir / "index.md", **kwargs)


def render(html: str, brief_dir: Path, fetcher) -> bytes:
    return HTML(string=html, base_url=str(brief_dir), url_fetcher=fetcher).write_pdf(
        uncompressed_pdf=True
    )


def attack_document(ref: str, ext_css: str | None = None, ext_png: str | None = None) -> str:
    """``ref`` points at secret.txt; the .css/.png twins are found by swapping the suffix."""
    css = ext_css or ref.replace(".txt", ".css")
    png = ext_png or ref.replace(".txt", ".png")
    return f"""<!doctype html><html><head>
<link rel="attachment" href="{ref}">
<link rel="stylesheet" href="{css}">
<style>@import url("{css}"); .b {{ background: url("{png}") }}</style>
</head><body><h1>title</h1>
<p><a rel="attachment" href="{ref}">attached</a></p>
<p><img src="{png}" alt=""><span class="b">x</span></p>
</body></html>"""


def assert_no_leak(pdf: bytes) -> None:
    assert SECRET not in pdf
    assert SECRET_CSS.encode() not in pdf
    assert IMAGE_XOBJECT not in pdf
    assert b"/EmbeddedFile" not in pdf


def escape_refs(brief_dir: Path, outside: Path) -> dict[str, str]:
    return {
        "file-url": (outside / "secret.txt").as_uri(),
        "absolute-path": str(outside / "secret.txt"),
        "dotdot-escape": "../../../outside/secret.txt",
        "encoded-dotdot": "..%2F..%2F..%2Foutside/secret.txt",
        "symlink-file": "link-secret.txt",
        "symlink-dir": "linkdir/secret.txt",
    }


# -- files outside the roots -------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    ["file-url", "absolute-path", "dotdot-escape", "encoded-dotdot", "symlink-file", "symlink-dir"],
)
def test_files_outside_roots_are_refused_and_never_reach_the_pdf(site, kind):
    brief_dir, outside = site
    ref = escape_refs(brief_dir, outside)[kind]
    fetcher = fetcher_for(brief_dir)
    pdf = render(attack_document(ref), brief_dir, fetcher)
    assert_no_leak(pdf)
    assert fetcher.served == []
    assert fetcher.refusals, "refusal not recorded"
    assert all(
        "outside the allowed folders" in r.reason or "not found" in r.reason
        for r in fetcher.refusals
    )


def test_etc_passwd_is_refused(site):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir)
    pdf = render(
        '<link rel="attachment" href="file:///etc/passwd">'
        '<img src="file:///etc/passwd"><a rel="attachment" href="/etc/passwd">x</a>',
        brief_dir,
        fetcher,
    )
    assert b"root:" not in pdf and b"/EmbeddedFile" not in pdf
    assert fetcher.refused == ["file:///etc/passwd"] * 3


def test_oracles_detect_leaks_without_the_sandbox(site):
    """Control: WeasyPrint's own fetcher leaks every one of these; the oracles see it."""
    brief_dir, outside = site
    for kind, ref in escape_refs(brief_dir, outside).items():
        if kind == "encoded-dotdot":
            continue  # a literal "..%2F" file name: not an escape for urllib either
        pdf = render(attack_document(ref), brief_dir, URLFetcher())
        assert SECRET in pdf, kind
        assert SECRET_CSS.encode() in pdf, kind
        assert IMAGE_XOBJECT in pdf, kind


def test_allowed_files_inside_roots_are_served(site):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir)
    html = (
        attack_document("inside.txt")
        + f"""
<style>@font-face {{ font-family: BriefTestFace; src: url("{AMIRI.as_uri()}") }}
p {{ font-family: BriefTestFace }}</style><p>نص عربي</p>"""
    )
    pdf = render(html, brief_dir, fetcher)
    assert INSIDE in pdf
    assert INSIDE_CSS.encode() in pdf
    assert IMAGE_XOBJECT in pdf
    assert fetcher.refusals == []
    assert AMIRI.as_uri() in fetcher.served
    assert (brief_dir / "inside.png").as_uri() in fetcher.served
    assert b"/FontFile" in pdf


def test_symlink_inside_roots_to_inside_roots_is_served(site):
    brief_dir, _ = site
    (brief_dir / "alias.png").symlink_to(brief_dir / "inside.png")
    fetcher = fetcher_for(brief_dir)
    pdf = render('<img src="alias.png">', brief_dir, fetcher)
    assert IMAGE_XOBJECT in pdf and fetcher.refusals == []


def test_missing_file_is_reported(site):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir)
    render('<img src="nope.png">', brief_dir, fetcher)
    assert [r.reason for r in fetcher.refusals] == ["file not found"]


def test_oversize_file_is_refused(site):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir, max_bytes=len(INSIDE) - 1)
    pdf = render('<link rel="attachment" href="inside.txt">', brief_dir, fetcher)
    assert INSIDE not in pdf and b"/EmbeddedFile" not in pdf
    assert f"larger than {len(INSIDE) - 1} bytes" in fetcher.refusals[0].reason
    fetcher = fetcher_for(brief_dir, max_bytes=len(INSIDE))  # the limit is inclusive
    assert INSIDE in render('<link rel="attachment" href="inside.txt">', brief_dir, fetcher)


def test_directory_is_refused(site):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir)
    with pytest.raises(RefusedResource, match="not a regular file"):
        fetcher.fetch(brief_dir.as_uri() + "/")


# -- devices and FIFOs: must return at once ---------------------------------------------


def _in_thread(function, timeout=10.0):
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as exception:
            outcome["error"] = exception

    thread = threading.Thread(target=run, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(timeout)
    return thread.is_alive(), time.monotonic() - start, outcome


def test_dev_urandom_is_refused_quickly(site):
    brief_dir, _ = site
    (brief_dir / "random.png").symlink_to("/dev/urandom")
    fetcher = fetcher_for(brief_dir)
    html = (
        '<img src="file:///dev/urandom"><img src="/dev/urandom"><img src="random.png">'
        '<link rel="stylesheet" href="/dev/urandom">'
    )
    hung, elapsed, outcome = _in_thread(lambda: render(html, brief_dir, fetcher))
    assert not hung and elapsed < 5, "render of /dev/urandom did not return"
    assert "error" not in outcome
    # WeasyPrint caches images per URL: the two <img> of /dev/urandom ask once.
    assert set(fetcher.refused) == {"file:///dev/urandom", (brief_dir / "random.png").as_uri()}
    assert {r.reason for r in fetcher.refusals} == {"outside the allowed folders"}


def test_fifo_inside_roots_does_not_block(site):
    brief_dir, _ = site
    fifo = brief_dir / "pipe.png"
    os.mkfifo(fifo)
    fetcher = fetcher_for(brief_dir)
    try:
        hung, _, outcome = _in_thread(lambda: fetcher.fetch(fifo.as_uri()), timeout=5)
    finally:
        # Unblock a reader stuck in open() if the protection is gone.
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK) if hung else None
        if fd is not None:
            os.close(fd)
    assert not hung, "opening a FIFO blocked"
    assert isinstance(outcome.get("error"), RefusedResource)
    assert fetcher.refusals[0].reason == "not a regular file"


# -- data: URLs ----------------------------------------------------------------------------


def test_data_urls_are_capped(site):
    brief_dir, _ = site
    small = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    padded = png_bytes() + b"\0" * (1001 - len(png_bytes()))  # one byte over the cap
    big = "data:image/png;base64," + base64.b64encode(padded).decode()
    fetcher = fetcher_for(brief_dir, data_cap=1000)
    pdf = render(f'<img src="{big}">', brief_dir, fetcher)
    assert IMAGE_XOBJECT not in pdf
    assert len(fetcher.refusals) == 1 and "larger than 1000" in fetcher.refusals[0].reason
    assert len(fetcher.refusals[0].url) < 200  # shortened in messages
    pdf = render(f'<img src="{small}">', brief_dir, fetcher)
    assert IMAGE_XOBJECT in pdf and len(fetcher.refusals) == 1


def test_data_cap_is_inclusive(site):
    fetcher = fetcher_for(site[0], data_cap=1000)
    assert fetcher.fetch("data:text/plain," + "%41" * 1000).read() == b"A" * 1000
    with pytest.raises(RefusedResource):
        fetcher.fetch("data:text/plain," + "%41" * 1001)


def test_huge_data_url_is_refused_before_decoding(site):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir, data_cap=10)
    with pytest.raises(RefusedResource, match="larger than 10"):
        fetcher.fetch("data:text/plain," + "%41" * 10_000)


# -- other schemes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
        "gopher://127.0.0.1/",
        "jar:file:///x!/y",
        "file://evil.example/etc/passwd",
        "file:///tmp/%00x",
    ],
)
def test_other_schemes_and_hosts_are_refused(site, url):
    fetcher = fetcher_for(site[0])
    with pytest.raises(RefusedResource):
        fetcher.fetch(url)
    assert fetcher.refused


def test_file_url_naming_another_host_is_refused_even_for_an_inside_path(site):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir)
    with pytest.raises(RefusedResource, match="another host"):
        fetcher.fetch("file://files.example" + (brief_dir / "inside.txt").as_uri()[7:])


# -- remote URLs ---------------------------------------------------------------------------


class _Server:
    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server.requests.append((self.headers.get("Host", ""), self.path))
                port = server.port
                redirects = {
                    "/ok/redir-same": "/ok/img.png",
                    "/ok/redir-out": "/private/secret",
                    "/ok/redir-host": f"http://localhost:{port}/ok/img.png",
                    "/ok/redir-file": "file:///etc/passwd",
                }
                if self.path in redirects:
                    self.send_response(302)
                    self.send_header("Location", redirects[self.path])
                    self.end_headers()
                    return
                if self.path == "/ok/img.png":
                    body, kind = png_bytes(), "image/png"
                    self.send_response(200)
                elif self.path == "/ok/gzip":
                    body, kind = gzip.compress(b"\0" * 100_000), "image/png"
                    self.send_response(200)
                    self.send_header("Content-Encoding", "gzip")
                elif self.path == "/ok/big":
                    body, kind = b"\0" * 5000, "image/png"
                    self.send_response(200)
                else:
                    body, kind = SECRET, "text/plain"
                    self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def _shared_server():
    server = _Server()
    yield server
    server.close()


@pytest.fixture
def server(_shared_server):
    _shared_server.requests.clear()
    return _shared_server


def remote_document(base: str) -> str:
    return f"""<!doctype html><html><head>
<link rel="stylesheet" href="{base}/link.css">
<link rel="attachment" href="{base}/attach.txt">
<style>
@import url("{base}/import.css");
@font-face {{ font-family: Remote; src: url("{base}/font.ttf") }}
body {{ font-family: Remote; background: url("{base}/bg.png") }}
</style></head><body><h1>x</h1>
<img src="{base}/img.png"><a rel="attachment" href="{base}/a.txt">a</a>
<svg width="10" height="10"><image href="{base}/svg.png" width="10" height="10"/></svg>
<img src="http://localhost:{base.rsplit(":", 1)[1]}/byname.png">
</body></html>"""


def test_local_http_server_sees_no_request(site, server):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir)
    pdf = render(remote_document(server.base), brief_dir, fetcher)
    assert server.requests == []
    assert SECRET not in pdf
    refused = set(fetcher.refused)
    for name in (
        "link.css",
        "attach.txt",
        "import.css",
        "font.ttf",
        "bg.png",
        "img.png",
        "a.txt",
        "svg.png",
    ):
        assert f"{server.base}/{name}" in refused, name
    assert {r.reason for r in fetcher.refusals} == {"remote URL not in allow_remote"}


def test_local_http_server_is_reached_without_the_sandbox(site, server):
    """Control: the same document makes WeasyPrint's own fetcher hit the server."""
    brief_dir, _ = site
    render(remote_document(server.base), brief_dir, URLFetcher())
    paths = {path for _, path in server.requests}
    assert {"/link.css", "/import.css", "/font.ttf", "/img.png", "/svg.png"} <= paths


def test_allow_list_serves_only_matching_prefix(site, server):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir, allow_remote=[f"{server.base}/ok/"])
    pdf = render(f'<img src="{server.base}/ok/img.png">', brief_dir, fetcher)
    assert IMAGE_XOBJECT in pdf and fetcher.refusals == []
    assert server.requests == [(f"127.0.0.1:{server.port}", "/ok/img.png")]
    server.requests.clear()
    for url in (
        f"{server.base}/okay/img.png",
        f"{server.base}/ok/../private/x",
        f"{server.base}/ok/%2e%2e/private/x",
        f"http://localhost:{server.port}/ok/x",
        f"https://127.0.0.1:{server.port}/ok/x",
        f"http://user@127.0.0.1:{server.port}/ok/x",
        f"http://127.0.0.1:{server.port}@evil.example/ok/x",
    ):
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)
    assert server.requests == []


def test_redirects_leave_neither_origin_nor_allow_list(site, server):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir, allow_remote=[f"{server.base}/ok/"])
    response = fetcher.fetch(f"{server.base}/ok/redir-same")
    assert response.read() == png_bytes()
    for name in ("redir-out", "redir-host", "redir-file"):
        with pytest.raises(RefusedResource, match="redirect to a URL not allowed"):
            fetcher.fetch(f"{server.base}/ok/{name}")
    paths = [path for _, path in server.requests]
    assert "/private/secret" not in paths
    assert all(host == f"127.0.0.1:{server.port}" for host, _ in server.requests)


def test_unexpected_errors_are_recorded_too(site):
    # A file that opens and passes every check but fails when read: /proc/self/mem is a
    # "regular file" whose first page is unmapped (EIO). A disk error would look the same.
    fetcher = SandboxFetcher(roots=[Path("/proc/self")], brief=site[0] / "index.md")
    with pytest.raises(RefusedResource, match="Input/output error"):
        fetcher.fetch(Path("/proc/self/mem").as_uri())
    assert fetcher.refusals[0].reason == "error: OSError: [Errno 5] Input/output error"


def test_remote_size_and_encoding_caps(site, server):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir, allow_remote=[f"{server.base}/ok/"], max_bytes=1000)
    with pytest.raises(RefusedResource, match="larger than 1000"):
        fetcher.fetch(f"{server.base}/ok/big")
    with pytest.raises(RefusedResource, match="compressed"):
        fetcher.fetch(f"{server.base}/ok/gzip")


def test_filesystem_root_is_not_accepted_as_a_root(site):
    with pytest.raises(ValueError):
        SandboxFetcher(roots=[Path("/")], brief=site[0] / "index.md")


def test_allow_remote_entries_are_validated(site):
    for bad in ("127.0.0.1", "file:///etc/", "ftp://h/", "http://u@h/"):
        with pytest.raises(ValueError):
            fetcher_for(site[0], allow_remote=[bad])


# -- reporting -----------------------------------------------------------------------------


def test_refusals_become_a_brief_error_naming_brief_and_url(site):
    brief_dir, outside = site
    fetcher = fetcher_for(brief_dir)
    render(
        '<img src="../../../outside/secret.png"><img src="file:///etc/passwd">', brief_dir, fetcher
    )
    with pytest.raises(BriefError) as caught:
        fetcher.raise_if_refused()
    text = str(caught.value)
    assert text.startswith(f"{brief_dir / 'index.md'}: refused resource: ")
    assert (outside / "secret.png").as_uri() in text and "file:///etc/passwd" in text
    assert [str(e) for e in fetcher.errors()] == [
        f"{brief_dir / 'index.md'}: refused resource: {(outside / 'secret.png').as_uri()}"
        " (outside the allowed folders)",
        f"{brief_dir / 'index.md'}: refused resource: file:///etc/passwd"
        " (outside the allowed folders)",
    ]
    fetcher_for(brief_dir).raise_if_refused()  # nothing refused: no error


def test_fail_fast_stops_the_render(site):
    brief_dir, _ = site
    fetcher = fetcher_for(brief_dir, fail_fast=True)
    with pytest.raises(FatalRefusal):
        render('<img src="file:///etc/passwd">', brief_dir, fetcher)


# -- the hostile corpus, through Markdown + clean_html + this fetcher ----------------------
# (The lead's end-to-end test runs the same corpus through the whole pipeline.)

HOSTILE_DIR = REPO / "tests" / "hostile"
EXPECTED = {
    name: case
    for name, case in json.loads(
        (HOSTILE_DIR / "expected.json").read_text(encoding="utf-8")
    ).items()
    if not name.startswith("_")
}


@pytest.mark.parametrize(
    "name", sorted(n for n, c in EXPECTED.items() if not c.get("pipeline_only"))
)
def test_hostile_corpus_is_refused_or_removed(tmp_path, server, name):
    case = EXPECTED[name]
    port = str(server.port)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    brief_dir = tmp_path / "content" / "brief"
    brief_dir.mkdir(parents=True)
    source = (HOSTILE_DIR / name).read_text(encoding="utf-8").replace("__PORT__", port)
    (brief_dir / "index.md").write_text(source, encoding="utf-8")
    body = source.split("---\n", 2)[2]

    raw = markdown.markdown(body, extensions=["tables", "sane_lists"])
    removed = find_disallowed(raw)
    for item in case["removed"]:
        assert item in removed, removed
    html = clean_html(raw)
    for text in case["literal"]:
        assert text in html
    for text in case["absent"]:
        assert text not in html

    fetcher = fetcher_for(brief_dir)
    document = f'<html lang="ar" dir="rtl"><body>{html}</body></html>'
    hung, _, outcome = _in_thread(lambda: render(document, brief_dir, fetcher))
    assert not hung and "error" not in outcome
    pdf = outcome["value"]
    assert server.requests == []
    assert SECRET not in pdf and b"root:" not in pdf
    expected = [url.replace("__PORT__", port) for url in case["refused"]]
    for url in expected:
        assert any(url in refused for refused in fetcher.refused), fetcher.refused
    if not expected:
        assert fetcher.refusals == []
    assert fetcher.served == []
