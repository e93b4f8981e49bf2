"""``python -m briefing`` is the ``briefing`` command."""

from briefing.launch import entry

entry()
