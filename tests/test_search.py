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


# The issue's cases: a postcode, a Dutch abbreviation, a section, an exonym; each in the three
# page languages, with the commune first and the reason it matched in the page's language.
REASONS = {
    "1348": {"fr": "code postal 1348", "nl": "postcode 1348", "en": "postcode 1348"},
    "Jumet": {
        "fr": "Jumet est une section de Charleroi",
        "nl": "Jumet is een deelgemeente van Charleroi",
        "en": "Jumet is a section of Charleroi",
    },
    "St-Gillis": {
        "fr": "nom néerlandais : Sint-Gillis",
        "nl": "Nederlandse naam: Sint-Gillis",
        "en": "Dutch name: Sint-Gillis",
    },
    "Luik": {"fr": "nom néerlandais : Luik", "nl": "Nederlandse naam: Luik", "en": "Dutch name: Luik"},
}
FIRST = {"1348": "25121", "Jumet": "52011", "St-Gillis": "21013", "Luik": "62063"}


def found_communes(html: str) -> list[tuple[str, str]]:
    import html as html_lib
    import re

    return [
        (nis, html_lib.unescape(why))
        for nis, why in re.findall(r'<li data-nis="(\d+)">.*?<span class="why">(.*?)</span></li>', html)
    ]


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
@pytest.mark.parametrize("query", list(REASONS))
def test_search_the_issue_cases_in_every_language(client, query, lang):
    listing = client.get("/search", query_string={"q": query, "lang": lang, "all": "1"}).get_data(as_text=True)
    found = found_communes(listing)
    assert found, (query, lang)
    assert found[0] == (FIRST[query], REASONS[query][lang]), found[:3]


@pytest.mark.parametrize("query,nis", [("St-Gillis", "21013"), ("Luik", "62063"), ("St.-Truiden", "71053")])
def test_a_commune_s_own_name_opens_its_page(client, query, nis):
    response = client.get("/search", query_string={"q": query, "lang": "nl"})
    assert response.status_code == 303 and response.headers["Location"].startswith(f"/commune/{nis}")


@pytest.mark.parametrize("query", ["1348", "Jumet"])
def test_a_postcode_or_section_lists_the_commune_with_its_reason(client, query):
    response = client.get("/search", query_string={"q": query, "lang": "fr"})
    assert response.status_code == 200  # not a silent jump to another commune's page
    assert found_communes(response.get_data(as_text=True))[0][0] == FIRST[query]


def test_key_reads_saints_and_their_abbreviations_as_one_form():
    from geo_service.search import key

    forms = {key(t) for t in ("Sint-Gillis", "St-Gillis", "St. Gillis", "Saint-Gillis", "SANKT GILLIS")}
    assert forms == {"st gillis"}
    assert key("Ste-Agathe") == key("Sainte-Agathe") == "ste agathe"
    assert key("Stabroek") == "stabroek" and key("Steenokkerzeel") == "steenokkerzeel"


def test_ranking_whole_name_then_start_then_word(app):
    from geo_service.search import closeness, index_for

    assert [closeness("gent", "gent"), closeness("genk", "gen"), closeness("st genesius rode", "gen")] == [0, 1, 2]
    assert closeness("bergen", "gen") == 3 and closeness("gent", "x") is None
    assert closeness("stabroek", "st") is None and closeness("st truiden", "st") == 1  # a saint is a whole word
    index = index_for(app.extensions["geo_service"].snapshot())
    found = index.communes("gen")
    assert [m.closeness for m in found] == sorted(m.closeness for m in found)
    assert "44021" in [m.nis for m in found if m.closeness == 1] and found[-1].closeness == 3
    saints = index.communes("Sint")
    assert "11044" not in {m.nis for m in saints}  # Stabroek
    assert {"71053", "21013", "63067", "46021"} <= {
        m.nis for m in saints
    }  # Sint-Truiden, Sint-Gillis, Sankt Vith, Sint-Niklaas
    assert {m.nis for m in index.communes("Ste-Agathe")} == {"21003"}


def test_postcodes_serving_several_communes_list_them_all(app):
    from geo_service.catalogue.placenames import postcode_communes
    from geo_service.search import index_for

    index = index_for(app.extensions["geo_service"].snapshot())
    shared = next(code for code, communes in sorted(index.postcodes.items()) if len(communes) > 1)
    assert sorted(m.nis for m in index.communes(shared)) == sorted(postcode_communes(shared))
    assert index.communes("9999") == [] and index.exact_communes("1348") == []


def test_initiatives_found_by_a_site_s_postcode_and_say_so(client):
    listing = client.get("/search", query_string={"q": "1070", "lang": "nl", "all": "1"}).get_data(as_text=True)
    assert '<li data-id="cpas-ocmw">' in listing and "postcode 1070" in listing
    fedasil = client.get("/search", query_string={"q": "Jumet", "lang": "fr"}).get_data(as_text=True)
    assert "site : Centre d&#39;accueil de Fedasil à Jumet (zoning)" in fedasil
