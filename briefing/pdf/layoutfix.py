"""Two changes to WeasyPrint 70's page breaking, so a footnote stays on the page of its call.

1. **Reporting notes to make room for an orphan-safe line.** When a paragraph's second line does
   not fit at the foot of a page and ``orphans: 2`` forbids leaving its first line alone,
   ``_linebox_layout`` (``layout/block.py``) first *reports* the page's footnotes to the next
   page to make room for that line. The calls stay where they are, so the notes are printed a
   page after their calls — on the English summary page, at worst. A brief's rule is the other
   way round: the paragraph moves, the note stays with its call. That one decision is turned
   off (``report = False``).
2. **A float round-off read as an overflow.** ``LayoutContext._update_footnote_area`` compares
   the last note's bottom with the footnote area's bottom, two sums of the same lengths taken
   in different orders; with a top border and padding on ``@footnote`` they can differ in the
   last bit, and the note is reported to the next page although it fits (seen with the house
   theme's rule above the notes; sysreptor#111 met the same). The comparison gets a tolerance
   of a thousandth of a pixel.

Everything else — including ``footnote-policy: line`` moving a call's line when its note does
not fit — is WeasyPrint's own code. The source lines are matched exactly: if an upgrade changes
them, :func:`install` fails loudly instead of silently doing nothing.
"""

from __future__ import annotations

_installed = False


def install() -> None:
    """Apply both changes once per process (before the first document is laid out)."""
    global _installed
    if _installed:
        return
    from weasyprint import layout
    from weasyprint.layout import block

    from briefing.pdf import compat

    compat.check()
    _patch = compat.replace_source_line
    block._linebox_layout = _patch(
        block._linebox_layout,
        vars(block),
        "report = not context.in_column and can_break_now and not could_break_before",
        "report = False  # briefing.pdf.layoutfix: the paragraph moves, not the notes",
    )
    block._linebox_layout.__module__ = block.__name__
    layout.LayoutContext._update_footnote_area = _patch(
        layout.LayoutContext._update_footnote_area,
        vars(layout),
        "overflow = last_child_bottom > footnote_area_bottom",
        "overflow = last_child_bottom > footnote_area_bottom + 1e-3  # briefing.pdf.layoutfix",
    )
    _installed = True
