"""The service's own sources (its catalogue, its indicators) and the completeness register's
description read in the page's language on the API's HTML pages, while the JSON documents and
downloads keep the English text (issue 24: every page speaks the reader's language)."""

from __future__ import annotations

import pytest
from flask import render_template_string

from geo_service.api import licences
from geo_service.api.collections import completeness

SHOWN = '{% from "api/macros.html" import value %}{{ value(doc, document_keys()) }}'
# a distinctive part of each own sentence, by page language
CATALOGUE_TITLE = {
    "en": "catalogue of initiatives, public service networks, sites and service areas",
    "fr": "catalogue des initiatives, des réseaux de services publics, des sites et des zones d'action",
    "nl": "catalogus van initiatieven, netwerken van openbare diensten, vestigingen en werkgebieden",
}
CATALOGUE_ATTRIBUTION = {
    "en": "compiled from the sources cited per feature",
    "fr": "compilé à partir des sources citées pour chaque objet",
    "nl": "samengesteld uit de bronnen die bij elk object vermeld staan",
}
INDICATORS_TITLE = {
    "en": "indicators (coverage, distances, access, statuses, need and support classes)",
    "fr": "indicateurs (couverture, distances, accès, statuts, classes de besoin et de soutien)",
    "nl": "indicatoren (dekking, afstanden, toegang, statussen, klassen van behoefte en ondersteuning)",
}
COMPLETENESS = {
    "en": "The catalogue is partial.",
    "fr": "Le catalogue est partiel.",
    "nl": "De catalogus is onvolledig.",
}


def shown(app, lang: str, doc) -> str:
    """``doc`` as the API's HTML pages show a JSON value (templates/api/macros.html), in ``lang``."""
    with app.test_request_context(f"/?lang={lang}"):
        return render_template_string(SHOWN, doc=doc).replace("&#39;", "'")


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_the_titles_of_the_services_own_sources_are_in_the_page_language(app, lang):
    page = shown(app, lang, {"sources": [licences.CATALOGUE, licences.INDICATORS]})
    assert CATALOGUE_TITLE[lang] in page
    assert CATALOGUE_ATTRIBUTION[lang] in page
    assert INDICATORS_TITLE[lang] in page
    for other in {"en", "fr", "nl"} - {lang}:
        assert CATALOGUE_TITLE[other] not in page and INDICATORS_TITLE[other] not in page


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_the_completeness_register_is_described_in_the_page_language(app, lang):
    register = completeness(app.extensions["geo_service"].snapshot().indicators)
    page = shown(app, lang, {"completeness": register})
    assert COMPLETENESS[lang] in page
    assert register["description"].startswith(COMPLETENESS["en"]), "the JSON keeps the English"


def test_the_json_keeps_the_english_titles_and_other_publishers_titles_show_as_given(app):
    for source in (licences.CATALOGUE, licences.INDICATORS):
        assert source["title"].startswith(f"{licences.SERVICE_NAME}: ")
    assert CATALOGUE_TITLE["en"] in licences.catalogue_sources()[0]["title"]
    foreign = {"title": "Employment rates (100 % of the 20-64, LFS)", "attribution": "Statbel (50%)"}
    page = shown(app, "fr", {"sources": [foreign]})
    assert foreign["title"] in page and foreign["attribution"] in page
