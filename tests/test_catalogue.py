"""The catalogue: validation, sources, CPAS/OCMW coverage, mandates, multi-site initiatives."""

from __future__ import annotations

import pytest
import shapely

from geo_service.catalogue import CATALOGUE_DIR, build_catalogue, load_catalogue, read_records, read_yaml
from geo_service.catalogue.commands import run_check
from geo_service.catalogue.quotes import quote_problems


@pytest.fixture(scope="session")
def catalogue(boundaries, settings):
    return load_catalogue(boundaries, settings=settings)


@pytest.mark.slow
def test_catalogue_check_passes_with_seed_quotes(settings):
    summary, problems = run_check(settings)
    assert problems == []
    assert summary["initiatives"] >= 60 and summary["sites"] > 565


def test_every_initiative_has_a_source_and_quotes_are_short(catalogue):
    for rid, sources in catalogue.initiatives["sources"].items():
        assert sources, rid
        for source in sources:
            assert ("seed" in source and source["quote"]) or source.get("publisher"), rid
            if "seed" in source:
                assert len(source["quote"].split()) <= 25


def test_a_misquoted_seed_is_reported(tmp_path, settings):
    seeds = settings.seeds
    record = {
        "id": "x",
        "sources": [{"seed": "000_b4915499b11d7bf0.txt", "quote": "words that the survey never wrote"}],
    }
    problems = quote_problems([record], seeds)
    assert len(problems) == 1 and "not found verbatim" in problems[0]["reason"]
    good = read_records()[0]
    assert quote_problems([good], seeds) == []


def test_one_cpas_site_per_commune(catalogue, boundaries):
    cpas = catalogue.sites_of("cpas-ocmw")
    assert len(cpas) == 565
    assert set(cpas["nis"]) == set(boundaries.communes.index)
    assert set(cpas["precision"]) == {"commune"}


def test_each_cpas_lies_in_its_regional_employment_service_mandate(catalogue, boundaries):
    mandates = catalogue.service_areas
    pes = {"actiris", "vdab", "le-forem", "adg"}
    by_commune = mandates[mandates.initiative_id.isin(pes)].groupby("nis")["initiative_id"].apply(set)
    cpas = catalogue.sites_of("cpas-ocmw")
    for _, site in cpas.iterrows():
        services = by_commune.get(site["nis"], set())
        assert len(services) == 1, (site["nis"], services)
        expected = {"04000": "actiris", "02000": "vdab"}.get(site["region"])
        if expected:
            assert services == {expected}
    assert (by_commune.apply(lambda s: "actiris" in s)).sum() == 19
    adg = {nis for nis, s in by_commune.items() if "adg" in s}
    assert len(adg) == 9 and all(boundaries.communes.loc[n, "arrondissement"] == "63000" for n in adg)
    forem = {nis for nis, s in by_commune.items() if "le-forem" in s}
    assert forem == set(boundaries.communes.index[boundaries.communes.region == "03000"]) - adg


def test_sites_lie_inside_their_commune(catalogue, boundaries):
    polygons = boundaries.communes.geometry.loc[catalogue.sites["nis"]].values
    inside = shapely.contains(polygons, catalogue.sites.geometry.values)
    assert bool(inside.all())
    assert catalogue.sites["province"].notna().all() and catalogue.sites["region"].notna().all()


@pytest.mark.parametrize(
    "initiative, communes, provinces",
    [
        ("duo-for-a-job", {"11002", "21004", "62063"}, {"10000", "04000", "60000"}),
        ("up-together", {"11002", "31005", "21004", "62063", "57081"}, {"10000", "30000", "04000", "60000", "50000"}),
        ("for-youth", {"21004", "11002", "52011", "44021", "62063"}, {"04000", "10000", "50000", "40000", "60000"}),
    ],
)
def test_multi_site_initiatives_have_one_site_per_place(catalogue, initiative, communes, provinces):
    sites = catalogue.sites_of(initiative)
    assert len(sites) == len(communes)
    assert set(sites["nis"]) == communes
    assert set(sites["province"]) == provinces


def test_broken_records_are_reported_not_loaded(boundaries):
    good = read_records()[:1]
    bad = [
        {
            "id": "no-source",
            "name": "Without source",
            "kind": "citizen_initiative",
            "themes": [],
            "target_groups": [],
            "scope": "local",
            "status": "active",
            "sources": [],
        },
        {
            "id": "bad-kind",
            "name": "Bad kind",
            "kind": "spaceship",
            "themes": ["language"],
            "target_groups": [],
            "scope": "local",
            "status": "active",
            "sources": [{"url": "https://example.org", "publisher": "Example publisher"}],
        },
        {
            "id": "bad-place",
            "name": "Bad place",
            "kind": "ngo_service",
            "themes": [],
            "target_groups": [],
            "scope": "local",
            "status": "active",
            "sources": [{"url": "https://example.org", "publisher": "Example publisher"}],
            "places": [{"place": "Atlantis"}],
        },
    ]
    catalogue, problems = build_catalogue(good + bad + good, [], boundaries)
    fields = {(p["record"], p["field"]) for p in problems}
    assert ("no-source", "sources") in fields
    assert ("bad-kind", "kind") in fields
    assert ("bad-place", "places[0].place") in fields
    assert any(p["reason"].startswith("duplicate id") for p in problems)
    assert list(catalogue.initiatives.index).count(good[0]["id"]) == 1


def test_a_record_is_checked_anew_whenever_it_differs(boundaries):
    """The schema check remembers each distinct record's result, since every catalogue build sees
    the project's records again; a record that differs at all (a changed field, a year given as
    ``True`` rather than a number, a date object rather than its text) is checked anew, and the
    caller may change the list it gets. The place resolver and site placer are built once per
    boundaries object."""
    import datetime as dt

    from geo_service.catalogue.schema import schema_errors
    from geo_service.catalogue.sites import placer_for

    record = read_records()[0]
    assert schema_errors(record) == schema_errors(dict(record)) == []
    assert [e["field"] for e in schema_errors(dict(record, kind="spaceship"))] == ["kind"]
    assert schema_errors(dict(record, start_year=2019)) == []
    assert [e["field"] for e in schema_errors(dict(record, start_year=True))] == ["start_year"]
    source = record["sources"][0]
    assert schema_errors(dict(record, sources=[dict(source, date="2026-01-05")])) == []
    dated = dict(record, sources=[dict(source, date=dt.date(2026, 1, 5))])
    assert [e["field"] for e in schema_errors(dated)] == ["sources[0]"]  # neither form of a source
    given = schema_errors(dict(record, kind="spaceship"))
    given.clear()
    assert len(schema_errors(dict(record, kind="spaceship"))) == 1
    placer = placer_for(boundaries)
    assert placer_for(boundaries) is placer and placer.boundaries is boundaries
    assert placer.resolver.resolve("Luik") == "62063"


def test_service_area_with_unknown_unit_is_reported(boundaries):
    records = read_records()
    areas = [
        {
            "id": "x",
            "initiative": "actiris",
            "name": "x",
            "include": ["province:12345"],
            "exclude": [],
            "basis": "test",
            "sources": [{"url": "https://example.org", "publisher": "Example publisher"}],
        }
    ]
    _, problems = build_catalogue(records, areas, boundaries)
    assert problems and problems[0]["record"] == "x" and "12345" in problems[0]["reason"]


def test_project_service_areas_all_resolve(catalogue):
    definitions = read_yaml(CATALOGUE_DIR / "service_areas.yaml")
    assert {d["id"] for d in definitions} <= set(catalogue.areas.index)
    assert (catalogue.areas["commune_count"] > 0).all()


@pytest.mark.slow
def test_an_invalid_published_record_is_left_out_not_fatal(boundaries):
    good = {
        "id": "nomination-1",
        "name": "Language table",
        "kind": "citizen_initiative",
        "themes": ["language"],
        "target_groups": ["refugees"],
        "scope": "local",
        "status": "active",
        "sources": [{"url": None, "publisher": "geo_service nominations", "note": "nomination #1"}],
        "places": [{"place": "Namur"}],
    }
    bad = dict(good, id="nomination-2", places=[{"place": "Atlantis"}])
    catalogue = load_catalogue(boundaries, extra_records=[good, bad])
    assert "nomination-1" in catalogue.initiatives.index
    assert "nomination-2" not in catalogue.initiatives.index
    assert catalogue.initiatives.at["nomination-1", "origin"] == "nomination"


def test_operators_and_descriptions_hold_only_texts(catalogue):
    """An initiative whose record names no operator has no operator texts: the frame's missing
    value (NaN) was once taken for its English text and served as ``"operators": {"en": null}``."""
    for column in ("operators", "descriptions"):
        for rid, texts in catalogue.initiatives[column].items():
            assert all(isinstance(t, str) and t for t in texts.values()), (rid, column, texts)
    assert any(not texts for texts in catalogue.initiatives["operators"]), "some record names no operator"
