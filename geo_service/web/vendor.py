"""Self-hosted front-end assets: no CDN. Leaflet and Leaflet.markercluster from their xstatic
packages, topojson-client (ISC licence, vendored in ``vendored/topojson-client`` from its npm
package, 3.1.0) and the maps' own script (``static/atlas-map.js``).

Each file's URL carries the sha256 of its bytes (``versioned``): sent gzip-compressed through
the one response path, and cached by browsers for good (``immutable``) when the ``v`` asked for
is the file's own; any other ``v`` (or none) is revalidated."""

from __future__ import annotations

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster
from flask import Blueprint, abort, request, url_for
from werkzeug.security import safe_join

from ..settings import PROJECT_ROOT

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

PACKAGES = {
    "leaflet": xs_leaflet.BASE_DIR,
    "markercluster": xs_markercluster.BASE_DIR,
    "topojson": str(Path(__file__).parent / "vendored" / "topojson-client"),
    "atlas": str(PROJECT_ROOT / "static"),
}
VERSIONS = {"leaflet": xs_leaflet.VERSION, "markercluster": xs_markercluster.VERSION, "topojson": "3.1.0"}
IMMUTABLE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=64)
def _file(package: str, filename: str) -> tuple[bytes, str] | None:
    """(bytes, sha256) of a package's file, read once per process; None when there is none."""
    base = PACKAGES.get(package)
    path = safe_join(base, filename) if base else None  # refuses paths that escape ``base``
    if path is None or not Path(path).is_file():
        return None
    data = Path(path).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:16]


def versioned(package: str, filename: str) -> str:
    """The URL of an asset with its content hash (``?v=``)."""
    found = _file(package, filename)
    return url_for("vendor.asset", package=package, filename=filename, v=found[1] if found else None)


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    from .responses import cached_body, send

    found = _file(package, filename)
    if found is None:
        abort(404)
    data, digest = found
    media = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if media.startswith("text/") or media.endswith("javascript"):
        media += "; charset=utf-8"
    body = cached_body(("vendor", package, filename), media, lambda: data)
    cache = IMMUTABLE if request.args.get("v") == digest else "no-cache"
    return send(body, cache, "Accept-Encoding")
