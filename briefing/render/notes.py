"""Footnotes as the theme writes them: each note through ``partials/footnote.html``.

The content stage leaves every cited note in the body as the element
:func:`briefing.content.markdown.footnotes.footnote_markup` makes, and lists the notes' HTML in
``Body.notes``. Rendering them through a partial lets a designer change the markup (a class,
a wrapper, a marker) without Python; the default partial writes the same element again.
"""

from __future__ import annotations

import re

import jinja2
from markupsafe import Markup

from briefing.content.brief import Brief
from briefing.content.markdown.footnotes import footnote_markup


def render_notes(html: str, brief: Brief, env: jinja2.Environment) -> str:
    """``html`` with each footnote element replaced by what the theme's partial makes of it.

    The partial is loaded through ``env`` (a tracking environment), so the build cache knows
    the edition depends on it. One pass over the page, and none when the partial changes
    nothing.
    """
    if not brief.body.notes:
        return html
    partial = env.get_template("partials/footnote.html")
    made = {footnote_markup(n): partial.render(note=Markup(n)).strip() for n in brief.body.notes}
    if all(key == value for key, value in made.items()):
        return html
    keys = sorted(made, key=len, reverse=True)
    return re.sub("|".join(map(re.escape, keys)), lambda m: made[m[0]], html)
