"""Employment rates and gaps of natives and immigrants (province, region), from published figures.

The project file ``data/statistics/employment.csv`` restates what is used, citing
``data/statistics/sources.csv``; Eurostat files or API answers can be added (see
:mod:`.eurostat`). A gap is the reference group's rate minus the comparison group's, in
percentage points, within the same area, year, sex, age band and concept; a published gap is
used as published. Concept, year and age band travel with every figure; a missing figure stays
missing with a reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataSourceError
from ..settings import PROJECT_DATA

STATISTICS = PROJECT_DATA / "statistics"
COLUMNS = [
    "geo_code",
    "level",
    "year",
    "sex",
    "age_band",
    "concept",
    "group",
    "rate",
    "gap_pp",
    "flag",
    "missing_reason",
    "source_id",
    "source_url",
    "source_licence",
]
# (concept, reference group, comparison group) pairs a gap is computed for
PAIRS = {
    ("country_of_birth", "native_born", "foreign_born"),
    ("country_of_birth", "native_born", "non_eu_born"),
    ("citizenship", "national", "non_eu"),
    ("citizenship", "national", "foreign"),
}


def read_project_file(
    path: Path = STATISTICS / "employment.csv", sources: Path = STATISTICS / "sources.csv"
) -> pd.DataFrame:
    """The project's restated figures in the long employment schema, each with its source URL."""
    try:
        frame = pd.read_csv(path, dtype={"geo_code": str, "year": "Int64", "flag": str, "source_id": str})
        catalogue = pd.read_csv(sources, dtype=str).set_index("source_id")
        urls, licences = catalogue["url"], catalogue["licence"]
    except (OSError, pd.errors.ParserError, KeyError) as exc:
        raise DataSourceError(f"cannot read the employment statistics {path} / {sources}: {exc}") from exc
    unknown = set(frame["source_id"]) - set(urls.index)
    if unknown:
        raise DataSourceError(f"{path}: source ids without an entry in {sources.name}: {sorted(unknown)}")
    frame = frame.rename(columns={"rate_pct": "rate"})
    frame["flag"] = frame["flag"].fillna("")
    frame["source_url"] = frame["source_id"].map(urls)
    frame["source_licence"] = frame["source_id"].map(licences)
    frame["missing_reason"] = None
    return frame[COLUMNS]


def with_gaps(observations: pd.DataFrame) -> pd.DataFrame:
    """Add one row per computable gap (group ``<reference>_minus_<comparison>``)."""
    keys = ["geo_code", "level", "year", "sex", "age_band", "concept"]
    rates = observations[observations["rate"].notna() | observations["gap_pp"].isna()]
    gaps = []
    for concept, reference, comparison in sorted(PAIRS):
        ref = rates[(rates["concept"] == concept) & (rates["group"] == reference)]
        cmp = rates[(rates["concept"] == concept) & (rates["group"] == comparison)]
        pair = ref.merge(cmp, on=keys, suffixes=("_ref", "_cmp"))
        for _, row in pair.iterrows():
            both = pd.notna(row["rate_ref"]) and pd.notna(row["rate_cmp"])
            flags = ";".join(f for f in (row["flag_ref"], row["flag_cmp"]) if isinstance(f, str) and f)
            reasons = [r for r in (row["missing_reason_ref"], row["missing_reason_cmp"]) if isinstance(r, str) and r]
            gaps.append(
                {
                    **{k: row[k] for k in keys},
                    "group": f"{reference}_minus_{comparison}",
                    "rate": np.nan,
                    "gap_pp": round(row["rate_ref"] - row["rate_cmp"], 1) if both else np.nan,
                    "flag": flags,
                    "missing_reason": None if both else ("; ".join(reasons) or "a rate is missing"),
                    "source_id": row["source_id_ref"],
                    "source_url": row["source_url_ref"],
                    "source_licence": row["source_licence_ref"],
                }
            )
    frames = [observations] + ([pd.DataFrame(gaps, columns=COLUMNS)] if gaps else [])
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def _latest(frame: pd.DataFrame, level: str, concept: str, group: str, sex: str = "total") -> pd.DataFrame:
    rows = frame[
        (frame["level"] == level) & (frame["concept"] == concept) & (frame["group"] == group) & (frame["sex"] == sex)
    ]
    if rows.empty:
        return rows
    return rows[rows["year"] == rows["year"].max()].drop_duplicates("geo_code", keep="last").set_index("geo_code")


def gap_table(
    employment: pd.DataFrame, codes: pd.Series, level: str, concept: str, reference: str, comparison: str, prefix: str
) -> pd.DataFrame:
    """Per area (index of ``codes``, values NUTS codes): the two rates and the gap of the latest year.

    Columns: ``rate_<reference>``, ``rate_<comparison>``, ``<prefix>_pp``, ``_concept``, ``_year``,
    ``_age_band``, ``_source``, ``_flag``, ``_missing_reason``.
    """
    gap = _latest(employment, level, concept, f"{reference}_minus_{comparison}")
    ref, cmp = _latest(employment, level, concept, reference), _latest(employment, level, concept, comparison)
    out = pd.DataFrame(index=codes.index)
    nuts = codes.values
    out[f"rate_{reference}"] = ref["rate"].reindex(nuts).values if len(ref) else np.nan
    out[f"rate_{comparison}"] = cmp["rate"].reindex(nuts).values if len(cmp) else np.nan
    for column, source in (
        ("pp", "gap_pp"),
        ("year", "year"),
        ("age_band", "age_band"),
        ("source", "source_url"),
        ("flag", "flag"),
        ("missing_reason", "missing_reason"),
    ):
        out[f"{prefix}_{column}"] = gap[source].reindex(nuts).values if len(gap) else None
    out[f"{prefix}_concept"] = concept
    out[f"{prefix}_pp"] = out[f"{prefix}_pp"].astype(float)
    absent = out[f"{prefix}_pp"].isna() & out[f"{prefix}_missing_reason"].isna()
    out.loc[absent, f"{prefix}_missing_reason"] = (
        f"no published {concept.replace('_', ' ')} figures ({reference} vs {comparison}) for this {level}"
    )
    out[f"{prefix}_year"] = out[f"{prefix}_year"].astype(object).where(out[f"{prefix}_year"].notna(), None)
    return out
