"""Eurostat readers on small files written here, in Eurostat's TSV and JSON-stat 2.0 formats."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace

import numpy as np
import pytest

from geo_service.errors import DataSourceError
from geo_service.indicators import eurostat
from geo_service.indicators.employment import with_gaps

TSV = (
    "freq,unit,sex,age,citizen,isced11,geo\\TIME_PERIOD\t2018 \t2019 \n"
    "A,PC,T,Y20-64,NAT,TOTAL,BE10\t60.0 \t61.5 \n"
    "A,PC,T,Y20-64,NEU27_2020_FOR,TOTAL,BE10\t40.0 \t42.3 b\n"
    "A,PC,T,Y20-64,NAT,TOTAL,BE34\t70.1 \t71.0 \n"
    "A,PC,T,Y20-64,NEU27_2020_FOR,TOTAL,BE34\t: \t: u\n"
    "A,PC,F,Y20-64,NAT,TOTAL,BE10\t55.0 \t56.0 \n"
    "A,PC,F,Y20-64,NEU27_2020_FOR,TOTAL,BE10\t30.0 \t31.0 \n"
    "A,PC,T,Y20-64,NAT,ED0-2,BE10\t45.0 \t46.0 \n"
)


def jsonstat_doc(index_as_list: bool = False) -> dict:
    c_birth = ["NAT", "FOR"] if index_as_list else {"NAT": 0, "FOR": 1}
    dims = {
        "freq": ["A"],
        "unit": ["PC"],
        "sex": ["T"],
        "age": ["Y20-64"],
        "c_birth": c_birth,
        "isced11": ["TOTAL"],
        "geo": {"BE10": 0, "BE21": 1},
        "time": ["2025"],
    }
    return {
        "version": "2.0",
        "class": "dataset",
        "id": list(dims),
        "size": [1, 1, 1, 1, 2, 1, 2, 1],
        "dimension": {d: {"category": {"index": v if isinstance(v, dict | list) else v}} for d, v in dims.items()},
        # row-major: index = c_birth * 2 + geo
        "value": {"0": 63.8, "1": 78.8, "2": 63.9},
        "status": {"3": ":"},
    }


def test_tsv_reader_values_flags_and_missing(tmp_path):
    path = tmp_path / "estat_lfst_r_lfe2emprtn.tsv.gz"
    path.write_bytes(gzip.compress(TSV.encode()))
    frame = eurostat.read_file(path)
    assert len(frame) == 14
    cell = frame[
        (frame.geo == "BE10") & (frame.citizen == "NEU27_2020_FOR") & (frame.sex == "T") & (frame.time == "2019")
    ]
    assert cell["value"].item() == 42.3 and cell["flag"].item() == "b"
    missing = frame[(frame.geo == "BE34") & (frame.citizen == "NEU27_2020_FOR") & (frame.time == "2019")]
    assert np.isnan(missing["value"].item()) and missing["flag"].item() == "u"


def test_tsv_to_employment_gaps_keep_missing_cells_labelled():
    rows = eurostat.to_employment(eurostat.read_tsv(TSV.encode()), "lfst_r_lfe2emprtn")
    assert len(rows) == 12  # the ED0-2 row is not "all education levels"
    gaps = with_gaps(rows.assign(source_id="eurostat_lfst_r_lfe2emprtn"))
    gap = gaps[gaps["group"] == "national_minus_non_eu"].set_index(["geo_code", "year", "sex"])
    assert gap.loc[("BE10", 2019, "total"), "gap_pp"] == pytest.approx(61.5 - 42.3)
    assert gap.loc[("BE10", 2019, "female"), "gap_pp"] == pytest.approx(56.0 - 31.0)
    assert gap.loc[("BE10", 2019, "total"), "concept"] == "citizenship"
    assert gap.loc[("BE10", 2019, "total"), "age_band"] == "20-64"
    be34 = gap.loc[("BE34", 2019, "total")]
    assert np.isnan(be34["gap_pp"]) and "low reliability" in be34["missing_reason"]


@pytest.mark.parametrize("index_as_list", [False, True])
def test_jsonstat_reader_row_major_order(tmp_path, index_as_list):
    path = tmp_path / "lfst_r_lfe2emprc.json"
    path.write_text(json.dumps(jsonstat_doc(index_as_list)))
    frame = eurostat.read_file(path).set_index(["c_birth", "geo"])
    assert frame.loc[("NAT", "BE10"), "value"] == 63.8
    assert frame.loc[("NAT", "BE21"), "value"] == 78.8
    assert frame.loc[("FOR", "BE10"), "value"] == 63.9
    assert np.isnan(frame.loc[("FOR", "BE21"), "value"])
    rows = eurostat.to_employment(frame.reset_index(), "lfst_r_lfe2emprc")
    assert set(rows["group"]) == {"native_born", "foreign_born"} and set(rows["level"]) == {"province"}
    assert rows["missing_reason"].notna().sum() == 1


def test_not_eurostat_files_are_refused(tmp_path):
    with pytest.raises(DataSourceError):
        eurostat.read_tsv(b"a,b,c\n1,2,3\n")
    with pytest.raises(DataSourceError):
        eurostat.read_jsonstat({"class": "collection"})
    with pytest.raises(DataSourceError):
        eurostat.to_employment(eurostat.read_tsv(TSV.encode()), "nama_10_gdp")


def test_fetch_offline_is_a_clear_error(settings):
    with pytest.raises(DataSourceError, match="GEO_SERVICE_OFFLINE") as info:
        eurostat.fetch_jsonstat("lfst_r_lfe2emprtn", eurostat.PAPER_QUERY, settings)
    assert "lfst_r_lfe2emprtn" in info.value.details["url"] and "time=2019" in info.value.details["url"]


def test_fetch_unreachable_is_a_clear_error(settings):
    online = replace(settings, offline=False)
    with pytest.raises(DataSourceError, match="unreachable"):
        eurostat.fetch_jsonstat("lfst_r_lfe2emprtn", {}, online, timeout=2, url="http://127.0.0.1:9/nothing")
