"""Numbers and dates as a reader of each page language writes them (Babel, CLDR): "22,1 km" and
"13,8 %" in French and Dutch, "82 661" (fr) / "82.661" (nl) / "82,661" (en). Flask-free: the
templates use it through the filters of ``web/i18n.py``; the core (status explanations) calls it
with the language it renders in. A missing value is an en dash, never "nan"."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Hashable
from numbers import Real

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern

# Belgian conventions for French and Dutch; British English (day month year, no Belgian decimal comma)
LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "de": "de_BE", "en": "en_GB"}
MISSING = "–"


def locale_of(lang: str | None) -> str:
    return LOCALES.get(str(lang or "en")[:2], LOCALES["en"])


def _missing(value) -> bool:
    return value is None or (isinstance(value, Real) and math.isnan(value))


def _pattern(digits: int, sign: bool = False) -> str:
    body = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return f"+{body};-{body}" if sign else body


@functools.lru_cache(maxsize=64)
def _formatter(locale: str, digits: int, sign: bool) -> tuple[NumberPattern, Locale]:
    """The parsed pattern and locale of one (locale, digits, sign), once per process: Babel's
    ``format_decimal`` parses both on every call, half its time (a snapshot's status explanations
    format about 80,000 numbers)."""
    return parse_pattern(_pattern(digits, sign)), Locale.parse(locale)


def number(value, lang: str | None, digits: int = 0, sign: bool = False) -> str:
    """``value`` with ``digits`` decimals and the locale's separators; ``sign``: "+1,5" / "-1,5"."""
    if _missing(value):
        return MISSING
    locale, digits, sign = locale_of(lang), int(digits), bool(sign)
    if not isinstance(value, Hashable):  # not kept in the memo: Babel says what is wrong with it
        pattern, parsed = _formatter(locale, digits, sign)
        return pattern.apply(value, parsed)
    return _formatted(value, locale, digits, sign)


@functools.lru_cache(maxsize=8192, typed=True)
def _formatted(value, locale: str, digits: int, sign: bool) -> str:
    """One number as written in ``locale``, remembered: a snapshot's status explanations write
    the same reach (15 km) and many of the same distances thousands of times."""
    pattern, parsed = _formatter(locale, digits, sign)
    return pattern.apply(value, parsed)


def percent(value, lang: str | None, digits: int = 1) -> str:
    """A value already in percent (13.8) as "13,8 %" / "13.8%" by the locale."""
    if _missing(value):
        return MISSING
    text = number(value, lang, digits)
    return f"{text}\u00a0%" if locale_of(lang) != LOCALES["en"] else f"{text}%"


def km(value, lang: str | None, digits: int = 1) -> str:
    """A distance in kilometres: "22,1 km"."""
    return MISSING if _missing(value) else f"{number(value, lang, digits)}\u00a0km"


def _as_date(value) -> tuple[dt.date, str] | None:
    """(date, precision) of an ISO date ("2026-12-05"), month ("2020-03") or year ("2016"), or a date."""
    if isinstance(value, dt.datetime):
        return value.date(), "day"
    if isinstance(value, dt.date):
        return value, "day"
    text = str(value or "").strip()
    for fmt, precision in (("%Y-%m-%d", "day"), ("%Y-%m", "month"), ("%Y", "year")):
        try:
            return dt.datetime.strptime(text, fmt).date(), precision
        except ValueError:
            continue
    return None


def date(value, lang: str | None) -> str:
    """A date as written in running text: "5 décembre 2026", "december 2020" (month only), "2016";
    a value that is no date is returned as it is (or an en dash when empty)."""
    parsed = _as_date(value)
    if parsed is None:
        return str(value) if value not in (None, "") else MISSING
    day, precision = parsed
    if precision == "year":
        return str(day.year)
    pattern = "LLLL y" if precision == "month" else "d MMMM y"
    return format_date(day, format=pattern, locale=locale_of(lang))
