"""YAML as briefs use it (front matter, figure blocks): bounded, and fast where PyYAML can be.

:func:`check_yaml_shape` refuses YAML too big or too deep before anything composes or expands
it; :func:`load_yaml` then makes the node tree (for the keys' lines) and the values from one
parse, with libyaml when PyYAML is built with it, and PyYAML's own parser for the words of an
error (:func:`briefing.content.source.plain_yaml_error` translates them).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, NoReturn

import yaml

from briefing.content import bounds
from briefing.errors import BriefError


def load_yaml(
    path: Path,
    text: str,
    offset: int = 2,
    what: str = "front matter",
    loaders: tuple[type[Any], type[Any]] | None = None,
) -> tuple[yaml.Node | None, Any]:
    """:func:`check_yaml_shape`, then the node tree (for the keys' lines) and the values made
    from it; raises :class:`yaml.YAMLError` for YAML that is not well formed.

    ``loaders``: (fast, reference), default the front matter's (dates left as strings). The
    fast one is PyYAML's binding of libyaml, when it is built: the Python parser it replaces
    was 0.01 s of every brief's load, a third of it. An error is the reference (Python)
    parser's, whose vocabulary :func:`plain_yaml_error` translates (libyaml's words differ:
    "found character that cannot start any token", without the character); YAML libyaml
    refuses is read again by the reference parser, whose outcome stands, and YAML with a tab
    is read by the reference parser alone (libyaml accepts tabs it refuses).
    """
    fast, reference = loaders or _LOADERS
    # libyaml accepts tabs that PyYAML's parser refuses ("title: x<tab>", "key:<tab>value"):
    # text with a tab goes to the reference parser, so the outcome does not depend on how
    # PyYAML was built
    if fast is not reference and "\t" not in text:
        try:
            check_yaml_shape(path, text, offset, what, fast)
            return _compose_and_load(text, fast)
        except yaml.YAMLError:
            pass  # the reference parser says what is wrong, in words the messages know
    check_yaml_shape(path, text, offset, what, reference)
    return _compose_and_load(text, reference)


def _compose_and_load(yaml_text: str, loader_class: type[Any]) -> tuple[yaml.Node | None, Any]:
    """The node tree and the values made from it: what ``yaml.compose`` and ``yaml.load`` give,
    from one parse instead of two (``yaml.load`` is exactly this)."""
    loader = loader_class(yaml_text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        # merge keys (``<<``) and value keys (``=``) are flattened into the tree they are made
        # from; the checks and the keys' lines read the tree as written
        source = copy.deepcopy(node) if "<<" in yaml_text or "=" in yaml_text else node
        return node, loader.construct_document(source)
    finally:
        loader.dispose()


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings.

    PyYAML's own timestamp parsing raises a bare ValueError for ``2025-02-30`` with no line
    number; the model validates dates instead, with the key's line.
    """


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """:class:`_Loader` on libyaml (PyYAML's C binding), where PyYAML was built with it."""


_Loader.yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
#: (fast, reference) loaders of the front matter: see :func:`load_yaml`.
_LOADERS: tuple[type[Any], type[Any]] = (
    _FastLoader if hasattr(yaml, "CSafeLoader") else _Loader,
    _Loader,
)
#: The same for YAML whose dates are dates (figure blocks).
SAFE_LOADERS: tuple[type[Any], type[Any]] = (
    getattr(yaml, "CSafeLoader", yaml.SafeLoader),
    yaml.SafeLoader,
)


def check_yaml_shape(
    path: Path,
    yaml_text: str,
    offset: int = 2,
    what: str = "front matter",
    loader: type[Any] = _Loader,
) -> None:
    """Refuse front matter too big or too deep *before* it is composed or expanded.

    PyYAML's parser is an iterative state machine (its composer recurses per level, and every
    consumer of the result walks aliases expanded), so one pass over its events counts the
    values after alias expansion — an anchor's expanded size is remembered when it closes — and
    the nesting depth, in time linear in the text.
    """
    shape = _Shape(path, offset, what)
    for event in yaml.parse(yaml_text, Loader=loader):
        shape.see(event)


class _Shape:
    """The running counts behind :func:`check_yaml_shape`, one YAML event at a time."""

    def __init__(self, path: Path, offset: int, what: str) -> None:
        self.path, self.offset, self.what = path, offset, what
        self.limits = bounds.current()
        self.sizes: dict[str, int] = {}  # anchor → number of values it expands to
        self.open: list[tuple[str | None, int, int]] = []  # anchor, count at start, items so far
        self.count = 0

    def fail(self, message: str, line: int) -> NoReturn:
        raise BriefError(self.path, message, line)

    def see(self, event: yaml.Event) -> None:
        mark = event.start_mark
        line = (mark.line if mark else 0) + self.offset  # file line (of the YAML's line 0)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.sizes:
                return  # undefined (or recursive) alias: the composer reports it
            self.count += self.sizes[event.anchor]
            self._item(line)
        elif isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            self.count += 1
            self._item(line)
            if isinstance(event, yaml.ScalarEvent) and event.anchor:
                self.sizes[event.anchor] = 1
        limits = self.limits
        if self.count > limits.max_front_matter_nodes:
            self.fail(
                f"{self.what} has more than {limits.max_front_matter_nodes:,} values once its "
                "aliases (*name) are expanded (limits.max_front_matter_nodes)",
                line,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            self.open.append((event.anchor, self.count - 1, 0))
            if len(self.open) > limits.max_depth:
                self.fail(
                    f"{self.what} is nested more than {limits.max_depth} levels deep "
                    "(limits.max_depth)",
                    line,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            self._close(event, line)

    def _item(self, line: int) -> None:
        """One more value in the innermost open list or mapping."""
        if not self.open:
            return
        anchor, start, items = self.open[-1]
        self.open[-1] = (anchor, start, items + 1)
        if items + 1 > 2 * self.limits.max_list_items:  # a mapping counts keys and values
            self.fail(
                f"more than {self.limits.max_list_items:,} items in one "
                "list or mapping (limits.max_list_items)",
                line,
            )

    def _close(self, event: yaml.CollectionEndEvent, line: int) -> None:
        anchor, start, items = self.open.pop()
        if isinstance(event, yaml.SequenceEndEvent) and items > self.limits.max_list_items:
            self.fail(
                f"a list has {items:,} items; the limit is "
                f"{self.limits.max_list_items:,} (limits.max_list_items)",
                line,
            )
        if anchor:
            self.sizes[anchor] = self.count - start
