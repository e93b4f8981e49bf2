"""Project settings: ``briefing.toml`` at the project root, typed and documented per option.

Config is trusted (kept by the publication team), content is not. Every option has a default
(:mod:`~briefing.config.schema`), so a folder with only ``content/`` builds. The four built-in
audiences (``full``, ``executive``, ``public``, ``english``) are in
:data:`~briefing.config.defaults.DEFAULT_AUDIENCES`; a project's ``[audiences.X]`` table
overrides keys of a built-in audience of the same name or adds a new one. Loading
(:mod:`~briefing.config.load`) turns every mistake into an error naming the key and line.

The names below load on first use (:mod:`briefing.lazy`): a render worker needs
:func:`builtin_dir` and not pydantic (0.3 s of its start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefing import lazy

if TYPE_CHECKING:
    from briefing.config.defaults import (
        CONFIG_NAME,
        DEFAULT_AUDIENCES,
        PACKAGE_DIR,
        builtin_dir,
    )
    from briefing.config.load import load_config
    from briefing.config.schema import (
        ALL_PARTS,
        Audience,
        Branding,
        Build,
        Config,
        Limits,
        Palette,
        Part,
        Paths,
        Security,
        default_jobs,
    )

__getattr__ = lazy.exports(__name__, __file__)

__all__ = [
    "ALL_PARTS",
    "CONFIG_NAME",
    "DEFAULT_AUDIENCES",
    "PACKAGE_DIR",
    "Audience",
    "Branding",
    "Build",
    "Config",
    "Limits",
    "Palette",
    "Part",
    "Paths",
    "Security",
    "builtin_dir",
    "default_jobs",
    "load_config",
]
