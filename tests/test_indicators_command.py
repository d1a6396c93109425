"""``indicators recompute`` writes every table; Eurostat files given on the command line are used."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from geo_service.indicators.commands import indicators_group

TSV = (
    "freq,unit,sex,age,citizen,isced11,geo\\TIME_PERIOD\t2019 \n"
    "A,PC,T,Y20-64,NAT,TOTAL,BE10\t61.5 \n"
    "A,PC,T,Y20-64,NEU27_2020_FOR,TOTAL,BE10\t42.3 b\n"
    "A,PC,T,Y20-64,NAT,TOTAL,BE34\t71.0 \n"
    "A,PC,T,Y20-64,NEU27_2020_FOR,TOTAL,BE34\t: u\n"
)


@pytest.fixture()
def env(settings):
    return {
        "GEO_SERVICE_DATA_DIR": str(settings.data_dir),
        "GEO_SERVICE_CACHE_DIR": str(settings.cache_dir),
        "GEO_SERVICE_OFFLINE": "1",
    }


@pytest.mark.slow
def test_recompute_writes_tables_with_eurostat_citizenship(tmp_path, env):
    source = tmp_path / "estat_lfst_r_lfe2emprtn.tsv"
    source.write_text(TSV)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        indicators_group, ["recompute", "--out", str(out), "--eurostat", str(source), "--desert-km", "20"], env=env
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    communes = pd.read_csv(out / "communes.csv", dtype={"nis": str}).set_index("nis")
    assert len(communes) == 565
    focus = pd.read_csv(out / "high_need_low_support.csv", dtype={"nis": str}).set_index("nis")
    assert set(focus.index) == set(communes.index[communes["bivariate_class"] == "3-1"]) != set()
    provinces = pd.read_csv(out / "provinces.csv", dtype={"nis": str}).set_index("nuts2")
    assert provinces.loc["BE10", "gap_citizenship_pp"] == pytest.approx(61.5 - 42.3)
    assert pd.isna(provinces.loc["BE34", "gap_citizenship_pp"])
    assert "low reliability" in provinces.loc["BE34", "gap_citizenship_missing_reason"]
    assert "no published citizenship" in provinces.loc["BE21", "gap_citizenship_missing_reason"]
    assert '"desert_km": 20.0' in (out / "params.json").read_text()
    employment = pd.read_csv(out / "employment.csv")
    assert employment["source_url"].notna().all()


@pytest.mark.parametrize(
    "args, message",
    [(["--desert-km", "0"], "desert_km must be > 0"), (["--fetch-eurostat"], "GEO_SERVICE_OFFLINE")],
)
def test_recompute_refuses_bad_input_clearly(tmp_path, env, args, message):
    result = CliRunner().invoke(indicators_group, ["recompute", "--out", str(tmp_path), *args], env=env)
    assert result.exit_code != 0
    text = result.output + (getattr(result.exception, "message", "") or "")
    assert message in text
