"""The ``geo-service`` command line in this process (Click's runner, ``cli.main``): what
``tests/test_sources.py`` and ``tests/test_db_timeouts.py`` check through a real process, here
within the quick loop (docs/testing.md)."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from geo_service.cli import cli, main


def test_build_prints_the_layers_it_built(settings, base):
    env = {"GEO_SERVICE_DATA_DIR": str(settings.data_dir), "GEO_SERVICE_CACHE_DIR": str(settings.cache_dir)}
    result = CliRunner().invoke(cli, ["build"], env=env)
    assert result.exit_code == 0, result.output
    b = base.boundaries
    assert f"communes 2025: {len(b.communes)}, communes 2019: {len(b.communes_2019)}," in result.output
    assert f"population {base.population_year}: {int(b.communes['pop_2025_total'].sum()):,}" in result.output


def test_a_missing_input_ends_with_one_line_and_status_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GEO_SERVICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GEO_SERVICE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEO_SERVICE_OFFLINE", "1")
    monkeypatch.setattr(sys, "argv", ["geo-service", "build"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "be-municip-lamberts.geo.json" in err and "GEO_SERVICE_DATA_DIR" in err
