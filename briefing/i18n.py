"""Numbers, digits and dates for an Arabic (or English) reader: the one place that writes them.

Every number the project prints goes through here: the template filters (``num``,
``arabic_date``, ``hijri_date``, ``english_date``, ``fmtnum``, ``fmtday``), the charts and key
figures, and the HTML digit pass (:mod:`briefing.render.digits`), which rewrites the author's
own numbers with :func:`to_arabic` / :func:`to_latin`.

Babel (2.18) gives the CLDR separators of a numbering system (``٬ ٫`` for ``arab``) but still
writes Western digits, and its compact forms are ungrammatical for Arabic («2 مليون», «3
مليار»); so the digits are substituted here from one table, and compact forms follow the small
rule in :func:`format_number`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from babel.dates import format_date
from babel.numbers import format_decimal

#: How an edition writes digits (``briefing.config`` adds ``as-written`` for the digit pass).
Digits = Literal["arabic", "latin"]

WESTERN_DIGITS = "0123456789"
INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

#: Western → Arabic-Indic digits.
ARABIC_INDIC_DIGITS = str.maketrans(WESTERN_DIGITS, INDIC_DIGITS)
#: Arabic-Indic → Western digits (what a number typed in Arabic-Indic digits parses as).
WESTERN_FROM_INDIC = str.maketrans(INDIC_DIGITS, WESTERN_DIGITS)
#: Western → Arabic-Indic digits, and % → ٪ (numbers formatted here, where % ends a number).
_ARABIC_NUMBER = str.maketrans(WESTERN_DIGITS + "%", INDIC_DIGITS + "٪")

# -- digits in running text ----------------------------------------------------------------

_D = f"[{WESTERN_DIGITS}{INDIC_DIGITS}]"
_PERCENT = re.compile(f"(?<={_D})%")
_DECIMAL = re.compile(f"(?<={_D})\\.(?={_D})")
_GROUP = re.compile(f"(?<={_D}),(?={_D}{{3}})")
_INDIC_SEPARATORS = re.compile("[٪٫٬]")
_LATIN_SEPARATORS = {"٪": "%", "٫": ".", "٬": ","}
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def to_arabic(text: str) -> str:
    """Text with Arabic-Indic digits, and ٪ ٫ ٬ where % . , sit after or between digits."""
    text = _PERCENT.sub("٪", text)
    text = _DECIMAL.sub("٫", text)
    text = _GROUP.sub("٬", text)
    return text.translate(ARABIC_INDIC_DIGITS)


def to_latin(text: str) -> str:
    """Text with Western digits and % . , (the Arabic-Indic ones an author typed converted)."""
    text = _INDIC_SEPARATORS.sub(lambda m: _LATIN_SEPARATORS[m[0]], text)
    return text.translate(WESTERN_FROM_INDIC)


def localise_digits(text: str, digits: Digits) -> str:
    """Arabic-Indic digits in an author's Arabic text («منذ مطلع ٢٠٢٤») for ``digits='arabic'``.

    Text with Latin letters is left alone: "NIS 2023", "TASS, 2024" are quotations.
    """
    if digits != "arabic" or _LATIN_LETTER.search(text):
        return text
    return text.translate(ARABIC_INDIC_DIGITS)


# -- numbers -------------------------------------------------------------------------------


def number(value: int | float, digits: str = "arabic", *, group: bool = True) -> str:
    """A number in the edition's digit style (the templates' ``num`` filter)."""
    system = "arab" if digits == "arabic" else "latn"
    text = format_decimal(value, locale="ar", numbering_system=system, group_separator=group)
    return text.translate(ARABIC_INDIC_DIGITS) if digits == "arabic" else text


# (scale, singular, dual, plural 3–10); singular also after 11+ and after fractions.
_SCALES = (
    (1e9, "مليار", "ملياران", "مليارات"),
    (1e6, "مليون", "مليونان", "ملايين"),
    (1e3, "ألف", "ألفان", "آلاف"),
)


def format_number(
    value: float,
    digits: Digits = "arabic",
    *,
    compact: bool | None = None,
    decimals: int | None = None,
    unit: str | None = None,
    numeral_one: bool = False,
) -> str:
    """Format a number for an Arabic reader: Babel's separators, the audience's digits.

    ``compact`` (default: from one million up) writes thousands, millions and billions in words,
    with Arabic number agreement: 1 → «مليون», 2 → «مليونان», 3–10 → «٨ ملايين», 11 and up and
    fractions → «١١ مليون», «٢٫٥ مليون» (the counted noun follows the last two digits: «١٠٣
    ملايين»). ``numeral_one`` keeps the digit for one («١ مليون»), as after a «+» sign.
    ``decimals`` fixes the fraction digits (default: up to three, as needed). ``unit='%'``
    appends the percent sign (٪ with Arabic digits); other units are not added here.
    """
    system = "arab" if digits == "arabic" else "latn"
    magnitude = abs(value)
    if compact is None:
        compact = magnitude >= 1e6
    text = _in_words(magnitude, system, numeral_one) if compact else None
    if text is None:
        text = _decimal(magnitude, system, decimals)
    if value < 0 and text.strip("0.,٫٬") != "":
        # CLDR's minus for Arabic: ALM/LRM before the hyphen keeps it with the number in RTL text
        text = ("\u061c-" if system == "arab" else "\u200e-") + text
    if unit in ("%", "٪"):
        text += "%"
    return text.translate(_ARABIC_NUMBER) if digits == "arabic" else text


def _in_words(magnitude: float, system: str, numeral_one: bool) -> str | None:
    """«مليونان», «٨ ملايين», «٢٫٥ مليار» for a thousand and up; None below a thousand."""
    for scale, one, two, plural in _SCALES:
        if magnitude >= scale:
            m = round(magnitude / scale, 1)
            if m == 1 and not numeral_one:
                return one
            if m == 2 and not numeral_one:
                return two
            word = plural if m.is_integer() and 3 <= int(m) % 100 <= 10 else one
            return f"{_decimal(m, system, None)} {word}"
    return None


def _decimal(value: float, system: str, decimals: int | None) -> str:
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, pattern, locale="ar", numbering_system=system)


def with_unit(number: str, unit: str | None) -> str:
    """A formatted number followed by its unit (a percent sign is already in the number)."""
    return number if not unit or unit in ("%", "٪") else f"{number} {unit}"


# -- dates ---------------------------------------------------------------------------------


def format_day(day: dt.date, digits: Digits = "arabic", pattern: str = "MMM y") -> str:
    """A date with Arabic month names («سبتمبر ٢٠٢٣»), in a CLDR ``pattern``."""
    text = format_date(day, pattern, locale="ar")
    return text.translate(_ARABIC_NUMBER) if digits == "arabic" else text


def arabic_date(day: dt.date, digits: str = "arabic") -> str:
    """«٢٠ يناير ٢٠٢٥م» — Arabic month name from CLDR, digits in the edition's style."""
    month = format_date(day, "MMMM", locale="ar")
    return f"{number(day.day, digits)} {month} {number(day.year, digits, group=False)}م"


def hijri_date(day: dt.date, digits: str = "arabic") -> str:
    """«٢٠ رجب ١٤٤٦هـ» (Umm al-Qura calendar, via hijridate)."""
    from hijridate import Gregorian

    h = Gregorian(day.year, day.month, day.day).to_hijri()
    return f"{number(h.day, digits)} {h.month_name('ar')} {number(h.year, digits, group=False)}هـ"


def english_date(day: dt.date) -> str:
    """«20 January 2025» for the English pages."""
    return format_date(day, "d MMMM y", locale="en")
