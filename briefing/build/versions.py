"""The versions a build's records are valid for: briefing, WeasyPrint, the cache format.

Apart from :mod:`~briefing.build.cache` on purpose: the no-op answer
(:mod:`~briefing.build.uptodate`) checks them before anything of the build is imported.
"""

from __future__ import annotations

import importlib.metadata

#: Bumped when the cache's shape or the meaning of its keys changes.
CACHE_VERSION = 3


def stamp() -> str:
    """The versions a cache is only valid for: briefing, WeasyPrint, the cache format."""
    # metadata, not `import weasyprint`: a no-op rebuild should not pay a second for the import
    weasyprint = importlib.metadata.version("weasyprint")
    return f"briefing {version()}; weasyprint {weasyprint}; cache {CACHE_VERSION}"


def version() -> str:
    """This package's version."""
    try:
        return importlib.metadata.version("briefing")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0+unknown"
