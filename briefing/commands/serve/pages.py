"""The preview's own pages — index, error, PDF frame, toolbar, reload script — rendered from
the template files in ``templates/`` (autoescaped Jinja, as the briefs' are), and the pieces
put into a brief's HTML so it reloads on save."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from briefing.build import plan
from briefing.build.paths import relative
from briefing.config import Config
from briefing.content.brief import Brief
from briefing.errors import BriefError

RETRY_MS = 1000  # how long a page waits to ask /_version again when it could not reach it

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"], default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
)


def csp(nonce: str) -> str:
    """Nothing remote; the one inline script by nonce; inline styles (the theme CSS is inline)."""
    return (
        "default-src 'self'; "
        f"script-src 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )


def render(name: str, **context: object) -> str:
    """One of the preview's pages (``index.html``, ``error.html``, ``pdf.html``), whole.

    ``title``, ``version`` (None: no reload script), ``watch`` (what the script long-polls,
    default :func:`watch_url` of the version), ``nonce`` and ``bare`` are for ``page.html``,
    which they all extend; the rest is the page's own."""
    context.setdefault("bare", False)
    context.setdefault("retry_ms", RETRY_MS)
    version = context.get("version")
    if isinstance(version, int):
        context.setdefault("watch", watch_url(version))
    return _ENV.get_template(name).render(**context)


def watch_url(
    version: int, slug: str | None = None, audience: str | None = None, *, pdf: bool = False
) -> str:
    """What a page showing ``version`` long-polls to know when to reload: ``/_version`` answers
    when the version moves on. A page of one edition names it (so it stays viewed and its PDF
    is made on each save); a PDF page asks to wait until that PDF is made (``wait=pdf``), so it
    reloads when there is something new to show rather than to wait for the render."""
    query: dict[str, str | int] = {"since": version}
    if slug is not None and audience is not None:
        query |= {"slug": slug, "audience": audience}
        if pdf:
            query["wait"] = "pdf"
    return "/_version?" + urlencode(query)


def reload_script(version: int, nonce: str, watch: str) -> Markup:
    """The ``<script>`` that long-polls ``watch`` and reloads the page when the version it
    answers differs from ``version``."""
    return Markup(
        _ENV.get_template("reload.html").render(
            version=version, nonce=nonce, watch=watch, retry_ms=RETRY_MS
        )
    )


def toolbar(
    config: Config, slug: str, audience: str, showing: str, audiences: list[str] | None = None
) -> Markup:
    """The bar at the top of a preview page: index, HTML/PDF, the other audiences."""
    q, a = quote(slug), quote(audience)
    others = [
        {
            "name": name,
            "current": name == audience,
            "href": f"/{q}/{quote(name)}/" if showing == "html" else f"/_pdf/{q}/{quote(name)}",
        }
        for name in audiences or config.audiences
    ]
    return Markup(
        _ENV.get_template("toolbar.html").render(
            showing=showing, html_href=f"/{q}/{a}/", pdf_href=f"/_pdf/{q}/{a}", others=others
        )
    )


def inject(text: str, script: str, bar: str) -> str:
    """The reload script into ``<head>``, the toolbar at the start of ``<body>``."""
    script, bar = str(script), str(bar)  # plain strings: Markup + str would escape the page
    head = re.search(r"</head\s*>", text, re.IGNORECASE)
    text = text[: head.start()] + script + text[head.start() :] if head else script + text
    body = re.search(r"<body\b[^>]*>", text, re.IGNORECASE)
    return text[: body.end()] + bar + text[body.end() :] if body else text + bar


def editions(brief: Brief, config: Config) -> list[str]:
    """The audiences this brief has an edition in (all of them when it cannot be planned)."""
    try:
        return [e.audience for e in plan([brief], config, config.output_dir)]
    except BriefError:
        return list(config.audiences)


def message(exc: BriefError, root: Path) -> str:
    """``path:line: message`` with the path relative to the project when it is inside it."""
    if exc.path is None:
        return exc.message
    return str(BriefError(relative(exc.path, root), exc.message, exc.line))
