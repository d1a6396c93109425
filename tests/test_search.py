"""Search over every language (geo_service/search.py): the /search page and the API's q= filter
find records by their names in any language, their operator and their places."""

from __future__ import annotations

import orjson
import pytest

from geo_service.catalogue.placenames import fold
from geo_service.search import EQUIVALENT_TERMS, phrases, text_of

RED_CROSS_QUERIES = ["Red Cross", "Croix-Rouge", "Rode Kruis", "red cross", "CROIX ROUGE"]


def test_phrases_fold_and_widen_to_the_other_languages():
    assert phrases("Croix-Rouge") == phrases("red cross") == tuple(sorted(EQUIVALENT_TERMS[0]))
    assert "rode kruis vlaanderen" in phrases("Rode Kruis Vlaanderen")
    assert "croix rouge vlaanderen" in phrases("Rode Kruis Vlaanderen")
    assert phrases("Liège, Gent") == ("gent", "liege")
    assert phrases(" , ") == ()
    assert phrases("crossroads") == ("crossroads",)  # a word, not the name: not widened


def test_text_of_reads_names_in_every_language_and_operators():
    record = {
        "name": "X (centres)",
        "names": {"fr": "Croix-Rouge", "nl": None, "en": "Red Cross"},
        "operator": "Opérateur",
        "themes": ["language"],
    }
    text = text_of(record)
    assert text.splitlines() == ["x centres", "croix rouge", "red cross", "operateur"]


@pytest.fixture(scope="module")
def red_cross(app):
    """The initiatives whose own names (any language) or operator name the Red Cross."""
    catalogue = app.extensions["geo_service"].snapshot().catalogue
    found = {
        iid
        for iid, record in zip(
            catalogue.initiatives.index, catalogue.initiatives[["name", "names", "operator"]].to_dict("records")
        )
        if any(term in text_of(record) for term in EQUIVALENT_TERMS[0])
    }
    assert len(found) >= 2, "the catalogue names the Red Cross in French and in Dutch"
    return found


@pytest.mark.parametrize("query", RED_CROSS_QUERIES)
def test_search_page_finds_the_red_cross_in_every_language(client, red_cross, query):
    html = client.get(f"/search?q={query}&lang=en").get_data(as_text=True)
    for iid in red_cross:
        assert f"/initiative/{iid}?" in html, (query, iid)


@pytest.mark.parametrize("query", RED_CROSS_QUERIES)
def test_api_q_finds_the_red_cross_in_every_language(client, red_cross, query):
    response = client.get("/collections/initiatives/items", query_string={"q": query, "limit": 1000})
    assert response.status_code == 200
    body = orjson.loads(response.data)
    ids = {f["id"] for f in body["features"]}
    assert red_cross <= ids and body["numberMatched"] == len(ids)
    sites = orjson.loads(client.get("/collections/sites/items", query_string={"q": query, "limit": 1000}).data)
    assert {f["properties"]["initiative_id"] for f in sites["features"]} & red_cross


def test_api_q_on_communes_reads_every_language(client, boundaries):
    communes = boundaries.communes
    liege = communes.index[communes["name_fr"] == "Liège"][0]
    for query in ("Luik", "luik", "LIEGE", "Liège"):
        body = orjson.loads(client.get("/collections/communes/items", query_string={"q": query}).data)
        assert liege in {f["id"] for f in body["features"]}, query
        for feature in body["features"]:
            props = feature["properties"]
            assert any(fold(query) in fold(props[k] or "") for k in ("name_nl", "name_fr", "name_de")), feature["id"]


def test_api_q_combines_with_filters_and_is_validated(client, boundaries):
    everything = orjson.loads(client.get("/collections/communes/items?q=sint&limit=1000").data)
    flemish = orjson.loads(client.get("/collections/communes/items?q=sint&region=02000&limit=1000").data)
    assert 0 < flemish["numberMatched"] < everything["numberMatched"]
    assert {f["properties"]["region"] for f in flemish["features"]} == {"02000"}
    too_long = client.get("/collections/communes/items", query_string={"q": "x" * 201})
    assert too_long.status_code == 400
    body = orjson.loads(too_long.data)
    assert body["details"]["parameter"] == "q" and "at most 200 characters" in body["description"]
    none = orjson.loads(client.get("/collections/communes/items?q=zzzqqq").data)
    assert none["numberMatched"] == 0


def test_q_is_in_the_openapi_document_and_queryables(client):
    doc = orjson.loads(client.get("/api").data)
    params = {p["name"]: p for p in doc["paths"]["/collections/initiatives/items"]["get"]["parameters"]}
    assert params["q"]["schema"] == {"type": "string", "maxLength": 200}
    assert "q parameter" in orjson.loads(client.get("/collections/initiatives/queryables").data)["description"]
