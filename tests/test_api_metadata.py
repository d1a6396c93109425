"""Issue 24 for the API and downloads: every column documented (meaning, unit, year, source), the
licence of the service's own data stated everywhere, the researcher's CSVs (no repeated sources
text; an Excel CSV for a Belgian locale), and the API's HTML pages in the page's language. Also
the OpenAPI document describing the server URL ``/`` (issue 23)."""

from __future__ import annotations

import csv
import io
import re

import orjson
import pyogrio
import pytest
from openapi_spec_validator import validate

from geo_service.api.licences import PROJECT_LICENCE

COLLECTIONS = ["communes", "arrondissements", "provinces", "regions", "initiatives", "sites", "service-areas"]
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def _json(response):
    assert response.status_code == 200, response.data[:500]
    return orjson.loads(response.data)


def _csv(response, delimiter=","):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=delimiter))


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_every_column_is_documented_in_the_schema_and_the_columns_file(client, cid):
    """Issue 24: 52 of 192 columns of the communes CSV had no description; now each column of each
    download has a description, a unit (null: none, e.g. codes and text), a year (null: the
    catalogue as published, or a year per feature said in the description) and a source."""
    schema = _json(client.get(f"/collections/{cid}/schema"))
    props = schema["properties"]
    header = _csv(client.get(f"/downloads/{cid}.csv"))[0]
    columns = {row[0]: row for row in _csv(client.get(f"/downloads/{cid}.columns.csv"))[1:]}
    assert list(columns) == header, "the columns file lists the CSV's columns, in order"
    for name in header[:-3]:  # lon, lat, wkt: added by the CSV (documented in the columns file)
        p = props[name]
        assert p["description"] and p["source"] and p["title"], (cid, name, p)
        assert "unit" in p and "year" in p and (p["year"] is None or 1970 < p["year"] < 2100), (cid, name)
        assert columns[name][1] == p["description"] and columns[name][4] == p["source"]
    assert all(columns[name][1] for name in ("lon", "lat", "wkt"))
    assert props["geometry"]["format"].startswith("geometry-") and props["geometry"]["x-ogc-role"] == "primary-geometry"
    id_property = "id" if cid in ("initiatives", "sites", "service-areas") else "nis"
    assert props[id_property]["x-ogc-role"] == "id"


def test_key_indicators_say_their_unit_year_and_source(client):
    props = _json(client.get("/collections/communes/schema"))["properties"]
    assert props["foreign_share"]["unit"] == "fraction 0-1" and props["foreign_share"]["year"] == 2015
    assert "TF_SOC_POP_STRUCT" in props["foreign_share"]["source"]
    assert props["pop_2025_total"]["year"] == 2025 and props["pop_2025_total"]["unit"] == "persons"
    assert props["nearest_km_social_welfare"]["unit"] == "km (straight line)"
    assert props["employment_gap_pp"]["unit"] == "percentage points"
    assert "province" in props["employment_gap_pp"]["description"]
    assert props["need_index"]["source"].startswith("foreign_share, employment_gap_pp")


@pytest.mark.parametrize("cid", ["communes", "arrondissements", "provinces", "regions"])
def test_population_figures_say_their_year(client, cid):
    """Issue 24: the layers' descriptions still said "population (1 January 2020)" once the layers
    used the 2025 population. Each layer says which year its population is (2025; by sex, 2020);
    each population column and each rate over a population has that population's year, and any
    year its description names is that year (2020 only where the figure is of 2020)."""
    described = _json(client.get(f"/collections/{cid}"))["description"]
    assert "(1 January 2025; by sex, 1 January 2020)" in described, described
    page = client.get(f"/collections/{cid}?f=html&lang=fr").get_data(as_text=True)
    assert "(1er janvier 2025 ; par sexe, 1er janvier 2020)" in page
    props = _json(client.get(f"/collections/{cid}/schema"))["properties"]
    population = [name for name in props if name.startswith("pop_") or name.startswith("initiatives_per_")]
    assert {"pop_2025_total", "pop_2020_total", "pop_2020_men", "pop_2020_women"} <= set(population)
    for name in population:
        p = props[name]
        assert p["year"] == (2020 if name.startswith("pop_2020_") else 2015 if name.endswith("_foreign") else 2025), (
            cid,
            name,
            p,
        )
        assert set(re.findall(r"\b(?:19|20)\d\d\b", p["description"])) <= {str(p["year"])}, (cid, name, p)


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_queryables_are_documented_without_int64_limits(client, cid):
    doc = _json(client.get(f"/collections/{cid}/queryables"))
    assert doc["properties"]
    for name, p in doc["properties"].items():
        assert p["description"] and p["source"] and "unit" in p and "year" in p, (cid, name)
        assert "minimum" not in p and "maximum" not in p, (cid, name)


def test_the_openapi_document_describes_the_server_url_and_the_new_parameters(client):
    doc = _json(client.get("/api"))
    validate(doc)
    assert "/" in doc["paths"] and "/ogc" in doc["paths"]
    root = doc["paths"]["/"]["get"]
    assert {"application/json", "text/html"} <= set(root["responses"]["200"]["content"])
    for cid in COLLECTIONS:
        params = {p["name"]: p for p in doc["paths"][f"/collections/{cid}/items"]["get"]["parameters"]}
        assert params["skipGeometry"]["schema"]["type"] == "boolean"
        assert params["properties"]["explode"] is False and params["properties"]["style"] == "form"
        assert params["sortby"]["schema"]["items"]["pattern"].startswith("^[+-]?(")
        one = {p["name"] for p in doc["paths"][f"/collections/{cid}/items/{{featureId}}"]["get"]["parameters"]}
        assert {"properties", "skipGeometry"} <= one and "sortby" not in one
        assert f"/collections/{cid}/sortables" in doc["paths"] and f"/collections/{cid}/schema" in doc["paths"]
    integer = next(
        p for p in doc["paths"]["/collections/communes/items"]["get"]["parameters"] if p["name"] == "pop_2025_total"
    )
    assert integer["schema"] == {"type": "integer"}
    assert "CC BY 4.0" in doc["info"]["license"]["name"]


def test_the_root_answers_what_the_document_says(client):
    assert client.get("/", headers={"Accept": "application/json"}).mimetype == "application/json"
    assert client.get("/?f=html").mimetype == "text/html"


# --- licence of the service's own data --------------------------------------------------------


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_every_collection_and_download_states_the_data_licence(client, cid):
    meta = _json(client.get(f"/collections/{cid}"))
    assert meta["licence"]["name"] == "CC BY 4.0" and meta["licence"]["url"] == CC_BY
    assert any(link["rel"] == "license" and link["href"] == CC_BY for link in meta["links"])
    assert all(s["licence"] for s in meta["sources"]), [s["title"] for s in meta["sources"] if not s["licence"]]
    sidecar = _json(client.get(f"/downloads/{cid}.sources.json"))
    assert sidecar["dataLicence"]["name"] == "CC BY 4.0" and "CC BY 4.0" in sidecar["licence"]
    geo = _json(client.get(f"/downloads/{cid}.geojson"))
    assert geo["dataLicence"]["url"] == CC_BY and geo["licence"].startswith("Data of the Welcome Atlas")
    for ext in ("csv", "excel.csv", "gpkg", "geojson"):
        response = client.get(f"/downloads/{cid}.{ext}")
        assert f'<{CC_BY}>; rel="license"' in response.headers["Link"], ext
    sources = _csv(client.get(f"/downloads/{cid}.sources.csv"))
    assert sources[0] == ["title", "url", "licence", "attribution", "applies_to"]
    assert sources[1][1:3] == [CC_BY, "CC BY 4.0"] and all(row[2] for row in sources[1:])


def test_the_catalogue_and_the_indicators_are_cc_by(client):
    for cid in ("initiatives", "communes"):
        titles = {s["title"]: s["licence"] for s in _json(client.get(f"/collections/{cid}"))["sources"]}
        own = [licence for title, licence in titles.items() if title.startswith("Welcome Atlas")]
        assert own and set(own) == {"CC BY 4.0"}, titles
    # third-party layers keep their own licences
    boundaries = _json(client.get("/collections/regions"))["sources"]
    assert any("Statbel" in (s["licence"] or "") for s in boundaries)


def test_the_geopackage_names_the_licence(client, tmp_path):
    path = tmp_path / "regions.gpkg"
    path.write_bytes(client.get("/downloads/regions.gpkg").data)
    meta = pyogrio.read_info(path, layer="regions")["dataset_metadata"]
    assert meta["licence"] == "CC BY 4.0" and "CC BY 4.0" in meta["sources"]


@pytest.mark.parametrize(
    "lang, words", [("en", "Data of the atlas"), ("fr", "Données de l'atlas"), ("nl", "Gegevens van de atlas")]
)
def test_the_page_footer_names_the_licence(client, lang, words):
    for path in ("/search", "/collections?f=html", "/nominate"):
        html = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").get_data(as_text=True)
        footer = re.search(r"<footer.*?</footer>", html, re.S).group(0)
        assert words in footer.replace("&#39;", "'") and f'href="{CC_BY}"' in footer and "MIT" in footer, path


@pytest.mark.parametrize("lang, words", [("en", "(CC BY 4.0)"), ("fr", "(CC BY 4.0)"), ("nl", "Naamsvermelding 4.0")])
def test_the_nomination_consent_names_the_licence(client, lang, words):
    html = client.get(f"/nominate?lang={lang}").get_data(as_text=True)
    assert words in html and "open licence" not in html


def test_the_licence_file_is_mit_and_names_the_data_licence():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "LICENSE").read_text()
    assert text.startswith("MIT License") and "CC BY 4.0" in text and PROJECT_LICENCE["url"] in text


# --- the researcher's CSVs ---------------------------------------------------------------------


def test_the_communes_csv_no_longer_repeats_the_sources_on_every_row(client):
    data = client.get("/downloads/communes.csv").data
    rows = _csv(client.get("/downloads/communes.csv"))
    assert "dataset_sources" not in rows[0] and len(rows) == 566
    assert data.count(b"Statbel") < 10, "the sources text lives in the companion files, not on each row"
    links = client.get("/downloads/communes.csv").headers["Link"]
    for part in ("communes.sources.csv", "communes.columns.csv", "communes.sources.json"):
        assert f"/downloads/{part}>" in links


def test_the_excel_csv_of_the_communes_reads_back(client):
    response = client.get("/downloads/communes.excel.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = _csv(response, delimiter=";")
    header, body = rows[0], rows[1:]
    assert len(body) == 565 and "wkt" not in header and header[-2:] == ["lon", "lat"]
    standard = {row[0]: row for row in _csv(client.get("/downloads/communes.csv"))[1:]}
    plain_header = _csv(client.get("/downloads/communes.csv"))[0]
    share, region = header.index("foreign_share"), header.index("region")
    for row in body:
        assert len(row) == len(header)
        nis = row[0].removeprefix('="').removesuffix('"')
        plain = standard[nis]
        if plain[plain_header.index("foreign_share")]:
            assert row[share] == plain[plain_header.index("foreign_share")].replace(".", ",")
            assert float(row[share].replace(",", ".")) < 1
        assert row[region] == f'="{plain[plain_header.index("region")]}"'  # "04000" stays text in Excel
    assert any("," in row[share] for row in body)


@pytest.mark.parametrize("cid", ["communes", "sites"])
def test_the_csv_companions_are_small_and_named_in_the_collection(client, cid):
    meta = _json(client.get(f"/collections/{cid}"))
    enclosures = {link["href"].rsplit("/", 1)[-1] for link in meta["links"] if link["rel"] == "enclosure"}
    assert {
        f"{cid}.{ext}" for ext in ("csv", "excel.csv", "sources.csv", "columns.csv", "gpkg", "geojson")
    } <= enclosures
    assert len(client.get(f"/downloads/{cid}.sources.csv").data) < 20_000


# --- the API's pages in the page's language ------------------------------------------------------

PAGES = [
    "/ogc?f=html",
    "/conformance?f=html",
    "/api?f=html",
    "/collections?f=html",
    "/collections/communes?f=html",
    "/collections/communes/queryables?f=html",
    "/collections/communes/sortables?f=html",
    "/collections/communes/schema?f=html",
    "/collections/communes/items?f=html&limit=2",
    "/collections/communes/items/21004?f=html",
]
HEADINGS = {
    "fr": {
        "/api?f=html": "Définition de l'API",
        "/conformance?f=html": "Classes de conformité",
        "/collections/communes/sortables?f=html": "Propriétés utilisables dans sortby : Communes (2025)",
        "/collections/communes/schema?f=html": "Propriétés et leur signification : Communes (2025)",
    },
    "nl": {
        "/api?f=html": "Definitie van de API",
        "/collections/communes/queryables?f=html": "Eigenschappen bruikbaar als filter: Gemeenten (2025)",
    },
}


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_the_api_pages_speak_the_page_language_and_name_the_service(client, lang):
    service = {"fr": "Atlas de l'accueil", "nl": "Onthaalatlas", "en": "Welcome Atlas"}[lang]
    for path in PAGES:
        response = client.get(f"{path}&lang={lang}")
        assert response.status_code == 200, path
        html = response.get_data(as_text=True).replace("&#39;", "'")
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        headings = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert "geo_service" not in title + " ".join(headings), (path, title, headings)
        assert title.strip().endswith(service), (path, title)
        if path in HEADINGS.get(lang, {}):
            assert HEADINGS[lang][path] in headings, (path, headings)
        if lang != "en":  # English labels left before (Dutch says "Parameter" too)
            for english in (
                "Parameter</th>" if lang == "fr" else "Where</th>",
                "Responses:",
                "Queryables:",
                "Conformance<",
            ):
                assert english not in html, (path, english)
            assert "API definition<" not in html, path
