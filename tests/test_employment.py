"""Employment rates and gaps restated in data/statistics, joined to provinces and regions."""

from __future__ import annotations

import numpy as np
import pytest

from geo_service.indicators import employment as emp


@pytest.fixture(scope="module")
def observations():
    return emp.with_gaps(emp.read_project_file())


def test_every_figure_has_a_source_url_concept_year_and_age_band(observations):
    assert observations["source_url"].str.startswith("https://").all()
    assert observations["source_licence"].notna().all()
    assert set(observations["concept"]) == {"country_of_birth", "citizenship"}
    assert observations["year"].notna().all() and observations["age_band"].notna().all()


def test_province_gaps_are_native_minus_foreign_born(observations, boundaries):
    provinces = boundaries.provinces
    table = emp.gap_table(
        observations, provinces["nuts2"], "province", "country_of_birth", "native_born", "foreign_born", "g"
    )
    assert len(table) == 11 and table["g_pp"].notna().all()
    assert set(table["g_year"]) == {2025} and set(table["g_age_band"]) == {"20-64"}
    assert set(table["g_concept"]) == {"country_of_birth"}
    liege = provinces.index[provinces["nuts2"] == "BE33"][0]
    # published rates for BE33 in 2025: native-born 70.0, foreign-born 53.9
    assert table.loc[liege, "g_pp"] == pytest.approx(16.1)
    assert table.loc[liege, "rate_native_born"] - table.loc[liege, "rate_foreign_born"] == pytest.approx(16.1)


def test_region_figures_published_gap_and_country_of_birth(observations, boundaries):
    regions = boundaries.regions
    cit = emp.gap_table(observations, regions["nuts1"], "region", "citizenship", "national", "non_eu", "c")
    wallonia = regions.index[regions["nuts1"] == "BE3"][0]
    assert cit.loc[wallonia, "c_pp"] == 38.8 and cit.loc[wallonia, "c_year"] == 2020
    assert np.isnan(cit.loc[wallonia, "rate_national"])  # only the gap was published
    birth = emp.gap_table(
        observations, regions["nuts1"], "region", "country_of_birth", "native_born", "non_eu_born", "b"
    )
    flanders = regions.index[regions["nuts1"] == "BE2"][0]
    assert birth.loc[flanders, "b_pp"] == pytest.approx(90.2 - 68.2)
    assert birth.loc[flanders, "b_age_band"] == "25-54"


def test_missing_figures_stay_missing_with_a_reason(observations, boundaries):
    provinces = boundaries.provinces
    table = emp.gap_table(observations, provinces["nuts2"], "province", "citizenship", "national", "non_eu", "x")
    assert table["x_pp"].isna().all()
    assert table["x_missing_reason"].str.contains("no published citizenship figures").all()


def test_a_source_id_without_source_is_refused(tmp_path):
    data = tmp_path / "employment.csv"
    data.write_text(
        "geo_code,level,year,sex,age_band,concept,group,rate_pct,gap_pp,flag,source_id\n"
        "BE10,province,2025,total,20-64,country_of_birth,native_born,60,,,nowhere\n"
    )
    sources = tmp_path / "sources.csv"
    sources.write_text("source_id,publisher,dataset,url,licence,how_read\nother,x,y,https://example.org,z,w\n")
    from geo_service.errors import DataSourceError

    with pytest.raises(DataSourceError, match="nowhere"):
        emp.read_project_file(data, sources)


def test_gap_rows_carry_both_flags(observations):
    gaps = observations[observations["group"] == "native_born_minus_foreign_born"]
    assert len(gaps) == 11
    assert gaps["flag"].str.contains("eurostat_flags_not_carried").all()
    assert gaps["source_licence"].str.contains("2011/833/EU").all()
