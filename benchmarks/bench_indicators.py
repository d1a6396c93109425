"""Full indicator recompute (565 communes x every site x every kind) against a naive loop.

Run: GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_indicators.py
Prints the median seconds of the full recompute (coverage, distances, nearest sites, 2SFCA,
E2SFCA, competence, served/gap/unknown statuses and their explanations, employment, classes; the population table comes from the disk cache, the
location suggestions are timed apart) and of a naive per-commune, per-site Python loop computing
the distance, nearest-site and 2SFCA/E2SFCA parts in the same run, and their ratio. Target: < 1 s.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np


def naive(communes_xy, sites_xy, kinds_of_sites, demand, kinds, params, usable):
    """Per commune, per site: distance, nearest competent site and both catchment scores, in plain
    Python (``usable[kind]``: bool communes x sites of the kind, the competence rule)."""
    from geo_service.indicators.access import fca_loop

    out = {}
    for kind in kinds:
        chosen = [j for j, k in enumerate(kinds_of_sites) if k == kind]
        dist = np.zeros((len(communes_xy), len(chosen)))
        nearest = []
        for i, (x, y) in enumerate(communes_xy):
            best = math.inf
            for col, j in enumerate(chosen):
                d = math.hypot(x - sites_xy[j][0], y - sites_xy[j][1]) / 1000 if usable[kind][i, col] else math.inf
                dist[i, col] = d
                best = min(best, d)
            nearest.append(best)
        supply = [1.0] * len(chosen)
        out[kind] = (
            nearest,
            fca_loop(demand, supply, dist, params.catchment_km),
            fca_loop(demand, supply, dist, params.catchment_km, params.e2sfca_steps),
        )
    return out


def vectorised(communes_xy, sites_xy, kinds_of_sites, demand, kinds, params, usable):
    """The same parts as :func:`naive`, as the service computes them (numpy/scipy)."""
    from geo_service.indicators.access import fca
    from geo_service.indicators.distances import distance_km
    from geo_service.indicators.status import nearest

    dist = distance_km(communes_xy, sites_xy)
    out = {}
    for kind in kinds:
        mask = kinds_of_sites == kind
        ones = np.ones(mask.sum())
        competent = np.where(usable[kind], dist[:, mask], np.inf)
        out[kind] = (
            nearest(competent)[0],
            fca(demand, ones, competent, params.catchment_km),
            fca(demand, ones, competent, params.catchment_km, params.e2sfca_steps),
        )
    return out


def main() -> None:
    from geo_service.catalogue import load_catalogue
    from geo_service.catalogue.register import build_register, read_register
    from geo_service.indicators import compute, emp, load_population
    from geo_service.indicators.distances import commune_points, site_points
    from geo_service.indicators.params import IndicatorParams
    from geo_service.indicators.status import competence
    from geo_service.indicators.tables import _active
    from geo_service.settings import Settings
    from geo_service.state import build_base_layers

    settings = Settings.from_env()
    base = build_base_layers(settings)
    b = base.boundaries
    catalogue = load_catalogue(b, settings=settings)
    started = time.perf_counter()
    struct, year = load_population(base, settings)
    print(f"population table (disk cache, built on a miss): {time.perf_counter() - started:.2f} s")
    employment = emp.with_gaps(emp.read_project_file())
    params = IndicatorParams()
    sites = _active(catalogue, params.excluded_status)[0]  # the sites the indicators measure
    entries = read_register()
    print(f"inputs: {len(b.communes)} communes, {len(sites)} sites, {sites['kind'].nunique()} kinds with sites")

    runs = []
    for _ in range(5):
        started = time.perf_counter()
        result = compute(
            b.communes, struct, year, catalogue, employment, params, b.provinces, b.regions, register_entries=entries
        )
        runs.append(time.perf_counter() - started)
    fast = statistics.median(runs)

    kinds = result.params["kinds"]
    demand = result.communes["foreign_residents"].to_numpy(float)
    register = build_register(entries, catalogue, b.communes)
    usable = {
        kind: competence(
            kind, register, sites[sites["kind"] == kind], len(b.communes), catalogue.service_areas, b.communes.index
        ).usable
        for kind in kinds
    }
    started = time.perf_counter()
    slow = naive(
        commune_points(b.communes).tolist(),
        site_points(sites).tolist(),
        sites["kind"].tolist(),
        demand,
        kinds,
        params,
        usable,
    )
    baseline = time.perf_counter() - started

    for kind in kinds:  # the two must agree, or the timing means nothing
        nearest, two, enhanced = slow[kind]
        c = result.communes
        assert np.allclose(
            np.array(nearest, dtype=float), c[f"nearest_km_{kind}"].fillna(np.inf), atol=0.01, equal_nan=True
        )
        assert np.allclose(two * 1e4, c[f"access_2sfca_{kind}"]) and np.allclose(
            enhanced * 1e4, c[f"access_e2sfca_{kind}"]
        )

    xy, sxy, skinds = commune_points(b.communes), site_points(sites), sites["kind"].to_numpy()
    core_runs = []
    for _ in range(5):
        started = time.perf_counter()
        vectorised(xy, sxy, skinds, demand, kinds, params, usable)
        core_runs.append(time.perf_counter() - started)
    core = statistics.median(core_runs)

    started = time.perf_counter()
    suggestion = result.suggest("civic_integration_office", 5)
    locate_s = time.perf_counter() - started

    print(f"full recompute (median of {len(runs)}): {fast:.3f} s   target < 1 s: {'met' if fast < 1 else 'NOT met'}")
    print(f"naive per-commune loop (distances, nearest, 2SFCA, E2SFCA only): {baseline:.3f} s")
    print(f"ratio naive loop / full recompute: {baseline / fast:.1f}x")
    print(
        f"same parts vectorised (median of {len(core_runs)}): {core:.4f} s; ratio naive / vectorised: {baseline / core:.0f}x"
    )
    print(
        f"location suggestions (MCLP, k=5, civic-integration offices): {locate_s:.2f} s, "
        f"gain {suggestion['total_gain'].iloc[0]:,.0f} foreign residents"
    )


if __name__ == "__main__":
    main()
