"""Province and region names in the page language, English included; communes keep their
official names on English pages (issue 24: every page speaks the reader's language)."""

from __future__ import annotations

import csv
import re

import pytest

from geo_service.api.columns import describe_column
from geo_service.boundaries import REFERENCE
from geo_service.mapviews.profiles import commune_profile
from geo_service.names import names_by_code

LEUVEN, BRUSSELS_CITY, GHENT = "24062", "21004", "44021"
PROVINCES = {  # Flemish Brabant and Antwerp in each page language
    "en": {"20001": "Province of Flemish Brabant", "10000": "Province of Antwerp"},
    "fr": {"20001": "Province du Brabant flamand", "10000": "Province d’Anvers"},
    "nl": {"20001": "Provincie Vlaams-Brabant", "10000": "Provincie Antwerpen"},
}
REGIONS = {
    "en": {"02000": "Flemish Region", "04000": "Brussels-Capital Region"},
    "fr": {"02000": "Région flamande", "04000": "Région de Bruxelles-Capitale"},
    "nl": {"02000": "Vlaams Gewest", "04000": "Brussels Hoofdstedelijk Gewest"},
}


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_provinces_and_regions_are_named_in_the_page_language(boundaries, lang):
    provinces = names_by_code(boundaries.provinces, lang, german=False)
    regions = names_by_code(boundaries.regions, lang, german=False)
    assert {code: provinces[code] for code in PROVINCES[lang]} == PROVINCES[lang]
    assert {code: regions[code] for code in REGIONS[lang]} == REGIONS[lang]


def test_every_province_and_region_has_an_english_name_unlike_its_local_ones(boundaries):
    for table in (boundaries.provinces, boundaries.regions):
        english = names_by_code(table, "en", german=False)
        assert set(english) == set(table.index)
        for code, name in english.items():
            assert name == table.at[code, "name_en"]
            assert name not in (table.at[code, "name_nl"], table.at[code, "name_fr"]), code


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_communes_keep_their_official_names_on_every_page(boundaries, lang):
    names = names_by_code(boundaries.communes, lang)
    assert names[LEUVEN] == ("Louvain" if lang == "fr" else "Leuven")
    assert names[GHENT] == ("Gand" if lang == "fr" else "Gent")  # no invented "Ghent"
    assert names[BRUSSELS_CITY] == {"en": "Bruxelles / Brussel", "fr": "Bruxelles", "nl": "Brussel"}[lang]


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_the_commune_page_names_its_province_and_region_in_the_page_language(app, lang):
    snapshot = app.extensions["geo_service"].snapshot()
    profile = commune_profile(LEUVEN, snapshot.base.boundaries, snapshot.catalogue, snapshot.indicators, lang)
    assert profile["province"] == {"nis": "20001", "name": PROVINCES[lang]["20001"]}
    assert profile["region"] == {"nis": "02000", "name": REGIONS[lang]["02000"]}


def test_the_english_names_are_sourced_and_their_column_documented():
    documented = (REFERENCE / "README.md").read_text(encoding="utf-8")
    with open(REFERENCE / "area_names_en.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["level"], r["nis"]) for r in rows} >= {("region", "02000"), ("province", "20001")}
    for row in rows:
        assert re.search(rf"`{row['source']}` \| [^|]*https://", documented), row["source"]
    for area in ("province", "region"):
        doc = describe_column("name_en", area, {})
        assert f"English name of the {area}" in doc["description"]
        assert "area_names_en.csv" in doc["source"]
