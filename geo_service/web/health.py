"""Liveness and readiness: the data loaded and verified."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    base = current_app.extensions["geo_service.base"]
    b = base.boundaries
    return jsonify(
        status="ok",
        layers={
            "communes": len(b.communes),
            "communes_2019": len(b.communes_2019),
            "arrondissements": len(b.arrondissements),
            "provinces": len(b.provinces),
            "regions": len(b.regions),
        },
        population_year=base.population_year,
    )
