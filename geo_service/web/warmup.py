"""Build the responses most clients ask for before anyone asks: at start under gunicorn, and
for each new snapshot (published data changed) before it is served.

Map pages, API stores and whole-layer downloads are built on first request and memoised on the
data snapshot (seconds for the coverage and gaps maps and the exact-geometry downloads). With
``preload_app`` the gunicorn master loads the app; building these in the master too means every
worker, including one that replaces a recycled worker, starts with them in memory
(copy-on-write), so no visitor waits on a cold worker and a load balancer sees the same latency
from each. The master also prepares each new snapshot (gunicorn.conf.py).

A process that serves requests itself (``geo-service run``, any other WSGI server) must not do
that work on a thread of its own: it is seconds of CPU holding the GIL, during which every read
waits (measured: reads of 0.7-1.7 s while it ran, against 20 ms). There
:func:`prepare_new_snapshots` hands it to a helper process (``python -m
geo_service.web.warmup``, at a lower priority) that builds the snapshot of the same records (its
catalogue and indicators land in the disk cache) and renders the same responses; the server
then reads the snapshot from the cache, adopts the finished responses and builds in-process only
what is cheap (the API's feature stores, from the adopted data: about a second of Python that
yields the GIL).
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from flask import Flask

from ..names import LANGUAGES
from .context import current_snapshot

log = logging.getLogger(__name__)
PAGES = ("/", "/map/coverage", "/map/employment", "/map/gaps")
WARM_UP_KEY = "geo_service.warm_up"  # WSGI environ key marking the warm-up's own requests
DOWNLOAD_FORMATS = ("geojson", "csv", "gpkg")
HELPER_NICE = 10  # the helper process yields the CPU to the server
HELPER_TIMEOUT = 900  # seconds; past it the server prepares the snapshot itself


def warm_urls(app: Flask, pages=PAGES, languages=LANGUAGES, collections=True, profiles=True) -> list[str]:
    """Each page in each language (cached under the language, however it is chosen), the gaps
    map for each kind of service, one commune and one initiative page per language (what they
    share: the commune layer, names and folium's templates, is built here, not for the first
    visitor of each new worker), then for every collection one page of items (which encodes all
    its features as GeoJSON, shared by every items and item request: 50-80 ms of CPU on the
    first read of each new gunicorn worker otherwise, 0.2-0.4 s on a busy machine) and its
    whole-layer downloads."""

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
    if collections:
        listing = app.test_client().get("/collections?f=json").get_json() or {}
        ids = [c["id"] for c in listing.get("collections", [])]
        urls += [f"/collections/{cid}/items?limit=1&f=json" for cid in ids]
        urls += [f"/downloads/{cid}.{ext}" for cid in ids for ext in DOWNLOAD_FORMATS]
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


def prepare_new_snapshots(app: Flask, urls: list[str] | None = None) -> None:
    """What a serving process does with new data (``GEO_SERVICE_WARM_UP=1``, the default): a
    helper process builds the snapshot and renders the warm-up's responses
    (:func:`prepare_in_helper`), then this process adopts them and runs the warm-up, which now
    only builds what was not handed over, before the snapshot is served."""
    holder = app.extensions["geo_service"]
    holder.preparer = prepare_in_helper(app.extensions["geo_service.settings"], urls)
    rewarm_on_new_data(app, urls)


def handed_over(snapshot) -> dict:
    """What the helper hands over of ``snapshot``'s derived values, each pickled on its own (the
    server unpickles them one at a time, letting the GIL go between two): every one that pickles
    (the finished responses, and what pages share: the commune layer as GeoJSON, names, labels),
    but the API's stores, which pickle to 20 MB and take longer to read than to build."""
    from ..api.service import Api

    packed = {}
    for key, value in snapshot.derived_values().items():
        if isinstance(value, Api):
            continue
        try:
            packed[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # e.g. holds a lock: built again by the server if it needs it
            continue
    return packed


def prepare_in_helper(settings, urls: list[str] | None = None, timeout: float = HELPER_TIMEOUT):
    """A :class:`geo_service.state.Preparer` running :func:`_helper_main` in a new Python
    process: what the store publishes (a ``Published``) and the settings go in on stdin, the finished responses come back in a
    file of a private temporary folder."""

    def prepare(published, revision: str) -> tuple[str, dict] | None:
        started = time.perf_counter()
        root = str(Path(__file__).resolve().parents[2])  # this checkout's geo_service
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        with tempfile.TemporaryDirectory(prefix="geo_service-prepare-") as folder:
            out = Path(folder) / "prepared.pickle"
            job = {"settings": settings, "published": published, "revision": revision, "urls": urls, "out": str(out)}
            # stdin stays open while the helper works: it ends itself when it reads end-of-file,
            # so a server that stops or dies never leaves a helper behind
            helper = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, env=env)
            try:
                helper.stdin.write(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
                helper.stdin.flush()
                status = helper.wait(timeout)
            finally:
                if helper.poll() is None:
                    helper.kill()
                    helper.wait()
                helper.stdin.close()
            if status != 0 or not out.exists():
                log.error("the helper preparing revision %s exited with status %s", revision, status)
                return None
            with open(out, "rb") as fh:
                version, packed = pickle.load(fh)
        values = {key: pickle.loads(data) for key, data in packed.items()}
        log.warning("revision %s prepared by a helper process in %.1f s", revision, time.perf_counter() - started)
        return version, values

    return prepare


def _helper_main() -> None:
    """The helper process: the app on the same settings (preparing nothing itself), the snapshot
    of what the store published, the warm-up's responses for it; written as (version, responses)."""
    os.nice(HELPER_NICE)
    job = pickle.load(sys.stdin.buffer)
    threading.Thread(target=_end_with_the_server, daemon=True).start()
    from ..app import create_app
    from ..state import build_snapshot

    settings = replace(job["settings"], warm_up=False)
    app = create_app(settings)
    holder = app.extensions["geo_service"]
    holder.stop()  # no background check of its own
    snapshot = build_snapshot(settings, holder.base, job["published"], job["revision"])
    with holder.preparing(snapshot):
        warm_up(app, job["urls"])
    out = Path(job["out"])
    with open(out.with_suffix(".tmp"), "wb") as fh:
        pickle.dump((snapshot.version, handed_over(snapshot)), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(out.with_suffix(".tmp"), out)  # whole or absent


def _end_with_the_server() -> None:
    """End-of-file on stdin: the server that started this helper is gone (or gave up on it).
    Read from the file descriptor: the buffered ``sys.stdin`` would hold a lock at exit."""
    while os.read(sys.stdin.fileno(), 65536):
        pass
    os._exit(3)


if __name__ == "__main__":
    _helper_main()
