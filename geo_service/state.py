"""Everything the service serves, built once at start-up (and cached on disk), never per request.

``BaseLayers`` (boundaries, population, display geometry) depend only on pinned input files and
are cached on disk. A :class:`Snapshot` adds the catalogue and the indicators; it is rebuilt only
when published nominations change (checked at most once per ``REFRESH_SECONDS``), so approved
nominations appear without a restart and every worker process converges on the same data.
Derived artefacts (serialised GeoJSON, rendered maps) are memoised on the snapshot that made
them: a new snapshot starts with an empty memo.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

import geopandas as gpd
import orjson
import pandas as pd

from . import population as pop
from .boundaries import Boundaries, build_boundaries
from .cache import cache_key, cached
from .display import simplify_coverage
from .settings import Settings
from .sources import locate

log = logging.getLogger(__name__)

BASE_INPUTS = ["be-municip-lamberts.geo.json", "REFNIS_2019.csv", "bevolking_per_gemeente.csv",
               "population_2025_by_commune.csv"]
LEVELS = ("commune", "arrondissement", "province", "region")
REFRESH_SECONDS = 1.0


@dataclass
class BaseLayers:
    """Boundaries with population attached, and their simplified display versions."""

    boundaries: Boundaries
    display: dict[str, gpd.GeoDataFrame]
    population_year: int = pop.POPULATION_2025_YEAR
    extras: dict = field(default_factory=dict)


def _attach_population(boundaries: Boundaries, population_2020: pd.DataFrame, population_2025: pd.Series) -> None:
    """``pop_2025_total`` (the newest figure, used by every rate) and the 2020 table by sex."""
    per_commune = pop.to_2025(population_2020, boundaries.to_2025, ["men", "women", "total"])
    communes = boundaries.communes
    for column in ("total", "men", "women"):
        communes[f"pop_2020_{column}"] = per_commune[column].reindex(communes.index).astype("int64")
    communes["pop_2025_total"] = population_2025.reindex(communes.index).astype("int64")
    columns = ["pop_2025_total", "pop_2020_total", "pop_2020_men", "pop_2020_women"]
    for level in ("arrondissement", "province", "region"):
        sums = communes.groupby(level)[columns].sum()
        layer = boundaries.layer(level)
        for column in sums.columns:
            layer[column] = sums[column].reindex(layer.index).astype("int64")


def build_base_layers(settings: Settings) -> BaseLayers:
    paths = {name: locate(name, settings) for name in BASE_INPUTS}

    def build() -> BaseLayers:
        boundaries = build_boundaries(paths["be-municip-lamberts.geo.json"], paths["REFNIS_2019.csv"])
        _attach_population(boundaries, pop.read_population_2020(paths["bevolking_per_gemeente.csv"]),
                           pop.read_population_2025(paths["population_2025_by_commune.csv"], boundaries.communes.index))
        display = {level: simplify_coverage(boundaries.layer(level)) for level in LEVELS}
        return BaseLayers(boundaries=boundaries, display=display)

    return cached(settings.cache_dir, "base_layers", cache_key(BASE_INPUTS), build)


class PublishedSource(Protocol):
    """Where published nominations come from (the nominations database)."""

    def revision(self) -> str: ...

    def records(self) -> list[dict]: ...


@dataclass
class Snapshot:
    """One consistent version of everything served; ``version`` feeds ETags."""

    settings: Settings
    base: BaseLayers
    catalogue: Any = None
    indicators: Any = None
    version: str = ""
    built_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    _memo: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def derived(self, key: Any, build: Callable[[], Any]) -> Any:
        """Memoise ``build()`` on this snapshot (e.g. serialised layers, rendered map HTML)."""
        try:
            return self._memo[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]


def _catalogue_key(inputs_key: str, settings: Settings, published: list[dict]) -> str:
    """The catalogue depends on the project's files and code (in ``inputs_key``), the imported
    lists in the instance folder and the published nominations: hash all three."""
    from .catalogue import imports_dir

    digest = hashlib.sha256(inputs_key.encode())
    folder = imports_dir(settings)
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("*.yaml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(orjson.dumps(published, option=orjson.OPT_SORT_KEYS, default=str))
    return digest.hexdigest()[:20]


def build_snapshot(settings: Settings, base: BaseLayers, published: list[dict], revision: str) -> Snapshot:
    from .catalogue import load_catalogue
    from .indicators import compute_indicators

    inputs_key = cache_key(BASE_INPUTS)
    catalogue = cached(settings.cache_dir, "catalogue", _catalogue_key(inputs_key, settings, published),
                       lambda: load_catalogue(base.boundaries, extra_records=published, settings=settings))
    indicators = compute_indicators(base, catalogue, settings)
    version = hashlib.sha256(f"{inputs_key}|{revision}".encode()).hexdigest()[:16]
    return Snapshot(settings=settings, base=base, catalogue=catalogue, indicators=indicators, version=version)


class StateHolder:
    """Holds the current snapshot; swaps in a new one when the published data changes."""

    def __init__(self, settings: Settings, base: BaseLayers, published: PublishedSource | None = None):
        self.settings = settings
        self.base = base
        self.published = published
        self._lock = threading.Lock()
        self._checked = 0.0
        self._revision = published.revision() if published else "none"
        self._snapshot = build_snapshot(settings, base, published.records() if published else [], self._revision)
        self.listeners: list[Callable[[Snapshot], None]] = []  # told of each new snapshot

    def snapshot(self) -> Snapshot:
        if self.published is not None and time.monotonic() - self._checked >= REFRESH_SECONDS:
            try:
                self.refresh()
            except Exception:  # database unreachable: keep serving the data in hand, retry later
                log.warning("published data could not be checked; serving snapshot %s",
                            self._snapshot.version, exc_info=True)
        return self._snapshot

    def refresh(self, force: bool = False) -> Snapshot:
        if self.published is None:
            return self._snapshot
        with self._lock:
            self._checked = time.monotonic()
            revision = self.published.revision()
            if not (force or revision != self._revision):
                return self._snapshot
            self._snapshot = build_snapshot(self.settings, self.base, self.published.records(), revision)
            self._revision = revision
        for listener in self.listeners:
            listener(self._snapshot)
        return self._snapshot
