"""Statuses that say how current they are and statuses that answer a real question (issue 22), on a
small synthetic catalogue with exact dates: the date a served or gap status rests on, when it is
stale, a network that exists by law, an expired temporary site, the kinds that judge no commune,
and the support within reach of each reception centre."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from babel.support import Translations

from geo_service.catalogue import Catalogue, apply_dates
from geo_service.indicators import compute_indicators, status
from geo_service.indicators.params import IndicatorParams

DAY = dt.date(2026, 12, 7)
LIEGE, HERSTAL, NAMUR, BRUSSELS, DAVERDISSE, ARLON = "62063", "62051", "92094", "21004", "84016", "81001"
# (site, initiative, kind, commune, last confirmed, valid until, declared status)
PLACEMENTS = [
    ("ngo-old-liege", "ngo", "ngo_service", LIEGE, "2018", None, "active"),
    ("ngo-new-liege", "ngo", "ngo_service", LIEGE, "2026-06", None, "active"),
    ("ngo-old-namur", "ngo", "ngo_service", NAMUR, "2018-05", None, "active"),
    ("ngo-undated-brussels", "ngo", "ngo_service", BRUSSELS, None, None, "active"),
    ("cafe-arlon", "cafe", "citizen_initiative", ARLON, "2021-10", "2022-02", "temporary"),
    ("cpas-liege", "cpas", "social_welfare", LIEGE, "2016-11", None, "active"),
    ("cri-liege", "cri", "civic_integration_office", LIEGE, "2025-01", None, "active"),
    ("centre-namur", "fedasil", "reception_centre", NAMUR, "2025-03", None, "active"),
    ("centre-daverdisse", "fedasil", "reception_centre", DAVERDISSE, "2024-11", None, "active"),
    ("school-brussels", "school", "education_training", BRUSSELS, "2025-09", None, "active"),
    ("lab-brussels", "lab", "research_body", BRUSSELS, "2025-09", None, "active"),
]


def register(cri_as_of="2025-06", education=None) -> list[dict]:
    entries = [
        {"id": "ngos", "kind": "ngo_service", "initiatives": "*", "sources": [{"url": "https://example.org"}]},
        {
            "id": "cpas-net",
            "kind": "social_welfare",
            "initiatives": ["cpas"],
            "stated_count": 1,
            "exists_by_law": "organic law of 8 July 1976",
            "sources": [{"url": "https://example.org"}],
        },
        {
            "id": "cri-net",
            "kind": "civic_integration_office",
            "initiatives": ["cri"],
            "stated_count": 1,
            "as_of": cri_as_of,
            "sources": [{"url": "https://example.org", "date": cri_as_of}],
        },
    ]
    if education:
        entries.append(
            {
                "id": "schools",
                "kind": "education_training",
                "initiatives": ["school"],
                "include": education,
                "sources": [{"url": "https://example.org"}],
            }
        )
    return entries


def catalogue(communes, entries) -> Catalogue:
    points = shapely.point_on_surface(communes.geometry.loc[[p[3] for p in PLACEMENTS]].values)
    sites = gpd.GeoDataFrame(
        {
            "initiative_id": [p[1] for p in PLACEMENTS],
            "name": [p[0] for p in PLACEMENTS],
            "kind": [p[2] for p in PLACEMENTS],
            "themes": [[] for _ in PLACEMENTS],
            "nis": [p[3] for p in PLACEMENTS],
            "place": [None] * len(PLACEMENTS),
            "address": [None] * len(PLACEMENTS),
            "status": [p[6] for p in PLACEMENTS],
            "last_confirmed": [p[4] for p in PLACEMENTS],
            "valid_until": [p[5] for p in PLACEMENTS],
        },
        geometry=list(points),
        index=pd.Index([p[0] for p in PLACEMENTS], name="id"),
        crs="EPSG:31370",
    )
    kinds = {p[1]: p[2] for p in PLACEMENTS}
    initiatives = pd.DataFrame(
        {"kind": list(kinds.values()), "status": "active"}, index=pd.Index(list(kinds), name="id")
    )
    areas = pd.DataFrame(columns=["area_id", "initiative_id", "site_id", "nis"])
    bare = Catalogue(initiatives=initiatives, sites=sites, service_areas=areas, areas=pd.DataFrame())
    return apply_dates(bare, DAY, register_entries=entries)


def indicators(base, settings, **register_options):
    entries = register(**register_options)
    cat = catalogue(base.boundaries.communes, entries)
    return compute_indicators(base, cat, settings, use_cache=False, register_entries=entries)


@pytest.fixture(scope="module")
def synthetic(base, settings):
    return indicators(base, settings)


def test_a_served_status_is_as_current_as_its_freshest_site_within_reach(synthetic):
    c, kind = synthetic.communes, "ngo_service"
    # Liège and Herstal reach an NGO confirmed in 2026-06 (and one of 2018): current
    for nis in (LIEGE, HERSTAL):
        assert (c.at[nis, f"status_{kind}"], c.at[nis, f"status_as_of_{kind}"]) == ("served", "2026-06")
        assert not c.at[nis, f"status_stale_{kind}"]
    # Namur reaches only the 2018 one: served, but stale, and the reason names the date
    assert (c.at[NAMUR, f"status_{kind}"], c.at[NAMUR, f"status_as_of_{kind}"]) == ("served", "2018-05")
    assert c.at[NAMUR, f"status_stale_{kind}"]
    assert c.at[NAMUR, f"status_reason_{kind}"].endswith(
        "; this rests on a source of May 2018, older than the network's freshness window: to be confirmed"
    )
    # Brussels reaches an undated one: stale with no date
    assert pd.isna(c.at[BRUSSELS, f"status_as_of_{kind}"]) and c.at[BRUSSELS, f"status_stale_{kind}"]
    assert c.at[BRUSSELS, f"status_reason_{kind}"].endswith("; no source dates what this rests on: to be confirmed")
    assert c.at[LIEGE, f"status_reason_{kind}"].endswith("; as of June 2026")
    # an unknown status rests on no date
    unknown = c[c[f"status_{kind}"] == "unknown"]
    assert len(unknown) and unknown[f"status_as_of_{kind}"].isna().all() and not unknown[f"status_stale_{kind}"].any()


def test_the_sites_keep_the_status_their_sources_give(synthetic, base):
    cat = catalogue(base.boundaries.communes, register())
    sites = cat.sites
    assert sites.at["ngo-old-namur", "status"] == "to_be_confirmed" and sites.at["ngo-old-namur", "stale"]
    assert sites.at["ngo-old-namur", "declared_status"] == "active"
    assert (
        sites.at["ngo-new-liege", "status"] == "active" and sites.at["ngo-new-liege", "current_until"] == "2029-06-01"
    )
    assert sites.at["cpas-liege", "status"] == "active" and not sites.at["cpas-liege", "stale"]  # by law
    assert cat.as_of == DAY


def test_a_network_that_exists_by_law_decides_without_a_date(synthetic):
    c = synthetic.communes
    assert c.at[LIEGE, "status_social_welfare"] == "served"  # its CPAS was last confirmed in 2016-11
    assert pd.isna(c.at[LIEGE, "status_as_of_social_welfare"]) and not c.at[LIEGE, "status_stale_social_welfare"]
    assert c.at[LIEGE, "status_reason_social_welfare"].endswith("within 15 km")  # no date clause
    row = synthetic.networks.loc["cpas-net"]
    assert row["exists_by_law"] == "organic law of 8 July 1976" and not row["stale"]


def test_an_expired_temporary_site_serves_no_one(synthetic):
    c = synthetic.communes
    assert c.at[ARLON, "sites_present_citizen_initiative"] == 0
    assert c.at[ARLON, "status_citizen_initiative"] == "unknown"
    assert pd.isna(c.at[ARLON, "nearest_km_citizen_initiative"])


def test_a_gap_rests_on_the_oldest_date_of_its_complete_network(base, settings, synthetic):
    c, kind = synthetic.communes, "civic_integration_office"
    # the network (1 of 1 sites) was stated in 2025-06, its site confirmed in 2025-01
    assert c.at[DAVERDISSE, f"status_{kind}"] == "gap" and c.at[DAVERDISSE, f"status_as_of_{kind}"] == "2025-01"
    assert not c.at[DAVERDISSE, f"status_stale_{kind}"]
    assert (
        "the network's list is complete (1 of 1 sites); as of January 2025" in c.at[DAVERDISSE, f"status_reason_{kind}"]
    )
    old = indicators(base, settings, cri_as_of="2019-04").communes
    assert old.at[DAVERDISSE, f"status_{kind}"] == "gap" and old.at[DAVERDISSE, f"status_as_of_{kind}"] == "2019-04"
    assert old.at[DAVERDISSE, f"status_stale_{kind}"]
    assert (old.loc[old[f"status_{kind}"] == "gap", f"status_stale_{kind}"]).all()


def test_reception_and_bodies_that_serve_no_resident_judge_no_commune(synthetic):
    c = synthetic.communes
    for kind in ("reception_centre", "research_body", "coordination_body", "funding_body", "education_training"):
        assert c[f"status_{kind}"].eq("not_assessed").all(), kind
        assert c[f"status_reason_{kind}"].isna().all(), kind  # explained once, in the metadata
        assert not c[f"status_stale_{kind}"].any() and c[f"status_as_of_{kind}"].isna().all()
        assert "not_assessed:" in synthetic.metadata[f"status_{kind}"]["method"]
    assert c.at[NAMUR, "nearest_km_reception_centre"] == 0  # the distance is still reported
    assert "reception_centre" not in synthetic.status_counts()
    assert "served_reception_centre" not in synthetic.provinces


def test_education_is_judged_only_where_a_network_is_registered(base, settings):
    c = indicators(base, settings, education=["region:04000"]).communes
    brussels = base.boundaries.communes["region"] == "04000"
    statuses = c["status_education_training"]
    assert statuses[brussels].isin(["served", "unknown"]).all() and statuses[BRUSSELS] == "served"
    assert statuses[~brussels].eq("not_assessed").all()


def test_each_reception_centre_has_its_support_within_reach(synthetic):
    centres = synthetic.centres
    assert list(centres.index) == ["centre-namur", "centre-daverdisse"]
    namur = centres.loc["centre-namur"]
    assert namur["support_ngo_service"] == 1 and namur["support_km_ngo_service"] == 0
    assert namur["support_kinds"] == "ngo_service" and namur["support_count"] == 1 and not namur["isolated"]
    assert namur["support_km_civic_integration_office"] > 15  # the CRI of Liège, out of reach
    daverdisse = centres.loc["centre-daverdisse"]
    assert daverdisse["isolated"] and daverdisse["support_count"] == 0 and daverdisse["support_kinds"] == ""
    assert daverdisse["support_social_welfare"] == 0 and daverdisse["support_km_social_welfare"] > 15


def test_isolation_counts_the_kinds_the_parameters_name(base, settings):
    entries = register()
    cat = catalogue(base.boundaries.communes, entries)
    params = IndicatorParams(isolation_kinds=("citizen_initiative",))
    result = compute_indicators(base, cat, settings, params=params, use_cache=False, register_entries=entries)
    assert result.centres["isolated"].all()  # no citizens' initiative (the Arlon one expired) near either centre
    assert [c for c in result.centres if c.startswith("support_km_")] == ["support_km_citizen_initiative"]


@pytest.fixture(scope="module")
def translations(tmp_path_factory):
    from geo_service.web.i18n import compile_catalogues

    folder = compile_catalogues(tmp_path_factory.mktemp("mo"))
    return {lang: Translations.load(str(folder), [lang]) for lang in ("fr", "nl")}


@pytest.mark.parametrize(
    "lang,dated,stale,not_assessed",
    [
        (
            "fr",
            "\u00a0; date des données\u00a0: juin 2026",
            "ceci repose sur une source (mai 2018)",
            "Les centres d'accueil sont",
        ),
        ("nl", "; stand van juni 2026", "; dit steunt op een bron van mei 2018", "Opvangcentra zijn plaatsen"),
    ],
)
def test_the_reasons_name_the_date_in_each_language(synthetic, translations, lang, dated, stale, not_assessed):
    t = translations[lang].gettext
    lookup = status.network_lookup(synthetic.networks, lang)
    records = synthetic.communes.to_dict("index")

    def reason(nis, kind):
        return status.explain(status.facts_of(records[nis], kind, lookup, 15.0), t, lang=lang)

    assert reason(LIEGE, "ngo_service").endswith(dated)
    assert stale in reason(NAMUR, "ngo_service")
    assert ("0,0" if lang in ("fr", "nl") else "0.0") in reason(LIEGE, "ngo_service")  # the page's decimal sign
    assert reason(NAMUR, "reception_centre").startswith(not_assessed)
    for text in set(status.NOT_ASSESSED_REASONS.values()):  # the legend's sentences are translated too
        assert t(text) != text, (lang, text)
