"""Statbel population figures, mapped from any commune vintage to the 2025 communes.

Two tables: the population on 1 January 2020 by commune and sex (581 communes), and
TF_SOC_POP_STRUCT (population by commune, sex and nationality Belgian / non-Belgian), read from
the R data file of 2015 or from Statbel's yearly pipe-separated text release of any year.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from .errors import DataSourceError

POPULATION_2020_YEAR = 2020


def read_population_2020(path: Path) -> pd.DataFrame:
    """Population on 1 January 2020 per commune (2019 codes): columns nis, men, women, total."""
    frame = pd.read_csv(path, dtype={"NIS code": str}, encoding="utf-8-sig")
    expected = {"NIS code", "Mannen", "Vrouwen", "Totaal"}
    if not expected <= set(frame.columns):
        raise DataSourceError(f"{path}: expected columns {sorted(expected)}, found {list(frame.columns)}")
    frame = frame.rename(columns={"NIS code": "nis", "Mannen": "men", "Vrouwen": "women", "Totaal": "total"})
    frame["nis"] = frame["nis"].str.zfill(5)
    communes = frame[~frame["nis"].str.endswith("000") & ~frame["nis"].isin(["20001", "20002"])]
    return communes[["nis", "men", "women", "total"]].reset_index(drop=True)


def to_2025(frame: pd.DataFrame, to_2025, value_columns: list[str]) -> pd.DataFrame:
    """Sum ``value_columns`` per 2025 commune; ``to_2025`` maps an old code to the current one."""
    mapped = frame.assign(nis_2025=frame["nis"].map(to_2025))
    return mapped.groupby("nis_2025")[value_columns].sum()


# -- TF_SOC_POP_STRUCT ---------------------------------------------------------------------------

STRUCT_COLUMNS = {"CD_REFNIS", "CD_NATLTY", "MS_POPULATION"}


def _normalise_struct(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    frame = frame.rename(columns={c: c.upper() for c in frame.columns})
    if "CD_MUNTY_REFNIS" in frame.columns and "CD_REFNIS" not in frame.columns:
        frame = frame.rename(columns={"CD_MUNTY_REFNIS": "CD_REFNIS"})
    missing = STRUCT_COLUMNS - set(frame.columns)
    if missing:
        raise DataSourceError(
            f"{source}: not a TF_SOC_POP_STRUCT table, missing columns {sorted(missing)} "
            f"(found {sorted(frame.columns)[:12]})"
        )
    nationality = frame["CD_NATLTY"].astype(str).str.upper().str.strip()
    if not set(nationality.unique()) <= {"BEL", "ETR"}:
        raise DataSourceError(f"{source}: CD_NATLTY must be BEL or ETR, found {sorted(set(nationality))[:5]}")
    values = pd.to_numeric(frame["MS_POPULATION"], errors="coerce")
    if values.isna().any():
        raise DataSourceError(f"{source}: MS_POPULATION has non-numeric values")
    tidy = pd.DataFrame(
        {"nis": frame["CD_REFNIS"].astype(str).str.strip().str.zfill(5), "nat": nationality, "n": values}
    )
    wide = tidy.pivot_table(index="nis", columns="nat", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=["BEL", "ETR"], fill_value=0).rename(columns={"BEL": "belgian", "ETR": "foreign"})
    wide["total"] = wide["belgian"] + wide["foreign"]
    return wide.reset_index()


def _year_of(frame: pd.DataFrame, path: Path) -> int:
    for column in ("DT_REFNIS", "CD_YEAR", "DT_YEAR"):
        if column in frame.columns:
            match = re.search(r"(19|20)\d\d", str(frame[column].iloc[0]))
            if match:
                return int(match.group(0))
    match = re.search(r"(19|20)\d\d", path.name)
    if match:
        return int(match.group(0))
    raise DataSourceError(f"{path}: cannot tell the reference year (no year column, none in the file name)")


def read_pop_struct(path: Path) -> tuple[pd.DataFrame, int]:
    """Belgian / foreign residents per commune code, and the year, from .RData, .txt or .zip."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".rdata", ".rda", ".rds"):
        import pyreadr

        try:
            result = pyreadr.read_r(str(path))
        except Exception as exc:
            raise DataSourceError(f"{path}: cannot read R data file ({exc})") from exc
        frame = next(iter(result.values()))
    elif suffix in (".txt", ".csv", ".zip"):
        try:
            if suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    members = [n for n in archive.namelist() if n.lower().endswith((".txt", ".csv"))]
                    if not members:
                        raise DataSourceError(f"{path}: the archive holds no .txt table")
                    with archive.open(members[0]) as fh:
                        frame = pd.read_csv(fh, sep="|", dtype=str, encoding="utf-8-sig")
            else:
                frame = pd.read_csv(path, sep="|", dtype=str, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError, zipfile.BadZipFile) as exc:
            raise DataSourceError(f"{path}: not a pipe-separated Statbel table ({exc})") from exc
    else:
        raise DataSourceError(f"{path}: unsupported format '{suffix}' (use .RData, .txt or .zip)")
    year = _year_of(frame.rename(columns={c: c.upper() for c in frame.columns}), path)
    return _normalise_struct(frame, str(path)), year
