"""Prime the build process before it forks the barrier's children.

Every barrier child (:mod:`briefing.build.barrier`) is a fork of the build process, so what a
child does the first time — compile the theme's templates, load Babel's locale data, read the
chart font's advance widths, set up Python-Markdown and the sanitiser, import what the pipeline
imports lazily — every child did again, unless this process had done it before forking: about
0.3 s of CPU per brief for the sample briefs, which the renders of a batch then wait for.

So before a build forks more than one child, :func:`prime` reads the package's own skeleton
brief (trusted: shipped with the package, the file ``briefing new`` writes) and writes its HTML
for each audience being built, in this process, with its log silenced; the children start warm.
Priming is only an optimisation: if it fails (a project's broken template, say), the children
meet the same problem with a real brief and report it under that brief's name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
import weakref
from collections.abc import Collection
from pathlib import Path

from jinja2 import Environment

from briefing.build.load import load_brief
from briefing.config import Config
from briefing.config.defaults import SKELETON_DIR
from briefing.render import render_html

#: Environments primed already: kept ones (``watch``, ``serve``) are primed once per process.
_PRIMED: weakref.WeakSet[Environment] = weakref.WeakSet()


def prime(config: Config, environments: dict[str, Environment], audiences: Collection[str]) -> None:
    """Read the skeleton brief and write its HTML for ``audiences``, here (see the module)."""
    audiences = [
        a for a in sorted(set(audiences) & set(environments)) if environments[a] not in _PRIMED
    ]
    if not audiences:
        return
    text = (SKELETON_DIR / "brief.md").read_text(encoding="utf-8")
    text = text.replace("__DATE__", dt.date.today().isoformat())
    logging.disable(logging.CRITICAL)  # the skeleton's own warnings are not the build's
    try:
        with tempfile.TemporaryDirectory(prefix="briefing-prime-") as tmp:
            path = Path(tmp) / "index.md"
            path.write_text(text, encoding="utf-8")
            with contextlib.suppress(Exception):  # left for the children, see the module
                brief = load_brief(path, config)
                for audience in audiences:
                    with contextlib.suppress(Exception):
                        render_html(brief, config, audience, environments[audience])
                    _PRIMED.add(environments[audience])
    finally:
        logging.disable(logging.NOTSET)
