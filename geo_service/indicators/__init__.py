"""Indicators: coverage, population and need, access (2SFCA / E2SFCA), service deserts,
employment gaps, need-support classes and location suggestions, per 2025 commune, province and
region. :func:`compute_indicators` is called once per snapshot (docs/indicators.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import population as pop
from ..cache import cache_key, cached
from ..catalogue.vocab import KINDS
from ..sources import locate
from . import employment as emp
from .distances import distance_km
from .location import suggest_sites
from .params import IndicatorParams

POP_STRUCT_FILE = "TF_SOC_POP_STRUCT_2015.RData"


@dataclass
class Indicators:
    """Indicator tables (flat columns) and what is needed to answer location queries on demand."""

    communes: pd.DataFrame
    provinces: pd.DataFrame
    regions: pd.DataFrame
    employment: pd.DataFrame
    metadata: dict
    params: dict
    points: np.ndarray = field(repr=False, default=None)

    def suggest(self, kind: str, k: int, radius_km: float | None = None) -> pd.DataFrame:
        """The k communes where a new site of ``kind`` brings the most foreign residents within reach."""
        from ..errors import InvalidParameter

        if kind not in KINDS:
            raise InvalidParameter(f"unknown kind {kind!r}: use one of {list(KINDS)}")
        radius = float(radius_km if radius_km is not None else self.params["desert_km"])
        if not radius > 0:
            raise InvalidParameter(f"radius_km must be > 0, got {radius_km!r}")
        dist = distance_km(self.points, self.points)
        nearest = self.communes[f"nearest_km_{kind}"]
        uncovered = nearest.isna() | (nearest > radius)
        result = suggest_sites(dist, self.communes["foreign_residents"], uncovered, radius, k)
        result["kind"], result["radius_km"] = kind, radius
        return result


def compute(*args, **kwargs) -> Indicators:
    """See :func:`geo_service.indicators.tables.compute` (the pure computation)."""
    from .tables import compute as compute_tables

    return compute_tables(*args, **kwargs)


def load_population(base, settings) -> tuple[pd.DataFrame, int]:
    """TF_SOC_POP_STRUCT per 2025 commune (disk-cached: reading the R file takes seconds)."""
    path = locate(POP_STRUCT_FILE, settings)
    to_2025 = base.boundaries.to_2025
    return cached(settings.cache_dir, "pop_struct_2025", cache_key([POP_STRUCT_FILE], code=("population.py", "boundaries.py")),
                  lambda: pop.pop_struct_2025(path, to_2025))


def catalogue_fingerprint(catalogue) -> str:
    """Hash of what the indicators read from the catalogue (sites, areas, initiative kinds and status)."""
    if catalogue is None:
        return "none"
    digest = hashlib.sha256()
    sites = catalogue.sites
    parts = [
        sites.drop(columns="geometry").astype(str),
        pd.DataFrame({"wkb": sites.geometry.to_wkb(hex=True)}, index=sites.index),
        catalogue.service_areas.astype(str),
        catalogue.initiatives[["kind", "status"]].astype(str),
    ]
    for part in parts:
        digest.update(pd.util.hash_pandas_object(part, index=True).values.tobytes())
    return digest.hexdigest()[:16]


def compute_indicators(
    base, catalogue, settings, params: IndicatorParams | None = None, extra_employment=None, use_cache: bool = True
) -> Indicators:
    """Every indicator for this snapshot, disk-cached per (inputs, code, catalogue, parameters).

    ``extra_employment``: more observations in the employment schema (e.g. from Eurostat files).
    """
    params = params or IndicatorParams()

    def build() -> Indicators:
        struct, year = load_population(base, settings)
        observations = emp.read_project_file()
        if extra_employment is not None and len(extra_employment):
            observations = pd.concat([observations, extra_employment[emp.COLUMNS]], ignore_index=True)
        b = base.boundaries
        return compute(b.communes, struct, year, catalogue, emp.with_gaps(observations), params, b.provinces, b.regions)

    if not use_cache or extra_employment is not None:
        return build()
    key = hashlib.sha256(
        f"{cache_key([POP_STRUCT_FILE])}|{catalogue_fingerprint(catalogue)}|{sorted(params.as_dict().items())}".encode()
    ).hexdigest()[:20]
    return cached(settings.cache_dir, "indicators", key, build)
