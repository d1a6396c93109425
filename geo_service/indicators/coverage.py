"""Coverage: initiatives and sites present in each commune, and initiatives covering it by mandate.

"Present" counts distinct initiatives with at least one (not closed) site in the commune; "mandated"
counts distinct initiatives whose service area includes the commune (docs/catalogue.md).
Rates (indicators/tables.py) divide by ``pop_total``, the population of 1 January 2025 (``pop_year``), and by
the foreign residents of TF_SOC_POP_STRUCT (``nationality_year``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _count(frame: pd.DataFrame, by: str, index: pd.Index, distinct: str | None = None) -> pd.Series:
    if len(frame) == 0:
        return pd.Series(0, index=index, dtype="int64")
    grouped = frame.groupby(by)
    counts = grouped[distinct].nunique() if distinct else grouped.size()
    return counts.reindex(index, fill_value=0).astype("int64")


def _counted(sites: pd.DataFrame) -> pd.DataFrame:
    """The columns the counts read, as a plain frame: filtering the sites' GeoDataFrame (once per
    kind) would carry their geometry along."""
    return pd.DataFrame({c: sites[c] for c in ("nis", "initiative_id", "kind", "themes") if c in sites})


def per(numerator: pd.Series, denominator: pd.Series, scale: float) -> pd.Series:
    """numerator / denominator * scale, NaN where the denominator is 0 or missing."""
    denominator = denominator.astype("float64")
    out = numerator.astype("float64") * scale / denominator.where(denominator > 0)
    return out


def empirical_bayes(events: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Marshall's (1991) global empirical-Bayes rates: each raw rate e/b shrunk toward the pooled
    rate m by the weight A / (A + m / b), with A = s² - m / mean(b) the between-unit variance
    (method of moments, floored at 0). The same numbers as PySAL ``esda.smoothing.Empirical_Bayes``
    (checked in the tests), without its seconds of import time."""
    m = events.sum() / base.sum()
    raw = events / base
    variance = (base * (raw - m) ** 2).sum() / base.sum()
    between = max(variance - m / base.mean(), 0.0)
    weight = between / (between + m / base)
    return weight * raw + (1 - weight) * m


def smoothed_rate(count: pd.Series, denominator: pd.Series, group: pd.Series, scale: float) -> pd.Series:
    """count / denominator * scale, stabilised by empirical-Bayes shrinkage toward the group
    (province) rate (:func:`empirical_bayes` within each group): a commune of 75 residents
    borrows most of its rate from its province, a city keeps its own. NaN where the denominator
    is 0 or missing (docs/indicators.md#coverage)."""
    denominator = denominator.astype("float64")
    out = pd.Series(float("nan"), index=count.index)
    valid = denominator.notna() & (denominator > 0) & count.notna()
    for _, members in count[valid].groupby(group.reindex(count.index)[valid]):
        index = members.index
        events, base = members.to_numpy(float), denominator[index].to_numpy(float)
        rates = events / base if len(index) < 3 or events.sum() == 0 else empirical_bayes(events, base)
        out[index] = rates * scale
    return out


def commune_coverage(
    index: pd.Index,
    sites: pd.DataFrame,
    service_areas: pd.DataFrame,
    initiative_kind: pd.Series,
    kinds: tuple[str, ...],
    themes: tuple[str, ...],
) -> pd.DataFrame:
    """Counts per commune (``index``): present, mandated, by kind and by theme."""
    sites = _counted(sites)
    out = pd.DataFrame(index=index)
    out["initiatives_present"] = _count(sites, "nis", index, "initiative_id")
    out["sites_present"] = _count(sites, "nis", index)
    areas = service_areas[service_areas["initiative_id"].isin(initiative_kind.index)]
    out["initiatives_mandated"] = _count(areas, "nis", index, "initiative_id")
    area_kind = areas["initiative_id"].map(initiative_kind)
    for kind in kinds:
        of_kind = sites[sites["kind"] == kind]
        out[f"sites_present_{kind}"] = _count(of_kind, "nis", index)
        out[f"initiatives_present_{kind}"] = _count(of_kind, "nis", index, "initiative_id")
        out[f"mandated_{kind}"] = _count(areas[area_kind == kind], "nis", index, "initiative_id")
    exploded = sites[["nis", "initiative_id", "themes"]].explode("themes") if len(sites) else sites
    for theme in themes:
        chosen = exploded[exploded["themes"] == theme] if len(sites) else sites
        out[f"initiatives_theme_{theme}"] = _count(chosen, "nis", index, "initiative_id")
    return out


def area_coverage(
    areas_of_commune: pd.Series,
    sites: pd.DataFrame,
    service_areas: pd.DataFrame,
    initiative_kind: pd.Series,
    kinds: tuple[str, ...],
) -> pd.DataFrame:
    """The same counts for a larger area (province): distinct initiatives, never a sum of communes."""
    index = pd.Index(sorted(areas_of_commune.unique()), name="nis")
    located = _counted(sites)
    located["area"] = located["nis"].map(areas_of_commune)
    areas = service_areas[service_areas["initiative_id"].isin(initiative_kind.index)]
    areas = areas.assign(area=areas["nis"].map(areas_of_commune))
    out = pd.DataFrame(index=index)
    out["initiatives_present"] = _count(located, "area", index, "initiative_id")
    out["sites_present"] = _count(located, "area", index)
    out["initiatives_mandated"] = _count(areas, "area", index, "initiative_id")
    area_kind = areas["initiative_id"].map(initiative_kind)
    for kind in kinds:
        out[f"sites_present_{kind}"] = _count(located[located["kind"] == kind], "area", index)
        out[f"mandated_{kind}"] = _count(areas[area_kind == kind], "area", index, "initiative_id")
    return out
