"""Build the responses most clients ask for, once, before gunicorn forks its workers.

Map pages, API stores and whole-layer downloads are built on first request and memoised on the
data snapshot (seconds for the coverage and gaps maps and the exact-geometry downloads). With
``preload_app`` the master loads the app; building these in the master too means every worker,
including one that replaces a recycled worker, starts with them in memory (copy-on-write), so no
visitor waits on a cold worker and a load balancer sees the same latency from each. When
published data change, each worker renders them again for the next snapshot before serving it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask

from ..names import LANGUAGES
from .context import current_snapshot

log = logging.getLogger(__name__)
PAGES = ("/", "/map/coverage", "/map/employment", "/map/gaps")
WARM_UP_KEY = "geo_service.warm_up"  # WSGI environ key marking the warm-up's own requests
DOWNLOAD_FORMATS = ("geojson", "csv", "gpkg")


def warm_urls(app: Flask, pages=PAGES, languages=LANGUAGES, downloads=True, profiles=True) -> list[str]:
    """Each page in each language (cached under the language, however it is chosen), the gaps
    map for each kind of service, one commune and one initiative page per language (what they
    share: the commune layer, names and folium's templates, is built here, not for the first
    visitor of each new worker), then every collection's whole-layer downloads."""
    urls = [f"{page}?lang={lang}" for lang in languages for page in pages]
    with app.app_context():
        snap = current_snapshot()
    if "/map/gaps" in pages:  # one gaps map per kind of service (each with its own MCLP run)
        kinds = snap.indicators.params.get("desert_kinds", ())
        urls += [f"/map/gaps?kind={kind}&lang={lang}" for lang in languages for kind in kinds]
    if profiles and len(snap.base.boundaries.communes) and len(snap.catalogue.initiatives):
        commune, initiative = snap.base.boundaries.communes.index[0], snap.catalogue.initiatives.index[0]
        urls += [f"/commune/{commune}?lang={lang}" for lang in languages]
        urls += [f"/initiative/{initiative}?lang={lang}" for lang in languages]
    if downloads:
        listing = app.test_client().get("/collections?f=json").get_json() or {}
        urls += [f"/downloads/{c['id']}.{ext}" for c in listing.get("collections", []) for ext in DOWNLOAD_FORMATS]
    return urls


def warm_up(app: Flask, urls: list[str] | None = None) -> dict[str, float]:
    """GET each URL through the app itself; returns seconds per URL. A URL that fails is logged
    and left cold (it is built, or its error shown, on request)."""
    for name in app.jinja_env.list_templates(extensions=("html",)):  # compiled once, before the fork
        app.jinja_env.get_template(name)
    client = app.test_client()
    timings = {}
    for url in warm_urls(app) if urls is None else urls:
        started = time.perf_counter()
        # the service warming itself is not a client: no render budget applies (web/throttle.py)
        status = client.get(
            url, headers={"Accept-Encoding": "gzip", "Accept": "text/html"}, environ_base={WARM_UP_KEY: True}
        ).status_code
        timings[url] = time.perf_counter() - started
        if status != 200:
            log.warning("warm-up: %s answered %s", url, status)
    log.warning("warm-up: %d responses built in %.1f s", len(timings), sum(timings.values()))
    return timings


def rewarm_on_new_data(app: Flask, urls: list[str] | None = None) -> Callable[[object], None]:
    """After a nomination is published every process builds a new snapshot whose caches are
    empty: the state holder's background thread renders the same responses for it before it
    swaps it in (geo_service/state.py), so no visitor waits for a cold page and the old data are
    served meanwhile. Returns the listener (for tests)."""

    def on_new_snapshot(snapshot) -> None:
        started = time.perf_counter()
        warm_up(app, urls)  # through the app: on this thread current_snapshot() is the new snapshot
        log.warning("re-warm of snapshot %s: %.1f s", snapshot.version, time.perf_counter() - started)

    app.extensions["geo_service"].listeners.append(on_new_snapshot)
    return on_new_snapshot
