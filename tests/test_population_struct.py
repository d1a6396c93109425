"""TF_SOC_POP_STRUCT: the 2015 R file and Statbel's yearly text release, mapped to 2025 communes."""

from __future__ import annotations

import zipfile

import pytest

from geo_service.errors import DataSourceError
from geo_service.population import pop_struct_2025, read_pop_struct

HEADER = (
    "CD_REFNIS|TX_DESCR_NL|TX_DESCR_FR|CD_DSTR_REFNIS|CD_PROV_REFNIS|CD_RGN_REFNIS|CD_SEX|CD_NATLTY|"
    "TX_NATLTY_FR|TX_NATLTY_NL|CD_CIV_STS|CD_AGE|MS_POPULATION"
)


def _row(code, name, sex, nat, age, n):
    label = {"BEL": "Belges|Belgen", "ETR": "Étrangers|Vreemdelingen"}.get(nat, "?|?")
    return f"{code}|{name}|{name}|{code[:2]}000|10000|2000|{sex}|{nat}|{label}|1|{age}|{n}"


def _release(rows) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


ROWS = [
    # 23023 and 23024 merged in 2025; 11002 keeps its code; 'Étrangers' is written in cp1252 below
    _row("23023", "Halle", "M", "BEL", 30, 100),
    _row("23023", "Halle", "F", "ETR", 31, 7),
    _row("23024", "Hoeilaart", "F", "BEL", 40, 50),
    _row("23024", "Hoeilaart", "M", "ETR", 41, 3),
    _row("11002", "Antwerpen", "M", "ETR", 25, 20),
    _row("11002", "Antwerpen", "F", "BEL", 26, 80),
]


def test_yearly_text_release_loads_and_maps_to_2025(tmp_path, boundaries):
    path = tmp_path / "TF_SOC_POP_STRUCT_2024.txt"
    path.write_bytes(_release(ROWS).encode("cp1252"))  # Statbel text files may be Windows-1252
    frame, year = pop_struct_2025(path, boundaries.to_2025)
    assert year == 2024
    merged = boundaries.to_2025("23023")
    assert merged == boundaries.to_2025("23024") != "23023"
    assert frame.loc[merged].to_dict() == {"belgian": 150, "foreign": 10, "total": 160}
    assert frame.loc["11002"].to_dict() == {"belgian": 80, "foreign": 20, "total": 100}


def test_zip_release_and_year_column(tmp_path):
    text = _release(ROWS).replace("MS_POPULATION", "MS_POPULATION|DT_REFNIS")
    text = "\n".join(line + ("|01/01/2023" if i else "") for i, line in enumerate(text.strip().split("\n")))
    archive = tmp_path / "TF_SOC_POP_STRUCT.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("TF_SOC_POP_STRUCT_2023.txt", text.encode("utf-8"))
    frame, year = read_pop_struct(archive)
    assert year == 2023
    assert frame.set_index("nis").loc["23023", "foreign"] == 7


@pytest.mark.parametrize(
    "content, message",
    [
        ("CD_REFNIS|MS_POPULATION\n11002|5\n", "missing columns"),
        (_release([_row("11002", "A", "M", "XXX", 1, 5)]), "BEL or ETR"),
        (_release([_row("11002", "A", "M", "BEL", 1, 5)]).replace("|5\n", "|five\n"), "non-numeric"),
    ],
)
def test_bad_tables_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "TF_SOC_POP_STRUCT_2024.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataSourceError, match=message):
        read_pop_struct(path)


def test_unknown_commune_code_is_an_error(tmp_path, boundaries):
    path = tmp_path / "TF_SOC_POP_STRUCT_2024.txt"
    path.write_text(_release([_row("99999", "Nowhere", "M", "BEL", 1, 5)]), encoding="utf-8")
    with pytest.raises(DataSourceError, match="99999"):
        pop_struct_2025(path, boundaries.to_2025)


def test_unsupported_format(tmp_path):
    path = tmp_path / "pop.xls"
    path.write_bytes(b"x")
    with pytest.raises(DataSourceError, match="unsupported format"):
        read_pop_struct(path)


def test_the_2015_file_covers_every_2025_commune(settings, base, boundaries):
    from geo_service.indicators import load_population

    frame, year = load_population(base, settings)  # pop_struct_2025 on the manifest file, disk-cached
    assert year == 2015
    assert set(frame.index) == set(boundaries.communes.index)
    assert int(frame["total"].sum()) == 11_209_044  # SOURCES.md: total of the file
    assert (frame["belgian"] + frame["foreign"] == frame["total"]).all()
    assert (frame["foreign"] > 0).all()
