"""The records behind the answers (issues 22 and 24) on the project's real catalogue: every active site
is dated, expired temporary centres are not active, no commune is judged for reception or for bodies
that serve no resident, and the register no longer claims what its sources do not state."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo_service import formatting
from geo_service.catalogue import CATALOGUE_DIR, dates, load_catalogue, read_records, read_yaml
from geo_service.catalogue.register import read_register
from geo_service.indicators import compute_indicators

DAY = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def catalogue(base, settings):
    return load_catalogue(base.boundaries, settings=settings, today=DAY)


@pytest.fixture(scope="module")
def real(base, settings, catalogue):
    return compute_indicators(base, catalogue, settings)


def test_every_active_site_carries_its_last_confirmed_date(catalogue):
    sites = catalogue.sites
    active = sites[sites["status"].isin(["active", "temporary"])]
    assert len(active) > 500 and active["last_confirmed"].map(lambda d: dates.first_day(d) is not None).all()
    # an undated site cannot be active: it is to be confirmed
    undated = sites[sites["last_confirmed"].isna()]
    assert len(undated) and undated["status"].isin(["to_be_confirmed", "unknown", "closed", "expired"]).all()
    # no date lies in the future of the day the rules were applied
    assert (sites["last_confirmed"].dropna().map(dates.first_day) <= DAY).all()


def test_last_confirmed_is_derived_from_the_sites_own_sources(catalogue):
    sites = catalogue.sites
    assert sites.at["croix-rouge-ixelles", "last_confirmed"] == "2024-08-19"  # RTL info, 19 August 2024
    assert sites.at["fedasil-glons", "last_confirmed"] == "2023-07-12"  # DH: a permanent centre again
    assert sites.at["cpas-ocmw-84016", "last_confirmed"] == "2024-05"  # the CPAS network's newest source
    for sid, row in sites.sample(40, random_state=1).iterrows():
        derived = dates.confirmed_on(row["sources"])
        assert row["last_confirmed"] == derived if derived else pd.isna(row["last_confirmed"]), sid


def test_temporary_centres_past_their_announced_end_are_not_active(catalogue):
    sites = catalogue.sites
    ended = sites["valid_until"].map(lambda d: dates.last_day(d) is not None and dates.last_day(d) < DAY)
    assert ended.sum() >= 5
    assert sites.loc[ended, "status"].eq("expired").all()
    assert {"fedasil-lombardsijde", "fedasil-geel-zonnedauw", "fedasil-walcourt"} <= set(sites.index[ended])
    assert (sites.loc[ended, "declared_status"] != "expired").all()  # the sources' own status is kept
    later = load_catalogue_on(catalogue, dt.date(2022, 1, 15))
    assert later.at["fedasil-lombardsijde", "status"] == "temporary"  # before its end date it still counts


def load_catalogue_on(catalogue, day):
    from geo_service.catalogue import apply_dates

    return apply_dates(catalogue, day).sites


def test_a_new_day_gives_a_new_catalogue_key():
    from geo_service.state import _catalogue_key
    from geo_service.store.published import Published

    nothing = Published()
    assert _catalogue_key("k", None, nothing, DAY) != _catalogue_key("k", None, nothing, DAY + dt.timedelta(days=1))


def test_no_commune_is_judged_for_reception_or_for_bodies_that_serve_no_resident(real):
    c = real.communes
    for kind in ("reception_centre", "research_body", "funding_body", "coordination_body", "education_training"):
        assert c[f"status_{kind}"].eq("not_assessed").all(), kind
    assert "reception_centre" not in real.params["desert_kinds"]


def test_reception_centres_carry_their_support_within_reach(real, catalogue):
    centres = real.centres
    sites = catalogue.sites
    counted = sites[(sites["kind"] == "reception_centre") & ~sites["status"].isin(["closed", "expired"])]
    assert set(centres.index) == set(counted.index)
    assert {"isolated", "support_count", "support_kinds"} <= set(centres.columns)
    assert (centres["isolated"] == (centres["support_count"] == 0)).all()
    # every centre lies in a commune with its own CPAS (by law), so none has nothing within reach
    assert (centres["support_social_welfare"] >= 1).all() and not centres["isolated"].any()


def test_the_voluntary_return_desk_is_not_a_reception_centre(catalogue, real):
    desk = catalogue.sites.loc["fedasil-antwerpen-return-desk"]
    assert desk["kind"] != "reception_centre" and desk["initiative_id"] == "fedasil-return-desk"
    reception = catalogue.sites[catalogue.sites["kind"] == "reception_centre"]
    assert not reception["name"].str.contains("return desk", case=False).any()
    assert "fedasil-return-desk" not in real.networks.at["fedasil-network", "initiatives"]


def test_the_german_speaking_employment_register_no_longer_claims_3_of_2_complete(real):
    adg = real.networks.loc["adg"]
    assert (adg["known_sites"], adg["expected_sites"]) == (3, 2)
    assert adg["exceeded"] and adg["status"] != "complete"
    complete = real.networks[real.networks["status"] == "complete"]
    assert (complete["known_sites"] <= complete["expected_sites"]).all() or complete["lower_bound"].any()
    german = real.communes[real.communes["networks_public_employment_service"] == "adg"]
    assert len(german) == 9 and german["status_public_employment_service"].isin(["served", "unknown"]).all()


def test_the_cri_network_is_not_complete_while_its_bureaux_are_not_all_known(real, catalogue):
    cri = real.networks.loc["cri-wallonie"]
    assert cri["status"] != "complete"
    bureaux = catalogue.sites[catalogue.sites.index.str.startswith("cri-cai-bureau-")]
    assert len(bureaux) == 7 and (bureaux["initiative_id"] == "cri-cai").all()
    arlon = real.communes.loc["81001"]
    assert arlon["status_civic_integration_office"] == "unknown"  # 39 km from CRILUX's seat: not a "gap"
    assert (real.communes["status_civic_integration_office"] != "gap").all()


def test_the_cpas_network_exists_by_law_and_never_goes_stale(real):
    cpas = real.networks.loc["cpas-ocmw"]
    assert cpas["exists_by_law"].startswith("organic law of 8 July 1976") and not cpas["stale"]
    assert not real.communes["status_stale_social_welfare"].any()
    assert real.communes["status_as_of_social_welfare"].isna().all()


def test_stale_statuses_carry_their_date_or_say_they_have_none(real):
    c = real.communes
    for kind in real.params["desert_kinds"]:
        stale = c[c[f"status_stale_{kind}"]]
        assert stale[f"status_{kind}"].isin(["served", "gap"]).all(), kind
        for reason, as_of in zip(stale[f"status_reason_{kind}"], stale[f"status_as_of_{kind}"]):
            expected = f"a source of {formatting.date(as_of, 'en')}" if isinstance(as_of, str) else "no source dates"
            assert expected in reason and reason.endswith("to be confirmed"), (kind, reason)


def test_actiris_antennas_stand_in_18_of_the_19_brussels_communes(catalogue, base):
    sites = catalogue.sites
    agencies = sites[sites["initiative_id"] == "actiris"]
    brussels = set(base.boundaries.communes.index[base.boundaries.communes["region"] == "04000"])
    assert set(agencies["nis"]) == brussels - {"21011"}  # every commune but Koekelberg (2019-12)
    open_now = agencies[agencies["declared_status"] != "closed"]
    assert set(open_now["nis"]) == brussels - {"21011", "21002"}  # the Auderghem office closed on 15/12/2022


def test_every_register_entry_states_its_freshness_window():
    entries = read_register()
    assert all(e.get("freshness") == {"curated_months": 36, "harvest_days": 90} for e in entries)
    assert [e["id"] for e in entries if e.get("exists_by_law")] == ["cpas-ocmw"]


def test_restated_sites_cite_their_sources_with_a_date_or_say_why_not():
    records = {r["id"]: r for r in read_records()}
    new = {
        "actiris": ["actiris-uccle", "actiris-ganshoren"],
        "vdab": ["vdab-zelzate", "vdab-aalst", "vdab-ninove-zitdagen"],
        "agentschap-integratie-inburgering": ["agii-kortrijk"],
        "fedasil": ["fedasil-oudsbergen-winter"],
        "rode-kruis-vlaanderen": ["rkv-berlaar"],
    }
    for record, ids in new.items():
        sites = {s.get("id"): s for s in records[record]["sites"]}
        for sid in ids:
            sources = sites[sid]["sources"]
            assert sources and all(s.get("url") and s.get("publisher") and s.get("note") for s in sources), sid
            assert dates.confirmed_on(sources), sid
    cai = {s.get("id"): s for s in records["cri-cai"]["sites"]}
    assert all(cai[f"cri-cai-bureau-{p}"]["sources"][0]["date"] is None for p in ("dinant", "ciney"))
    assert all("undated" in cai[f"cri-cai-bureau-{p}"]["note"] for p in ("dinant", "ciney"))


def test_register_file_keeps_its_quotes_for_the_new_statements():
    entries = {e["id"]: e for e in read_yaml(CATALOGUE_DIR / "network_register.yaml")}
    assert entries["werkwinkel-brussel"]["stated_count"] == 3
    assert entries["croix-rouge-centres"]["stated_count"] == 28
    assert entries["rode-kruis-centres"]["part_of"] == "red-cross-centres"
    assert entries["cri-wallonie"]["stated_count"] is None
    for entry in entries.values():
        assert all(s.get("quote") for s in entry["sources"]), entry["id"]


def test_the_register_summary_is_strict_json_with_its_dates(real):
    import json

    rows = {row["id"]: row for row in json.loads(json.dumps(real.register.summary(), allow_nan=False))}
    assert rows["croix-rouge-centres"]["statement_date"] == "2024-08-19"
    assert rows["cri-wallonie"]["confirmed"] is None and rows["cri-wallonie"]["stale"] is True
    assert rows["cpas-ocmw"]["exists_by_law"] and rows["cpas-ocmw"]["stale"] is False
    assert rows["adg"]["exceeded"] is True and rows["adg"]["status"] == "unknown"
