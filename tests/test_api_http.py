"""The OGC API endpoints through Flask's test client: documents, errors, paging, CRS, caching,
CORS, the OpenAPI document and downloads."""

from __future__ import annotations

import csv
import gzip
import io

import orjson
import pytest
import shapely
from openapi_spec_validator import validate

from geo_service.api.crs import LAMBERT72

LEVEL_COUNTS = {"communes": 565, "arrondissements": 43, "provinces": 11, "regions": 3}


def _json(response):
    assert response.status_code == 200, response.data[:300]
    return orjson.loads(response.data)


def test_landing_conformance_and_root(client):
    doc = _json(client.get("/ogc"))
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert rels["service-desc"].endswith("/api") and rels["data"].endswith("/collections")
    assert "conformance" in rels
    assert _json(client.get("/", headers={"Accept": "application/json"}))["links"] == doc["links"]
    assert client.get("/", headers={"Accept": "text/html"}).mimetype == "text/html"
    classes = _json(client.get("/conformance"))["conformsTo"]
    assert any(c.endswith("features-1/1.0/conf/core") for c in classes)
    assert any(c.endswith("features-2/1.0/conf/crs") for c in classes)


def test_collections_listed_with_sources(client, boundaries):
    doc = _json(client.get("/collections"))
    ids = [c["id"] for c in doc["collections"]]
    for cid, count in LEVEL_COUNTS.items():
        meta = next(c for c in doc["collections"] if c["id"] == cid)
        assert meta["numberOfFeatures"] == count
        assert any(link["rel"] == "license" for link in meta["links"])
        assert any("Statbel" in (s.get("attribution") or "") for s in meta["sources"])
    assert {"initiatives", "sites", "service-areas"} <= set(ids)


def test_openapi_document_validates(client):
    response = client.get("/api")
    assert response.mimetype == "application/vnd.oai.openapi+json"
    doc = orjson.loads(response.data)
    validate(doc)
    items = doc["paths"]["/collections/communes/items"]["get"]
    names = {p["name"] for p in items["parameters"]}
    assert {"limit", "bbox", "crs", "bbox-crs", "province"} <= names
    assert client.get("/api?f=html").mimetype == "text/html"


@pytest.mark.parametrize(
    "query, parameter, words",
    [
        ("limit=0", "limit", ["limit must be at least 1", "got 0"]),
        ("limit=-5", "limit", ["limit must be at least 1", "got -5"]),
        ("offset=x", "offset", ["offset must be an integer", "'x'"]),
        ("bbox=1,2,3", "bbox", ["bbox must be 4 or 6", "'1,2,3'"]),
        ("nonsense=1", "nonsense", ["Unknown query parameter(s): nonsense", "Allowed here:"]),
        ("f=xml", "f", ["Unsupported f='xml'"]),
        ("crs=EPSG:4326", "crs", ["EPSG:4326"]),
        ("crs=http://www.opengis.net/def/crs/EPSG/0/4258", "crs", ["EPSG/0/4258"]),
        ("lang=de", "lang", ["lang must be one of en, fr, nl", "'de'"]),
        ("bbox=5,51,4,50", "bbox", ["lower corner must not exceed the upper corner"]),
    ],
)
def test_bad_item_requests_are_400_json_naming_parameter_and_problem(client, query, parameter, words):
    for accept in ("application/json", "text/html"):  # the API answers errors as JSON whatever is asked
        response = client.get(f"/collections/communes/items?{query}", headers={"Accept": accept})
        assert response.status_code == 400 and response.mimetype == "application/json"
        body = orjson.loads(response.data)
        assert body["code"] == "InvalidParameterValue"
        assert body["details"]["parameter"] == parameter
        for word in words:
            assert word in body["description"], (word, body["description"])


def test_unknown_collection_and_feature_are_404(client):
    assert client.get("/collections/nowhere").status_code == 404
    assert client.get("/collections/nowhere/items").status_code == 404
    response = client.get("/collections/communes/items/00000")
    assert response.status_code == 404 and "00000" in orjson.loads(response.data)["description"]
    assert client.get("/collections?unknown=1").status_code == 400


def test_paging_visits_every_commune_once(client, boundaries):
    url, seen, pages = "/collections/communes/items?limit=200", [], 0
    while url:
        response = client.get(url)
        assert response.mimetype == "application/geo+json"
        doc = orjson.loads(response.data)
        assert doc["numberMatched"] == 565 and doc["numberReturned"] == len(doc["features"])
        seen += [f["id"] for f in doc["features"]]
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
        pages += 1
        if pages == 2:
            assert any(link["rel"] == "prev" for link in doc["links"])
    assert pages == 3 and sorted(seen) == sorted(boundaries.communes.index) and len(set(seen)) == 565


def test_bbox_and_filter_agree_with_boundaries(client, base):
    display = base.display["commune"]
    bbox = (4.30, 50.80, 4.40, 50.90)
    expected = set(display.index[display.intersects(shapely.box(*bbox))])
    doc = _json(client.get("/collections/communes/items?limit=1000&bbox=" + ",".join(map(str, bbox))))
    assert {f["id"] for f in doc["features"]} == expected and doc["numberMatched"] == len(expected)
    brussels = set(base.boundaries.communes.index[base.boundaries.communes["province"] == "04000"])
    doc = _json(client.get("/collections/communes/items?limit=1000&province=04000"))
    assert {f["id"] for f in doc["features"]} == brussels and len(brussels) == 19


def test_lambert_crs_and_header(client, boundaries):
    response = client.get(f"/collections/communes/items/21004?crs={LAMBERT72}")
    assert response.headers["Content-Crs"] == f"<{LAMBERT72}>"
    shape = shapely.geometry.shape(orjson.loads(response.data)["geometry"])
    exact = boundaries.communes.geometry.loc["21004"]
    assert shape.representative_point().within(exact.buffer(300))  # display geometry, 180 m tolerance
    default = client.get("/collections/communes/items/21004")
    assert default.headers["Content-Crs"].endswith("OGC/1.3/CRS84>")


def test_etag_304_gzip_cors(client):
    first = client.get("/collections/communes/items?limit=1000", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and "max-age" in first.headers["Cache-Control"]
    assert first.headers["Access-Control-Allow-Origin"] == "*" and first.headers["Last-Modified"]
    plain = client.get("/collections/communes/items?limit=1000")
    assert gzip.decompress(first.data) == plain.data
    again = client.get("/collections/communes/items?limit=1000", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/collections/communes/items?limit=999", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_html_views(client):
    page = client.get("/collections/communes/items?limit=5", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and page.data.count(b"<tr>") == 6  # header + 5 rows
    html = client.get("/collections/communes/items?f=html&province=04000").data.decode()
    assert "21004" in html and "Communes" in html
    assert client.get("/collections?f=html").mimetype == "text/html"
    assert client.get("/collections/sites/items/" + _first_id(client, "sites") + "?f=html").status_code == 200


def _first_id(client, cid):
    return _json(client.get(f"/collections/{cid}/items?limit=1"))["features"][0]["id"]


def test_catalogue_features_carry_sources_and_no_contacts(client):
    for cid in ("initiatives", "sites"):
        doc = _json(client.get(f"/collections/{cid}/items?limit=1000"))
        assert doc["features"] and all(f["properties"]["sources"] for f in doc["features"])
        keys = {k for f in doc["features"] for k in f["properties"]}
        assert not keys & {"email", "phone", "submitter", "submitter_email", "contact"}


@pytest.mark.parametrize("cid", ["regions", "initiatives"])
def test_downloads(client, cid):
    count = _json(client.get(f"/collections/{cid}"))["numberOfFeatures"]
    geo = _json(client.get(f"/downloads/{cid}.geojson"))
    assert len(geo["features"]) == count and geo["licence"]
    rows = list(csv.DictReader(io.StringIO(client.get(f"/downloads/{cid}.csv").data.decode())))
    assert len(rows) == count and "dataset_sources" not in rows[0]  # the companions carry the sources
    gpkg = client.get(f"/downloads/{cid}.gpkg")
    assert gpkg.data[:16] == b"SQLite format 3\x00" and "attachment" in gpkg.headers["Content-Disposition"]
    assert _json(client.get(f"/downloads/{cid}.sources.json"))["sources"]
    assert client.get(f"/downloads/{cid}.shp").status_code == 404
    assert client.get(f"/downloads/{cid}.excel").status_code == 404
    assert client.get("/downloads/nowhere.excel.csv").status_code == 404


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    "headers, query",
    [
        ({}, ""),
        ({"Accept": "*/*"}, ""),
        ({"Accept": "application/json"}, ""),
        ({"Accept": "*/*"}, "?f=json"),
        ({"Accept": BROWSER_ACCEPT}, "?f=json"),
    ],
)
def test_root_answers_the_landing_page_unless_html_is_preferred(client, headers, query):
    response = client.get(f"/{query}", headers=headers)
    assert response.mimetype == "application/json"
    assert _json(response)["links"] == _json(client.get("/ogc"))["links"]


@pytest.mark.parametrize(
    "headers, query",
    [
        ({"Accept": BROWSER_ACCEPT}, ""),
        ({"Accept": "text/html"}, ""),
        ({}, "?f=html"),
        ({"Accept": "*/*"}, "?f=html&lang=fr"),
    ],
)
def test_root_answers_the_map_page_to_browsers_and_f_html(client, headers, query):
    response = client.get(f"/{query}", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert b"leaflet" in response.data.lower()


def test_landing_with_and_without_trailing_slash(client):
    assert _json(client.get("/ogc/")) == _json(client.get("/ogc"))
    assert client.get("/?f=xml").status_code == 400


@pytest.mark.parametrize("cid", ["regions", "communes"])  # small (in memory) and large (sent from a file)
@pytest.mark.parametrize("ext", ["csv", "excel.csv", "sources.csv", "columns.csv"])
def test_csv_download_declares_one_charset(client, cid, ext):
    for headers in ({}, {"Accept-Encoding": "gzip"}):
        response = client.get(f"/downloads/{cid}.{ext}", headers=headers)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'attachment; filename="{cid}.{ext}"'


def test_collection_links_licences_only_to_licences_and_keeps_formulas_apart(client):
    from geo_service.api.licences import LICENCE_URLS

    doc = _json(client.get("/collections/communes"))
    licence_links = [link["href"] for link in doc["links"] if link["rel"] == "license"]
    assert licence_links and set(licence_links) <= set(LICENCE_URLS.values())
    sources = {s["url"] for s in doc["sources"] if s.get("url")}
    assert sources and sources <= {link["href"] for link in doc["links"] if link["rel"] == "via"}
    titles = [s["title"] for s in doc["sources"]]
    assert not any(t in ("need_class, support_class", "foreign_share, employment_gap_pp") for t in titles)
    assert not any(t.startswith(("access_e2sfca", "bivariate_class")) for t in titles)
    assert doc["formulas"]["bivariate_class"] == "need_class, support_class"
    assert doc["formulas"]["need_class"] == "foreign_share, employment_gap_pp"
    assert "pop_total" not in doc["formulas"]  # a column read from a source is not a formula
    for source in doc["sources"]:
        if "news" in (source.get("url") or "") or "knack.be" in (source.get("url") or ""):
            assert source["url"] not in licence_links
