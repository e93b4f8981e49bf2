"""The front matter of an imported brief, as YAML an editor can read and finish.

Values the document gave are written as YAML; the boxes the document did not fill (summary,
key points, recommendations, sources, English summary) are written as *comments* marked for the
editor — never invented, and a brief without them is valid as it is.
"""

from __future__ import annotations

import datetime as dt

import yaml

_TODO = "# ← للمحرّر: "

_PLACEHOLDERS = {
    "summary": [
        "# summary: >                 " + _TODO + "ملخّص الورقة في فقرة (Markdown)",
        "#   …",
    ],
    "key_points": ["# key_points:                " + _TODO + "أبرز النقاط", "#   - …"],
    "recommendations": ["# recommendations:           " + _TODO + "التوصيات", "#   - …"],
    "sources": ["# sources:                   " + _TODO + "المصادر", "#   - …"],
}
_ENGLISH = [
    "# english:                   " + _TODO + "English summary page (optional)",
    "#   title: …",
    "#   summary: |",
    "#     …",
]


def _scalar(value: str) -> str:
    """One YAML scalar on one line, quoted only when YAML needs it."""
    return (
        yaml.safe_dump(value, allow_unicode=True, width=1 << 20, default_flow_style=True)
        .removesuffix("\n...\n")
        .strip()
    )


def render(
    *,
    title: str,
    subtitle: str | None,
    date: dt.date,
    authors: list[str],
    keywords: list[str],
    audiences: list[str] | None,
    fields: dict[str, list[str]],
    origin: str,
) -> str:
    """``---``-delimited YAML; ``fields`` holds Markdown items moved from the document."""
    lines = [
        "---",
        f"# Imported from {origin} by `briefing import`; check it, then build.",
        f"title: {_scalar(title)}",
    ]
    if subtitle:
        lines.append(f"subtitle: {_scalar(subtitle)}")
    lines.append(f"date: {date.isoformat()}")
    if authors:
        lines.append("authors:")
        lines.extend(f"  - {_scalar(a)}" for a in authors)
    if keywords:
        lines.append("keywords: [" + ", ".join(_scalar(k) for k in keywords) + "]")
    if audiences:
        lines.append("audiences: [" + ", ".join(audiences) + "]")
    for key, placeholder in _PLACEHOLDERS.items():
        items = fields.get(key)
        if not items:
            lines.extend(placeholder)
        elif key == "summary":
            lines.append("summary: |")
            for paragraph_number, paragraph in enumerate(items):
                if paragraph_number:
                    lines.append("")
                lines.extend(
                    f"  {line.strip()}" if line.strip() else "" for line in paragraph.splitlines()
                )
        else:
            lines.append(f"{key}:")
            lines.extend(f"  - {_scalar(item)}" for item in items)
    lines.extend(_ENGLISH)
    lines.append("---")
    return "\n".join(lines) + "\n"
