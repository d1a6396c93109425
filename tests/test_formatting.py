"""Numbers and dates in the reader's language (issue 24 item 6): the core helpers and the Jinja filters."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template_string

from geo_service import formatting

NNBSP = "\u202f"  # CLDR's French group separator (narrow no-break space)


@pytest.mark.parametrize(
    ("lang", "thousands", "rate", "distance", "gap"),
    [
        ("fr", f"82{NNBSP}661", "13,8\u00a0%", "22,1\u00a0km", "+16,1"),
        ("nl", "82.661", "13,8\u00a0%", "22,1\u00a0km", "+16,1"),
        ("en", "82,661", "13.8%", "22.1\u00a0km", "+16.1"),
    ],
)
def test_numbers_follow_the_language(lang, thousands, rate, distance, gap):
    assert formatting.number(82661, lang) == thousands
    assert formatting.percent(13.8, lang) == rate
    assert formatting.km(22.06, lang) == distance
    assert formatting.number(16.1, lang, 1, sign=True) == gap
    assert formatting.number(-2.25, lang, 1, sign=True)[0] == "-"


def test_missing_values_are_a_dash_never_nan():
    for value in (None, float("nan")):
        assert formatting.number(value, "fr") == formatting.MISSING
        assert formatting.percent(value, "nl") == formatting.MISSING
        assert formatting.km(value, "en") == formatting.MISSING


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ("2026-12-05", "fr", "5 décembre 2026"),
        ("2026-12-05", "nl", "5 december 2026"),
        ("2026-12-05", "en", "5 December 2026"),
        (dt.date(2022, 1, 31), "en", "31 January 2022"),
        ("2020-03", "fr", "mars 2020"),
        ("2020-03", "nl", "maart 2020"),
        ("2016", "nl", "2016"),
        ("c. 2019", "fr", "c. 2019"),
        (None, "fr", formatting.MISSING),
    ],
)
def test_dates_in_running_text(value, lang, expected):
    assert formatting.date(value, lang) == expected


def test_unknown_language_falls_back_to_english():
    assert formatting.number(1234.5, "xx", 1) == "1,234.5"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", f"10{NNBSP}000 | 22,1\u00a0km | 13,8\u00a0% | 5 décembre 2026"),
        ("en", "10,000 | 22.1\u00a0km | 13.8% | 5 December 2026"),
    ],
)
def test_template_filters_use_the_page_language(app, lang, expected):
    template = "{{ 10000|num }} | {{ 22.06|km }} | {{ 13.8|pct }} | {{ '2026-12-05'|longdate }}"
    with app.test_request_context(f"/?lang={lang}"):
        assert render_template_string(template) == expected
