"""Liveness and readiness for load balancers: 200 only when the verified data is loaded, the
current snapshot is built and the nominations database answers; 503 otherwise, naming the check
that failed (a balancer then routes around this instance)."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, jsonify

from ..app import current_snapshot
from ..nominations import EXTENSION as NOMINATIONS

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _data() -> dict:
    snapshot = current_snapshot()
    base = snapshot.base
    b = base.boundaries
    return {
        "layers": {"communes": len(b.communes), "communes_2019": len(b.communes_2019),
                   "arrondissements": len(b.arrondissements), "provinces": len(b.provinces),
                   "regions": len(b.regions)},
        "population_year": base.population_year,
        "catalogue": {"initiatives": len(snapshot.catalogue.initiatives), "sites": len(snapshot.catalogue.sites)},
        "snapshot": snapshot.version,
    }


def _database() -> dict:
    started = time.perf_counter()
    revision = current_app.extensions[NOMINATIONS].revision()  # reads a table: schema present too
    return {"revision": revision, "ms": round((time.perf_counter() - started) * 1000, 1)}


@bp.get("/healthz")
def healthz():
    checks, failed = {}, []
    for name, check in (("data", _data), ("database", _database)):
        try:
            checks[name] = {"status": "ok", **check()}
        except Exception as exc:  # reported, not raised: the balancer needs an answer
            log.exception("health check %s failed", name)
            checks[name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
            failed.append(name)
    body = {"status": "error" if failed else "ok", "failed": failed, "checks": checks}
    data = checks.get("data", {})
    body.update({k: data[k] for k in ("layers", "population_year") if k in data})  # flat, as before
    response = jsonify(body)
    response.status_code = 503 if failed else 200
    response.headers["Cache-Control"] = "no-store"
    return response
