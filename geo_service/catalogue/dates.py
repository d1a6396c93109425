"""Dates of the catalogue's facts, as precise as their sources give them (docs/catalogue.md, "Dates").

A source states its date as an ISO date, month or year ("2023-10-10", "2021-03", "2017"); the
catalogue keeps that text as it is and never adds a day the source does not give. To compare two
dates, a reduced one stands for its first day ("2021-03" is 1 March 2021: the newest a fact can be
assumed to be), and an announced end ("until end 02/2022", ``valid_until: "2022-02"``) lasts to the
period's last day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools

ISO_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"


def _parts(value) -> tuple[int, int | None, int | None] | None:
    if isinstance(value, dt.date):
        return value.year, value.month, value.day
    text = str(value or "").strip()
    pieces = text.split("-")
    if not text or len(pieces) > 3 or not all(p.isdigit() for p in pieces) or len(pieces[0]) != 4:
        return None
    numbers = [int(p) for p in pieces] + [None] * (3 - len(pieces))
    return numbers[0], numbers[1], numbers[2]


def first_day(value) -> dt.date | None:
    """The first day a reduced ISO date can mean ("2021-03" -> 2021-03-01); None if not a date."""
    if isinstance(value, str):  # a catalogue build asks for the same few hundred dates 100,000 times
        return _first_day_of_text(value)
    return _first_day(value)


@functools.lru_cache(maxsize=4096)
def _first_day_of_text(value: str) -> dt.date | None:
    return _first_day(value)


def _first_day(value) -> dt.date | None:
    parts = _parts(value)
    if parts is None:
        return None
    year, month, day = parts
    try:
        return dt.date(year, month or 1, day or 1)
    except ValueError:
        return None


def last_day(value) -> dt.date | None:
    """The last day a reduced ISO date can mean ("2022-02" -> 2022-02-28); None if not a date."""
    parts = _parts(value)
    if parts is None:
        return None
    year, month, day = parts
    month = month or 12
    try:
        return dt.date(year, month, day or calendar.monthrange(year, month)[1])
    except ValueError:
        return None


def source_date(source: dict) -> str | None:
    """When a source confirms its fact: its own ``date``, else the day the project retrieved it
    (``retrieved``, when recorded); None for an undated source (never guessed)."""
    for key in ("date", "retrieved"):
        value = source.get(key) if isinstance(source, dict) else None
        if first_day(value) is not None:
            return value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    return None


def newest(values) -> str | None:
    """The newest of some dates (by their first day), as written; None when none is a date."""
    dated = [v for v in values if first_day(v) is not None]
    return max(dated, key=first_day) if dated else None


def oldest(values) -> str | None:
    """The oldest of some dates (by their first day), as written; None when none is a date."""
    dated = [v for v in values if first_day(v) is not None]
    return min(dated, key=first_day) if dated else None


def confirmed_on(sources) -> str | None:
    """A site's ``last_confirmed`` from its sources: the newest date among them (the register
    snapshot, the page, the press item, the approved nomination or correction); None when every
    source is undated."""
    return newest(source_date(s) for s in sources or [])


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
