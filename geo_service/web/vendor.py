"""Self-hosted front-end assets (Leaflet, marker clustering) from xstatic packages: no CDN."""

from __future__ import annotations

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster
from flask import Blueprint, abort, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

PACKAGES = {
    "leaflet": xs_leaflet.BASE_DIR,
    "markercluster": xs_markercluster.BASE_DIR,
}
VERSIONS = {"leaflet": xs_leaflet.VERSION, "markercluster": xs_markercluster.VERSION}


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    base = PACKAGES.get(package)
    if base is None:
        abort(404)
    # send_from_directory refuses paths that escape ``base``
    return send_from_directory(base, filename, max_age=31536000)
