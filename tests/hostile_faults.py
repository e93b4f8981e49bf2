"""Briefs that must each fail alone, with their message, while the good briefs beside them build.

Each entry: file name (under content/) → (file text, substring of its one error). They are made
by code because several are large (a 300,000-character line) or need names that cannot live in a
repository (a tab, ``...md``); ``tests/hostile/faults.md`` describes them. Every text is a
complete brief but for its one fault.
"""

from __future__ import annotations

import unicodedata

HEAD = "---\ntitle: موجز فيه علّة واحدة\ndate: 2025-01-01\n"
BODY = "\n## القسم الأول\n\nنصٌّ عربي سليم قبل العلّة وبعدها.\n"


def brief(front: str = "", body: str = BODY) -> str:
    return f"{HEAD}{front}---\n{body}"


def _alias_bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


def _deep_list(levels: int) -> str:
    return "\n".join("    " * i + "- بند" for i in range(levels)) + "\n"


FIGURE = (
    "figures:\n  - kind: bar\n    title: شكل\n    data:\n      - {{label: أ, value: {v}}}\n"
    "      - {{label: {label}, value: 2}}\n"
)
ARABIC = "أمن الطاقة"  # «أ» has a decomposed (NFD) spelling: U+0627 U+0654

FAULTS: dict[str, tuple[str, str]] = {
    # 1. YAML alias bomb (10⁹ values once expanded)
    "alias-bomb.md": (brief(_alias_bomb()), "limits.max_front_matter_nodes"),
    # 2. deep nesting, front matter and body
    "deep-yaml.md": (brief("keywords: " + "[" * 5000 + "]" * 5000 + "\n"), "limits.max_depth"),
    "deep-list.md": (brief(body=BODY + "\n" + _deep_list(300)), "limits.max_depth"),
    "deep-quote.md": (brief(body=BODY + "\n" + "> " * 3000 + "نص\n"), "limits.max_depth"),
    "deep-markers.md": (brief(body=BODY + "\n" + "- " * 3000 + "نص\n"), "limits.max_depth"),
    # 4. Python-Markdown's quadratic inline cases
    "brackets.md": (brief(body=BODY + "\n" + "[" * 20000 + "\n"), "limits.max_brackets"),
    "open-links.md": (brief(body=BODY + "\n" + "[a](" * 4000 + "\n"), "limits.max_brackets"),
    "angles.md": (brief(body=BODY + "\n" + "<a" * 5000 + "\n"), "limits.max_brackets"),
    "backticks.md": (brief(body=BODY + "\n" + "`a" * 150000 + "\n"), "limits.max_line_chars"),
    # 5. figure values Babel cannot format, labels too long to measure
    "huge-value.md": (brief(FIGURE.format(v="1e308", label="ب")), "figures[0].data[0].value"),
    "huge-value-string.md": (
        brief(FIGURE.format(v="'-1e300'", label="ب")),
        "figures[0].data[0].value",
    ),
    "huge-label.md": (brief(FIGURE.format(v=1, label="ب" * 5000)), "limits.max_label_chars"),
    "block-figure-value.md": (
        brief(
            body=BODY + "\n```figure\nkind: column\ntitle: ش\ndata:\n"
            "  - {label: أ, value: 1e300}\n```\n"
        ),
        "value",
    ),
    "block-alias-bomb.md": (
        brief(body=BODY + "\n```figure\n" + _alias_bomb() + "```\n"),
        "limits.max_front_matter_nodes",
    ),
    "many-key-points.md": (brief("key_points:\n" + "  - نقطة\n" * 50_000), "limits.max_list_items"),
    # 6, 7. names that would write outside the output folder or over the build's own files
    "...md": (brief(), "starts with '.'"),
    "manifest.json.md": (brief(), "reserved"),
    ".briefing-cache.json.md": (brief(), "starts with '.'"),
    "tab\tin-name.md": (brief(), "\\u0009"),
    "override\u202ename.md": (brief(), "\\u202e"),
    # 8. malformed audience marks must not become plain headings (their text would leak)
    "audience-singular.md": (
        brief(body="\n## تقدير داخلي {audience=full}\n\nنص مقيّد.\n"),
        "malformed audience mark",
    ),
    "audience-trailing.md": (
        brief(body="\n## تقدير {audiences=full} .\n\nنص مقيّد.\n"),
        "malformed audience mark",
    ),
    "audience-colon.md": (
        brief(body="\n## تقدير {audiences: full}\n\nنص مقيّد.\n"),
        "malformed audience mark",
    ),
    "audience-bad-name.md": (
        brief(body="\n## تقدير {audiences=full;rm}\n\nنص مقيّد.\n"),
        "not an audience name",
    ),
    # messages
    "duplicate-key.md": (brief("title: عنوان ثانٍ\n"), "appears twice"),
    "yaml-indent.md": (
        "---\ntitle: عنوان\n  date: 2025-01-01\n---\n" + BODY,
        "indented more than the key above it",
    ),
    "near-miss-key.md": (brief("key_point: [أ]\n"), "did you mean 'key_points'?"),
    "long-line.md": (brief(body=BODY + "\n" + "نص " * 10000 + "\n"), "limits.max_line_chars"),
    # NFC / NFD spellings of one name: both refused (they would write one PDF)
    unicodedata.normalize("NFC", ARABIC) + ".md": (brief(), "same name"),
    unicodedata.normalize("NFD", ARABIC) + ".md": (brief(), "same name"),
}

GOOD: dict[str, str] = {
    "good-one.md": brief("audiences: [full]\n"),
    "good-two/index.md": brief(
        "audiences: [full]\n" + FIGURE.format(v=1e12, label="ب"),
        BODY + "\nفقرة فيها حاشية[^1] و[رابط](https://example.org/[^1]).\n\n[^1]: نص الحاشية.\n",
    ),
}
