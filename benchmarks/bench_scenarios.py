"""Scenarios: the incremental answer against a full recompute, in the same run (issue 15).

Run: GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_scenarios.py

For scenarios of 1 to 5 changes (sites added at communes and at points, closed, re-kinded,
resized) it prints the median milliseconds of:

- ``incremental``: ``Planner.apply`` with the per-kind matrices already cached for the snapshot
  (what a request costs once the planner is warm), and ``cold``: the first answer after the
  snapshot (the per-kind matrices are built then);
- ``api``: ``GET /api/scenario`` through the Flask test client with the app's cache of answers
  emptied before each request (as if each scenario were asked for the first time), i.e. server
  time without the network;
- ``full``: ``indicators.compute`` on the catalogue changed the same way (what answering without
  the incremental path would cost),

and the ratio full / incremental. Targets: incremental and api <= 150 ms, ratio >= 5.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPEAT = 7
SCENARIOS = {
    "1 add (gap commune)": ["add:civic_integration_office@84016"],
    "2 close + add at a point": ["close:cri-crilux-libramont", "add:public_employment_service@50.63,5.57"],
    "3 changes, 2 kinds": [
        "add:civic_integration_office@62096",
        "close:vdab-hasselt",
        "capacity:forem-carrefour-metiers-huy=3",
    ],
    "5 changes, 3 kinds": [
        "add:civic_integration_office@84016",
        "add:civic_integration_office@25005",
        "close:vdab-hasselt",
        "kind:cri-crilux-libramont=public_employment_service",
        "add:reception_centre@63023",
    ],
}


def median_ms(fn, repeat: int = REPEAT) -> float:
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_scenarios import changed_catalogue  # the same catalogue change the property test checks

    from geo_service.app import create_app
    from geo_service.catalogue.register import read_register
    from geo_service.indicators import compute, emp, load_population, tables
    from geo_service.indicators.params import IndicatorParams
    from geo_service.indicators.scenario import Planner, Scenario
    from geo_service.settings import Settings
    from geo_service.web.context import current_snapshot

    settings = Settings.from_env()
    app = create_app(settings)
    client = app.test_client()
    with app.app_context():
        snap = current_snapshot()
    b = snap.base.boundaries
    struct, year = load_population(snap.base, settings)
    employment, entries = emp.with_gaps(emp.read_project_file()), read_register()
    real = snap.indicators

    def full(catalogue):
        original = tables.build_register
        tables.build_register = lambda *args, **kwargs: real.register  # completeness frozen, as the scenario's
        try:
            return compute(
                b.communes,
                struct,
                year,
                catalogue,
                employment,
                IndicatorParams(),
                b.provinces,
                b.regions,
                register_entries=entries,
            )
        finally:
            tables.build_register = original

    print(f"{'scenario':28} {'cold ms':>8} {'incr. ms':>9} {'api ms':>8} {'full ms':>9} {'ratio':>7}")
    worst_incremental = worst_api = 0.0
    worst_ratio = float("inf")
    for name, tokens in SCENARIOS.items():
        cold, incremental, api, full_ms = measure(tokens, snap, client, full, changed_catalogue, Planner, Scenario)
        ratio = full_ms / incremental
        worst_incremental, worst_api = max(worst_incremental, incremental), max(worst_api, api)
        worst_ratio = min(worst_ratio, ratio)
        print(f"{name:28} {cold:8.1f} {incremental:9.1f} {api:8.1f} {full_ms:9.1f} {ratio:6.0f}x")
    ok = worst_incremental <= 150 and worst_api <= 150 and worst_ratio >= 5
    print(
        f"worst: incremental {worst_incremental:.1f} ms, api {worst_api:.1f} ms, ratio {worst_ratio:.0f}x "
        f"(targets <= 150 ms, >= 5x): {'met' if ok else 'NOT met'}"
    )


def measure(tokens, snap, client, full, changed_catalogue, planner_class, scenario_class):
    """(cold, incremental, api, full) milliseconds for one scenario."""
    scenario = scenario_class.parse(tokens)
    fresh = planner_class(snap.base.boundaries.communes, snap.catalogue, snap.indicators)
    started = time.perf_counter()
    result = fresh.apply(scenario)
    cold = (time.perf_counter() - started) * 1000
    incremental = median_ms(lambda _: fresh.apply(scenario))
    query = "&".join(f"change={t}" for t in tokens)
    _check(client.get(f"/api/scenario?{query}"))  # the app's planner, warm as in service
    answers = snap.derived(("api.cache", "scenario"), lambda: None)  # the bounded cache of answers

    def ask(_):
        answers._items.clear()  # each time as if first asked: no cached answer is reused
        answers.bytes = 0
        _check(client.get(f"/api/scenario?{query}"))

    api = median_ms(ask)
    changed = changed_catalogue(snap.catalogue, result)
    return cold, incremental, api, median_ms(lambda _: full(changed), repeat=3)


def _check(response):
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
    return response


if __name__ == "__main__":
    main()
