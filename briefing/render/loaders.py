"""The override chain of one audience's templates, as a Jinja loader: the project's
``templates/<audience>/``, its ``templates/`` (the house theme), then the built-in theme, with
the ``base/`` and ``theme/`` prefixes (see :mod:`briefing.render.environment`).

Apart from the environment on purpose: the build cache resolves template paths with a loader
alone, so a no-op rebuild imports Jinja and nothing of the rendering (no Babel, no figures).
"""

from __future__ import annotations

from collections.abc import Callable

import jinja2

from briefing.config import Config


def make_loader(config: Config, audience: str) -> ResolvingLoader:
    """The audience's override chain (the module docstring). The build cache resolves template
    paths with it alone: a no-op rebuild needs no environment, filters or figures."""
    dirs = config.template_dirs(audience)
    builtin = jinja2.FileSystemLoader(str(dirs[-1]))
    project = config.root / config.paths.templates
    prefixes: dict[str, jinja2.BaseLoader] = {"base": builtin}
    if project.is_dir():
        prefixes["theme"] = jinja2.FileSystemLoader(str(project))
    return ResolvingLoader(
        jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader([str(d) for d in dirs]), jinja2.PrefixLoader(prefixes)]
        )
    )


class ResolvingLoader(jinja2.BaseLoader):
    """The override chain, plus :meth:`resolve` for the build cache's freshness check."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        if filename is None:
            return source, filename, uptodate

        def unchanged() -> bool:
            # Jinja's own check compares the found file's modification time: it misses an edit
            # within one clock tick and a new override earlier in the chain. An environment
            # kept between builds (kept_environment) must see both, so the name is resolved
            # again and the text compared (a few small files per render).
            try:
                now, now_file, _ = self.inner.get_source(environment, template)
            except jinja2.TemplateNotFound:
                return False
            return (now, now_file) == (source, filename)

        return source, filename, unchanged

    def resolve(self, template: str) -> str | None:
        """The file ``template`` resolves to now (None when it no longer exists)."""
        try:
            # Jinja's file loaders do not use the environment they are given
            return self.inner.get_source(None, template)[1]  # type: ignore[arg-type]
        except jinja2.TemplateNotFound:
            return None
