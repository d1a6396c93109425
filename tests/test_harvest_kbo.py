"""The KBO/BCE Open Data reader and the diff, on fixture extracts in the published layout
(tests/fixtures/kbo/: quoted values, dd-mm-yyyy dates, CRLF in two files), zipped as shipped."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from geo_service.harvest import BadExtract
from geo_service.harvest.geocode import Geocoder, Unplaced
from geo_service.harvest.kbo import Selector, enterprise_number, nace_code, read_kbo
from geo_service.harvest.network import kbo_plan
from geo_service.harvest.run import diff_against

FIXTURES = Path(__file__).parent / "fixtures" / "kbo"
VDAB = "0887.158.639"


def zip_extract(folder: Path, target: Path, drop: str | None = None, edit=None) -> Path:
    """The fixture ``folder`` as the FPS Economy ships it (a flat zip of CSV files); ``drop``
    leaves a file out, ``edit(name, data)`` changes one's bytes."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.glob("*.csv")):
            if path.name == drop:
                continue
            data = path.read_bytes()
            zf.writestr(path.name, edit(path.name, data) if edit else data)
    return target


@pytest.fixture(scope="module")
def december(tmp_path_factory) -> Path:
    return zip_extract(FIXTURES / "2026-12", tmp_path_factory.mktemp("kbo") / "KboOpenData_0170_2026_12_Full.zip")


@pytest.fixture(scope="module")
def catalogue(boundaries):
    from geo_service.catalogue import load_catalogue

    return load_catalogue(boundaries)


def test_numbers_and_codes_are_read_in_every_written_form():
    assert (
        enterprise_number("0887.158.639") == enterprise_number("0887158639") == enterprise_number("887158639") == VDAB
    )
    assert enterprise_number("BE 0887 158 639") == VDAB
    assert nace_code("78.100") == nace_code("78100") == "78100"
    with pytest.raises(ValueError, match="not an enterprise number"):
        enterprise_number("12345")
    with pytest.raises(ValueError, match="not a NACE-BEL code"):
        nace_code("78.1x")


def test_selects_the_units_of_the_enterprise_with_their_names_addresses_contacts(december):
    extract = read_kbo(december, [Selector(VDAB, "vdab")])
    assert extract.source == "kbo" and extract.snapshot == "2026-12-05"
    assert extract.selectors["extract_number"] == "170"
    units = {u.source_id: u for u in extract.found}
    # every unit of VDAB, none of the other enterprise (2.200.000.001)
    assert sorted(units) == [f"2.100.000.00{i}" for i in range(1, 9)]
    sint_niklaas = units["2.100.000.002"]
    assert sint_niklaas.name == "VDAB Sint-Niklaas"
    assert sint_niklaas.address == "Proefplein 2 bus A" and sint_niklaas.postcode == "9100"
    assert sint_niklaas.contacts == {"phone": "03 000 00 02", "email": "test-sint-niklaas@example.org"}
    # Brussels: the French name and street first (the enterprise's own contact is not the unit's)
    head = units["2.100.000.008"]
    assert head.name == "VDAB Siège" and head.address == "Boulevard de l'Empereur 11" and head.contacts == {}
    assert units["2.100.000.005"].country == "Frankrijk"
    assert units["2.100.000.006"].postcode is None and units["2.100.000.006"].address is None


def test_nace_keeps_only_units_whose_own_activity_matches(december):
    extract = read_kbo(december, [Selector(VDAB, "vdab", ("78100",))])
    ids = {u.source_id for u in extract.found}
    assert "2.100.000.007" not in ids, "the training centre (85.320) is another activity"
    assert "2.100.000.001" in ids and len(ids) == 7
    assert {u.source_id for u in read_kbo(december, [Selector(VDAB, "vdab", ("85",))]).found} == {"2.100.000.007"}


def test_an_enterprise_absent_from_the_extract_is_rejected_not_guessed(december):
    extract = read_kbo(december, [Selector("0999.999.999", "vdab")])
    assert extract.found == []
    assert extract.rejected == [
        {
            "source_id": "0999.999.999",
            "reason": "enterprise 0999.999.999 is not in the extract (not active, or a wrong number)",
        }
    ]


def test_postcodes_place_units_in_2025_communes(boundaries):
    geocoder = Geocoder(boundaries)
    assert geocoder.commune_of_postcode("9120") == "46030"  # Beveren-Kruibeke-Zwijndrecht (2025 merger)
    assert geocoder.commune_of_postcode("9100") == "46021"  # Sint-Niklaas
    # 1050 serves Ixelles and the City of Brussels: the municipality written in the address decides
    assert geocoder.commune_of_postcode("1050", ("Elsene", "Ixelles")) == "21009"
    with pytest.raises(Unplaced, match="1050 serves .* and the address names neither"):
        geocoder.commune_of_postcode("1050")
    with pytest.raises(Unplaced, match="unknown postcode 9999"):
        geocoder.commune_of_postcode("9999")
    with pytest.raises(Unplaced, match="not a Belgian postcode"):
        geocoder.commune_of_postcode("75001")
    assert geocoder.at_point(4.1437, 51.1654).nis == "46021"
    with pytest.raises(Unplaced, match="outside Belgium"):
        geocoder.at_point(2.35, 48.85)


def test_the_diff_matches_curated_sites_and_rejects_what_it_cannot_place(december, catalogue, boundaries):
    plan = kbo_plan("vdab", [VDAB], ["78.100"])
    result = diff_against(catalogue, boundaries, plan, read_kbo(december, list(plan.kbo)))
    by_site = {c.site: c for c in result.changes}
    # Gent: the curated site known only by its commune takes the unit there (an update, no duplicate)
    assert by_site["vdab-gent"].action == "update" and by_site["vdab-gent"].source_id == "2.100.000.001"
    assert by_site["vdab-gent"].fields["address"] == "Proefstraat 1"
    # the head office: matched by its address, its identifier recorded
    head = by_site["vdab-brussel-head-office"]
    assert head.action == "update" and head.fields["source_id"] == "2.100.000.008"
    assert "place" not in head.fields, "same commune: not a move"
    # new units: added in their 2025 commune, at commune precision, with the register's word
    added = {c.source_id: c for c in result.changes if c.action == "add"}
    assert set(added) == {"2.100.000.002", "2.100.000.003"}
    beveren = added["2.100.000.003"]
    assert (beveren.site, beveren.nis, beveren.precision, beveren.lon) == (
        "vdab-2-100-000-003",
        "46030",
        "commune",
        None,
    )
    assert beveren.fields["source_id"] == "2.100.000.003" and beveren.fields["last_confirmed"] == "2026-12-05"
    assert added["2.100.000.002"].fields["contacts"] == {
        "phone": "03 000 00 02",
        "email": "test-sint-niklaas@example.org",
    }
    # curated sites the register lacks close, with the reason
    closed = {c.site: c for c in result.changes if c.action == "close"}
    curated = set(catalogue.sites.index[catalogue.sites["initiative_id"] == "vdab"])
    matched = {c.site for c in result.changes if c.action in ("update", "unchanged")}
    assert set(closed) == curated - matched  # every curated site the register lacks, and no other
    assert {"vdab-antwerpen", "vdab-kortrijk", "vdab-hasselt", "vdab-vilvoorde"} <= set(closed)
    assert closed["vdab-hasselt"].reason.startswith("not in the KBO/BCE register of 2026-12-05")
    assert {r["source_id"]: r["reason"] for r in result.rejected} == {
        "2.100.000.004": "unknown postcode 9999",
        "2.100.000.005": "foreign address (Frankrijk): not a site in Belgium",
        "2.100.000.006": "no address of the establishment unit in the register",
    }
    assert result.counts() == {"add": 2, "update": 2, "close": len(curated) - 2, "unchanged": 0, "rejected": 3}
    assert not result.whole, "selectors given on the command line are not the register's stored selection"
    assert list(result.as_json()["changes"][0]) == [
        "action",
        "source_id",
        "site",
        "name",
        "address",
        "postcode",
        "nis",
        "precision",
        "lon",
        "lat",
    ]


def test_plans_come_from_the_register_or_fail_naming_it():
    with pytest.raises(BadExtract, match="network_register.yaml has no network 'nope'"):
        kbo_plan("nope")
    with pytest.raises(BadExtract, match="network 'cri-wallonie' has 8 initiatives"):
        kbo_plan("cri-wallonie", ["0999.999.999"], entries=None)
    with pytest.raises(BadExtract, match="command line: '12' is not an enterprise number"):
        kbo_plan("vdab", ["12"])
    stored = [
        {
            "id": "x",
            "kind": "public_employment_service",
            "initiatives": ["vdab"],
            "harvest": {"kbo": [{"enterprise": VDAB, "initiative": "vdab", "nace": ["78.100"]}]},
        }
    ]
    plan = kbo_plan("x", entries=stored)
    assert plan.whole and plan.kbo == (Selector(VDAB, "vdab", ("78100",)),)
    assert not kbo_plan("x", nace=["85"], entries=stored).whole, "another NACE selection is not the whole register"
    assert kbo_plan("x", [VDAB], entries=stored).whole, "the same selection typed out is"
