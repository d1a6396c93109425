"""Issue 23 item 2 through the app: the lean communes layer, ``properties`` (OGC API - Features
Part 6), ``skipGeometry``, ``sortby`` and the sortables (Part 8) on every collection, and the
exact requests of a common JavaScript OGC API client (@camptocamp/ogc-client 1.3)."""

from __future__ import annotations

import re

import orjson
import pytest

from geo_service.api.collections import EXPLANATIONS

COLLECTIONS = ["communes", "arrondissements", "provinces", "regions", "initiatives", "sites", "service-areas"]
SORTABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/sortables"


def _json(response):
    assert response.status_code == 200, response.data[:500]
    return orjson.loads(response.data)


def _first_sortables(client, cid) -> tuple[str, str]:
    """A string and a numeric sortable of the collection (from its sortables document)."""
    props = _json(client.get(f"/collections/{cid}/sortables"))["properties"]
    text = next(n for n, p in props.items() if p["type"] == "string")
    number = next((n for n, p in props.items() if p["type"] in ("integer", "number")), text)
    return text, number


# What @camptocamp/ogc-client 1.3 sends (src/ogc-api/endpoint.ts, getCollectionItemsUrl): the
# collection's GeoJSON items link, then limit, offset, skipGeometry, sortby, properties, datetime,
# crs, bbox, bbox-crs set with URLSearchParams, and fetchDocument adds f=json last;
# getCollectionItems(id) sends limit=10&offset=0, and skipGeometry, sortby and properties whenever
# the application gives them. The first four are the request lines the client (npm 1.3.0, Node 20)
# sent to this service, as the server logged them; the others the same requests percent-encoded.
CLIENT_ITEMS = [
    "limit=5&offset=0&skipGeometry=false&sortby=-pop_2025_total,name_fr&properties=name_fr,pop_2025_total&f=json",
    "limit=3&offset=0&skipGeometry=true&f=json",
    "limit=2&offset=0&skipGeometry=false&f=json",
    "limit=3&offset=10&skipGeometry=true&sortby=%2Bname_fr&properties=name_fr,pop_2025_total"
    "&datetime=2023-02-01T00:00:00.000Z&bbox=4.3,50.8,4.4,50.9&f=json",
    "limit=10&offset=0&f=json",
    "limit=10&offset=0&skipGeometry=false&f=json",
    "limit=10&offset=0&skipGeometry=true&f=json",
    "limit=10&offset=0&skipGeometry=false&sortby=-pop_2025_total%2Cname_fr&f=json",
    "limit=10&offset=0&skipGeometry=true&sortby=%2Bname_fr&properties=name_fr%2Cpop_2025_total&f=json",
    "limit=20&offset=12&skipGeometry=false&sortby=name_nl&properties=name_nl%2Cpop_2025_total"
    "&datetime=2023-02-01T00%3A00%3A00.000Z&bbox=4.3%2C50.8%2C4.4%2C50.9&f=json",
    "limit=10&offset=0&skipGeometry=false&properties=nis%2Cstatus_social_welfare%2Cstatus_reason_social_welfare"
    "&crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F31370&f=json",
]


@pytest.mark.parametrize("query", CLIENT_ITEMS)
def test_the_javascript_clients_exact_items_requests_are_answered(client, query):
    response = client.get(f"/collections/communes/items?{query}")
    doc = _json(response)
    assert response.mimetype == "application/geo+json" and doc["features"]
    args = dict(part.replace("%2C", ",").split("=", 1) for part in query.split("&"))
    for feature in doc["features"]:
        assert (feature["geometry"] is None) == (args.get("skipGeometry") == "true")
        if "properties" in args:
            assert list(feature["properties"]) == args["properties"].split(",")
    if "sortby" in args:
        key = args["sortby"].split(",")[0].removeprefix("%2B")
        descending = key.startswith("-")
        name = key.lstrip("-")
        values = [f["properties"][name] for f in doc["features"]]
        assert values == sorted(values, reverse=descending) and len(set(values)) > 1


def test_the_javascript_clients_request_on_the_sites(client):
    query = (
        "limit=3&offset=10&skipGeometry=true&sortby=%2Bname&properties=name,kind"
        "&datetime=2023-02-01T00:00:00.000Z&bbox=4.3,50.8,4.4,50.9&f=json"
    )
    doc = _json(client.get(f"/collections/sites/items?{query}"))
    names = [f["properties"]["name"] for f in doc["features"]]
    assert len(names) == 3 and all(list(f["properties"]) == ["name", "kind"] for f in doc["features"])
    everything = _json(client.get("/collections/sites/items?limit=1000&sortby=name&bbox=4.3,50.8,4.4,50.9"))
    assert names == [f["properties"]["name"] for f in everything["features"]][10:13]


def test_the_javascript_clients_other_requests(client):
    """Discovery and one feature: the landing page at the server URL, conformance, the collection
    with its queryables and sortables links (fetched with f=json), one item."""
    landing = _json(client.get("/?f=json"))
    assert {"service-desc", "conformance", "data"} <= {link["rel"] for link in landing["links"]}
    assert _json(client.get("/conformance?f=json"))["conformsTo"]
    collection = _json(client.get("/collections/communes?f=json"))
    links = {link["rel"]: link["href"] for link in collection["links"]}
    for rel in ("http://www.opengis.net/def/rel/ogc/1.0/queryables", SORTABLES_REL):
        path = links[rel].replace("http://localhost", "")
        assert _json(client.get(f"{path}?f=json"))["properties"]
    geojson_items = [link for link in collection["links"] if link["rel"] == "items" and "geo+json" in link["type"]]
    assert geojson_items[0]["href"].endswith("/collections/communes/items")
    assert _json(client.get("/collections/communes/items/21004?f=json"))["id"] == "21004"


def test_the_communes_layer_is_lean_by_default_and_the_rest_is_one_parameter_away(client):
    """Issue 23: a map or a spreadsheet needs codes, names, population, the indicators and the
    statuses; the explanations (reason strings, nearest site's name, networks) are asked for."""
    schema = _json(client.get("/collections/communes/schema"))["properties"]
    default = {name for name, p in schema.items() if p.get("returnedByDefault")}
    left_out = {name for name, p in schema.items() if p.get("returnedByDefault") is False}
    assert left_out == {name for name in schema if EXPLANATIONS.search(name)} and len(left_out) >= 40
    for wanted in (
        "nis",
        "name_fr",
        "name_nl",
        "province",
        "pop_2025_total",
        "foreign_share",
        "nearest_km_ngo_service",
    ):
        assert wanted in default
    assert {f"status_{kind}" for kind in ("social_welfare", "reception_centre")} <= default
    feature = _json(client.get("/collections/communes/items?limit=1"))["features"][0]
    assert set(feature["properties"]) == default
    assert not any(name.startswith("status_reason_") for name in feature["properties"])
    asked = _json(client.get("/collections/communes/items?limit=1&properties=status_reason_social_welfare,nis"))
    props = asked["features"][0]["properties"]
    assert list(props) == ["status_reason_social_welfare", "nis"] and props["status_reason_social_welfare"]
    one = _json(client.get("/collections/communes/items/21004?properties=networks_social_welfare"))
    assert list(one["properties"]) == ["networks_social_welfare"]
    whole = _json(client.get("/collections/communes/items/21004"))  # one feature: every property
    assert set(whole["properties"]) == default | left_out
    # downloads keep every column
    assert "status_reason_social_welfare" in client.get("/downloads/communes.csv").data.split(b"\r\n", 1)[0].decode()


def test_the_whole_lean_layer_is_much_smaller(client):
    lean = client.get("/collections/communes/items?limit=1000")
    names = ",".join(_json(client.get("/collections/communes/schema"))["properties"].keys() - {"geometry"})
    full = client.get(f"/collections/communes/items?limit=1000&properties={names}")
    assert len(full.data) > 1.5 * len(lean.data), (len(full.data), len(lean.data))


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_every_collection_takes_properties_skip_geometry_and_sortby(client, cid):
    text, number = _first_sortables(client, cid)
    base = f"/collections/{cid}/items?limit=1000"
    plain = _json(client.get(base))
    bare = _json(client.get(f"{base}&skipGeometry=true&properties={text}"))
    assert bare["numberMatched"] == plain["numberMatched"]
    assert all(f["geometry"] is None and list(f["properties"]) == [text] for f in bare["features"])
    kept = _json(client.get(f"{base}&skipGeometry=false"))
    assert kept["features"] == plain["features"]
    for key in (text, number):
        for sign, reverse in (("", False), ("-", True), ("%2B", False)):
            doc = _json(client.get(f"{base}&sortby={sign}{key}&properties={key}"))
            values = [f["properties"][key] for f in doc["features"]]
            present = [v for v in values if v is not None]
            assert values[: len(present)] == present, "features without a value come last"
            folded = [_fold(v) for v in present]
            assert folded == sorted(folded, reverse=reverse), (cid, key, sign)


def _fold(value):
    from geo_service.catalogue.placenames import fold

    return (fold(value), value) if isinstance(value, str) else value


def test_sortby_several_keys_and_ties(client):
    doc = _json(client.get("/collections/communes/items?limit=1000&sortby=province,-pop_2025_total&skipGeometry=true"))
    pairs = [(f["properties"]["province"], -f["properties"]["pop_2025_total"]) for f in doc["features"]]
    assert pairs == sorted(pairs) and len({p for p, _ in pairs}) == 11
    biggest = _json(client.get("/collections/communes/items?limit=1&sortby=-pop_2025_total"))["features"][0]
    assert biggest["properties"]["name_nl"] == "Antwerpen"
    paged = _json(client.get("/collections/communes/items?limit=5&offset=5&sortby=-pop_2025_total"))
    top = _json(client.get("/collections/communes/items?limit=10&sortby=-pop_2025_total"))
    assert [f["id"] for f in paged["features"]] == [f["id"] for f in top["features"][5:]]
    nxt = next(link["href"] for link in top["links"] if link["rel"] == "next")
    assert "sortby=-pop_2025_total" in nxt  # paging keeps the order


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_every_collection_has_its_sortables(client, cid):
    """Part 8 /req/sorting/get-sortables-success and /req/sortables/sortables-link."""
    response = client.get(f"/collections/{cid}/sortables")
    doc = _json(response)
    assert response.mimetype == "application/schema+json"
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"http://localhost/collections/{cid}/sortables" and doc["type"] == "object"
    assert doc["properties"] and doc["additionalProperties"] is False
    assert all(
        p["type"] in ("string", "integer", "number", "boolean") and p["title"] for p in doc["properties"].values()
    )
    collection = _json(client.get(f"/collections/{cid}"))
    assert any(
        link["rel"] == SORTABLES_REL and link["href"].endswith(f"/collections/{cid}/sortables")
        for link in collection["links"]
    )
    items = client.head(f"/collections/{cid}/items", headers={"Accept": "application/geo+json"})
    assert items.status_code == 200 and re.search(
        rf'<http://localhost/collections/{cid}/sortables>; rel="{re.escape(SORTABLES_REL)}"', items.headers["Link"]
    )


def test_conformance_declares_property_selection_and_sorting(client):
    classes = set(_json(client.get("/conformance"))["conformsTo"])
    assert {
        "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties",
        "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties-features",
        "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sortables",
        "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
        "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/features-sorting",
    } <= classes


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("sortby=THIS%20IS%20NOT%20A%20SORTBY%20EXPRESSION", "sortby"),  # Part 8's abstract test
        ("sortby=this_is_not_a_sortable", "sortby"),
        ("sortby=geometry", "sortby"),
        ("properties=nope", "properties"),
        ("skipGeometry=1", "skipGeometry"),
        ("skipgeometry=true", "skipgeometry"),  # names are case-sensitive: an unknown parameter (Core)
        ("sort=name_fr", "sort"),
    ],
)
def test_bad_values_and_unknown_parameters_stay_400(client, query, parameter):
    response = client.get(f"/collections/communes/items?{query}")
    assert response.status_code == 400 and orjson.loads(response.data)["details"]["parameter"] == parameter


def test_an_item_takes_properties_and_skip_geometry_but_not_sortby(client):
    doc = _json(client.get("/collections/sites/items?limit=1"))
    fid = doc["features"][0]["id"]
    one = _json(client.get(f"/collections/sites/items/{fid}?skipGeometry=true&properties=name,kind"))
    assert one["geometry"] is None and list(one["properties"]) == ["name", "kind"]
    assert client.get(f"/collections/sites/items/{fid}?sortby=name").status_code == 400


def test_the_html_table_follows_sortby_and_properties(client):
    page = client.get(
        "/collections/communes/items?f=html&limit=3&sortby=-pop_2025_total&properties=name_nl,pop_2025_total"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.index("Antwerpen") < html.index("Gent")
    header = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert header.count("<th") == 3 and 'title="pop_2025_total"' in header
