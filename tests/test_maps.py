"""Map building without Flask, on small synthetic inputs (three square communes)."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo_service.errors import InvalidParameter
from geo_service.mapviews import base as mb
from geo_service.mapviews import coverage as cov
from geo_service.mapviews import employment as emp
from geo_service.mapviews import gaps
from geo_service.mapviews.labels import vocab
from geo_service.names import display_name, local_name

URLS = {
    k: f"/vendor/{k}"
    for k in ("leaflet_js", "leaflet_css", "markercluster_js", "markercluster_css", "markercluster_default_css")
}
EVIL = "<script>alert('x')</script> & Co"


def communes_frame() -> gpd.GeoDataFrame:
    index = pd.Index(["10001", "10002", "10003"], name="nis")
    return gpd.GeoDataFrame(
        {
            "name_nl": ["Aa", "Bee", "Cee"],
            "name_fr": ["A", "B", "C"],
            "name_de": [None, None, "Zeh"],
            "region": ["02000", "02000", "03000"],
            "pop_2020_total": [10_000, 20_000, 0],
        },
        geometry=[box(4.0, 50.0, 4.1, 50.1), box(4.1, 50.0, 4.2, 50.1), box(4.2, 50.0, 4.3, 50.1)],
        index=index,
        crs=4326,
    )


class FakeCatalogue:
    """The catalogue's documented tables (docs/catalogue.md), with only the columns maps read."""

    def __init__(self):
        self.initiatives = pd.DataFrame(
            {
                "name": [EVIL, "Language café", "Closed club"],
                "kind": ["citizen_initiative", "ngo_service", "citizen_initiative"],
                "themes": [["language", "leisure"], ["language"], ["sport"]],
                "target_groups": [["refugees"], ["newcomers"], ["youth"]],
                "status": ["active", "active", "closed"],
                "site_count": [2, 1, 1],
                "commune_count": [1, 1, 1],
            },
            index=pd.Index(["evil", "cafe", "closed"], name="id"),
        )
        points = [Point(4.05, 50.05), Point(4.06, 50.06), Point(4.15, 50.05), Point(4.25, 50.05)]
        self.sites = gpd.GeoDataFrame(
            {
                "initiative_id": ["evil", "evil", "cafe", "closed"],
                "name": [EVIL, EVIL, "Language café", "Closed club"],
                "kind": ["citizen_initiative", "citizen_initiative", "ngo_service", "citizen_initiative"],
                "themes": [["language", "leisure"]] * 2 + [["language"], ["sport"]],
                "target_groups": [["refugees"]] * 2 + [["newcomers"], ["youth"]],
                "nis": ["10001", "10001", "10002", "10003"],
                "precision": ["exact", "street", "commune", "commune"],
                "status": ["active", "active", "active", "closed"],
                "sources": [[{"url": "https://example.org", "publisher": EVIL}]] * 4,
            },
            geometry=points,
            index=pd.Index(["s1", "s2", "s3", "s4"], name="id"),
            crs=4326,
        )
        self.service_areas = pd.DataFrame(
            {
                "area_id": ["a1", "a1", "a1"],
                "initiative_id": ["cafe"] * 3,
                "site_id": [None] * 3,
                "nis": ["10001", "10002", "10003"],
            }
        )


def render(view) -> str:
    return view.fragments.header + view.fragments.body + view.fragments.script


def test_classify_gives_zero_and_missing_their_own_classes():
    values = pd.Series([0, 0, 1, 2, 2, 9, 30, np.nan], index=list("abcdefgh"))
    classes = mb.classify(values, k=3, fmt="{:.0f}")
    assert classes.codes["a"] == 0 and mb.colour_of(classes, "a") == mb.ZERO_COLOUR
    assert classes.codes["h"] == -1 and mb.colour_of(classes, "h") == mb.MISSING_COLOUR
    assert sum(row["count"] for row in classes.legend) == len(values)
    assert classes.legend[-1].get("missing") and classes.legend[0]["label"] == "none (0)"
    positive = values[(values > 0)]
    assert positive.groupby(classes.codes[positive.index]).max().is_monotonic_increasing
    assert classes.codes["g"] > classes.codes["c"]


def test_popups_escape_user_text():
    html = mb.popup_html(EVIL, [("Name", EVIL), ("Themes", ["a<b", "c"])], [mb.link("/x?a=1&b=2", EVIL)])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "a&lt;b, c" in html and 'href="/x?a=1&amp;b=2"' in html


def test_coverage_query_validates_every_value():
    with pytest.raises(InvalidParameter) as info:
        cov.CoverageQuery.parse({"kind": "spaceship", "rate": "per_day"})
    assert "spaceship" in info.value.message and "per_day" in info.value.message
    query = cov.CoverageQuery.parse({"kind": "ngo_service", "measure": "present"})
    assert query.as_args() == {"kind": "ngo_service"}


def values_of(communes, catalogue, foreign, query):
    return cov.coverage_values(communes, catalogue, foreign, query)[0]


def test_coverage_counts_follow_the_filters():
    communes, catalogue = communes_frame(), FakeCatalogue()
    present = values_of(communes, catalogue, None, cov.CoverageQuery())
    assert present.tolist() == [1, 1, 0]  # two sites of one initiative count once; closed ones not at all
    sites = values_of(communes, catalogue, None, cov.CoverageQuery(measure="sites"))
    assert sites.tolist() == [2, 1, 0]
    mandated = values_of(communes, catalogue, None, cov.CoverageQuery(measure="mandated"))
    assert mandated.tolist() == [1, 1, 1]
    leisure = values_of(communes, catalogue, None, cov.CoverageQuery(theme="leisure"))
    assert leisure.tolist() == [1, 0, 0]
    newcomers = values_of(communes, catalogue, None, cov.CoverageQuery(target="newcomers"))
    assert newcomers.tolist() == [0, 1, 0]
    per_10k = values_of(communes, catalogue, None, cov.CoverageQuery(rate="per_10k"))
    assert per_10k.iloc[0] == pytest.approx(1.0) and per_10k.iloc[1] == pytest.approx(0.5)
    assert np.isnan(per_10k.iloc[2])  # no inhabitants: no rate, not zero
    no_foreign = values_of(communes, catalogue, None, cov.CoverageQuery(rate="per_1k_foreign"))
    assert no_foreign.isna().all()
    foreign = pd.Series([500, 2000, 0], index=communes.index)
    per_foreign = values_of(communes, catalogue, foreign, cov.CoverageQuery(rate="per_1k_foreign"))
    assert per_foreign.iloc[0] == pytest.approx(2.0) and per_foreign.iloc[1] == pytest.approx(0.5)


def test_networks_present_everywhere_by_law_are_mapped_apart():
    communes, catalogue = communes_frame(), FakeCatalogue()
    catalogue.initiatives.loc["cafe", "commune_count"] = 3  # like the CPAS/OCMW: in every commune
    assert list(cov.universal(catalogue, 3)) == ["cafe"]
    assert values_of(communes, catalogue, None, cov.CoverageQuery(measure="mandated")).tolist() == [0, 0, 0]
    chosen = values_of(communes, catalogue, None, cov.CoverageQuery(measure="mandated", kind="ngo_service"))
    assert chosen.tolist() == [1, 1, 1]
    view = cov.coverage_map(
        communes,
        mb.geometry_collection(communes),
        {n: n for n in communes.index},
        catalogue,
        None,
        cov.CoverageQuery(),
        URLS,
        vocab(lambda s: s),
        lambda n: n,
        lambda i: i,
    )
    assert view.summary["left_out"] == ["Language café"]


def test_small_denominators_are_suppressed_and_rates_smoothed():
    communes, catalogue = communes_frame(), FakeCatalogue()
    foreign = pd.Series([3, 2000, 0], index=communes.index)  # 3 foreign residents: 333 per 1,000 by chance
    values, small = cov.coverage_values(communes, catalogue, foreign, cov.CoverageQuery(rate="per_1k_foreign"))
    assert small.tolist() == [True, False, False] and np.isnan(values.iloc[0])
    assert values.iloc[1] == pytest.approx(0.5)


def test_empirical_bayes_matches_pysal_esda():
    from esda.smoothing import Empirical_Bayes

    from geo_service.indicators.coverage import empirical_bayes, smoothed_rate

    rng = np.random.default_rng(7)
    base = rng.integers(50, 50_000, 80).astype(float)
    events = rng.poisson(base * rng.gamma(2.0, 2e-4, 80)).astype(float)  # overdispersed: between-variance > 0
    expected = Empirical_Bayes(events.reshape(-1, 1), base.reshape(-1, 1)).r.ravel()
    assert np.allclose(empirical_bayes(events, base), expected)
    # small units move toward the pooled rate, large ones keep theirs
    raw, pooled = events / base, events.sum() / base.sum()
    smoothed = empirical_bayes(events, base)
    assert (np.abs(smoothed - pooled) <= np.abs(raw - pooled) + 1e-12).all()
    # per group: each province shrinks toward its own rate
    index = pd.Index([f"c{i}" for i in range(80)])
    group = pd.Series(["a"] * 40 + ["b"] * 40, index=index)
    rates = smoothed_rate(pd.Series(events, index=index), pd.Series(base, index=index), group, 1.0)
    assert np.allclose(rates.iloc[:40], empirical_bayes(events[:40], base[:40]))


def test_quantile_classes_spread_skewed_values():
    values = pd.Series(np.r_[np.ones(300), np.arange(2, 102)], index=[f"c{i}" for i in range(400)])
    breaks = mb.classify(values, k=5, method="maximum_breaks")
    quantiles = mb.classify(values, k=5, method="quantiles")
    assert max(r["count"] for r in breaks.legend) > 300  # the widest gap leaves almost all in one class
    # tied values stay together: the only class above half is the value 1, held by 300 of 400
    assert [r["count"] for r in quantiles.legend if r["count"] > 200] == [300]


def coverage_view(query=cov.CoverageQuery()):
    communes = communes_frame()
    names = {nis: display_name(row, "fr") for nis, row in communes.drop(columns="geometry").iterrows()}
    return cov.coverage_map(
        communes,
        mb.geometry_collection(communes),
        names,
        FakeCatalogue(),
        None,
        query,
        URLS,
        vocab(lambda s: s),
        lambda nis: f"/commune/{nis}",
        lambda i: f"/initiative/{i}",
    )


def test_coverage_map_escapes_names_and_uses_only_local_assets():
    html = render(coverage_view())
    assert "<script>alert" not in html
    # the popup HTML is escaped once in Python (&lt;), then folium's tojson hides < and & as \u escapes
    assert "\\u0026lt;script\\u0026gt;alert" in html
    assert set(re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)) <= set(URLS.values())
    assert "cdn" not in html.lower()
    assert "L.markerClusterGroup" in html and "site-marker kind-" in html


def test_coverage_map_table_and_summary_match_the_values():
    view = coverage_view(cov.CoverageQuery(measure="sites"))
    assert [row["nis"] for row in view.table] == ["10001", "10002", "10003"]  # sorted by value
    assert [row["value"] for row in view.table] == ["2", "1", "0"]
    assert view.summary["sites"] == 3 and view.summary["zero"] == 1 and view.summary["dominant"] is None
    assert "Zeh" in view.table[2]["name"]  # German name shown where one exists


def test_employment_map_lists_missing_cells_and_keeps_brussels_levels_apart():
    provinces = gpd.GeoDataFrame(
        {"name_nl": ["P1", "Brussel"], "name_fr": ["P1", "Bruxelles"]},
        geometry=[box(4, 50, 4.5, 50.5), box(4.5, 50, 5, 50.5)],
        index=pd.Index(["10000", "04000"], name="nis"),
        crs=4326,
    )
    regions = provinces.loc[["04000"]]
    figures = pd.DataFrame(
        {
            "employment_gap_pp": [11.6, np.nan],
            "rate_native_born": [78.8, np.nan],
            "rate_foreign_born": [67.2, np.nan],
            "employment_concept": ["country_of_birth", None],
            "employment_year": [2025, None],
            "employment_age_band": ["20-64", None],
            "employment_source": ["Eurostat lfst_r_lfe2emprc", None],
            "employment_missing_reason": [None, "figure suppressed (low reliability)"],
        },
        index=provinces.index,
    )
    region_figures = pd.DataFrame(
        {
            "gap_native_non_eu_born_pp": [20.0],
            "rate_native_born": [80.0],
            "rate_non_eu_born": [60.0],
            "gap_native_non_eu_born_concept": ["country_of_birth"],
            "gap_nationals_non_eu_pp": [np.nan],
        },
        index=regions.index,
    )
    names = {"10000": "P1", "04000": "Bruxelles"}
    view = emp.employment_map(
        provinces,
        regions,
        names,
        {"04000": "Bruxelles"},
        figures,
        region_figures,
        mb.geometry_collection(provinces),
        mb.geometry_collection(regions),
        URLS,
    )
    by_key = {(r["series"], r["code"]): r for r in view.table}
    assert by_key[("employment", "04000")]["gap"] is None
    assert by_key[("gap_native_non_eu_born", "04000")]["gap"] == 20.0
    assert by_key[("gap_native_non_eu_born", "04000")]["rate_b_text"] == "60.0 %"
    assert [r["missing_reason"] for r in view.summary["missing"]] == [
        "figure suppressed (low reliability)",
        "no employment figures loaded",
    ]
    assert by_key[("employment", "10000")]["gap_text"] == "+11.6 pp"
    assert "67.2 %" in render(view) and "country of birth" in render(view)


def test_gaps_map_outlines_statuses_and_counts_bivariate_classes():
    communes = communes_frame()
    names = {nis: local_name(row) for nis, row in communes.drop(columns="geometry").iterrows()}
    indicators = pd.DataFrame(
        {
            "bivariate_class": ["3-1", "3-1", None],
            "status_civic_integration_office": ["gap", "served", "unknown"],
            "nearest_km_civic_integration_office": [23.4, 2.0, None],
            "nearest_name_civic_integration_office": [EVIL, "Office, Namur", None],
            "networks_civic_integration_office": ["net", "net", ""],
        },
        index=communes.index,
    )
    networks = pd.DataFrame(
        {
            "name": ["Offices"],
            "names": [{}],
            "known_sites": [2],
            "expected_sites": [2.0],
            "lower_bound": [False],
            "kind": ["civic_integration_office"],
            "status": ["complete"],
        },
        index=["net"],
    )
    suggested = pd.DataFrame({"nis": ["10002"], "covered_demand": [100.0], "gain": [100.0], "total_gain": [100.0]})
    points = {nis: (50.05, 4.05 + i / 10) for i, nis in enumerate(communes.index)}
    view = gaps.gaps_map(
        indicators,
        mb.geometry_collection(communes),
        names,
        "civic_integration_office",
        suggested,
        points,
        URLS,
        lambda nis: f"/commune/{nis}",
        "Civic-integration office",
        networks=networks,
    )
    assert view.summary["statuses"] == {"served": 1, "gap": 1, "unknown": 1} and view.summary["missing"] == 1
    assert view.summary["high_need_low_support"] == 2
    top_left = view.summary["bivariate"][0][0]
    assert top_left["key"] == "3-1" and top_left["count"] == 2
    assert [s["nis"] for s in view.summary["suggestions"]] == ["10002"]
    reasons = {row["nis"]: row["reason"] for row in view.table}
    assert "beyond 15 km" in reasons[communes.index[0]] and "(2 of 2 sites)" in reasons[communes.index[0]]
    assert reasons[communes.index[2]].startswith("no network of")
    html = render(view)
    assert "<script>alert" not in html and "suggested-marker" in html
    assert '"dashArray": "3 3"' in html and gaps.GAP_COLOUR in html  # unknown dashed, gap in red


def test_gaps_kind_is_validated():
    assert gaps.parse_kind(None) == gaps.DEFAULT_KIND
    with pytest.raises(InvalidParameter):
        gaps.parse_kind("teleport")


def test_suggestions_cover_the_uncovered_demand():
    communes = pd.DataFrame(
        {"foreign_residents": [1000, 10, 500], "nearest_km_ngo_service": [50.0, 1.0, 60.0]},
        index=pd.Index(["a", "b", "c"], name="nis"),
    )
    from scipy.spatial.distance import cdist

    from geo_service.indicators.location import suggest_sites

    points = np.array([[0.0, 0.0], [100.0, 0.0], [3.0, 0.0]])
    uncovered = communes["nearest_km_ngo_service"] > 5.0
    chosen = suggest_sites(cdist(points, points), communes["foreign_residents"], uncovered, radius_km=5.0, k=1)
    assert len(chosen) == 1 and chosen.iloc[0]["nis"] in ("a", "c")
    assert chosen.iloc[0]["gain"] == pytest.approx(1500)  # one site at a or c reaches both


def test_display_names_follow_the_language_with_german_where_it_exists():
    row = {"name_nl": "Sankt Vith", "name_fr": "Saint-Vith", "name_de": "Sankt Vith", "region": "03000"}
    assert display_name(row, "fr") == "Saint-Vith (Sankt Vith)"
    assert display_name(row, "nl") == "Sankt Vith"
    assert display_name(row, "en") == "Saint-Vith (Sankt Vith)"
    walloon = {"name_nl": "Luik", "name_fr": "Liège", "name_de": float("nan"), "region": "03000"}
    assert local_name(walloon) == "Liège" and display_name(walloon, "nl") == "Luik"
    province = {
        "name_nl": "Provincie Luik",
        "name_fr": "Province de Liège",
        "name_de": "Provinz Lüttich",
        "region": "03000",
    }
    assert local_name(province) == "Province de Liège"


@pytest.mark.slow
def test_location_suggestions_are_kept_on_disk_for_the_next_start(client, settings):
    """The MCLP run of a gaps map takes seconds: its result is cached on disk under the data
    version, so a restart on the same data (or the warm-up of a new worker) does not redo it."""
    response = client.get("/map/gaps?kind=reception_centre&lang=en")
    assert response.status_code == 200
    assert list((settings.cache_dir / "derived").glob("suggestions-reception_centre-*.pkl"))
