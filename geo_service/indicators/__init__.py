"""Indicators: coverage, population and need, access (2SFCA / E2SFCA), served/gap/unknown statuses,
employment gaps, need-support classes and location suggestions, per 2025 commune, province and
region. :func:`compute_indicators` is called once per snapshot (docs/indicators.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import orjson
import pandas as pd

from .. import population as pop
from ..cache import cache_key, cached
from ..catalogue.register import Register, read_register
from ..catalogue.vocab import KINDS
from ..sources import locate
from . import employment as emp
from .distances import distance_km
from .location import check_request, suggest_sites
from .params import IndicatorParams
from .status import STATUSES, network_name

UNREACHABLE_KM = 1e9  # between communes that share no complete network: never within reach
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
    networks: pd.DataFrame | None = None  # the completeness register, one row per network
    register: Register | None = field(repr=False, default=None)  # networks: areas, members
    centres: pd.DataFrame | None = None  # per reception centre: the support within reach (indicators.centres)

    @property
    def reach_km(self) -> float:
        """How near a competent site must be for a commune to count as served (``desert_km``)."""
        return float(self.params.get("desert_km", IndicatorParams.desert_km))

    def status_counts(self, kinds=None) -> dict[str, dict[str, int]]:
        """{kind: {served, gap, unknown}}: how many communes have each status (the kinds that
        judge communes; not_assessed ones are left out)."""
        kinds = kinds or self.params.get("desert_kinds", ())
        return {kind: {s: int((self.communes[f"status_{kind}"] == s).sum()) for s in STATUSES} for kind in kinds}

    def _shared_complete(self, kind: str) -> np.ndarray | None:
        """bool (communes x communes): both are served by one *complete* network of ``kind``."""
        if self.register is None or self.networks is None:
            return None
        competent = self.register.of_kind(kind)
        ids = competent.index[competent["status"] == "complete"]
        if not len(ids):
            return None
        area = self.register.communes.reindex(self.communes.index)[ids].to_numpy().astype(np.int32)
        return (area @ area.T) > 0

    def suggestion_scope(self, kind: str, lang: str = "en") -> dict:
        """Where suggestions for ``kind`` can be right: the networks (named in ``lang``) complete or
        not, and how many communes are gaps (complete network, nothing within reach) or unknown."""
        empty = pd.DataFrame(columns=["kind", "status", "name", "names"])
        of_kind = self.register.of_kind(kind) if self.register is not None else empty
        column = self.communes.get(f"status_{kind}", pd.Series(dtype=object))
        named = [network_name(name, names, lang) for name, names in zip(of_kind["name"], of_kind["names"])]
        complete = (of_kind["status"] == "complete").tolist()
        return {
            "complete": [name for name, done in zip(named, complete) if done],
            "incomplete": [name for name, done in zip(named, complete) if not done],
            "gaps": int((column == "gap").sum()),
            "unknown": int((column == "unknown").sum()),
        }

    def suggest(self, kind: str, k: int, radius_km: float | None = None, cache_dir=None) -> pd.DataFrame:
        """The k communes where a new site of ``kind`` brings the most foreign residents within
        reach, among communes whose competent network is complete (elsewhere a "gap" may only be
        a site missing from the catalogue, so no suggestion is made: see :meth:`suggestion_scope`).
        A new site serves only communes that share a complete network with it. With
        ``cache_dir``, the result is kept on disk under :meth:`suggestion_key`."""
        problem = self._suggestion_problem(kind, k, radius_km)

        def solve() -> pd.DataFrame:
            result = suggest_sites(*problem)  # (distances, demand, uncovered, radius, k)
            # a site that reaches no one new is no suggestion
            result = result[result["gain"] > 0].reset_index(drop=True)
            result["kind"], result["radius_km"] = kind, problem[3]
            return result

        if cache_dir is None:
            return solve()
        return cached(cache_dir, f"suggestions-{kind}", _problem_key(kind, problem), solve)

    def suggestion_key(self, kind: str, k: int, radius_km: float | None = None) -> str:
        """A digest of everything :meth:`suggest` solves for ``kind`` (distances within complete
        networks, demand, the communes not yet within reach, radius, k) and of the solver's code:
        the key of its result on disk. New data that leave them as they were (a nomination of
        another kind, a site in a network that is not complete) reuse the solution instead of
        solving the MCLP again, which is seconds per kind at every publication."""
        return _problem_key(kind, self._suggestion_problem(kind, k, radius_km))

    def _suggestion_problem(self, kind: str, k: int, radius_km: float | None):
        """(distances, demand, uncovered, radius, k) of the MCLP for ``kind``, after checking the
        request (a 400 before the distances between every pair of communes are computed)."""
        from ..errors import InvalidParameter

        if kind not in KINDS:
            raise InvalidParameter(f"unknown kind {kind!r}: use one of {list(KINDS)}", parameter="kind")
        radius = float(radius_km if radius_km is not None else self.params["desert_km"])
        check_request(k, radius)
        demand = self.communes["foreign_residents"]
        share = self._shared_complete(kind)
        if share is None:  # no complete network of the kind: nothing to suggest
            n = len(self.communes)
            return np.zeros((n, n)), demand, pd.Series(False, index=self.communes.index), radius, k
        dist = np.where(share, distance_km(self.points, self.points), UNREACHABLE_KM)
        nearest = self.communes[f"nearest_km_{kind}"]
        complete = self.communes[f"network_complete_{kind}"].astype(bool)
        uncovered = complete & (nearest.isna() | (nearest > radius))
        return dist, demand, uncovered, radius, k


def _problem_key(kind: str, problem) -> str:
    """:meth:`Indicators.suggestion_key` of a problem already made."""
    dist, demand, uncovered, radius, k = problem
    digest = hashlib.sha256(cache_key([], code=("indicators/__init__.py", "indicators/location.py")).encode())
    digest.update(repr((kind, list(demand.index), radius, k)).encode())
    for part in (dist, demand.to_numpy(dtype=float), uncovered.to_numpy(dtype=bool)):
        digest.update(np.ascontiguousarray(part).tobytes())
    return digest.hexdigest()[:20]


def compute(*args, **kwargs) -> Indicators:
    """See :func:`geo_service.indicators.tables.compute` (the pure computation)."""
    from .tables import compute as compute_tables

    return compute_tables(*args, **kwargs)


def load_population(base, settings) -> tuple[pd.DataFrame, int]:
    """TF_SOC_POP_STRUCT per 2025 commune (disk-cached: reading the R file takes seconds)."""
    path = locate(POP_STRUCT_FILE, settings)
    to_2025 = base.boundaries.to_2025
    return cached(
        settings.cache_dir,
        "pop_struct_2025",
        cache_key([POP_STRUCT_FILE], code=("population.py", "boundaries.py")),
        lambda: pop.pop_struct_2025(path, to_2025),
    )


def catalogue_fingerprint(catalogue) -> str:
    """Hash of what the indicators read from the catalogue (sites, areas, initiative kinds and status,
    applied register harvests)."""
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
    # the completeness register reads the applied register harvests (a network complete as of a snapshot)
    digest.update(orjson.dumps(getattr(catalogue, "harvests", None) or [], option=orjson.OPT_SORT_KEYS, default=str))
    digest.update(str(getattr(catalogue, "as_of", None)).encode())  # the day the date rules were applied
    return digest.hexdigest()[:16]


def compute_indicators(
    base,
    catalogue,
    settings,
    params: IndicatorParams | None = None,
    extra_employment=None,
    use_cache: bool = True,
    register_entries: list[dict] | None = None,
) -> Indicators:
    """Every indicator for this snapshot, disk-cached per (inputs, code, catalogue, parameters).

    ``extra_employment``: more observations in the employment schema (e.g. from Eurostat files);
    ``register_entries``: the completeness register (default: data/catalogue/network_register.yaml).
    """
    params = params or IndicatorParams()
    entries = read_register() if register_entries is None else register_entries

    def build() -> Indicators:
        struct, year = load_population(base, settings)
        observations = emp.read_project_file()
        if extra_employment is not None and len(extra_employment):
            observations = pd.concat([observations, extra_employment[emp.COLUMNS]], ignore_index=True)
        b = base.boundaries
        return compute(
            b.communes,
            struct,
            year,
            catalogue,
            emp.with_gaps(observations),
            params,
            b.provinces,
            b.regions,
            register_entries=entries,
        )

    if not use_cache or extra_employment is not None:
        return build()
    key = hashlib.sha256(
        f"{cache_key([POP_STRUCT_FILE])}|{catalogue_fingerprint(catalogue)}|{sorted(params.as_dict().items())}|".encode()
        + orjson.dumps(entries, option=orjson.OPT_SORT_KEYS, default=str)
    ).hexdigest()[:20]
    return cached(settings.cache_dir, "indicators", key, build)
