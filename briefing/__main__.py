"""``python -m briefing`` is the ``briefing`` command."""

from briefing.cli import entry

entry()
