"""The catalogue's own texts in the pages' languages: a site's note and an initiative's
description are shown on French and Dutch pages, so each needs its ``fr`` and ``nl`` text
(``notes``, ``descriptions`` in data/catalogue/*.yaml) beside the English one."""

from __future__ import annotations

import dataclasses
import re

import pytest

from geo_service.catalogue import load_catalogue

LANGUAGES = ("fr", "nl")


def _given(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def untranslated(catalogue) -> list[str]:
    """``kind id: missing languages`` for every note or description without its French or Dutch text."""
    missing = []
    for kind, frame, text, texts in (
        ("site note", catalogue.sites, "note", "notes"),
        ("initiative description", catalogue.initiatives, "description", "descriptions"),
    ):
        for record_id, row in frame[[text, texts]].iterrows():
            if not _given(row[text]):
                continue
            lacking = [lang for lang in LANGUAGES if not _given((row[texts] or {}).get(lang))]
            if lacking:
                missing.append(f"{kind} {record_id}: no {'/'.join(lacking)}")
    return missing


@pytest.fixture(scope="module")
def catalogue(boundaries, settings):
    return load_catalogue(boundaries, settings=settings)


def test_every_note_and_description_has_its_french_and_dutch_text(catalogue):
    assert len(catalogue.sites) > 565 and len(catalogue.initiatives) > 60
    assert untranslated(catalogue) == []


def test_a_note_or_description_in_english_only_is_reported(catalogue):
    sites, initiatives = catalogue.sites.copy(), catalogue.initiatives.copy()
    sites.at["rkv-berlaar", "notes"] = {"en": sites.at["rkv-berlaar", "note"]}
    initiatives.at["caritas-reception-centres", "descriptions"] = {
        lang: text for lang, text in initiatives.at["caritas-reception-centres", "descriptions"].items() if lang != "nl"
    }
    edited = dataclasses.replace(catalogue, sites=sites, initiatives=initiatives)
    assert set(untranslated(edited)) - set(untranslated(catalogue)) == {
        "site note rkv-berlaar: no fr/nl",
        "initiative description caritas-reception-centres: no nl",
    }


# Words of the English site names that say what a place is ("antenna", "office", "reception
# centre"...) and occur in no French or Dutch name: a name holding one is a description to
# translate, not a proper name such as "Duo for a Job" that stays as it is.
DESCRIBING = re.compile(
    r"\b(?:the|antenna|office|consultation|winter|reception|location|head|agency|appointment|room|city|former|"
    r"opened|announced|accommodation|address)\b",
    re.I,
)


def test_a_site_name_that_describes_the_place_is_given_in_french_and_dutch(catalogue):
    described = catalogue.sites[catalogue.sites["name"].str.contains(DESCRIBING)]
    assert len(described) > 100  # the CPAS, Fedasil, VDAB... sites the rule is about
    wrong = {
        site_id: names
        for site_id, names in described["names"].items()
        if not all(_given(names.get(lang)) and not DESCRIBING.search(names[lang]) for lang in LANGUAGES)
    }
    assert wrong == {}
