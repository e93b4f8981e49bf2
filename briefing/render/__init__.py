"""Stage 4 — render: a validated brief + an audience → one HTML document (Jinja2).

* :mod:`briefing.render.environment` — one Jinja environment per audience: the template
  override chain, the filters, the record of templates used;
* :mod:`briefing.render.context` — the variables every template sees of one
  :class:`~briefing.content.brief.Brief`;
* :mod:`briefing.render.notes` — each footnote through the theme's ``partials/footnote.html``;
* :mod:`briefing.render.digits` — the finished HTML's numbers in the edition's digits;
* :mod:`briefing.render.visible` — the text a reader should get back from the PDF.

Numbers and dates are written by :mod:`briefing.i18n` (re-exported here as the templates'
filters know them).
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from briefing.config import Config
from briefing.content.brief import Brief
from briefing.errors import BriefError
from briefing.i18n import arabic_date, english_date, hijri_date, number
from briefing.render.context import NumberedSection, context
from briefing.render.digits import apply as apply_digits
from briefing.render.environment import css_string, make_environment
from briefing.render.notes import render_notes
from briefing.render.visible import visible_blocks, visible_text

__all__ = [
    "NumberedSection",
    "arabic_date",
    "context",
    "css_string",
    "english_date",
    "hijri_date",
    "make_environment",
    "number",
    "render_html",
    "visible_blocks",
    "visible_text",
]


def render_html(
    brief: Brief, config: Config, audience: str, env: jinja2.Environment | None = None
) -> str:
    """Render one edition of one brief to an HTML string."""
    env = env or make_environment(config, audience)
    template_name = config.audiences[audience].template
    try:
        template = env.get_template(template_name)
        html = render_notes(template.render(context(brief, config, audience)), brief, env)
        aud = config.audiences[audience]
        return apply_digits(html, aud.digits) if aud.lang == "ar" else html
    except jinja2.TemplateSyntaxError as exc:
        raise BriefError(
            exc.filename or exc.name or template_name,
            f"template syntax error: {exc.message}",
            exc.lineno,
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise BriefError(
            Path(template_name),
            f"template not found: {exc.name} "
            f"(searched {', '.join(map(str, config.template_dirs(audience)))})",
        ) from exc
    except jinja2.UndefinedError as exc:
        raise BriefError(
            brief.source.path, f"template error in edition '{audience}': {exc.message}"
        ) from exc
