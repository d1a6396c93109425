"""Map building without Flask, on small synthetic inputs (three square communes)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo_service.errors import InvalidParameter
from geo_service.mapviews import base as mb
from geo_service.mapviews import coverage as cov
from geo_service.mapviews import employment as emp
from geo_service.mapviews import gaps
from geo_service.mapviews.palette import SEQUENTIAL, STATUS_FILLS
from geo_service.names import display_name, local_name

EVIL = "<script>alert('x')</script> & Co"


def communes_frame() -> gpd.GeoDataFrame:
    index = pd.Index(["10001", "10002", "10003"], name="nis")
    return gpd.GeoDataFrame(
        {
            "name_nl": ["Aa", "Bee", "Cee"],
            "name_fr": ["A", "B", "C"],
            "name_de": [None, None, "Zeh"],
            "region": ["02000", "02000", "03000"],
            "province": ["20001", "20001", "30000"],
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


PROVINCES = {"20001": "Brabant flamand", "30000": "Hainaut"}


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
    query = cov.CoverageQuery.parse({"kind": "ngo_service", "measure": "reach"})
    assert query.as_args() == {"kind": "ngo_service"}  # the default measure is left out of the address
    assert cov.CoverageQuery.parse({"measure": "present"}).as_args() == {"measure": "present"}


def values_of(communes, catalogue, foreign, query, reach_km=15.0):
    return cov.coverage_values(communes, catalogue, foreign, query, reach_km)[0]


def test_coverage_counts_follow_the_filters():
    communes, catalogue = communes_frame(), FakeCatalogue()
    present = values_of(communes, catalogue, None, cov.CoverageQuery(measure="present"))
    assert present.tolist() == [1, 1, 0]  # two sites of one initiative count once; closed ones not at all
    sites = values_of(communes, catalogue, None, cov.CoverageQuery(measure="sites"))
    assert sites.tolist() == [2, 1, 0]
    mandated = values_of(communes, catalogue, None, cov.CoverageQuery(measure="mandated"))
    assert mandated.tolist() == [1, 1, 1]
    leisure = values_of(communes, catalogue, None, cov.CoverageQuery(measure="present", theme="leisure"))
    assert leisure.tolist() == [1, 0, 0]
    newcomers = values_of(communes, catalogue, None, cov.CoverageQuery(measure="present", target="newcomers"))
    assert newcomers.tolist() == [0, 1, 0]
    per_10k = values_of(communes, catalogue, None, cov.CoverageQuery(measure="present", rate="per_10k"))
    assert per_10k.iloc[0] == pytest.approx(1.0) and per_10k.iloc[1] == pytest.approx(0.5)
    assert np.isnan(per_10k.iloc[2])  # no inhabitants: no rate, not zero
    no_foreign = values_of(communes, catalogue, None, cov.CoverageQuery(measure="present", rate="per_1k_foreign"))
    assert no_foreign.isna().all()
    foreign = pd.Series([500, 2000, 0], index=communes.index)
    per_foreign = values_of(communes, catalogue, foreign, cov.CoverageQuery(measure="present", rate="per_1k_foreign"))
    assert per_foreign.iloc[0] == pytest.approx(2.0) and per_foreign.iloc[1] == pytest.approx(0.5)


def test_networks_present_everywhere_by_law_are_mapped_apart():
    communes, catalogue = communes_frame(), FakeCatalogue()
    catalogue.initiatives.loc["cafe", "commune_count"] = 3  # like the CPAS/OCMW: in every commune
    assert list(cov.universal(catalogue, 3)) == ["cafe"]
    assert values_of(communes, catalogue, None, cov.CoverageQuery(measure="mandated")).tolist() == [0, 0, 0]
    chosen = values_of(communes, catalogue, None, cov.CoverageQuery(measure="mandated", kind="ngo_service"))
    assert chosen.tolist() == [1, 1, 1]
    view = cov.coverage_map(communes, {n: n for n in communes.index}, PROVINCES, catalogue, None, cov.CoverageQuery())
    assert view.summary["left_out"] == ["Language café"]


def test_small_denominators_are_suppressed_and_rates_smoothed():
    communes, catalogue = communes_frame(), FakeCatalogue()
    foreign = pd.Series([3, 2000, 0], index=communes.index)  # 3 foreign residents: 333 per 1,000 by chance
    values, small = cov.coverage_values(
        communes, catalogue, foreign, cov.CoverageQuery(measure="present", rate="per_1k_foreign")
    )
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
    return cov.coverage_map(communes, names, PROVINCES, FakeCatalogue(), None, query)


def test_coverage_within_reach_counts_initiatives_with_a_site_nearby():
    """The default measure: distinct initiatives with a site within the reach of a commune's
    point on surface (15 km in Lambert 72), so a commune without a site of its own is told
    apart from one far from any."""
    communes, catalogue = communes_frame(), FakeCatalogue()
    assert cov.CoverageQuery().measure == "reach"
    near = values_of(communes, catalogue, None, cov.CoverageQuery(), reach_km=15.0)
    # the squares are ~7 km wide: the evil initiative (two sites, counted once) and the café
    # are within 15 km of all three communes; the closed club is never counted
    assert near.tolist() == [2, 2, 2]
    narrow = values_of(communes, catalogue, None, cov.CoverageQuery(), reach_km=4.0)
    assert narrow.tolist() == [1, 1, 0]  # 10003 has only the closed club nearby
    assert values_of(communes, catalogue, None, cov.CoverageQuery(measure="present")).tolist() == [1, 1, 0]


def test_coverage_view_rows_join_values_to_codes_and_list_the_sites_shown():
    view = coverage_view(cov.CoverageQuery(measure="sites"))
    rows = view.layers[0].rows
    assert list(rows) == ["10001", "10002", "10003"]  # sorted by value
    assert [r.cells[-1] for r in rows.values()] == ["2", "1", "0"]
    assert [r.numbers[-1] for r in rows.values()] == [2.0, 1.0, 0.0]
    assert rows["10003"].fill == mb.ZERO_COLOUR and rows["10001"].group == "20001"
    assert rows["10001"].cells[1] == "Brabant flamand"
    assert view.summary["sites"] == 3 and view.summary["zero"] == 1 and view.summary["dominant"] is None
    assert "Zeh" in rows["10003"].cells[0]  # German name shown where one exists
    # the sites shown are positions in the catalogue's sites (the closed club's site left out)
    assert view.sites == [0, 1, 2]
    data = view.data()
    assert data["layers"][0]["order"] == ["10001", "10002", "10003"]
    assert [c["key"] for c in data["columns"]] == ["name", "province", "value"]
    assert view.data(rows=False)["layers"][0].get("rows") is None  # a page carries them in its table


def test_site_records_share_lists_and_keep_text_as_given():
    records = cov.site_records(FakeCatalogue().sites)
    first = records["sites"][0]
    assert first[3] == EVIL and first[2] == "citizen_initiative" and first[5] == "10001"
    lists = records["lists"]
    assert lists[first[7]] == ["language", "leisure"] and lists[first[9]] == EVIL
    assert records["sites"][0][7] == records["sites"][1][7]  # one shared list for both sites


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
    view = emp.employment_map(provinces, regions, names, {"04000": "Bruxelles"}, figures, region_figures, lang="fr")
    by_key = {(r["series"], r["code"]): r for r in view.table}
    assert by_key[("employment", "04000")]["gap"] is None
    assert by_key[("gap_native_non_eu_born", "04000")]["gap"] == 20.0
    assert by_key[("gap_native_non_eu_born", "04000")]["rate_b_text"] == "60,0\u00a0%"  # as French writes it
    assert [r["missing_reason"] for r in view.summary["missing"]] == [
        "figure suppressed (low reliability)",
        "no employment figures loaded",
    ]
    assert by_key[("employment", "10000")]["gap_text"] == "+11,6\u00a0pp"
    layers = {layer.id: layer for layer in view.layers}
    assert [(layer.object, layer.show) for layer in view.layers] == [
        ("provinces", True),
        ("regions", False),
        ("regions", False),
    ]
    p1 = layers["employment"].rows["10000"]
    assert p1.cells[3:6] == ["78,8\u00a0%", "67,2\u00a0%", "country of birth"] and p1.numbers[1] == 11.6
    assert layers["employment"].rows["04000"].fill is None  # missing: hatched on the map
    assert layers["gap_native_non_eu_born"].rows["04000"].cells[1] == "+20,0\u00a0pp"
    assert all("." not in row["label"] for row in view.legend if not row.get("missing"))  # legend too
    chart = view.summary["charts"][0]["svg"]
    assert ">78,8<" in chart and "+11,6\u00a0pp" in chart and ">78.8<" not in chart
    english = emp.employment_map(provinces, regions, names, {"04000": "Bruxelles"}, figures, region_figures)
    assert english.layers[0].rows["10000"].cells[3] == "78.8%"


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
    provinces = dict(zip(communes.index, communes["province"]))

    def view_of(fill):
        return gaps.gaps_map(
            indicators,
            names,
            "civic_integration_office",
            suggested,
            points,
            lambda nis: f"/commune/{nis}",
            "Civic-integration office",
            networks=networks,
            provinces=provinces,
            province_names=PROVINCES,
            fill=fill,
        )

    view = view_of("need")
    assert view.summary["statuses"] == {"served": 1, "gap": 1, "unknown": 1} and view.summary["missing"] == 1
    assert view.summary["high_need_low_support"] == 2
    top_left = view.summary["bivariate"][0][0]
    assert top_left["key"] == "3-1" and top_left["count"] == 2
    assert [s["nis"] for s in view.summary["suggestions"]] == ["10002"]
    rows = view.layers[0].rows
    assert list(rows) == ["10001", "10003", "10002"]  # gaps first, then unknown, then served
    explanation = [c.key for c in view.columns].index("explanation")
    reasons = {nis: row.cells[explanation] for nis, row in rows.items()}
    assert "beyond 15 km" in reasons["10001"] and "(2 of 2 sites)" in reasons["10001"]
    assert reasons["10003"].startswith("no network of")
    # fill=need: the need-support class as fill, the status of the kind as outline
    assert rows["10001"].fill == gaps.BIVARIATE["3-1"] and rows["10003"].fill is None
    assert {nis: row.line for nis, row in rows.items()} == {"10001": "gap", "10003": "unknown", "10002": None}
    assert set(view.outlines) == {"gap", "unknown"}
    assert view.markers[0][2] == "suggested-marker" and "<script>" not in view.markers[0][3]
    assert view.summary["provinces"] == [
        {"code": "20001", "name": "Brabant flamand", "served": 1, "gap": 1, "unknown": 0},
        {"code": "30000", "name": "Hainaut", "served": 0, "gap": 0, "unknown": 1},
    ]
    # fill=status (the default): the fill follows the kind, no outline needed
    status = view_of("status")
    assert {nis: row.fill for nis, row in status.layers[0].rows.items()} == {
        nis: STATUS_FILLS[s] for nis, s in {"10001": "gap", "10003": "unknown", "10002": "served"}.items()
    }
    assert status.outlines == {} and all(row.line is None for row in status.layers[0].rows.values())
    assert gaps.parse_fill(None) == "status"
    with pytest.raises(InvalidParameter):
        gaps.parse_fill("rainbow")


def stale_indicators(index) -> pd.DataFrame:
    """A kind's statuses with the dates that decide them (indicators.status): a served commune
    resting on a stale date, a fresh one, and an unknown one (never dated, never stale)."""
    return pd.DataFrame(
        {
            "bivariate_class": ["1-1", "2-2", "3-3"],
            "status_ngo_service": ["served", "served", "unknown"],
            "nearest_km_ngo_service": [2.0, 3.0, None],
            "nearest_name_ngo_service": ["Old desk", "New desk", None],
            "networks_ngo_service": ["net", "net", "net"],
            "status_as_of_ngo_service": ["2017-12", "2026-08", None],
            "status_stale_ngo_service": [True, False, False],
        },
        index=index,
    )


def stale_view(centres=None, lang="fr"):
    communes = communes_frame()
    names = {nis: local_name(row) for nis, row in communes.drop(columns="geometry").iterrows()}
    return gaps.gaps_map(
        stale_indicators(communes.index),
        names,
        "ngo_service",
        pd.DataFrame(columns=["nis", "gain"]),
        {},
        lambda nis: f"/commune/{nis}",
        "NGO service",
        lang=lang,
        provinces=dict(zip(communes.index, communes["province"])),
        province_names=PROVINCES,
        centres=centres,
        as_of="2026-12-07",
    )


def test_gaps_map_hatches_statuses_resting_on_a_stale_date_and_says_as_of_when():
    view = stale_view()
    rows = view.layers[0].rows
    keys = [c.key for c in view.columns]
    as_of, explanation = keys.index("as_of"), keys.index("explanation")
    # only the served commune whose nearest site rests on a 2017 source is flagged (hatched)
    assert {nis: row.flags for nis, row in rows.items()} == {"10001": ("stale",), "10002": (), "10003": ()}
    assert rows["10001"].json()["flags"] == ["stale"] and "flags" not in rows["10002"].json()
    # the date in the page's language, "to be confirmed" when stale; nothing for an undated unknown
    assert rows["10001"].cells[as_of] == "décembre 2017 – to be confirmed"
    assert rows["10002"].cells[as_of] == "août 2026" and rows["10003"].cells[as_of] == ""
    assert "décembre 2017" in rows["10001"].cells[explanation] and "2017-12" not in rows["10001"].cells[explanation]
    assert "to be confirmed" in rows["10001"].cells[explanation]
    assert "as of août 2026" in rows["10002"].cells[explanation]
    # the table sorts the column by date, not by the month's name
    assert rows["10001"].numbers[as_of] < rows["10002"].numbers[as_of] and rows["10003"].numbers[as_of] is None
    # the legend counts the hatched communes and names the data's day in the page's language
    assert view.summary["stale"] == 1 and view.summary["as_of"] == "7 décembre 2026"
    assert view.columns[as_of].tooltip  # shown when pointed at, as in the popup
    english = stale_view(lang="en")
    assert english.layers[0].rows["10001"].cells[as_of] == "December 2017 – to be confirmed"
    # statuses the date rules never judged (a scenario's): no "as of" column, nothing hatched
    communes = communes_frame()
    undated = gaps.gaps_map(
        stale_indicators(communes.index).drop(columns=["status_as_of_ngo_service", "status_stale_ngo_service"]),
        {nis: nis for nis in communes.index},
        "ngo_service",
        pd.DataFrame(columns=["nis", "gain"]),
        {},
        str,
        "NGO service",
    )
    assert "as_of" not in [c.key for c in undated.columns] and undated.summary["stale"] == 0
    assert all(len(r.cells) == len(undated.columns) == len(r.numbers) for r in undated.layers[0].rows.values())


def centre_inputs():
    centres = pd.DataFrame(
        {
            "support_km_ngo_service": [3.2, 40.0, 0.5],
            "support_ngo_service": [2, 0, 1],
            "support_km_social_welfare": [0.0, np.nan, 1.0],
            "support_social_welfare": [1, 0, 1],
            "support_kinds": ["ngo_service;social_welfare", "", "ngo_service;social_welfare"],
            "support_count": [2, 0, 2],
            "isolated": [False, True, False],
            "support_reach_km": [15.0] * 3,
        },
        index=pd.Index(["c-near", "c-far", "c-other"], name="id"),
    )
    sites = gpd.GeoDataFrame(
        {
            "name": [EVIL, "Remote centre", "Other centre", "A desk"],
            "names": [{}, {"fr": "Centre éloigné"}, {}, {}],
            "nis": ["10001", "10003", "10002", "10002"],
            "initiative_id": ["fedasil", "red-cross", "fedasil", "ngo"],
            "last_confirmed": ["2026-08", None, "2022-06", "2026-01"],
            "stale": [False, True, True, False],
        },
        geometry=[Point(4.05, 50.05), Point(4.25, 50.05), Point(4.15, 50.05), Point(4.16, 50.06)],
        index=pd.Index(["c-near", "c-far", "c-other", "desk"], name="id"),
        crs=4326,
    )
    return centres, sites


def centre_layer(lang="fr"):
    from geo_service.mapviews import centres as cp

    centres, sites = centre_inputs()
    communes = communes_frame()
    return cp.centre_layer(
        centres,
        sites,
        ["ngo_service", "social_welfare", "citizen_initiative"],  # a kind without columns is left out
        {"ngo_service": "NGO service", "social_welfare": "CPAS"},
        {nis: local_name(row) for nis, row in communes.drop(columns="geometry").iterrows()},
        dict(zip(communes.index, communes["province"])),
        lambda i: f"/initiative/{i}",
        lambda s: f"/correct?site={s}",
        lang=lang,
    )


def test_reception_centres_show_the_support_within_reach_and_isolated_ones_apart():
    layer = centre_layer()
    assert layer.object is None and list(layer.rows) == ["c-far", "c-near", "c-other"]  # isolated first
    keys = [c.key for c in layer.columns]
    assert keys == ["name", "commune", "support", "support_ngo_service", "support_social_welfare", "as_of"]
    far, near = layer.rows["c-far"], layer.rows["c-near"]
    assert far.flags == ("isolated",) and near.flags == ()
    cells = dict(zip(keys, far.cells))
    assert cells["name"] == "Centre éloigné" and cells["commune"] == "C"  # named in the page's language
    assert cells["support"] == "none of the 2 kinds: isolated"
    assert cells["support_ngo_service"] == "none within 15 km; nearest 40,0\u00a0km"
    assert cells["support_social_welfare"] == "none known"
    assert cells["as_of"] == "undated – to be confirmed"
    near_cells = dict(zip(keys, near.cells))
    assert near_cells["support"] == "2 of 2 kinds" and near_cells["name"] == EVIL  # escaped where shown
    assert near_cells["support_ngo_service"] == "2 within 15 km; nearest 3,2\u00a0km"
    assert near_cells["as_of"] == "août 2026"
    assert far.at == (50.05, 4.25) and far.group == "30000" and far.links == {0: "/initiative/red-cross"}
    assert far.actions == [
        ("Page of the initiative", "/initiative/red-cross"),
        ("Report a correction", "/correct?site=c-far"),
    ]
    from geo_service.mapviews import centres as cp

    assert cp.counts(layer) == {"centres": 3, "isolated": 1} and cp.counts(None) == {"centres": 0, "isolated": 0}
    assert cp.centre_layer(None, centre_inputs()[1], [], {}, {}, {}, str, str) is None


def test_the_gaps_view_carries_the_centres_as_points_in_its_data_and_downloads():
    from geo_service.mapviews import downloads

    view = stale_view(centres=centre_layer())
    assert view.summary["centres"] == 3 and view.summary["isolated"] == 1
    data = view.data()
    points = data["layers"][1]
    assert points["object"] is None and points["order"][0] == "c-far"
    assert [c["key"] for c in points["columns"]][:3] == ["name", "commune", "support"]
    assert points["rows"]["c-far"]["flags"] == ["isolated"] and points["rows"]["c-far"]["at"] == [50.05, 4.25]
    assert points["rows"]["c-near"]["actions"][1] == ["Report a correction", "/correct?site=c-near"]
    # a page carries the rows of every layer in its tables: none in the JSON beside them
    assert all("rows" not in layer for layer in view.data(rows=False)["layers"])
    geo = orjson.loads(downloads.to_geojson(view, {"communes": communes_frame()}))
    centres = [f for f in geo["features"] if f["properties"]["layer"] == "centres"]
    assert [f["id"] for f in centres] == ["centres:c-far", "centres:c-near", "centres:c-other"]
    assert centres[0]["geometry"] == {"type": "Point", "coordinates": [4.25, 50.05]}
    assert centres[0]["properties"]["support"] == "none of the 2 kinds: isolated"
    csv_text = downloads.to_csv(view).decode()
    header = csv_text.splitlines()[0].split(",")
    assert header[:2] == ["layer", "code"] and {"lat", "lon", "support", "as_of", "status"} <= set(header)


def test_what_the_map_knows_writes_dates_and_publishers_in_the_page_language():
    from geo_service.mapviews import knowledge

    networks = pd.DataFrame(
        {
            "name": ["Offices", "Desks"],
            "names": [{"fr": "Bureaux"}, {}],
            "kind": ["ngo_service"] * 2,
            "status": ["partial", "unknown"],
            "known_sites": [2, 1],
            "expected_sites": [5.0, np.nan],
            "lower_bound": [False, False],
            "as_of": ["2021-03", "undated (pre-2015 municipal page)"],
            "sources": [
                [{"url": "https://example.org/a", "publisher": "RTBF (news)"}],
                [{"url": "https://example.org/b", "publisher": "Union des Villes et Communes de Wallonie (UVCW)"}],
            ],
            "commune_count": [3, 3],
            "confirmed": ["2015-05", None],
            "stale": [True, True],
        },
        index=["offices", "desks"],
    )
    offices, desks = knowledge.network_rows(networks, lang="fr")
    assert offices["name"] == "Bureaux" and offices["as_of"] == "mars 2021" and not offices["undated"]
    assert offices["source"]["publisher"] == "RTBF"  # the register's English comment left out
    assert offices["stale"] and offices["confirmed"] == "mai 2015"
    assert desks["as_of"] is None and desks["undated"] and desks["confirmed"] is None
    assert desks["source"]["publisher"] == "Union des Villes et Communes de Wallonie (UVCW)"  # its own abbreviation
    assert knowledge.publisher_name("Gemeente Machelen (about the Onthaalbureau inburgering)") == "Gemeente Machelen"
    assert knowledge.publisher_name("CAI asbl (Namur)") == "CAI asbl (Namur)"
    assert knowledge.network_rows(networks, lang="nl")[0]["as_of"] == "maart 2021"


def test_coverage_values_are_written_in_the_page_language_with_their_unit():
    communes = communes_frame()
    names = {nis: display_name(row, "fr") for nis, row in communes.drop(columns="geometry").iterrows()}
    query = cov.CoverageQuery(measure="present", rate="per_10k")
    view = cov.coverage_map(communes, names, PROVINCES, FakeCatalogue(), None, query, lang="fr")
    value = view.layers[0].rows["10001"]
    assert value.cells[-1] == "1,00" and value.numbers[-1] == pytest.approx(1.0)
    assert all("." not in row["label"] for row in view.legend if not row.get("missing"))
    assert view.columns[-1].unit == {
        "one": "initiative per 10,000 inhabitants",
        "other": "initiatives per 10,000 inhabitants",
    }
    assert view.data()["columns"][-1]["unit"]["other"] == "initiatives per 10,000 inhabitants"
    assert cov.unit(cov.CoverageQuery(measure="sites"), str) == {"one": "site", "other": "sites"}
    assert cov.unit(cov.CoverageQuery(rate="per_1k_foreign"), str)["other"] == "initiatives per 1,000 foreign residents"


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
    """The MCLP run of a gaps map takes seconds: its result is cached on disk under the digest
    of the problem solved, so a restart on the same data (or the warm-up of a new worker, or
    new data that leave the problem as it was) does not redo it."""
    response = client.get("/map/gaps?kind=ngo_service&lang=en")
    assert response.status_code == 200
    assert list((settings.cache_dir / "derived").glob("suggestions-ngo_service-*.pkl"))
    # reception judges no commune (issue 22): the gaps map does not offer it as a kind
    assert client.get("/map/gaps?kind=reception_centre&lang=en").status_code == 400


# --- contrast (issue 24, item 10) -----------------------------------------------------------------


def test_palettes_keep_three_to_one_where_it_can_be_kept():
    from branca.utilities import color_brewer

    from geo_service.mapviews import palette as pal

    # "none (0)" against the first class of a count; the status fills against each other
    assert pal.contrast(pal.ZERO_COLOUR, pal.SEQUENTIAL[0]) >= 3
    fills = pal.STATUS_FILLS
    assert min(pal.contrast(a, b) for a in fills.values() for b in fills.values() if a != b) >= 3
    # the sequential classes get darker step by step (told apart by 1.5:1 at least; 3:1 between
    # more than three neighbours cannot exist, luminance contrast tops out at 21:1)
    steps = [pal.contrast(a, b) for a, b in zip(pal.SEQUENTIAL, pal.SEQUENTIAL[1:])]
    assert min(steps) >= 1.5 and [pal.luminance(c) for c in pal.SEQUENTIAL] == sorted(
        (pal.luminance(c) for c in pal.SEQUENTIAL), reverse=True
    )
    # every line (borders, status outlines) against every fill any map draws: its two tones
    # stand 3:1 apart, and one of them stands 3:1 from the fill
    every_fill = [
        *gaps.BIVARIATE.values(),
        *fills.values(),
        *pal.SEQUENTIAL,
        pal.ZERO_COLOUR,
        pal.MISSING_SWATCH,
        *color_brewer("RdBu", 9),
        "#9ecae1",  # the home map
    ]
    for line in (pal.BORDER, *pal.OUTLINES.values()):
        assert pal.contrast(line["casing"], line["color"]) >= 3, line
        worst = min(every_fill, key=lambda fill: pal.line_contrast(line, fill))
        assert pal.line_contrast(line, worst) >= 3, (line, worst)
    # the two status outlines differ in more than colour: one is dashed
    assert "dashArray" in pal.OUTLINES["unknown"] and "dashArray" not in pal.OUTLINES["gap"]


def test_coverage_classes_use_the_contrast_palette():
    values = pd.Series([0, 0, 1, 2, 3, 5, 8, 13, np.nan], index=list("abcdefghi"))
    classes = mb.classify(values, k=4, method="quantiles", palette=SEQUENTIAL)
    assert classes.colours[0] == mb.ZERO_COLOUR and classes.colours[1] == SEQUENTIAL[0]
    assert set(classes.colours[1:]) <= set(SEQUENTIAL)
    assert mb.spread(SEQUENTIAL, 2) == [SEQUENTIAL[0], SEQUENTIAL[-1]]


# --- the shared geometry --------------------------------------------------------------------------


def test_topology_shares_borders_and_keys_features_by_code():
    import orjson

    from geo_service.mapviews import topology

    communes = communes_frame()
    doc = orjson.loads(topology.topology(communes))
    assert doc["type"] == "Topology" and "transform" in doc  # quantised, delta-encoded arcs
    ids = {name: [g["id"] for g in obj["geometries"]] for name, obj in doc["objects"].items()}
    assert ids == {
        "communes": ["10001", "10002", "10003"],
        "provinces": ["20001", "30000"],
        "regions": ["02000", "03000"],
    }
    assert all("properties" not in g for obj in doc["objects"].values() for g in obj["geometries"])
    # the province of 10001 and 10002 is drawn from their arcs (no arc of its own)
    arcs_of = {
        g["id"]: {a if a >= 0 else ~a for ring in g["arcs"] for a in ring}
        for g in doc["objects"]["communes"]["geometries"]
    }
    province = next(g for g in doc["objects"]["provinces"]["geometries"] if g["id"] == "20001")
    assert {a if a >= 0 else ~a for ring in province["arcs"] for a in ring} <= arcs_of["10001"] | arcs_of["10002"]


# --- over HTTP: one geometry, small views, downloads ------------------------------------------------

HTML = {"Accept": "text/html", "Accept-Encoding": "gzip"}


def page_text(client, path) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_geometry_is_one_immutable_content_addressed_resource(client):
    import hashlib
    import re

    urls = {
        re.search(r'"topology": "([^"]+)"', page_text(client, path)).group(1)
        for path in ("/?lang=fr", "/map/coverage?lang=nl", "/map/gaps?kind=social_welfare&lang=en", "/map/employment")
    }
    assert len(urls) == 1  # every map, language and view: the same document
    url = urls.pop()
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    raw = client.get(url).data
    assert url.endswith(f"/{hashlib.sha256(raw).hexdigest()[:16]}.topojson")
    doc = orjson.loads(raw)
    assert len(doc["objects"]["communes"]["geometries"]) == 565
    assert len(doc["objects"]["provinces"]["geometries"]) == 11 and len(doc["objects"]["regions"]["geometries"]) == 3
    stale = client.get("/map/geometry/0000000000000000.topojson")
    assert stale.status_code == 302 and stale.headers["Location"].endswith(url)


def test_map_pages_carry_no_geometry_and_let_phones_zoom(client):
    for path in ("/?lang=fr", "/map/coverage?lang=fr", "/map/gaps?lang=nl", "/map/employment?lang=en"):
        html = page_text(client, path)
        assert '"coordinates"' not in html and '"arcs"' not in html, path
        assert "maximum-scale" not in html and "user-scalable" not in html, path
        assert "imperial: false" in html, path  # a metric scale bar only
        assert "skip-map" in html and 'id="after-map"' in html, path
    assert '"zoomInTitle": "Zoom avant"' in page_text(client, "/map/gaps?lang=fr")
    assert '"zoomOutTitle": "Uitzoomen"' in page_text(client, "/map/coverage?lang=nl")


def test_a_view_is_a_small_json_keyed_by_code_cached_for_good(client):
    from geo_service.web.context import current_snapshot

    with client.application.app_context():
        version = current_snapshot().version[:12]
    response = client.get(f"/map/gaps.json?kind=public_employment_service&lang=fr&v={version}", headers=HTML)
    assert response.status_code == 200 and response.headers["Cache-Control"].endswith("immutable")
    assert len(response.data) < 40_000  # compressed
    view = orjson.loads(client.get(f"/map/gaps.json?kind=public_employment_service&lang=fr&v={version}").data)
    rows = view["layers"][0]["rows"]
    assert len(rows) == 565 and set(view["layers"][0]["order"]) == set(rows)
    assert rows["21004"]["cells"][0] == "Bruxelles" and rows["21004"]["fill"].startswith("#")
    assert view["page"] == "/map/gaps?kind=public_employment_service&lang=fr"
    assert view["languages"]["nl"] == "/map/gaps?kind=public_employment_service&lang=nl"
    assert "status-counts" in view["legend"] and "province-counts" in view["panel"]
    assert view["downloads"]["csv"].startswith("/map/gaps.csv?")
    # another data version: redirected to the current one; a bad value: 400 naming it
    old = client.get("/map/gaps.json?kind=public_employment_service&lang=fr&v=000000000000")
    assert old.status_code == 302 and f"v={version}" in old.headers["Location"]
    bad = client.get(f"/map/gaps.json?kind=teleport&v={version}", headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.get_json()["details"]["parameter"] == "kind"
    unknown = client.get(f"/map/coverage.json?colour=red&v={version}")
    assert unknown.status_code == 400


def test_download_this_view_as_csv_and_geojson(client):
    import csv
    import io

    text = client.get("/map/coverage.csv?kind=civic_integration_office&lang=fr").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 565 and {"code", "name", "province", "value"} <= set(rows[0])
    brussels = next(r for r in rows if r["code"] == "21004")
    assert brussels["name"] == "Bruxelles" and float(brussels["value"]) >= 0
    assert "coverage?kind=civic_integration_office" in rows[0]["about"]
    geo = client.get("/map/gaps.geojson?kind=social_welfare&lang=nl").get_json()
    communes = [f for f in geo["features"] if f["properties"]["layer"] == "communes"]
    assert len(communes) == 565
    feature = next(f for f in communes if f["id"] == "communes:21004")
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["status"] and feature["properties"]["explanation"]
    # the reception centres of the view, as points with the support within their reach
    centres = [f for f in geo["features"] if f["properties"]["layer"] == "centres"]
    assert centres and all(f["geometry"]["type"] == "Point" for f in centres)
    assert {"support", "support_social_welfare", "as_of", "lat", "lon"} <= set(centres[0]["properties"])
    employment = client.get("/map/employment.csv?lang=en").get_data(as_text=True)
    assert "layer" in employment.splitlines()[0] and "gap_pp" in employment.splitlines()[0]


def test_sites_document_serves_every_coverage_view(client):
    import re

    html = page_text(client, "/map/coverage?lang=en")
    url = re.search(r'"sitesUrl": "([^"]+)"', html).group(1)
    response = client.get(url)
    assert response.headers["Cache-Control"].endswith("immutable")
    doc = response.get_json()
    with client.application.app_context():
        from geo_service.web.context import current_snapshot

        assert len(doc["sites"]) == len(current_snapshot().catalogue.sites)


def test_gaps_page_legend_explains_hatching_centres_and_unjudged_kinds_once(client):
    import re

    from geo_service import formatting

    with client.application.app_context():
        from geo_service.web.context import current_snapshot

        snap = current_snapshot()
        day, centres = snap.catalogue.as_of, snap.indicators.centres
    html = page_text(client, "/map/gaps?kind=public_employment_service&lang=fr")
    legend = html[html.index("data-atlas-legend") : html.index('id="atlas-view"')]
    stale = re.search(r'data-status="stale">\((\d+) communes\)', legend)
    assert stale and int(stale.group(1)) > 0 and "hachuré : à confirmer" in legend
    assert formatting.date(day.isoformat(), "fr") in legend  # the day the dates were judged, in French
    assert legend.count('fill="url(#atlas-stale)"') == 1 and 'id="atlas-stale"' in html
    # the centres: counted in the legend, one row each in their table, with a correction link
    assert f'data-centres="all">({len(centres)})' in legend
    assert f'data-centres="isolated">({int(centres["isolated"].sum())})' in legend
    table = html[html.index('data-atlas-points="centres"') :]
    assert table.count("<tr data-code=") == len(centres) and table.count("/correct?site=") == len(centres)
    # not assessed: each reason said once, in the legend, never per commune
    assert html.count("Les centres d&#39;accueil sont les lieux où") == 1
    # commune popups link to the correction form in the page's language
    assert '"correctLink": "/correct?commune={code}\\u0026lang=fr"' in html
    need = page_text(client, "/map/gaps?fill=need&lang=nl")
    assert "De nood telt de buitenlandse inwoners van 2015" in need


def test_coverage_page_dates_its_denominator_and_links_sites_to_corrections(client):
    html = page_text(client, "/map/coverage?rate=per_1k_foreign&lang=en")
    legend = html[html.index("data-atlas-legend") : html.index('id="atlas-view"')]
    assert "Foreign residents of 2015, the latest figures by commune the atlas holds, on the communes of 2025" in legend
    assert "Foreign residents of 2015" not in page_text(client, "/map/coverage?lang=en").split('id="atlas-view"')[0]
    assert '"correctSiteLink": "/correct?site={id}\\u0026lang=en"' in html
    knows = html[html.index('class="knows"') :]
    assert "(news)" not in knows and "(official portal)" not in knows


def test_site_sources_are_cited_by_publisher_and_year_never_by_file_name():
    from geo_service.catalogue import documents

    for seed, doc in documents.registry().items():
        label = cov.source_label({"seed": seed, "quote": "..."})
        assert seed not in label and label.startswith(doc.publisher[:3])
        assert label.endswith(f"({doc.year})") if doc.year else "(" not in label
    assert cov.source_label({"url": "https://example.org", "publisher": "RTBF (news)"}) == "RTBF"
    assert cov.source_label({"url": "https://example.org"}) == "https://example.org"
    assert cov.source_label({"seed": "no-such-file.txt"}) == ""
