"""The completeness register (data/catalogue/network_register.yaml) and the mandate areas it relies on."""

from __future__ import annotations

import pytest

from geo_service.catalogue import CATALOGUE_DIR, load_catalogue, read_yaml
from geo_service.catalogue.areas import named_sets, resolve_unit
from geo_service.catalogue.quotes import _collapse
from geo_service.catalogue.vocab import KINDS

REGISTER = CATALOGUE_DIR / "network_register.yaml"
PES = {"vdab", "le-forem", "actiris", "adg"}
CRIS = {"cri-cric", "cri-ceraic", "cri-cimb", "cri-cai", "cri-cripel", "cri-crvi", "cri-crilux", "cri-cribw"}
CIVIC = CRIS | {
    "agentschap-integratie-inburgering",
    "atlas-antwerpen",
    "in-gent",
    "bapa-bxl",
    "bapa-via",
    "bapa-convivial",
    "info-integration",
}
BAPAS = {"bapa-bxl", "bapa-via", "bapa-convivial"}
# French-language Walloon communes that no source attaches to a CRI: the 2015 ministerial answer says the Wallonie
# picarde communes are split between CIMB and Ce.R.A.I.C. without giving the split (see service_areas.yaml).
CRI_UNSOURCED = {
    "Le Roeulx",
    "Antoing",
    "Ath",
    "Beloeil",
    "Bernissart",
    "Brugelette",
    "Brunehaut",
    "Chièvres",
    "Ellezelles",
    "Estaimpuis",
    "Leuze-en-Hainaut",
    "Mont-de-l'Enclus",
    "Péruwelz",
    "Rumes",
    "Tournai",
}


@pytest.fixture(scope="module")
def register():
    return read_yaml(REGISTER)


@pytest.fixture(scope="module")
def catalogue(boundaries, settings):
    return load_catalogue(boundaries, settings=settings)


def communes_of(catalogue, initiatives):
    areas = catalogue.service_areas
    return areas[areas.initiative_id.isin(initiatives)].groupby("nis")["initiative_id"].apply(set)


def test_register_entries_are_well_formed(register, catalogue, boundaries):
    ids = [entry["id"] for entry in register]
    assert len(ids) == len(set(ids))
    sets = named_sets()
    for entry in register:
        assert entry["kind"] in KINDS, entry["id"]
        count, rule = entry["stated_count"], entry["stated_rule"]
        assert count is None or (isinstance(count, int) and count > 0), entry["id"]
        assert rule in (None, "one_per_commune") and not (count and rule), entry["id"]
        assert isinstance(entry["lower_bound"], bool) and entry["what_is_counted"], entry["id"]
        assert entry["sources"], entry["id"]
        for source in entry["sources"]:
            assert source.get("quote"), entry["id"]
            assert source.get("seed") or source.get("publisher"), entry["id"]
        members = entry["initiatives"]
        if members != "*":
            for initiative in members:
                assert initiative in catalogue.initiatives.index, (entry["id"], initiative)
                assert catalogue.initiatives.loc[initiative, "kind"] == entry["kind"], (entry["id"], initiative)
        for token in (entry.get("include") or []) + (entry.get("exclude") or []):
            assert resolve_unit(token, boundaries.communes, sets), (entry["id"], token)
        if entry.get("part_of"):
            parent = next(e for e in register if e["id"] == entry["part_of"])
            assert parent["kind"] == entry["kind"]


def test_register_seed_quotes_are_verbatim(register, settings):
    quoted = [s for entry in register for s in entry["sources"] if "seed" in s]
    assert quoted
    for source in quoted:
        text = _collapse((settings.seeds / source["seed"]).read_text(encoding="utf-8"))
        assert _collapse(source["quote"]) in text, source["quote"]


def test_citizen_initiative_denominator_is_the_seed_estimate(register):
    entry = next(e for e in register if e["kind"] == "citizen_initiative")
    assert entry["initiatives"] == "*" and entry["lower_bound"] is True
    assert str(entry["stated_count"]) in entry["sources"][0]["quote"].replace(",", "")


def test_every_mandated_kind_has_a_register_entry(register):
    kinds = {e["kind"] for e in register}
    assert {"public_employment_service", "civic_integration_office", "social_welfare", "reception_centre"} <= kinds
    listed = {i for e in register if e["initiatives"] != "*" for i in e["initiatives"]}
    assert PES | CIVIC | {"cpas-ocmw", "fedasil"} <= listed


def test_every_commune_has_exactly_one_public_employment_network(catalogue, boundaries):
    by_commune = communes_of(catalogue, PES)
    assert set(by_commune.index) == set(boundaries.communes.index)
    assert (by_commune.apply(len) == 1).all()


def test_every_commune_has_a_civic_integration_network_and_brussels_has_both_communities(catalogue, boundaries):
    by_commune = communes_of(catalogue, CIVIC)
    assert set(by_commune.index) == set(boundaries.communes.index) - cri_holes(catalogue, boundaries)
    brussels = boundaries.communes.index[boundaries.communes["region"] == "04000"]
    assert len(brussels) == 19
    for nis in brussels:
        assert "agentschap-integratie-inburgering" in by_commune[nis] and by_commune[nis] & BAPAS, nis
    german = named_sets()["german_speaking"]
    assert all(by_commune[nis] == {"info-integration"} for nis in german)


def cri_holes(catalogue, boundaries):
    communes = boundaries.communes
    french_walloon = set(communes.index[communes["region"] == "03000"]) - named_sets()["german_speaking"]
    return french_walloon - set(communes_of(catalogue, CRIS).index)


def test_french_language_walloon_communes_belong_to_one_cri_except_the_unsourced_ones(catalogue, boundaries):
    communes = boundaries.communes
    by_commune = communes_of(catalogue, CRIS)
    assert (by_commune.apply(len) == 1).all(), by_commune[by_commune.apply(len) > 1]
    assert not set(by_commune.index) & named_sets()["german_speaking"]
    holes = cri_holes(catalogue, boundaries)
    names = {catalogue_label(communes, nis) for nis in holes}
    assert names == {n.casefold() for n in CRI_UNSOURCED}


def catalogue_label(communes, nis):
    row = communes.loc[nis]
    for column in ("name_fr", "name", "name_nl"):
        if column in communes.columns and isinstance(row[column], str):
            return row[column].replace("œ", "oe").replace("’", "'").casefold()
    raise AssertionError(f"no name column for {nis}")


def listed_sites():
    from geo_service.catalogue import read_records

    return [site for record in read_records() for site in record.get("sites") or []]


def test_every_offices_more_row_is_in_the_catalogue_with_its_status(settings):
    import csv

    with open(settings.data_dir / "offices" / "offices_more.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 57
    sites = listed_sites()
    by_name = {site.get("name"): site for site in sites}
    # rows that restate a catalogued site only add their source there; the Immigration Office is not a support service
    merged = {
        "Maison de l'Emploi de Forest": "actiris-forest",
        "Fedasil arrival centre": "fedasil-arrival-centre-petit-chateau",
        # a newer source changed the site: Glons is a permanent centre again since 2023-07 (offices_2026.csv)
        "Fedasil temporary reception centre Glons": "fedasil-glons",
    }
    skipped = ("Office des Étrangers",)
    for row in rows:
        if row["name"].startswith(skipped):
            continue
        target = next((sid for prefix, sid in merged.items() if row["name"].startswith(prefix)), None)
        if target:
            site = next(s for s in sites if s.get("id") == target)
            assert len(site["sources"]) >= 2, target
            continue
        site = by_name.get(row["name"])
        assert site is not None, row["name"]
        assert (site.get("address") or "") == row["address"] and (site.get("postcode") or "") == row["postcode"]
        assert all(source.get("licence") == row["license_or_terms"] for source in site["sources"])
        if "public GitHub file" in row["source"] or "announced" in row["name"] and "opening" in row["name"]:
            assert site["status"] == "to_be_confirmed", row["name"]
        elif "temporary" in row["name"].lower():
            assert site["status"] == "temporary", row["name"]


def test_the_arrival_centre_keeps_fedasils_own_address():
    site = next(s for s in listed_sites() if s.get("id") == "fedasil-arrival-centre-petit-chateau")
    assert site["address"] == "Rue de Passchendaele 2"
    assert any(
        source.get("publisher") == "Fedasil" and "fedasilinfo.be" in (source.get("url") or "")
        for source in site["sources"]
    )
