"""Project settings: ``briefing.toml`` at the project root, typed and documented per option.

Config is trusted (kept by the publication team), content is not. Every option has a default
(:mod:`~briefing.config.schema`), so a folder with only ``content/`` builds. The four built-in
audiences (``full``, ``executive``, ``public``, ``english``) are in
:data:`~briefing.config.defaults.DEFAULT_AUDIENCES`; a project's ``[audiences.X]`` table
overrides keys of a built-in audience of the same name or adds a new one. Loading
(:mod:`~briefing.config.load`) turns every mistake into an error naming the key and line.
"""

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
