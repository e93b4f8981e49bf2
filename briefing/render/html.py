"""One edition's HTML: the audience's template rendered with the brief's context, then each
footnote through the theme's partial and the numbers in the edition's digits."""

from __future__ import annotations

from pathlib import Path

import jinja2

from briefing.config import Config
from briefing.content.brief import Brief
from briefing.errors import BriefError
from briefing.render.context import context
from briefing.render.digits import apply as apply_digits
from briefing.render.environment import make_environment
from briefing.render.notes import render_notes


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
