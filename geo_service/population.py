"""Statbel population figures, mapped from any commune vintage to the 2025 communes.

Two tables: the population on 1 January 2020 by commune and sex (581 communes), and
TF_SOC_POP_STRUCT (population by commune, sex and nationality Belgian / non-Belgian), read from
the R data file of 2015 or from Statbel's yearly pipe-separated text release of any year.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from .errors import DataSourceError

POPULATION_2020_YEAR = 2020
POPULATION_2025_YEAR = 2025


def read_population_2020(path: Path) -> pd.DataFrame:
    """Population on 1 January 2020 per commune (2019 codes): columns nis, men, women, total."""
    try:
        frame = pd.read_csv(path, dtype={"NIS code": str}, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:  # pandas' ParserError/EmptyDataError and bad UTF-8 are ValueErrors
        raise DataSourceError(f"{path}: not a readable CSV table ({type(exc).__name__}: {exc})") from exc
    expected = {"NIS code", "Mannen", "Vrouwen", "Totaal"}
    if not expected <= set(frame.columns):
        raise DataSourceError(f"{path}: expected columns {sorted(expected)}, found {list(frame.columns)}")
    frame = frame.rename(columns={"NIS code": "nis", "Mannen": "men", "Vrouwen": "women", "Totaal": "total"})
    frame["nis"] = frame["nis"].fillna("").str.strip().str.zfill(5)
    if not frame["nis"].str.fullmatch(r"\d{5}").all():
        raise DataSourceError(f"{path}: 'NIS code' holds values that are not commune codes")
    counts = frame[["men", "women", "total"]].apply(pd.to_numeric, errors="coerce")
    if counts.isna().any().any() or (counts < 0).any().any():
        raise DataSourceError(f"{path}: Mannen/Vrouwen/Totaal must be non-negative numbers")
    frame[["men", "women", "total"]] = counts
    communes = frame[~frame["nis"].str.endswith("000") & ~frame["nis"].isin(["20001", "20002"])]
    return communes[["nis", "men", "women", "total"]].reset_index(drop=True)


def read_population_2025(path: Path, communes_2025) -> pd.Series:
    """Residents on 1 January 2025 per 2025 commune (index ``nis``), from Statbel's yearly workbook
    as normalised in the pinned CSV (``public_geography_id``, ``value``). Every 2025 commune must
    appear exactly once: a missing or extra code means the file is not the pinned 2025 table."""
    try:
        frame = pd.read_csv(path, dtype={"public_geography_id": str}, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise DataSourceError(f"{path}: not a readable CSV table ({type(exc).__name__}: {exc})") from exc
    expected = {"public_geography_id", "value", "year"}
    if not expected <= set(frame.columns):
        raise DataSourceError(f"{path}: expected columns {sorted(expected)}, found {list(frame.columns)}")
    frame = frame[pd.to_numeric(frame["year"], errors="coerce") == POPULATION_2025_YEAR]
    codes = frame["public_geography_id"].fillna("").str.strip().str.zfill(5)
    values = pd.to_numeric(frame["value"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        raise DataSourceError(f"{path}: 'value' must hold counts of residents (0 or more)")
    series = pd.Series(values.to_numpy(), index=pd.Index(codes, name="nis"))
    if series.index.duplicated().any():
        raise DataSourceError(
            f"{path}: commune codes appear more than once: {sorted(set(series.index[series.index.duplicated()]))[:5]}"
        )
    wanted = pd.Index(communes_2025)
    missing, extra = wanted.difference(series.index), series.index.difference(wanted)
    if len(missing) or len(extra):
        raise DataSourceError(f"{path}: not the 2025 communes (missing {list(missing[:5])}, unknown {list(extra[:5])})")
    return series.reindex(wanted).astype("int64")


def to_2025(frame: pd.DataFrame, to_2025, value_columns: list[str]) -> pd.DataFrame:
    """Sum ``value_columns`` per 2025 commune; ``to_2025`` maps an old code to the current one."""
    mapped = frame.assign(nis_2025=frame["nis"].map(to_2025))
    return mapped.groupby("nis_2025")[value_columns].sum()


# -- TF_SOC_POP_STRUCT ---------------------------------------------------------------------------

STRUCT_COLUMNS = {"CD_REFNIS", "CD_NATLTY", "MS_POPULATION"}


def _codes(column: pd.Series, source: str) -> pd.Series:
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.isna().any() or (numeric % 1 != 0).any() or not numeric.between(1, 99999).all():
        raise DataSourceError(f"{source}: CD_REFNIS holds values that are not commune codes")
    return numeric.astype("int64").astype(str).str.zfill(5)


def _normalise_struct(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    frame = frame.rename(columns={c: str(c).strip().upper() for c in frame.columns})
    if "CD_MUNTY_REFNIS" in frame.columns and "CD_REFNIS" not in frame.columns:
        frame = frame.rename(columns={"CD_MUNTY_REFNIS": "CD_REFNIS"})
    missing = STRUCT_COLUMNS - set(frame.columns)
    if missing:
        raise DataSourceError(
            f"{source}: not a TF_SOC_POP_STRUCT table, missing columns {sorted(missing)} "
            f"(found {sorted(frame.columns)[:12]})"
        )
    if frame.empty:
        raise DataSourceError(f"{source}: the TF_SOC_POP_STRUCT table holds no rows")
    nationality = frame["CD_NATLTY"].fillna("").astype(str).str.upper().str.strip()
    if not set(nationality.unique()) <= {"BEL", "ETR"}:
        raise DataSourceError(f"{source}: CD_NATLTY must be BEL or ETR, found {sorted(set(nationality))[:5]}")
    values = pd.to_numeric(frame["MS_POPULATION"], errors="coerce")
    if values.isna().any():
        raise DataSourceError(f"{source}: MS_POPULATION has non-numeric values")
    if not values.between(0, 1e9).all():  # also refuses inf, which no count can be
        raise DataSourceError(f"{source}: MS_POPULATION must hold counts of people (0 or more)")
    tidy = pd.DataFrame({"nis": _codes(frame["CD_REFNIS"], source), "nat": nationality, "n": values})
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


def _read_text_table(fh_bytes: bytes, source: str) -> pd.DataFrame:
    """A Statbel text release: pipe-separated (older years ';' or tab), UTF-8 or Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):  # latin-1 decodes any byte
        try:
            text = fh_bytes.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    header = text.split("\n", 1)[0]
    sep = max("|;\t,", key=header.count)
    if header.count(sep) == 0:
        raise DataSourceError(f"{source}: not a delimited Statbel table (header {header[:80]!r})")
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{source}: not a delimited Statbel table ({exc})") from exc


def read_pop_struct(path: Path) -> tuple[pd.DataFrame, int]:
    """Belgian / foreign residents per commune code (of the file's vintage), and the year.

    Accepts the R data file (.RData) and Statbel's yearly text release (.txt/.csv, or the .zip
    holding it), so a newer year loads without code changes.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataSourceError(f"{path}: no such file")
    if suffix in (".rdata", ".rda", ".rds"):
        import pyreadr

        try:
            result = pyreadr.read_r(str(path))
        except Exception as exc:
            raise DataSourceError(f"{path}: cannot read R data file ({exc})") from exc
        if not result:
            raise DataSourceError(f"{path}: the R data file holds no table")
        frame = next(iter(result.values()))
    elif suffix in (".txt", ".csv"):
        frame = _read_text_table(path.read_bytes(), str(path))
    elif suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = [n for n in archive.namelist() if n.lower().endswith((".txt", ".csv"))]
                if not members:
                    raise DataSourceError(f"{path}: the archive holds no .txt table")
                frame = _read_text_table(archive.read(members[0]), f"{path}!{members[0]}")
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:  # damaged, truncated, encrypted
            raise DataSourceError(f"{path}: not a zip archive ({exc})") from exc
    else:
        raise DataSourceError(f"{path}: unsupported format '{suffix}' (use .RData, .txt or .zip)")
    table = _normalise_struct(frame, str(path))  # first: an empty table has no year to read
    return table, _year_of(frame.rename(columns={c: str(c).upper() for c in frame.columns}), path)


def pop_struct_2025(path: Path, to_2025) -> tuple[pd.DataFrame, int]:
    """Belgian / foreign / total residents per 2025 commune (index ``nis``), and the year.

    ``to_2025`` maps a commune code of any vintage to its 2025 commune (``Boundaries.to_2025``);
    an unknown code is an error, never silently dropped.
    """
    frame, year = read_pop_struct(path)
    unknown = []

    def mapped(code: str) -> str | None:
        try:
            return to_2025(code)
        except KeyError:
            unknown.append(code)
            return None

    frame = frame.assign(nis=frame["nis"].map(mapped))
    if unknown:
        raise DataSourceError(f"{path}: commune codes not in the crosswalk: {sorted(set(unknown))[:10]}")
    per_commune = frame.groupby("nis")[["belgian", "foreign", "total"]].sum().astype("int64")
    return per_commune, year
