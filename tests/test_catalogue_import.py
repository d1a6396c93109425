"""Importing a planner's list: all or nothing, with a report of row, field and reason."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner

from geo_service.catalogue import load_catalogue
from geo_service.catalogue.importer import parse_import
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


@pytest.mark.slow
def test_good_file_adds_its_rows(boundaries):
    csv_text = HEADER + (
        "Language café,Leuven,citizen_initiative,language;social_contact,refugees,,,Leuven city,https://example.org/a\n"
        "Ghent buddies,Gand,citizen_initiative,mentoring,newcomers,51.0543,3.7174,Ghent city,https://example.org/b\n"
    )
    records = parse_import(csv_text.encode(), "my list.csv", boundaries)
    assert [r["id"] for r in records] == ["import-my-list-language-cafe", "import-my-list-ghent-buddies"]
    before = load_catalogue(boundaries)
    after = load_catalogue(boundaries, extra_records=records)  # as the store publishes them
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


def test_a_name_taken_before_gets_a_new_id(boundaries):
    row = HEADER + "Language café,Leuven,citizen_initiative,language,refugees,,,Leuven city,\n"
    first = parse_import(row.encode(), "list.csv", boundaries)
    second = parse_import(row.encode(), "list.csv", boundaries, existing_ids={first[0]["id"]})
    third = parse_import(row.encode(), "list.csv", boundaries, existing_ids={first[0]["id"], second[0]["id"]})
    assert len({first[0]["id"], second[0]["id"], third[0]["id"]}) == 3


def test_deeply_nested_geojson_is_refused_with_a_reason(boundaries):
    nested = b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(ValidationFailed) as info:
        parse_import(nested, "deep.geojson", boundaries)
    assert "nested too deeply" in info.value.message


def test_geojson_import(boundaries):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [5.5714, 50.6326]},
                "properties": {
                    "name": "Homework club",
                    "place": "Luik",
                    "themes": "education",
                    "target_groups": "children",
                    "source_publisher": "Liège city",
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [4.35, 50.85]},
                "properties": {"place": "Bruxelles", "source_publisher": "x y"},
            },
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
    [
        (b"\xff\xfe\x00bad", "x.csv"),
        (b"{not json", "x.geojson"),
        (b'{"type": "Point"}', "x.geojson"),
        (b"a,b\n1,2\n", "x.csv"),
        (b"name,place\n", "x.csv"),
        (b"whatever", "x.xlsx"),
    ],
)
def test_malformed_files_give_clear_errors(boundaries, payload, name):
    with pytest.raises(ValidationFailed) as info:
        parse_import(payload, name, boundaries)
    assert info.value.message and info.value.details["errors"]


def _run_import(path, settings, tmp_path, monkeypatch):
    from geo_service.cli import cli

    monkeypatch.setenv("GEO_SERVICE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GEO_SERVICE_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GEO_SERVICE_CACHE_DIR", str(settings.cache_dir))
    monkeypatch.delenv("GEO_SERVICE_DATABASE_URL", raising=False)
    return CliRunner().invoke(cli, ["catalogue", "import", str(path)])


def _imported(tmp_path):
    from geo_service.store.changes import CatalogueStore

    store = CatalogueStore(f"sqlite:///{tmp_path / 'instance' / 'nominations.sqlite3'}")
    try:
        return store.imports(), [r for r in store.records() if r.get("origin") == "import"]
    finally:
        store.engine.dispose()


def test_import_command_is_all_or_nothing(tmp_path, settings, monkeypatch):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + "A café,Mons,citizen_initiative,language,refugees,,,Mons city,\n"
        "B café,Atlantis,citizen_initiative,language,refugees,,,Someone,\n",
        encoding="utf-8",
    )
    result = _run_import(bad, settings, tmp_path, monkeypatch)
    assert result.exit_code == 2 and "row 3: place" in result.output and "nothing was added" in result.output
    assert _imported(tmp_path) == ([], [])  # not even the good row
    assert not (tmp_path / "instance" / "imports").exists()  # no YAML in the instance folder any more


@pytest.mark.slow
def test_import_command_keeps_every_list_and_says_what_it_stored(tmp_path, settings, monkeypatch):
    """Issue 13 item 5: a/list.csv then b/list.csv used to keep only the second."""
    paths = []
    for folder, name in (("a", "Mons café"), ("b", "Namur café")):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "list.csv"
        path.write_text(
            HEADER + f"{name},{name.split()[0]},citizen_initiative,language,refugees,,,City,\n", encoding="utf-8"
        )
        paths.append(path)
    outputs = [_run_import(path, settings, tmp_path, monkeypatch) for path in paths]
    assert [r.exit_code for r in outputs] == [0, 0], [r.output for r in outputs]
    imports, records = _imported(tmp_path)
    assert [(i.filename, i.records, i.sites, i.via) for i in imports] == [("list.csv", 1, 1, "command")] * 2
    assert sorted(r["name"] for r in records) == ["Mons café", "Namur café"]
    for result, batch in zip(outputs, imports):
        assert f"stored import {batch.reference} (id {batch.id}) from list.csv: 1 record(s), 1 site(s)" in result.output
        assert "imported before" not in result.output
    again = _run_import(paths[0], settings, tmp_path, monkeypatch)
    assert again.exit_code == 0 and f"imported before as {imports[0].reference}" in again.output
    assert stat.S_IMODE(os.stat(tmp_path / "instance").st_mode) == 0o700  # created for the database: owner only


def test_import_command_refuses_a_missing_database_cleanly(tmp_path, settings, monkeypatch):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "Mons café,Mons,citizen_initiative,language,refugees,,,City,\n", encoding="utf-8")
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("GEO_SERVICE_DATABASE_URL", f"sqlite:///{tmp_path / 'a-file' / 'nominations.sqlite3'}")
    from geo_service.cli import cli

    monkeypatch.setenv("GEO_SERVICE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GEO_SERVICE_CACHE_DIR", str(settings.cache_dir))
    result = CliRunner().invoke(cli, ["catalogue", "import", str(path)])
    assert result.exit_code == 2 and "nothing was stored" in result.output
