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
from geo_service.api.exports import to_columns_csv, to_csv, to_excel_csv, to_geojson, to_geopackage, to_sources_csv
from geo_service.api.features import FeatureStore, feature_collection, sortables_of
from geo_service.api.licences import PROJECT_LICENCE
from geo_service.api.query import DEFAULT_LIMIT, MAX_LIMIT, FeatureView, parse_items
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


def _sortable() -> Collection:
    """Five points with names that differ in case and accents, a decimal with a gap and ties."""
    names = ["Zele", "écaussinnes", "Aalst", "Eeklo", "Dour"]
    exact = gpd.GeoDataFrame(
        {
            "name": names,
            "share": [0.5, None, 0.25, 0.5, 0.125],
            "code": ["04000", "3-2", "20-64", "x", "=1+1"],
            "group": ["b", "a", "b", "a", "b"],
        },
        geometry=[shapely.Point(150000 + 1000 * i, 170000) for i in range(5)],
        index=[f"f{i}" for i in range(5)],
        crs="EPSG:31370",
    )
    c = Collection("sortable", "Sortable", "synthetic", exact.to_crs(4326), exact, SOURCES, "id")
    c.properties = _records(c.display, "id")
    c.default_properties = ("id", "name")
    c.columns = {
        name: {"description": f"about {name}", "unit": None, "year": 2025, "source": "test"} for name in c.properties[0]
    }
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
    assert geo["dataLicence"]["name"] == "CC BY 4.0" and geo["licence"].startswith("Data of the Welcome Atlas")
    assert len(geo["features"]) == 3
    first = shapely.geometry.shape(geo["features"][0]["geometry"])
    assert first.equals_exact(c.exact.to_crs(4326).geometry.iloc[0], 1e-6)

    text = to_csv(c).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    # issue 24: no sources text repeated on every row; the companion file carries it once
    assert list(rows[0]) == ["id", "name", "province", "pop", "themes", "flag", "lon", "lat", "wkt"]
    assert "Test source" not in text and "CC BY" not in text
    sources = list(csv.DictReader(io.StringIO(to_sources_csv(c).decode())))
    assert [s["licence"] for s in sources] == ["CC BY 4.0", "CC BY 4.0"]
    assert sources[0]["url"] == PROJECT_LICENCE["url"] and sources[1]["title"] == "Test source"
    assert shapely.from_wkt(rows[0]["wkt"]).contains(shapely.Point(float(rows[0]["lon"]), float(rows[0]["lat"])))
    assert orjson.loads(rows[1]["themes"]) == ["housing", "language"]

    path = tmp_path / "t.gpkg"
    path.write_bytes(to_geopackage(c))
    layer = pyogrio.read_dataframe(path, layer="test")
    assert len(layer) == 3 and layer.crs.to_epsg() == 31370
    assert layer.geometry.iloc[0].equals_exact(c.exact.geometry.iloc[0], 1e-6)
    assert "CC BY 4.0" in pyogrio.read_info(path, layer="test")["dataset_metadata"]["sources"]
    assert pyogrio.read_dataframe(path, layer="sources")["licence"].tolist() == ["CC BY 4.0"]


def _ids(store, args):
    return [store.ids[i] for i in store.select(parse_items(args, store.queryables, store.returnables, store.sortables))]


def test_sortby_orders_folded_names_numbers_and_puts_missing_values_last():
    store = FeatureStore(_sortable())
    assert _ids(store, {}) == ["f0", "f1", "f2", "f3", "f4"]  # collection order without sortby
    # "écaussinnes" sorts with the e's (case and accents folded), before "Eeklo"
    assert _ids(store, {"sortby": "name"}) == ["f2", "f4", "f1", "f3", "f0"]
    assert _ids(store, {"sortby": "-name"}) == ["f0", "f3", "f1", "f4", "f2"]
    # ties keep collection order; the feature without a value comes last in both directions
    assert _ids(store, {"sortby": "share"}) == ["f4", "f2", "f0", "f3", "f1"]
    assert _ids(store, {"sortby": "-share"}) == ["f0", "f3", "f2", "f4", "f1"]
    assert _ids(store, {"sortby": "-share,-name"}) == ["f0", "f3", "f2", "f4", "f1"]
    assert _ids(store, {"sortby": "-share,name"}) == ["f3", "f0", "f2", "f4", "f1"]
    assert _ids(store, {"sortby": "group,-share"}) == ["f3", "f1", "f0", "f2", "f4"]
    assert _ids(store, {"sortby": "-name", "group": "a"}) == ["f3", "f1"]  # filters, then order


def test_paging_follows_the_order():
    store = FeatureStore(_sortable())
    query = parse_items({"sortby": "-share", "limit": "2", "offset": "1"}, {}, store.returnables, store.sortables)
    features, matched = store.page(query)
    assert matched == 5 and [orjson.loads(f)["id"] for f in features] == ["f3", "f2"]


def test_sortables_are_the_scalar_properties():
    store = FeatureStore(_synthetic())
    assert store.sortables == {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "province": {"type": "string"},
        "pop": {"type": "integer"},
        "flag": {"type": "boolean"},
    }
    assert sortables_of(_sortable())["share"] == {"type": "number"}
    assert "minimum" not in store.queryables["pop"] and "maximum" not in store.queryables["pop"]


def test_properties_and_skip_geometry_shape_each_feature():
    store = FeatureStore(_sortable())
    plain = orjson.loads(store.feature("f1", crsmod.CRS84))
    assert list(plain["properties"]) == ["id", "name", "share", "code", "group"]  # one feature: every property
    assert plain["geometry"]["type"] == "Point" and plain["id"] == "f1"
    page, _ = store.page(parse_items({"limit": "1"}, {}, store.returnables, store.sortables))
    assert list(orjson.loads(page[0])["properties"]) == ["id", "name"]  # a layer: the collection's default set
    chosen = orjson.loads(store.feature("f1", crsmod.CRS84, FeatureView(("share", "code"), False)))
    assert chosen["properties"] == {"share": None, "code": "3-2"} and chosen["geometry"] == plain["geometry"]
    bare = orjson.loads(store.feature("f1", crsmod.LAMBERT72, FeatureView(None, True)))
    assert bare["geometry"] is None and bare["properties"] == plain["properties"]
    none = orjson.loads(store.feature("f1", crsmod.CRS84, FeatureView((), True)))
    assert none["properties"] == {} and none["geometry"] is None
    lambert = orjson.loads(store.feature("f1", crsmod.LAMBERT72, FeatureView(("name",), False)))
    assert lambert["geometry"]["coordinates"] == pytest.approx([151000, 170000], abs=0.05)
    query = parse_items({"skipGeometry": "true", "properties": "share"}, {}, store.returnables, store.sortables)
    features, _ = store.page(query)
    assert [orjson.loads(f)["properties"] for f in features] == [{"share": v} for v in (0.5, None, 0.25, 0.5, 0.125)]


def test_a_collection_without_a_default_set_shows_every_property():
    store = FeatureStore(_synthetic())
    assert store.default_properties == ("id", "name", "province", "pop", "themes", "flag")
    assert set(orjson.loads(store.feature("a", crsmod.CRS84))["properties"]) == set(store.default_properties)


def test_the_excel_csv_reads_back_in_a_belgian_locale():
    """UTF-8 with a byte-order mark, ';' between cells, decimal commas, CRLF; codes Excel would
    re-type kept as text (="04000"); formulas from the data still inert; no WKT (a cell's limit)."""
    c = _sortable()
    data = to_excel_csv(c)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["id", "name", "share", "code", "group", "lon", "lat"]
    by_id = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert [by_id[f]["share"] for f in ("f0", "f1", "f2", "f4")] == ["0,5", "", "0,25", "0,125"]
    assert by_id["f0"]["code"] == '="04000"' and by_id["f1"]["code"] == '="3-2"' and by_id["f2"]["code"] == '="20-64"'
    assert by_id["f3"]["code"] == "x" and by_id["f4"]["code"] == "'=1+1"  # a formula in the data stays inert
    assert by_id["f1"]["name"] == "écaussinnes"
    lon = float(by_id["f0"]["lon"].replace(",", "."))
    assert 4.3 < lon < 4.5 and "." not in by_id["f0"]["lon"]
    standard = list(csv.DictReader(io.StringIO(to_csv(c).decode())))
    assert standard[0]["code"] == "04000" and standard[0]["share"] == "0.5"  # the plain CSV is plain


def test_the_columns_csv_documents_every_column():
    c = _sortable()
    rows = list(csv.DictReader(io.StringIO(to_columns_csv(c).decode())))
    assert [r["column"] for r in rows] == [*c.properties[0], "lon", "lat", "wkt"]
    assert rows[1] == {"column": "name", "description": "about name", "unit": "", "year": "2025", "source": "test"}


def test_records_are_json_ready_column_by_column():
    """Properties are plain Python values whatever the column's dtype: numpy numbers become int,
    float and bool, NaN, infinity and pandas' NA become null, containers are copied through."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {
            "id": ["x", "y"],
            "count": np.array([3, 4], dtype="int64"),
            "share": [0.5, np.nan],
            "ratio": [np.inf, 1.25],
            "flag": np.array([True, False]),
            "year": pd.array([2025, None], dtype="Int64"),
            "names": [{"fr": "Anvers", "nl": np.nan}, {}],
            "themes": [np.array(["language"]), []],
        },
        index=pd.Index(["x", "y"], name="id"),
    )
    rows = _records(frame, "id")
    assert rows == [
        {"id": "x", "count": 3, "share": 0.5, "ratio": None, "flag": True, "year": 2025,
         "names": {"fr": "Anvers", "nl": None}, "themes": ["language"]},
        {"id": "y", "count": 4, "share": None, "ratio": 1.25, "flag": False, "year": None, "names": {}, "themes": []},
    ]  # fmt: skip
    assert [type(v) for v in rows[0].values()] == [str, int, float, type(None), bool, int, dict, list]
    assert orjson.loads(orjson.dumps(rows)) == rows
