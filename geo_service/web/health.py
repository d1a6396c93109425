"""Liveness and readiness for load balancers: 200 only when the verified data is loaded, the
current snapshot is built and the nominations database answers; 503 otherwise, naming the check
that failed (a balancer then routes around this instance).

The database is asked in a background thread and waited for at most ``DATABASE_DEADLINE_S``:
a database that hangs (a stopped server, a lock held elsewhere) gives a 503 naming it within
that time instead of a hung probe. One question is in flight per process: while it hangs, the
next probes answer 503 at once rather than stacking threads. Pages and the API meanwhile keep
serving the snapshot in memory."""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Blueprint, current_app, jsonify

from ..store import EXTENSION as NOMINATIONS
from ..store.db import describe
from .context import current_snapshot

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
DATABASE_DEADLINE_S = 1.5
PROBE = "geo_service.health.probe"


class DatabaseProbe:
    """Runs ``check()`` in a thread, waits for it at most ``deadline`` seconds; one run at a time."""

    def __init__(self, check, name: str, deadline: float = DATABASE_DEADLINE_S):
        self.check, self.name, self.deadline = check, name, deadline
        self._lock = threading.Lock()
        self._run: dict | None = None

    def _start(self) -> dict:
        run = {"started": time.monotonic(), "done": threading.Event(), "pid": os.getpid()}

        def work() -> None:
            try:
                run["result"] = self.check()
            except Exception as exc:  # handed to the request that waits for it
                run["error"] = exc
            finally:
                run["done"].set()

        threading.Thread(target=work, name="geo_service-health", daemon=True).start()
        return run

    def __call__(self):
        with self._lock:
            run = self._run
            if run is None or run["pid"] != os.getpid() or run["done"].is_set():
                run = self._run = self._start()
        remaining = self.deadline - (time.monotonic() - run["started"])
        if not run["done"].wait(max(0.0, remaining)):
            waited = time.monotonic() - run["started"]
            raise TimeoutError(f"no answer within {self.deadline:g} s (waiting for {waited:.1f} s)")
        if "error" in run:
            raise run["error"]
        return run["result"]


def _probe() -> DatabaseProbe:
    probe = current_app.extensions.get(PROBE)
    if probe is None:
        store = current_app.extensions[NOMINATIONS]
        probe = current_app.extensions.setdefault(
            PROBE, DatabaseProbe(lambda: store.revision(), describe(store.engine.url))
        )
    return probe


def _data() -> dict:
    snapshot = current_snapshot()
    base = snapshot.base
    b = base.boundaries
    holder = current_app.extensions["geo_service"]
    return {
        "layers": {
            "communes": len(b.communes),
            "communes_2019": len(b.communes_2019),
            "arrondissements": len(b.arrondissements),
            "provinces": len(b.provinces),
            "regions": len(b.regions),
        },
        "population_year": base.population_year,
        "catalogue": {"initiatives": len(snapshot.catalogue.initiatives), "sites": len(snapshot.catalogue.sites)},
        "snapshot": snapshot.version,
        "revision": holder.revision,
        # seconds since the background check last reached the database, and why it failed since
        "checked_s_ago": None if holder.checked_at is None else round(time.time() - holder.checked_at, 1),
        "check_error": holder.last_error,
    }


def _database() -> dict:
    started = time.perf_counter()
    probe = _probe()
    try:
        revision = probe()  # reads a table: schema present too
    except Exception as exc:  # name the database in the answer
        raise RuntimeError(f"{probe.name}: {type(exc).__name__}: {exc}") from exc
    return {"database": probe.name, "revision": revision, "ms": round((time.perf_counter() - started) * 1000, 1)}


@bp.get("/healthz")
def healthz():
    checks, failed = {}, []
    for name, check in (("data", _data), ("database", _database)):
        try:
            checks[name] = {"status": "ok", **check()}
        except Exception as exc:  # reported, not raised: the balancer needs an answer
            log.error("health check %s failed: %s: %s", name, type(exc).__name__, exc)
            checks[name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
            failed.append(name)
    body = {"status": "error" if failed else "ok", "failed": failed, "checks": checks}
    data = checks.get("data", {})
    body.update({k: data[k] for k in ("layers", "population_year") if k in data})  # flat, as before
    response = jsonify(body)
    response.status_code = 503 if failed else 200
    response.headers["Cache-Control"] = "no-store"
    return response
