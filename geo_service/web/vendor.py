"""Front-end files, self-hosted (no CDN), through one mechanism: our own files of ``static/``
(``/static/<file>``, Flask's ``static`` endpoint, which this module serves in place of Flask's
own) and third-party packages (``/vendor/<package>/<file>``): Leaflet and Leaflet.markercluster
from their xstatic packages, topojson-client (ISC licence, vendored in
``vendored/topojson-client`` from its npm package, 3.1.0).

Each file's URL carries the sha256 of its bytes (``?v=``): ``url_for("static", filename=...)``
adds it to every page's links, ``versioned`` to the packages'. A file is sent through the one
response path: gzip-compressed when accepted, with an ETag (304 on revalidation), and cached by
browsers for good (``immutable``) when the ``v`` asked for is the file's own; any other ``v`` (or
none) is revalidated (``no-cache``). A file changed on disk has a new hash, hence a new URL, at
once: files are read again when their size or modification time changes."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster
from flask import Blueprint, abort, request, url_for
from werkzeug.security import safe_join

from ..settings import PROJECT_ROOT

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

STATIC = str(PROJECT_ROOT / "static")
PACKAGES = {
    "leaflet": xs_leaflet.BASE_DIR,
    "markercluster": xs_markercluster.BASE_DIR,
    "topojson": str(Path(__file__).parent / "vendored" / "topojson-client"),
}
VERSIONS = {"leaflet": xs_leaflet.VERSION, "markercluster": xs_markercluster.VERSION, "topojson": "3.1.0"}
IMMUTABLE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=128)
def _read(path: str, modified: int, size: int) -> tuple[bytes, str]:
    """(bytes, short sha256) of one version of a file (keyed by its modification time and size)."""
    data = Path(path).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:16]


def _file(folder: str | None, filename: str) -> tuple[bytes, str] | None:
    """(bytes, short sha256) of a folder's file, read once per version; None when there is none."""
    path = safe_join(folder, filename) if folder else None  # refuses paths that escape ``folder``
    try:
        found = os.stat(path) if path is not None else None
    except OSError:
        return None
    if found is None or not stat.S_ISREG(found.st_mode):
        return None
    return _read(path, found.st_mtime_ns, found.st_size)


def versioned(package: str, filename: str) -> str:
    """The URL of a package's file with its content hash (``?v=``)."""
    found = _file(PACKAGES.get(package), filename)
    return url_for("vendor.asset", package=package, filename=filename, v=found[1] if found else None)


@bp.app_url_defaults
def _static_version(endpoint: str, values: dict) -> None:
    """``url_for("static", filename=...)`` names the file's content hash, unless ``v`` is given."""
    if endpoint == "static" and "v" not in values:
        found = _file(STATIC, values.get("filename") or "")
        if found is not None:
            values["v"] = found[1]


def _send(folder: str | None, filename: str):
    from .responses import cached_body, send

    found = _file(folder, filename)
    if found is None:
        abort(404)
    data, digest = found
    media = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if media.startswith("text/") or media.endswith(("javascript", "+xml")):
        media += "; charset=utf-8"
    body = cached_body(("asset", folder, filename, digest), media, lambda: data)
    return send(body, IMMUTABLE if request.args.get("v") == digest else "no-cache", "Accept-Encoding")


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    return _send(PACKAGES.get(package), filename)


def static_file(filename: str):
    """``/static/<file>``: a file of our own ``static/`` folder."""
    return _send(STATIC, filename)


@bp.record_once
def _serve_static(state) -> None:
    state.app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static_file)
