"""The date rules of issue 22 on small exact fixtures: how a site's last_confirmed is derived from its
sources, when a site is stale or expired, what a network that exists by law keeps, and how the
completeness register dates a network and refuses to call it complete on an outdated count."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo_service.catalogue import dates, freshness
from geo_service.catalogue.register import exceeds, knowledge_dates, statement_date, validate
from geo_service.errors import ValidationFailed

DAY = dt.date(2026, 12, 7)
CURATED = freshness.Rule(freshness.Window(months=36))
BY_LAW = freshness.Rule(freshness.Window(months=36), by_law=True)


def site(**fields) -> dict:
    return {"declared_status": "active", "last_confirmed": None, "valid_until": None, "address": None, **fields}


# --- dates as precise as their sources ---------------------------------------------------------------


def test_a_reduced_date_means_its_first_day_and_an_end_date_its_last():
    assert dates.first_day("2021-03") == dt.date(2021, 3, 1) and dates.first_day("2017") == dt.date(2017, 1, 1)
    assert dates.last_day("2022-02") == dt.date(2022, 2, 28) and dates.last_day("2024-02") == dt.date(2024, 2, 29)
    assert dates.last_day("2025") == dt.date(2025, 12, 31) and dates.last_day("2023-12-31") == dt.date(2023, 12, 31)
    for text in (None, "", "undated (c. 2016)", "2021-13", "21-03", "2021-02-30"):
        assert dates.first_day(text) is None and dates.last_day(text) is None, text


def test_last_confirmed_is_the_newest_dated_source_as_it_writes_its_date():
    sources = [
        {"url": "https://a.example", "publisher": "A", "date": "2019-09"},
        {"url": "https://b.example", "publisher": "B", "date": "2021"},  # 1 January 2021: newer than 2019-09
        {"seed": "001_e7c5b0a545e291b1.txt", "quote": "q", "date": None},
    ]
    assert dates.confirmed_on(sources) == "2021"
    assert dates.confirmed_on([*sources, {"publisher": "C", "date": "2021-01-15"}]) == "2021-01-15"


def test_an_undated_source_is_dated_only_by_a_recorded_retrieval_never_guessed():
    undated = {"url": "https://a.example", "publisher": "A", "date": None}
    assert dates.confirmed_on([undated]) is None and dates.confirmed_on([]) is None
    assert dates.confirmed_on([{**undated, "retrieved": "2026-08-10"}]) == "2026-08-10"
    # a source's own date wins over the day the project read it
    assert dates.source_date({**undated, "date": "2015-11", "retrieved": "2026-08-10"}) == "2015-11"


def test_the_window_counts_calendar_months_or_days_from_the_first_day():
    assert freshness.Window(months=36).stale_after("2023-12") == dt.date(2026, 12, 1)
    assert freshness.Window(months=1).stale_after("2024-01-31") == dt.date(2024, 2, 29)
    assert freshness.Window(months=None, days=90).stale_after("2026-09-08") == dt.date(2026, 12, 7)
    assert freshness.Window().stale_after(None) is None


# --- a site on a given day -----------------------------------------------------------------------------


def test_a_stale_site_is_to_be_confirmed_and_a_fresh_one_stays_active():
    assert freshness.site_state(site(last_confirmed="2020-01-10"), CURATED, DAY) == (
        "to_be_confirmed",
        True,
        "2023-01-10",
    )
    assert freshness.site_state(site(last_confirmed="2025-01"), CURATED, DAY) == ("active", False, "2028-01-01")
    # the last day of the window is still current, the next is not
    assert freshness.site_state(site(last_confirmed="2023-12-07"), CURATED, DAY)[:2] == ("active", False)
    assert freshness.site_state(site(last_confirmed="2023-12-06"), CURATED, DAY)[:2] == ("to_be_confirmed", True)


def test_an_undated_site_is_to_be_confirmed():
    assert freshness.site_state(site(), CURATED, DAY) == ("to_be_confirmed", True, None)
    # a temporary site loses its status the same way; a status the sources already doubt is kept
    assert freshness.site_state(site(declared_status="temporary"), CURATED, DAY)[0] == "to_be_confirmed"
    assert freshness.site_state(site(declared_status="unknown"), CURATED, DAY)[0] == "unknown"


def test_an_expired_temporary_site_is_no_longer_active():
    temporary = site(declared_status="temporary", last_confirmed="2021-10", valid_until="2022-02")
    assert freshness.site_state(temporary, CURATED, dt.date(2022, 2, 28))[0] == "temporary"  # its last day
    assert freshness.site_state(temporary, CURATED, dt.date(2022, 3, 1))[0] == "expired"
    # expiry does not wait for the window: an end date announced last month is past today
    recent = site(last_confirmed="2026-10", valid_until="2026-11-30")
    assert freshness.site_state(recent, CURATED, DAY)[:2] == ("expired", False)
    closed = site(declared_status="closed", last_confirmed="2019", valid_until="2020")
    assert freshness.site_state(closed, CURATED, DAY)[0] == "closed"


def test_a_network_that_exists_by_law_never_lapses_only_its_addresses_can():
    generated = site(last_confirmed="2016-11")  # one per commune, no address
    assert freshness.site_state(generated, BY_LAW, DAY) == ("active", False, "2019-11-01")
    assert freshness.site_state(site(), BY_LAW, DAY)[:2] == ("active", False)  # even undated
    located = site(declared_status="to_be_confirmed", address="Rue Haute 296", last_confirmed="2022-08")
    assert freshness.site_state(located, BY_LAW, DAY)[:2] == ("to_be_confirmed", True)
    old_address = site(address="Rue Haute 296", last_confirmed="2016-11")
    assert freshness.site_state(old_address, BY_LAW, DAY)[:2] == ("active", True)  # exists; address to check


def test_windows_come_from_the_register_harvested_networks_are_shorter_and_the_shortest_applies():
    entries = [
        {"id": "net-a", "kind": "ngo_service", "initiatives": ["a", "b"], "freshness": {"curated_months": 12}},
        {"id": "net-b", "kind": "ngo_service", "initiatives": ["b"]},
        {"id": "net-h", "kind": "public_employment_service", "initiatives": ["h"]},
        {"id": "law", "kind": "social_welfare", "initiatives": ["c"], "exists_by_law": "organic law of 8 July 1976"},
        {"id": "all", "kind": "citizen_initiative", "initiatives": "*"},
    ]
    kinds = pd.Series(
        ["ngo_service", "ngo_service", "public_employment_service", "social_welfare", "citizen_initiative"],
        index=["a", "b", "h", "c", "cafe"],
    )
    rules = freshness.rules_by_initiative(entries, kinds, harvested={"net-h"})
    assert rules["a"].window.label() == "12 months" and rules["b"].window.label() == "12 months"
    assert rules["h"].window.label() == "90 days"
    assert rules["c"].by_law and not rules["a"].by_law
    assert rules["cafe"].window.label() == "36 months"  # a "*" network takes every initiative of its kind


def test_apply_keeps_the_sources_status_and_adds_the_day_columns():
    sites = pd.DataFrame(
        {
            "initiative_id": ["a", "a", "c"],
            "status": ["active", "temporary", "active"],
            "last_confirmed": ["2025-05", "2021-10", None],
            "valid_until": [None, "2022-02", None],
            "address": [None, None, None],
        },
        index=["fresh", "gone", "cpas"],
    )
    out = freshness.apply(sites, {"a": CURATED, "c": BY_LAW}, DAY)
    assert out["status"].tolist() == ["active", "expired", "active"]
    assert out["declared_status"].tolist() == ["active", "temporary", "active"]
    assert out["stale"].tolist() == [False, True, False] and out["exists_by_law"].tolist() == [False, False, True]
    again = freshness.apply(out, {"a": CURATED, "c": BY_LAW}, dt.date(2020, 1, 1))  # idempotent, per day
    assert again["status"].tolist() == ["active", "temporary", "active"]


# --- the register ------------------------------------------------------------------------------------


def test_more_sites_known_than_an_exact_statement_is_never_complete():
    assert exceeds(2, False, 3) and not exceeds(2, True, 3) and not exceeds(3, False, 3)
    assert not exceeds(None, False, 3) and not exceeds(float("nan"), False, 3)


def test_a_network_is_dated_by_its_statement_and_the_sites_it_counts():
    entry = {"id": "n", "as_of": "undated (official portal)", "sources": [{"date": "2017-11"}, {"date": None}]}
    assert statement_date(entry) == "2017-11" and statement_date({**entry, "as_of": "2021-03"}) == "2021-03"
    counted = pd.DataFrame({"last_confirmed": ["2025", "2019-02"]})
    dated = knowledge_dates(entry, counted, DAY)
    assert dated["confirmed"] == "2017-11" and dated["stale"] and dated["window"] == "36 months"
    fresh = knowledge_dates({**entry, "as_of": "2025-06"}, counted.iloc[:1], DAY)
    assert fresh["confirmed"] == "2025" and not fresh["stale"]
    undated = knowledge_dates(entry, pd.DataFrame({"last_confirmed": ["2025", None]}), DAY)
    assert undated["confirmed"] is None and undated["stale"]
    law = knowledge_dates({**entry, "exists_by_law": "organic law of 8 July 1976"}, counted, DAY)
    assert law["confirmed"] is None and not law["stale"] and law["by_law"] == "organic law of 8 July 1976"


@pytest.mark.parametrize(
    "extra,problem",
    [
        ({"freshness": {"curated_months": 0}}, "freshness must map"),
        ({"freshness": {"weeks": 3}}, "freshness must map"),
        ({"freshness": {"harvest_days": True}}, "freshness must map"),
        ({"freshness": [36]}, "freshness must map"),
        ({"exists_by_law": ""}, "exists_by_law must name the law"),
        ({"exists_by_law": True}, "exists_by_law must name the law"),
    ],
)
def test_register_freshness_fields_are_validated(extra, problem):
    entry = {"id": "x", "kind": "ngo_service", "initiatives": "*", "sources": [{"seed": "s"}]}
    assert validate([{**entry, "freshness": {"curated_months": 24, "harvest_days": 30}, "exists_by_law": "a law"}])
    with pytest.raises(ValidationFailed, match=problem):
        validate([{**entry, **extra}])


# --- the service applies the rules of the current day ------------------------------------------------


def test_a_new_day_rebuilds_the_snapshot_even_when_nothing_was_published(settings, monkeypatch):
    from types import SimpleNamespace

    from geo_service import state
    from geo_service.store.published import Published

    day = {"today": DAY}
    built = []

    def build(settings, base, published, revision):
        built.append(day["today"])
        catalogue = SimpleNamespace(as_of=day["today"])
        return state.Snapshot(settings, None, catalogue, None, version=f"v{len(built)}")

    class Source:
        def revision(self) -> str:
            return "r1"

        def published(self) -> Published:
            return Published()

    monkeypatch.setattr(state, "build_snapshot", build)
    monkeypatch.setattr(state, "today", lambda: day["today"])
    holder = state.StateHolder(settings, base=None, published=Source(), refresh_seconds=3600)
    try:
        assert holder.refresh().catalogue.as_of == DAY and built == [DAY]  # same day, same revision: kept
        day["today"] = DAY + dt.timedelta(days=1)
        assert holder.refresh().catalogue.as_of == DAY + dt.timedelta(days=1)
        assert built == [DAY, DAY + dt.timedelta(days=1)]
    finally:
        holder.stop()


def test_a_date_given_by_a_harvest_or_a_correction_wins_over_the_sources():
    from geo_service.catalogue import with_confirmation

    sources = [{"url": "https://a.example", "publisher": "A", "date": "2019-09"}]
    sites = pd.DataFrame(
        {"last_confirmed": ["2026-12-05", None, ""], "sources": [sources, sources, []]},
        index=["given", "derived", "none"],
    )
    out = with_confirmation(sites)
    assert out["last_confirmed"].tolist()[:2] == ["2026-12-05", "2019-09"] and pd.isna(out.at["none", "last_confirmed"])
    assert out["valid_until"].isna().all() and out["closed_on"].isna().all()  # every date column exists
    bare = with_confirmation(pd.DataFrame({"status": ["active"]}, index=["x"]))  # no sources at all: undated
    assert pd.isna(bare.at["x", "last_confirmed"])
