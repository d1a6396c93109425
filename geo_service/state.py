"""Everything the service serves, built once at start-up (and cached on disk), never per request."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from . import population as pop
from .boundaries import Boundaries, build_boundaries
from .cache import cache_key, cached
from .display import simplify_coverage
from .settings import Settings
from .sources import locate

BASE_INPUTS = ["be-municip-lamberts.geo.json", "REFNIS_2019.csv", "bevolking_per_gemeente.csv"]
LEVELS = ("commune", "arrondissement", "province", "region")


@dataclass
class BaseLayers:
    """Boundaries with population attached, and their simplified display versions."""

    boundaries: Boundaries
    display: dict[str, gpd.GeoDataFrame]
    population_year: int = pop.POPULATION_2020_YEAR
    extras: dict = field(default_factory=dict)


def _attach_population(boundaries: Boundaries, population_2020: pd.DataFrame) -> None:
    per_commune = pop.to_2025(population_2020, boundaries.to_2025, ["men", "women", "total"])
    communes = boundaries.communes
    for column in ("total", "men", "women"):
        communes[f"pop_2020_{column}"] = per_commune[column].reindex(communes.index).astype("int64")
    for level in ("arrondissement", "province", "region"):
        sums = communes.groupby(level)[["pop_2020_total", "pop_2020_men", "pop_2020_women"]].sum()
        layer = boundaries.layer(level)
        for column in sums.columns:
            layer[column] = sums[column].reindex(layer.index).astype("int64")


def build_base_layers(settings: Settings) -> BaseLayers:
    paths = {name: locate(name, settings) for name in BASE_INPUTS}

    def build() -> BaseLayers:
        boundaries = build_boundaries(paths["be-municip-lamberts.geo.json"], paths["REFNIS_2019.csv"])
        _attach_population(boundaries, pop.read_population_2020(paths["bevolking_per_gemeente.csv"]))
        display = {level: simplify_coverage(boundaries.layer(level)) for level in LEVELS}
        return BaseLayers(boundaries=boundaries, display=display)

    return cached(settings.cache_dir, "base_layers", cache_key(BASE_INPUTS), build)
