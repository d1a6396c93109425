"""``geo-service harvest``: every bad input of issue 21 item 7 exits with status 2 and one
sentence naming the file and what is wrong, and writes nothing (no database, no batch); a good
extract prints the diff as a table or as the JSON object the issue specifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_harvest_kbo import FIXTURES, zip_extract

from geo_service.harvest.commands import harvest_cli


@pytest.fixture()
def run(settings, tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("GEO_SERVICE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GEO_SERVICE_CACHE_DIR", str(settings.cache_dir))
    monkeypatch.setenv("GEO_SERVICE_INSTANCE_DIR", str(instance))
    monkeypatch.setenv("GEO_SERVICE_OFFLINE", "1")
    monkeypatch.delenv("GEO_SERVICE_DATABASE_URL", raising=False)

    def invoke(*args):
        result = CliRunner().invoke(harvest_cli, [str(a) for a in args], catch_exceptions=False)
        result.instance = instance
        return result

    return invoke


def _truncated_line(name: str, data: bytes) -> bytes:
    return data[:-7] if name == "activity.csv" else data


def _renamed_column(name: str, data: bytes) -> bytes:
    return data.replace(b'"Zipcode"', b'"PostalCode"', 1) if name == "address.csv" else data


def _short_line(name: str, data: bytes) -> bytes:
    return data.replace(b'"2.100.000.002","01-01-2007","0887.158.639"', b'"2.100.000.002","0887.158.639"')


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


CASES = {
    "missing file": (lambda d, t: zip_extract(d, t, drop="address.csv"), "lacks address.csv"),
    "not a zip": (lambda d, t: _written(t, b"this is not a zip archive\n"), "is not a zip archive"),
    "wrong columns": (
        lambda d, t: zip_extract(d, t, edit=_renamed_column),
        "address.csv has the wrong columns: Zipcode missing",
    ),
    "truncated member": (
        lambda d, t: zip_extract(d, t, edit=_truncated_line),
        "activity.csv is truncated: its last line ends without a line break",
    ),
    "truncated zip": (
        lambda d, t: _written(t, zip_extract(d, t).read_bytes()[:-300]),
        "is not a zip archive (or it is truncated)",
    ),
    "short line": (
        lambda d, t: zip_extract(d, t, edit=_short_line),
        "establishment.csv has a line of 2 fields where the header has 3",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_extract_exits_2_with_one_sentence_and_writes_nothing(run, tmp_path, case):
    make, expected = CASES[case]
    extract = make(FIXTURES / "2026-12", tmp_path / "extract.zip")
    result = run("kbo", extract, "--network", "vdab", "--apply")  # the register's stored selector
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.count("\n") == 0, "one sentence on one line"
    assert message.startswith("error: extract.zip") and expected in message and message.endswith("nothing was written")
    assert not result.instance.exists(), "no database was created, nothing was stored"


def test_unknown_network_and_missing_file_exit_2(run, tmp_path):
    extract = zip_extract(FIXTURES / "2026-12", tmp_path / "extract.zip")
    result = run("kbo", extract, "--network", "no-such-network")
    assert result.exit_code == 2
    assert "network_register.yaml has no network 'no-such-network'" in result.stderr
    result = run("kbo", tmp_path / "absent.zip", "--network", "vdab", "--enterprise", "0887.158.639")
    assert result.exit_code == 2 and "absent.zip cannot be read" in result.stderr
    result = run("osm", tmp_path / "absent.osm", "--network", "vdab", "--tag", "office=employment_agency")
    assert result.exit_code == 2 and "absent.osm cannot be read: no such file" in result.stderr
    result = run("osm", extract, "--network", "vdab", "--tag", "office")
    assert result.exit_code == 2 and "tag 'office' is not KEY=VALUE" in result.stderr
    assert not result.instance.exists()


def vdab_sites(boundaries) -> int:
    """The curated VDAB sites: the fixture's extract holds two of them, the others close."""
    from geo_service.catalogue import load_catalogue

    return int((load_catalogue(boundaries).sites["initiative_id"] == "vdab").sum())


def test_dry_run_prints_the_diff_as_json_and_as_a_table(run, tmp_path, boundaries):
    extract = zip_extract(FIXTURES / "2026-12", tmp_path / "extract.zip")
    result = run("kbo", extract, "--network", "vdab", "--enterprise", "0887158639", "--nace", "78.100", "--json")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert list(body) == ["source", "snapshot", "network", "batch", "changes", "rejected"]
    assert (body["source"], body["snapshot"], body["network"], body["batch"]) == ("kbo", "2026-12-05", "vdab", None)
    actions = sorted((c["action"], c["site"]) for c in body["changes"] if c["action"] != "close")
    assert actions == [
        ("add", "vdab-2-100-000-002"),
        ("add", "vdab-2-100-000-003"),
        ("update", "vdab-brussel-head-office"),
        ("update", "vdab-gent"),
    ]
    assert {r["source_id"] for r in body["rejected"]} == {"2.100.000.004", "2.100.000.005", "2.100.000.006"}
    table = run("kbo", extract, "--network", "vdab", "--enterprise", "0887.158.639", "--nace", "78100")
    lines = table.stdout.splitlines()
    assert lines[0] == "kbo extract extract.zip, snapshot 2026-12-05, network vdab"
    assert any(line.split()[:3] == ["add", "2.100.000.003", "vdab-2-100-000-003"] for line in lines)
    closes = vdab_sites(boundaries) - 2  # all but Gent and the head office
    assert closes == sum(c["action"] == "close" for c in body["changes"])
    assert f"add: 2, update: 2, close: {closes}, unchanged: 0, rejected: 3" in lines
    assert lines[-1].startswith("dry run: nothing stored")
