"""The Flask-free API core on small synthetic collections: query validation, bbox/filters/paging,
CRS transforms and the downloads' sources and licences."""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import orjson
import pyogrio
import pytest
import shapely

from geo_service.api import crs as crsmod
from geo_service.api.collections import Collection, _records
from geo_service.api.exports import to_csv, to_geojson, to_geopackage
from geo_service.api.features import FeatureStore, feature_collection
from geo_service.api.query import DEFAULT_LIMIT, MAX_LIMIT, parse_items
from geo_service.errors import InvalidParameter

SOURCES = [
    {"title": "Test source", "url": "https://example.org/data", "licence": "CC BY 4.0", "attribution": "Example"}
]


def _synthetic() -> Collection:
    """Three 1 km squares in Lambert 72 near Brussels, one without geometry-free surprises."""
    origins = [(148000, 170000), (150000, 170000), (160000, 180000)]
    exact = gpd.GeoDataFrame(
        {
            "name": ["A", "B", "C"],
            "province": ["04000", "04000", "20001"],
            "pop": [10, 20, 30],
            "themes": [["language"], ["housing", "language"], []],
            "flag": [True, False, True],
        },
        geometry=[shapely.box(x, y, x + 1000, y + 1000) for x, y in origins],
        index=["a", "b", "c"],
        crs="EPSG:31370",
    )
    display = exact.to_crs(4326)
    c = Collection("test", "Test", "synthetic", display, exact, SOURCES, "id")
    c.properties = _records(display, "id")
    return c


@pytest.fixture()
def store():
    return FeatureStore(_synthetic())


@pytest.mark.parametrize(
    "args",
    [
        {"limit": "0"},
        {"limit": "x"},
        {"offset": "-1"},
        {"bbox": "1,2,3"},
        {"bbox": "4,51,3,50"},
        {"bbox": "a,b,c,d"},
        {"bbox": "0,0,200,10"},
        {"crs": "EPSG:4326"},
        {"bbox": "1,2,3,4", "bbox-crs": "EPSG:4326"},
        {"unknown": "1"},
        {"pop": "ten"},
        {"flag": "yes"},
        {"lang": "xx"},
        {"f": "xml"},
        {"datetime": "yesterday"},
    ],
)
def test_bad_parameters_are_invalid(args, store):
    with pytest.raises(InvalidParameter):
        parse_items(args, store.queryables)


def test_limit_default_and_clamp(store):
    assert parse_items({}, store.queryables).limit == DEFAULT_LIMIT
    assert parse_items({"limit": str(MAX_LIMIT * 5)}, store.queryables).limit == MAX_LIMIT


def test_queryables_types(store):
    q = store.queryables
    assert q["province"]["type"] == "string" and q["pop"]["type"] == "integer"
    assert q["flag"]["type"] == "boolean" and q["themes"]["type"] == "array"


def test_bbox_selects_intersecting_features(store):
    a, b = store.collection.display.geometry.loc["a"], store.collection.display.geometry.loc["b"]
    minx, miny, maxx, maxy = a.bounds
    only_a = parse_items({"bbox": f"{minx},{miny},{(minx + maxx) / 2},{maxy}"}, store.queryables)
    assert [store.ids[i] for i in store.select(only_a)] == ["a"]
    both = parse_items({"bbox": ",".join(map(str, shapely.union(a, b).bounds))}, store.queryables)
    assert [store.ids[i] for i in store.select(both)] == ["a", "b"]


def test_bbox_in_lambert_matches_crs84(store):
    lam = parse_items({"bbox": "147900,169900,149100,171100", "bbox-crs": crsmod.LAMBERT72}, store.queryables)
    assert [store.ids[i] for i in store.select(lam)] == ["a"]


def test_property_filters(store):
    def ids(args):
        return [store.ids[i] for i in store.select(parse_items(args, store.queryables))]

    assert ids({"province": "04000"}) == ["a", "b"]
    assert ids({"themes": "housing"}) == ["b"]
    assert ids({"flag": "true", "province": "04000"}) == ["a"]
    assert ids({"pop": "30"}) == ["c"]
    assert ids({"province": "99999"}) == []


def test_paging_and_document(store):
    q = parse_items({"limit": "2", "offset": "1"}, store.queryables)
    features, matched = store.page(q)
    doc = orjson.loads(feature_collection(features, matched, [], "2020-01-01T00:00:00Z"))
    assert doc["numberMatched"] == 3 and doc["numberReturned"] == 2
    assert [f["id"] for f in doc["features"]] == ["b", "c"]
    assert doc["features"][1]["properties"]["themes"] == []


def test_lambert_output_round_trips(store):
    feature = orjson.loads(store.feature("a", crsmod.LAMBERT72))
    geom = shapely.geometry.shape(feature["geometry"])
    assert geom.bounds == pytest.approx((148000, 170000, 149000, 171000), abs=0.05)
    lambert2008 = shapely.geometry.shape(orjson.loads(store.feature("a", crsmod.LAMBERT2008))["geometry"])
    assert lambert2008.bounds[0] > 600000  # Lambert 2008 false easting is 649328 m


def test_parse_crs_aliases():
    assert crsmod.parse_crs("EPSG:3812") == crsmod.LAMBERT2008
    assert crsmod.parse_crs(None) == crsmod.CRS84
    with pytest.raises(InvalidParameter):
        crsmod.parse_crs("http://www.opengis.net/def/crs/EPSG/0/32631")


def test_downloads_carry_sources(tmp_path):
    c = _synthetic()
    geo = orjson.loads(to_geojson(c))
    assert geo["sources"] == SOURCES and "CC BY 4.0" in geo["licence"]
    assert len(geo["features"]) == 3
    first = shapely.geometry.shape(geo["features"][0]["geometry"])
    assert first.equals_exact(c.exact.to_crs(4326).geometry.iloc[0], 1e-6)

    rows = list(csv.DictReader(io.StringIO(to_csv(c).decode())))
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert all("CC BY 4.0" in r["dataset_sources"] for r in rows)
    assert shapely.from_wkt(rows[0]["wkt"]).contains(shapely.Point(float(rows[0]["lon"]), float(rows[0]["lat"])))
    assert orjson.loads(rows[1]["themes"]) == ["housing", "language"]

    path = tmp_path / "t.gpkg"
    path.write_bytes(to_geopackage(c))
    layer = pyogrio.read_dataframe(path, layer="test")
    assert len(layer) == 3 and layer.crs.to_epsg() == 31370
    assert layer.geometry.iloc[0].equals_exact(c.exact.geometry.iloc[0], 1e-6)
    assert "CC BY 4.0" in pyogrio.read_info(path, layer="test")["dataset_metadata"]["sources"]
    assert pyogrio.read_dataframe(path, layer="sources")["licence"].tolist() == ["CC BY 4.0"]
