"""Importing a planner's list: all or nothing, with a report of row, field and reason."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from geo_service.catalogue import load_catalogue
from geo_service.catalogue.importer import parse_import, save_import
from geo_service.errors import ValidationFailed

HEADER = "name,place,kind,themes,target_groups,lat,lon,source_publisher,source_url\n"


def test_bad_rows_reject_the_whole_file(boundaries):
    csv_text = HEADER + (
        "Language café,Leuven,citizen_initiative,language;social_contact,refugees,,,Leuven city,https://example.org/a\n"
        "Ghost club,Atlantis,citizen_initiative,language,refugees,,,Someone,https://example.org/b\n"
        "Sea school,Oostende,education_training,education,refugees,51.60,2.50,Someone,https://example.org/c\n"
        ",Gent,citizen_initiative,language,refugees,,,Someone,https://example.org/d\n"
        "Wrong town,Namur,citizen_initiative,language,refugees,51.05,3.72,Someone,https://example.org/e\n"
    )
    with pytest.raises(ValidationFailed) as info:
        parse_import(csv_text.encode(), "list.csv", boundaries)
    errors = info.value.details["errors"]
    by_row = {e["row"]: e for e in errors}
    assert set(by_row) == {3, 4, 5, 6}  # header is line 1, the good row is line 2
    assert by_row[3]["field"] == "place" and "Atlantis" in by_row[3]["reason"]
    assert by_row[4]["field"] == "lat/lon" and "outside Belgium" in by_row[4]["reason"]
    assert by_row[5]["field"] == "name"
    assert by_row[6]["field"] == "lat/lon" and "not in the stated commune" in by_row[6]["reason"]


def test_good_file_adds_its_rows(boundaries, settings, tmp_path):
    csv_text = HEADER + (
        "Language café,Leuven,citizen_initiative,language;social_contact,refugees,,,Leuven city,https://example.org/a\n"
        "Ghent buddies,Gand,citizen_initiative,mentoring,newcomers,51.0543,3.7174,Ghent city,https://example.org/b\n"
    )
    records = parse_import(csv_text.encode(), "my list.csv", boundaries)
    assert [r["id"] for r in records] == ["import-my-list-language-cafe", "import-my-list-ghent-buddies"]
    from dataclasses import replace

    local = replace(settings, instance_dir=tmp_path)
    before = load_catalogue(boundaries, settings=local)
    save_import(records, tmp_path / "imports", "my-list")
    after = load_catalogue(boundaries, settings=local)
    assert len(after.initiatives) == len(before.initiatives) + 2
    sites = after.sites[after.sites.initiative_id.str.startswith("import-my-list")]
    assert dict(zip(sites.initiative_id, sites.nis)) == {
        "import-my-list-language-cafe": "24062",
        "import-my-list-ghent-buddies": "44021",
    }
    assert dict(zip(sites.initiative_id, sites.precision)) == {
        "import-my-list-language-cafe": "commune",
        "import-my-list-ghent-buddies": "exact",
    }


def test_geojson_import(boundaries):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.5714, 50.6326]},
             "properties": {"name": "Homework club", "place": "Luik", "themes": "education",
                            "target_groups": "children", "source_publisher": "Liège city"}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.35, 50.85]},
             "properties": {"place": "Bruxelles", "source_publisher": "x y"}},
        ],
    }
    with pytest.raises(ValidationFailed) as info:
        parse_import(json.dumps(doc).encode(), "list.geojson", boundaries)
    assert [(e["row"], e["field"]) for e in info.value.details["errors"]] == [(2, "name")]
    doc["features"].pop()
    records = parse_import(json.dumps(doc).encode(), "list.geojson", boundaries)
    assert records[0]["places"][0]["lat"] == pytest.approx(50.6326)


@pytest.mark.parametrize(
    "payload, name",
    [(b"\xff\xfe\x00bad", "x.csv"), (b"{not json", "x.geojson"), (b'{"type": "Point"}', "x.geojson"),
     (b"a,b\n1,2\n", "x.csv"), (b"name,place\n", "x.csv"), (b"whatever", "x.xlsx")],
)
def test_malformed_files_give_clear_errors(boundaries, payload, name):
    with pytest.raises(ValidationFailed) as info:
        parse_import(payload, name, boundaries)
    assert info.value.message and info.value.details["errors"]


def test_import_command_is_all_or_nothing(tmp_path, data_dir, monkeypatch):
    from geo_service.cli import cli

    monkeypatch.setenv("GEO_SERVICE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GEO_SERVICE_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GEO_SERVICE_CACHE_DIR", str(tmp_path / "cache"))
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A café,Atlantis,citizen_initiative,language,refugees,,,Someone,\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["catalogue", "import", str(bad)])
    assert result.exit_code == 1 and "row 2: place" in result.output
    assert not (tmp_path / "instance" / "imports").exists()
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "A café,Mons,citizen_initiative,language,refugees,,,Mons city,\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["catalogue", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "instance" / "imports" / "good.yaml").exists()
