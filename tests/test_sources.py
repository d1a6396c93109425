"""The data manifest: verified local copies, clear errors for missing or altered files."""

from __future__ import annotations

import shutil

import pytest

from geo_service import sources
from geo_service.errors import DataSourceError
from geo_service.settings import Settings


def test_manifest_pins_every_input_with_url_hash_and_licence():
    entries = sources.manifest()
    assert {"be-municip-lamberts.geo.json", "REFNIS_2019.csv", "bevolking_per_gemeente.csv"} <= set(entries)
    for entry in entries.values():
        assert len(entry.sha256) == 64
        assert entry.url.startswith("https://") and len(entry.url.split("/")) > 6
        assert entry.licence and entry.attribution


def test_locate_verifies_shared_files(settings):
    path = sources.locate("REFNIS_2019.csv", settings)
    assert sources.sha256_of(path) == sources.manifest()["REFNIS_2019.csv"].sha256


def test_corrupted_file_is_refused_with_a_clear_message(tmp_path, data_dir):
    entry = sources.manifest()["REFNIS_2019.csv"]
    target = tmp_path / entry.path
    target.parent.mkdir(parents=True)
    shutil.copy(data_dir / entry.path, target)
    raw = bytearray(target.read_bytes())
    raw[100] ^= 0x01  # one byte changed
    target.write_bytes(bytes(raw))
    settings = Settings(data_dir=tmp_path, cache_dir=tmp_path / "cache", offline=True)
    with pytest.raises(DataSourceError) as info:
        sources.locate("REFNIS_2019.csv", settings)
    message = info.value.message
    assert "REFNIS_2019.csv" in message and entry.sha256 in message
    assert entry.url in message and "GEO_SERVICE_DATA_DIR" in message


def test_empty_data_dir_offline_names_file_hash_url_and_variable(tmp_path):
    settings = Settings(data_dir=tmp_path, cache_dir=tmp_path / "cache", offline=True)
    entry = sources.manifest()["be-municip-lamberts.geo.json"]
    with pytest.raises(DataSourceError) as info:
        sources.locate(entry.name, settings)
    message = info.value.message
    for needle in (entry.name, entry.sha256, entry.url, "GEO_SERVICE_DATA_DIR"):
        assert needle in message


def test_unreachable_download_gives_the_same_clear_error(tmp_path, monkeypatch):
    """Online mode with no network route: pooch fails, the error still names everything."""
    entry = sources.manifest()["REFNIS_2019.csv"]
    import pooch

    def no_network(*args, **kwargs):
        raise ConnectionError("network unreachable")

    monkeypatch.setattr(pooch, "retrieve", no_network)
    settings = Settings(data_dir=None, cache_dir=tmp_path / "cache", offline=False)
    with pytest.raises(DataSourceError) as info:
        sources.locate(entry.name, settings)
    assert entry.url in info.value.message and entry.sha256 in info.value.message


def test_cli_reports_missing_data_without_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(
        os.environ,
        GEO_SERVICE_DATA_DIR=str(tmp_path),
        GEO_SERVICE_CACHE_DIR=str(tmp_path / "c"),
        GEO_SERVICE_OFFLINE="1",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "geo_service.cli", "build"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "be-municip-lamberts.geo.json" in proc.stderr and "GEO_SERVICE_DATA_DIR" in proc.stderr
