"""A generated corpus of briefs for the page-quality tests: the layouts that used to misplace
footnotes (short and long sections, notes after images, tables, pull quotes and lists, several
notes on one page, a note near a page end), Latin citations with inline markup, and numbers.

Deterministic (a fixed seed), original Modern Standard Arabic on the samples' subject.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

SENTENCES = [
    "تسعى بيونغ يانغ إلى تنويع شركائها بعد سنوات طويلة من الاعتماد على الصين.",
    "وتكشف التقارير المتاحة أن حجم الذخيرة المرسلة إلى روسيا تجاوز التقديرات الأولى.",
    "ولا يعني ذلك أن العلاقة مع بكين فقدت أهميتها، فالتجارة ما تزال تمر عبر الحدود الصينية.",
    "ويرى عدد من المحللين أن موسكو تحتاج إلى هذه الشراكة أكثر مما تعترف به علناً.",
    "وقد أعادت الحرب في أوكرانيا ترتيب أولويات الطرفين على نحو لم يكن متوقعاً قبل سنوات.",
    "وتبقى قدرة روسيا على تقديم دعم اقتصادي مستدام محدودة بفعل العقوبات المفروضة عليها.",
    "ومن شأن هذا التقارب أن يثير قلق سيول وطوكيو ويدفعهما إلى تعزيز التنسيق الأمني.",
    "غير أن الطرفين يحرصان على إبقاء تفاصيل التعاون العسكري بعيدة عن الإعلام.",
]

NOTES = [
    "تستند هذه التقديرات إلى إحاطات رسمية لم تُنشر نصوصها كاملة.",
    "انظر: Lankov, *The Real North Korea*, Oxford University Press, 2013، الفصل الثالث.",
    "لا تنشر بيونغ يانغ إحصاءات رسمية عن تجارتها الخارجية، والأرقام هنا تقديرية.",
    "وردت هذه المعلومة في تقرير فريق خبراء الأمم المتحدة الصادر عام 2024.",
    "يختلف الباحثون في تقدير الأثر الفعلي لهذه الشحنات في مجرى القتال.",
]

#: A Latin phrase with inline markup (emphasis, a link, code, digits). Its words are written
#: ever longer, so from the PDF alone — without trusting any text extraction — the words are
#: in the order written exactly when their widths increase from left to right.
LATIN = "Aq, *Bqqq* [Cqqqqqq](https://example.org) `Dqqqqqqqqq` Eqqqqqqqqqqqqqq, 12345678901234567"
LATIN_LINE = f"قبل {LATIN} بعد"

FRONT = """---
title: "{title}"
date: 2025-03-0{day}
series: أوراق سياسات
audiences: [full]
{english}---

"""

ENGLISH = """english:
  title: A generated brief
  summary: |
    A short English summary for the generated corpus.

    {arabic}
"""

#: An Arabic phrase with markup inside English: its words are ever longer, so they are in the
#: order written exactly when their widths grow from right to left.
ARABIC_IN_ENGLISH = "Aq بب *بببب* [ببببببب](https://example.org) بببببببببببب Zq"


def png(width: int, height: int) -> bytes:
    """A plain RGB PNG (an image a brief can include)."""
    rows = b"".join(b"\x00" + b"\x80\x90\xa0" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class _Writer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.notes: list[str] = []

    def para(self, sentences: int, notes: int = 0) -> str:
        words = [self.rng.choice(SENTENCES) for _ in range(sentences)]
        for _ in range(notes):
            at = self.rng.randrange(len(words))
            self.notes.append(self.rng.choice(NOTES))
            words[at] = words[at].rstrip(".") + f"[^n{len(self.notes)}]."
        return " ".join(words)

    def definitions(self) -> str:
        return "\n".join(f"[^n{i}]: {text}" for i, text in enumerate(self.notes, 1))


def _short(w: _Writer, files: dict[str, bytes]) -> list[str]:
    return ["## قسم أول", w.para(1, 1), "## قسم ثانٍ", w.para(1)]


def _long(w: _Writer, files: dict[str, bytes]) -> list[str]:
    body: list[str] = []
    for n in range(4):
        body += [f"## قسم {n + 1}"] + [w.para(6, 1) for _ in range(3)]
    return body


def _image(w: _Writer, files: dict[str, bytes]) -> list[str]:
    files["chart.png"] = png(480, 240)
    return [
        "## صورة ثم حاشية",
        w.para(3) + " ويبيّن [@fig:trade] ذلك، كما يبيّن [@tbl:share] الحصص.",
        "![رسم بياني للتجارة {#fig:trade}](chart.png)",
        "| السنة | الحصة |\n|---|---|\n| 2023 | 88% |",
        ": حصة الصين من التجارة {#tbl:share}",
        w.para(2, 1),
        "![رسم آخر](chart.png)",
        w.para(1, 1),
    ]


def _table(w: _Writer, files: dict[str, bytes]) -> list[str]:
    return [
        "## جدول",
        w.para(3, 1),
        "| المجال | الصين | روسيا |\n|---|---|---|\n"
        "| التجارة | نحو 90% | محدودة |\n| الغذاء | منتظم | متقطع |",
        w.para(2, 1),
    ]


def _quote_list(w: _Writer, files: dict[str, bytes]) -> list[str]:
    return [
        "## اقتباس وقائمة",
        w.para(4, 1),
        "> " + w.para(1),
        "",
        "- " + w.para(1, 1),
        "- " + w.para(1),
        "- " + w.para(1, 1),
        "",
        w.para(3),
    ]


def _crowded(w: _Writer, files: dict[str, bytes]) -> list[str]:
    """Several notes on one page."""
    return ["## حواشٍ كثيرة"] + [w.para(2, 2) for _ in range(4)]


def _page_end(w: _Writer, files: dict[str, bytes]) -> list[str]:
    """Notes called in the last lines a page can hold."""
    body: list[str] = []
    for n in range(3):
        body += [f"## قسم {n + 1}"] + [w.para(5) for _ in range(2 + n)] + [w.para(3, 2)]
    return body


def _latin(w: _Writer, files: dict[str, bytes]) -> list[str]:
    return [
        "## مصادر لاتينية",
        LATIN_LINE,
        w.para(2, 1),
        "يقول الباحث Andrei Lankov إن العلاقة قديمة، ويرى Victor Cha غير ذلك. " * 3,
    ]


def _numbers(w: _Writer, files: dict[str, bytes]) -> list[str]:
    """Typed in both digit systems; each edition must print one."""
    return [
        "## أرقام",
        "بلغت الحصة نحو 90% عام 2024م، وارتفعت إلى ٩٥٪ في ٢٠٢٥م، أي 2.5 "
        "مليون و1,400 كيلومتر، بحسب " + LATIN + ".",
        w.para(2, 1),
        "| السنة | الحصة |\n|---|---|\n| 2023 | 88% |\n| ٢٠٢٤ | ٩٠٪ |",
        "```figure\nkind: bar\ntitle: حصة الصين من التجارة\nunit: '%'\ndata:\n"
        "  - {label: 2023, value: 88}\n  - {label: 2024, value: 90}\n```",
        w.para(1),
    ]


#: Each kind of brief: its body's blocks (the writer's random choices in a fixed order), adding
#: the files it refers to.
_BODIES: dict[str, Callable[[_Writer, dict[str, bytes]], list[str]]] = {
    "short": _short,
    "long": _long,
    "image": _image,
    "table": _table,
    "quote_list": _quote_list,
    "crowded": _crowded,
    "page_end": _page_end,
    "latin": _latin,
    "numbers": _numbers,
}


def _brief(kind: str, seed: int) -> tuple[str, dict[str, bytes]]:
    """One brief's Markdown (front matter and body) and the files beside it."""
    w = _Writer(seed)
    files: dict[str, bytes] = {}
    try:
        body = _BODIES[kind](w, files)
    except KeyError:
        raise ValueError(kind) from None
    english = (
        ENGLISH.format(arabic=ARABIC_IN_ENGLISH)
        if kind in ("crowded", "page_end", "long", "numbers")
        else ""
    )
    front = FRONT.format(title=f"موجز تجريبي: {kind}", day=seed % 9 + 1, english=english)
    if kind == "numbers":
        front = front.replace("audiences: [full]", "audiences: [full, latin, written]")
    return front + "\n\n".join(body) + "\n\n" + w.definitions() + "\n", files


KINDS = list(_BODIES)

#: The corpus project's extra editions: the same brief in Western digits and as typed.
CONFIG = """[audiences.latin]
title = "أرقام غربية"
digits = "latin"

[audiences.written]
title = "كما كُتبت"
digits = "as-written"
"""


def write_corpus(root: Path) -> list[str]:
    """Write every corpus brief under ``root/content``; returns their slugs."""
    (root / "briefing.toml").write_text(CONFIG, encoding="utf-8")
    slugs = []
    for seed, kind in enumerate(KINDS, 1):
        text, files = _brief(kind, seed)
        folder = root / "content" / f"gen-{kind.replace('_', '-')}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.md").write_text(text, encoding="utf-8")
        for name, data in files.items():
            (folder / name).write_bytes(data)
        slugs.append(folder.name)
    return slugs
