"""The Jinja environment of an edition: filters, tracking, kept between builds; its loader,
the override chain, is :mod:`briefing.render.loaders`.

Template resolution (first match wins): ``templates/<audience>/`` in the project, the project's
``templates/`` (the house theme), then the built-in theme shipped with the package. An override
can extend what it replaces through two prefixes: ``{% extends "base/brief.html" %}`` is always
the built-in template, ``theme/…`` is always the project's house theme.

Autoescape is on and ``StrictUndefined`` makes a typo in a template an error instead of an empty
space on the page. The environment records the templates a render used (the build cache's key).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, MutableMapping
from typing import Any

import jinja2
from markupsafe import Markup

from briefing.config import Config
from briefing.i18n import arabic_date, english_date, hijri_date, number
from briefing.render.loaders import make_loader


def make_environment(config: Config, audience: str) -> jinja2.Environment:
    """One Environment per audience, on its override chain (:func:`make_loader`)."""
    from briefing.figures.templates import register  # the charts' stack: only when rendering

    env = TrackingEnvironment(
        loader=make_loader(config, audience),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    digits = config.audiences[audience].digits
    env.filters["num"] = lambda v, group=True: number(v, digits, group=group)
    env.filters["arabic_date"] = lambda d: arabic_date(d, digits)
    env.filters["hijri_date"] = lambda d: hijri_date(d, digits)
    env.filters["english_date"] = english_date
    env.filters["css_string"] = css_string
    register(env)
    return env


#: At most this many kept environments (a process building many projects, as the tests do,
#: keeps the latest ones).
_KEEP = 16
_KEPT: OrderedDict[tuple[str, ...], jinja2.Environment] = OrderedDict()


def kept_environment(config: Config, audience: str) -> jinja2.Environment:
    """:func:`make_environment`, kept for as long as this process runs, so the templates a
    build compiled stay compiled for the next build of ``watch`` or ``serve`` (and for the
    barrier's children, which inherit them). Keyed by what an environment is made of: its
    template folders, the project's own (the ``theme/`` prefix; not always among the folders,
    which leave out one that is the built-in theme itself) and its digits; a template edited
    since is read again (:meth:`~briefing.render.loaders.ResolvingLoader.get_source`)."""
    dirs = [str(d) for d in config.template_dirs(audience)]
    key = (*dirs, str(config.root / config.paths.templates), config.audiences[audience].digits)
    env = _KEPT.pop(key, None) or make_environment(config, audience)
    _KEPT[key] = env  # the most recently used last
    while len(_KEPT) > _KEEP:
        _KEPT.popitem(last=False)
    return env


class TrackingEnvironment(jinja2.Environment):
    """Records which templates a render used: the build cache depends on exactly those.

    ``{% extends %}``, ``{% include %}`` and the figures stage go through ``get_template``;
    a list of names (``{% include ['house/x.html', 'base/x.html'] %}``) goes through
    ``select_template``, which loads without it: both record, keeping Jinja's cache. For a list,
    the names tried before the one found are recorded as missing (an empty file name), and so
    is a name not found at all (``ignore missing``): making one of them later changes what the
    render uses.
    """

    used: dict[str, str]

    def get_template(
        self,
        name: str | jinja2.Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        try:
            template = super().get_template(name, parent, globals)
        except jinja2.TemplateNotFound:
            self._missing([name], parent, None)  # ``{% include 'x' ignore missing %}``
            raise
        self._record(template.name or str(name), template.filename or "")
        return template

    def select_template(
        self,
        names: Iterable[str | jinja2.Template],
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        names = list(names)
        try:
            template = super().select_template(names, parent, globals)
        except jinja2.TemplatesNotFound:
            self._missing(names, parent, None)
            raise
        self._missing(names, parent, template)
        self._record(template.name or "", template.filename or "")
        return template

    def _missing(
        self,
        names: list[str | jinja2.Template],
        parent: str | None,
        found: jinja2.Template | None,
    ) -> None:
        """Record the names of a list tried before ``found`` (all of them when none was)."""
        for name in names:
            if isinstance(name, jinja2.Template):
                return  # Jinja takes a template object as it is: nothing after it is tried
            if not isinstance(name, str):
                continue  # an undefined name, which Jinja skips
            joined = name if parent is None else self.join_path(name, parent)
            if found is not None and joined == found.name:
                return
            self._record(joined, "")

    def _record(self, name: str, filename: str) -> None:
        self.__dict__.setdefault("used", {})[name] = filename


def css_string(value: str) -> Markup:
    """Quote text for a CSS ``content:`` string inside the document's ``<style>``.

    The text can come from a brief (the series or title in the running header), so every ASCII
    character that is not a letter, digit or space is written as a CSS escape: nothing in it can
    end the string, the rule or the ``<style>`` element (``</style>`` would otherwise let content
    inject raw HTML past the sanitiser). Non-ASCII text (Arabic) cannot do either and stays as is.
    """
    escaped = "".join(
        c if c.isalnum() or c == " " or ord(c) > 127 else f"\\{ord(c):x} " for c in value
    )
    return Markup(f'"{escaped}"')
