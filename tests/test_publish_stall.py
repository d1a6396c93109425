"""Publishing without a stall (issue 13, item 1; issue 23, item 3): the next snapshot is built and
warmed off the request path and swapped in whole; ``snapshot()`` never waits and never reads the
database; costly derived values are built once per data version and shared between processes on
disk; a server that serves requests itself has the work done by a helper process and adopts its
responses, so reads stay fast under ``geo-service run`` as under gunicorn."""

from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import replace

import pytest

from geo_service import state
from geo_service.state import Snapshot, StateHolder
from geo_service.store.published import Published

# The stall this guards against: a read waiting for the whole build of the new snapshot in the
# serving process (1.1-1.6 s on a quiet machine, several seconds on a busy one), besides the
# mechanism's own assertions below (the helper prepared the snapshot; under gunicorn, new forks).
# The 0.5 s target of issue 23 is measured by benchmarks/bench_publish.py, not here: a CI machine
# running other suites beside this one shows single reads of 0.5-1.1 s without any stall.
READ_BUDGET_S = 2.5


def bare_snapshot(settings, version: str, base=None) -> Snapshot:
    """A snapshot without catalogue or indicators: these tests only exercise its memo and swap."""
    return Snapshot(settings=settings, base=base, catalogue=None, indicators=None, version=version)


class Source:
    """A PublishedSource whose revision the test sets; records which threads asked it."""

    def __init__(self, revision: str = "r1"):
        self.value = revision
        self.callers: list[str] = []
        self.fail = False

    def revision(self) -> str:
        self.callers.append(threading.current_thread().name)
        if self.fail:
            raise ConnectionError("database unreachable")
        return self.value

    def published(self) -> Published:
        return Published()


@pytest.fixture()
def gated_build(monkeypatch):
    """build_snapshot replaced by one that waits for ``gate`` (the slow build of the issue)."""
    gate = threading.Event()
    gate.set()
    building = threading.Event()

    def build(settings, base, published, revision):
        building.set()
        assert gate.wait(30), "the test never released the build"
        return bare_snapshot(settings, f"v-{revision}", base=base)

    monkeypatch.setattr(state, "build_snapshot", build)
    return gate, building


def _wait_for(predicate, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_snapshot_answers_at_once_while_the_next_is_built(settings, gated_build):
    gate, building = gated_build
    source = Source("r1")
    holder = StateHolder(settings, base=None, published=source, refresh_seconds=0.02)
    try:
        first = holder.snapshot()
        assert first.version == "v-r1"
        gate.clear()
        source.value = "r2"  # an approval: the poller notices and starts a build that hangs
        assert building.wait(5)
        building.clear()
        slowest = 0.0
        for _ in range(200):
            started = time.perf_counter()
            current = holder.snapshot()
            slowest = max(slowest, time.perf_counter() - started)
            assert current is first, "the old snapshot is served until the new one is complete"
        assert slowest < 0.01, f"snapshot() waited {slowest * 1000:.1f} ms during a build"
        gate.set()
        _wait_for(lambda: holder.snapshot().version == "v-r2")
        assert threading.current_thread().name not in source.callers[1:], (
            "only the background thread reads the revision after start-up"
        )
    finally:
        gate.set()
        holder.stop()


def test_new_snapshot_is_prepared_before_it_is_served(settings, gated_build):
    """Listeners (the warm-up) see the new snapshot on their own thread while every other
    thread is still served the old one; the swap happens after they finish."""
    source = Source("r1")
    holder = StateHolder(settings, base=None, published=source, refresh_seconds=0.02)
    seen, release = {}, threading.Event()

    def listener(snapshot):
        seen["own_thread"] = holder.snapshot()
        seen["candidate"] = snapshot
        assert release.wait(10)

    holder.listeners.append(listener)
    try:
        old = holder.snapshot()
        source.value = "r2"
        _wait_for(lambda: "candidate" in seen)
        assert seen["own_thread"] is seen["candidate"] and seen["candidate"].version == "v-r2"
        assert holder.snapshot() is old, "a request is never served a snapshot still being prepared"
        release.set()
        _wait_for(lambda: holder.snapshot() is seen["candidate"])
    finally:
        release.set()
        holder.stop()


def test_swapped_callbacks_run_once_the_new_snapshot_is_served(settings, gated_build):
    holder = StateHolder(settings, base=None, published=Source("r1"), refresh_seconds=60)
    served = []
    holder.swapped.append(lambda snapshot: served.append((snapshot.version, holder.snapshot().version)))
    holder.refresh()
    assert served == [], "no callback when nothing changed"
    holder.published.value = "r2"
    holder.refresh()
    assert served == [("v-r2", "v-r2")]


def test_background_thread_can_yield_the_cpu(settings, gated_build):
    import os

    holder = StateHolder(settings, base=None, published=Source("r1"), refresh_seconds=0.02)
    holder.background_nice = 7
    try:
        holder.snapshot()
        _wait_for(lambda: holder._poller is not None and holder._poller.native_id is not None)
        _wait_for(lambda: os.getpriority(os.PRIO_PROCESS, holder._poller.native_id) == 7)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == 0, "request threads keep theirs"
    finally:
        holder.stop()


def test_a_failing_listener_does_not_stop_publication(settings, gated_build):
    holder = StateHolder(settings, base=None, published=Source("r1"), refresh_seconds=60)

    def broken(_snapshot):
        raise RuntimeError("warm-up failed")

    holder.listeners.append(broken)
    holder.published.value = "r2"
    assert holder.refresh().version == "v-r2"
    assert holder.snapshot().version == "v-r2"


def test_an_unreachable_database_keeps_the_snapshot_and_says_why(settings, gated_build):
    source = Source("r1")
    holder = StateHolder(settings, base=None, published=source, refresh_seconds=0.02)
    try:
        first = holder.snapshot()
        source.fail = True
        _wait_for(lambda: holder.last_error is not None)
        assert "database unreachable" in holder.last_error
        assert holder.snapshot() is first
        source.fail, source.value = False, "r2"
        _wait_for(lambda: holder.snapshot().version == "v-r2")
        assert holder.last_error is None
    finally:
        holder.stop()


def test_one_build_at_a_time(settings, monkeypatch):
    running, most = [0], [0]
    lock = threading.Lock()

    def build(settings, base, published, revision):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return bare_snapshot(settings, revision, base=base)

    monkeypatch.setattr(state, "build_snapshot", build)
    holder = StateHolder(settings, base=None, published=Source("r1"), refresh_seconds=0.01)
    try:
        holder.snapshot()  # starts the poller
        threads = [threading.Thread(target=holder.refresh, kwargs={"force": True}) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        holder.stop()
    assert most[0] == 1


# --- the memo: per key, and on disk across processes ------------------------------------------------
def test_a_slow_derived_value_does_not_hold_up_another(settings):
    snap = bare_snapshot(settings, "v1", base=None)
    gate = threading.Event()
    slow = threading.Thread(target=snap.derived, args=("slow", lambda: gate.wait(10)))
    slow.start()
    try:
        time.sleep(0.05)
        started = time.perf_counter()
        assert snap.derived("quick", lambda: 42) == 42
        assert time.perf_counter() - started < 0.05
    finally:
        gate.set()
        slow.join()


def test_persisted_value_is_read_by_another_snapshot_of_the_same_version(settings, tmp_path):
    local = replace(settings, cache_dir=tmp_path)
    first = bare_snapshot(local, "v1", base=None)
    assert first.derived(("page", "fr"), lambda: {"html": "<p>fr</p>"}, persist=True) == {"html": "<p>fr</p>"}

    def must_not_build():
        raise AssertionError("built again instead of read from disk")

    second = bare_snapshot(local, "v1", base=None)
    assert second.derived(("page", "fr"), must_not_build, persist=True) == {"html": "<p>fr</p>"}
    newer = bare_snapshot(local, "v2", base=None)
    assert newer.derived(("page", "fr"), lambda: {"html": "new"}, persist=True) == {"html": "new"}
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"


def _derive_in_a_process(cache_dir: str, log: str, results) -> None:
    from pathlib import Path

    from geo_service.settings import Settings

    def build():
        with open(log, "a") as fh:
            fh.write("built\n")
        time.sleep(0.5)  # long enough for the other process to miss and wait
        return "rendered map"

    snap = bare_snapshot(Settings(cache_dir=Path(cache_dir)), "v1", base=None)
    results.put(snap.derived(("map", "coverage", "nl"), build, persist=True))


def test_two_workers_build_a_persisted_value_once(tmp_path):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    log = tmp_path / "builds.log"
    workers = [context.Process(target=_derive_in_a_process, args=(str(tmp_path), str(log), results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    assert [results.get(timeout=5), results.get(timeout=5)] == ["rendered map"] * 2
    assert log.read_text().splitlines() == ["built"], "one worker built, the other read its file"


# --- version ------------------------------------------------------------------------------------------
def test_version_covers_imported_lists_and_the_revision(settings, tmp_path, monkeypatch):
    """An import (rows of the database's published records, like approved nominations) or a new
    published revision gives a new version, hence new ETags, even after a restart."""
    monkeypatch.setattr(state, "cached", lambda *args: None)  # no catalogue needed to see the key
    monkeypatch.setattr("geo_service.indicators.compute_indicators", lambda *args: None)
    local = replace(settings, instance_dir=tmp_path)
    before = state.build_snapshot(local, None, Published(), "nominations:3").version
    assert state.build_snapshot(local, None, Published(), "nominations:3").version == before
    imported = Published(records=[{"id": "imported-one", "origin": "import"}])
    after_import = state.build_snapshot(local, None, imported, "nominations:3").version
    assert after_import != before
    assert state.build_snapshot(local, None, Published(), "nominations:4").version != after_import
    one = Published(records=[{"id": "nomination-1"}])
    assert state.build_snapshot(local, None, one, "nominations:3").version != after_import
    closed = Published(site_changes=[{"seq": 1, "action": "close", "site": "vdab-gent", "initiative": "vdab"}])
    assert state.build_snapshot(local, None, closed, "nominations:3").version != before, "a site change is data"


# --- values made elsewhere: adopted, never built twice ------------------------------------------------
def _must_not_build():
    raise AssertionError("built here instead of adopted")


def test_a_snapshot_adopts_values_of_its_own_version_only(settings):
    snap = bare_snapshot(settings, "v1")
    assert snap.derived("mine", lambda: "built here") == "built here"
    assert snap.adopt("v0", {"page": "stale"}) == 0, "values of other data are refused"
    assert snap.adopt("v1", {"page": "prepared", "mine": "theirs"}) == 1
    assert snap.derived("page", _must_not_build) == "prepared"
    assert snap.derived("mine", _must_not_build) == "built here", "what was derived here is kept"
    assert set(snap.derived_values()) == {"page", "mine"}


def test_the_preparer_works_before_the_build_and_its_values_are_served(settings, gated_build):
    """The preparer gets what the store publishes and the revision to build while the old snapshot is served; the
    new snapshot adopts its values before the listeners run, so they find them built."""
    source = Source("r1")
    holder = StateHolder(settings, base=None, published=source, refresh_seconds=60)
    calls, seen = [], []

    def preparer(published, revision):
        calls.append((published, revision, holder.snapshot().version))
        return f"v-{revision}", {("response", "page"): "prepared elsewhere"}

    holder.preparer = preparer
    holder.listeners.append(lambda snap: seen.append(snap.derived(("response", "page"), _must_not_build)))
    assert holder.refresh().version == "v-r1" and calls == [], "nothing to prepare while nothing changed"
    source.value = "r2"
    new = holder.refresh()
    assert calls == [(Published(), "r2", "v-r1")]  # what the store publishes (nothing here)
    assert seen == ["prepared elsewhere"] and new.derived(("response", "page"), _must_not_build) == seen[0]


def test_a_failing_preparer_leaves_the_work_to_this_process(settings, gated_build):
    holder = StateHolder(settings, base=None, published=Source("r1"), refresh_seconds=60)

    def broken(records, revision):
        raise OSError("helper could not start")

    holder.preparer = broken
    holder.listeners.append(lambda snap: snap.derived("page", lambda: "built here"))
    holder.published.value = "r2"
    new = holder.refresh()
    assert new.version == "v-r2" and holder.snapshot() is new
    assert new.derived("page", _must_not_build) == "built here"


def test_bounded_caches_travel_between_processes(settings):
    """A :class:`ResponseCache` (map pages, commune pages) pickles without its lock and works after."""
    import pickle

    from geo_service.web.responses import ResponseCache, make_body

    cache = ResponseCache(4)
    page = cache.get(("commune", "nl"), lambda: make_body("<p>Gent</p>" * 200, "text/html"))
    copy = pickle.loads(pickle.dumps(cache))
    assert copy.get(("commune", "nl"), _must_not_build) == page and copy.bytes == cache.bytes
    assert copy.get(("commune", "fr"), lambda: make_body("<p>Gand</p>", "text/html")).raw == b"<p>Gand</p>"


def test_the_helper_hands_over_what_pickles_but_the_api(app, client):
    """What crosses from the helper: rendered pages and what pages share (names, the commune
    layer), each pickled on its own; not the API's stores (20 MB pickled, slower to read than to
    build)."""
    import pickle

    from geo_service.web.context import current_snapshot
    from geo_service.web.warmup import handed_over

    assert client.get("/map/employment?lang=nl").status_code == 200
    assert client.get("/commune/21004?lang=nl").status_code == 200
    assert client.get("/collections?f=json").status_code == 200
    with app.test_request_context():
        snap = current_snapshot()
    packed = handed_over(snap)
    assert {("pages.cache", "map.employment"), ("pages.cache", "commune"), ("labels", "nl")} <= set(packed)
    assert ("geo_service.api", "Api") in snap.derived_values() and ("geo_service.api", "Api") not in packed
    labels = pickle.loads(packed[("labels", "nl")])
    assert labels == snap.derived(("labels", "nl"), _must_not_build)


@pytest.mark.slow
def test_after_the_warm_up_no_read_of_the_api_encodes_a_feature(fresh_app, monkeypatch):
    """The warm-up reads one items page of each collection, which encodes every feature of it, so
    a new gunicorn worker's first read of any items or item URL (another page, limit or
    collection) finds them encoded in the master's memory (it took 0.2-0.4 s on a busy machine)."""
    import shapely

    from geo_service.web.warmup import warm_up, warm_urls

    items = [url for url in warm_urls(fresh_app, pages=(), profiles=False) if "/items" in url]
    assert {"/collections/communes/items?limit=1&f=json", "/collections/sites/items?limit=1&f=json"} <= set(items)
    warm_up(fresh_app, items)
    encoded, to_geojson = [], shapely.to_geojson
    monkeypatch.setattr(shapely, "to_geojson", lambda *a, **k: encoded.append(a) or to_geojson(*a, **k))
    client = fresh_app.test_client()
    for url in (
        "/collections/communes/items?limit=1",
        "/collections/communes/items?limit=5&offset=100",
        "/collections/communes/items/21004",
        "/collections/provinces/items",
    ):
        assert client.get(url).status_code == 200, url
    assert encoded == []


@pytest.mark.subprocess  # started by the service's own code (web/warmup.py)
def test_a_helper_process_renders_the_pages_the_server_then_serves(fresh_app, settings, monkeypatch):
    """The real helper process on this app's settings and database: the new snapshot adopts its
    employment map, which is then served without being rendered here (rendering here fails)."""
    from geo_service.web import maps_pages
    from geo_service.web.warmup import prepare_in_helper

    holder = fresh_app.extensions["geo_service"]
    holder.preparer = prepare_in_helper(fresh_app.extensions["geo_service.settings"], ["/map/employment?lang=nl"])
    new = holder.refresh(force=True)
    assert holder.snapshot() is new
    assert ("pages.cache", "map.employment") in new.derived_values(), "the helper's page was adopted"

    def no_rendering_here(*args, **kwargs):
        raise AssertionError("rendered in the server")

    monkeypatch.setattr(maps_pages, "render_template", no_rendering_here)
    client = fresh_app.test_client()
    page = client.get("/map/employment?lang=nl")
    assert page.status_code == 200 and 'lang="nl"' in page.get_data(as_text=True)
    with pytest.raises(AssertionError, match="rendered in the server"):
        client.get("/map/employment?lang=fr")  # not prepared: this one would be rendered here


@pytest.mark.subprocess  # started by the service's own code (web/warmup.py)
def test_the_helper_ends_when_its_server_is_gone(settings):
    """Its stdin closed (the server stopped or died), the helper exits at once instead of
    rendering for nobody."""
    import pickle
    import subprocess
    import sys

    helper = subprocess.Popen([sys.executable, "-m", "geo_service.web.warmup"], stdin=subprocess.PIPE)
    job = {"settings": settings, "records": [], "revision": "r", "urls": [], "out": "/nonexistent/prepared.pickle"}
    helper.stdin.write(pickle.dumps(job))
    helper.stdin.close()
    assert helper.wait(timeout=60) == 3


# --- the whole app: a publication does not slow the reads down ----------------------------------------
@pytest.mark.slow
def test_reads_stay_fast_and_consistent_while_new_data_are_prepared(fresh_app):
    """A slow preparation (standing in for the build and the warm-up) runs in the background:
    meanwhile every read answers quickly with the old ETag; then all switch to the new one."""
    client = fresh_app.test_client()
    holder = fresh_app.extensions["geo_service"]
    url = "/collections/communes/items?limit=5&f=json"
    old_etag = client.get(url).headers["ETag"]
    release, started = threading.Event(), threading.Event()

    def slow_preparation(_snapshot):
        started.set()
        release.wait(20)

    holder.listeners.append(slow_preparation)
    publisher = threading.Thread(target=holder.refresh, kwargs={"force": True})
    publisher.start()
    try:
        assert started.wait(60), "the new snapshot was never built"
        slowest = 0.0
        for _ in range(20):
            began = time.perf_counter()
            response = client.get(url)
            slowest = max(slowest, time.perf_counter() - began)
            assert response.status_code == 200 and response.headers["ETag"] == old_etag
        assert slowest < 0.3, f"a read took {slowest * 1000:.0f} ms while new data were prepared"
    finally:
        release.set()
        publisher.join(60)
        holder.listeners.remove(slow_preparation)
    assert not publisher.is_alive()
    # a forced rebuild of the same data has the same version: same ETag, no needless re-download
    assert client.get(url).headers["ETag"] == old_etag


# --- the service as the README runs it: reads during and after an approval -----------------------------
def _children(pid: int) -> set[int]:
    import subprocess

    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False).stdout
    return {int(p) for p in out.split()}


@pytest.mark.parametrize("server", ["run", "gunicorn"])
def test_reads_stay_fast_while_an_approval_is_published(server, settings, tmp_path):
    """Issue 23, item 3: the service started as the README starts it (warm-up on, the default),
    one read of /collections/communes/items?limit=1 every 50 ms from before an approval until
    the new data are served everywhere: none waits for a build (the first read after the swap
    used to take 1.1-1.6 s under ``geo-service run``: it built the API of the new data). Under
    gunicorn the master prepares and the workers serving the new data are new forks."""
    from server_support import free_port, nominate, service_env, start_service, status_of, wait_for

    from geo_service.store.changes import CatalogueStore

    port, log = free_port(), tmp_path / "server.log"
    env = service_env(
        settings, tmp_path, GEO_SERVICE_WARM_UP="1", GEO_SERVICE_WORKERS="2", GEO_SERVICE_LOG_LEVEL="INFO"
    )
    process = start_service(server, port, env, log)
    base = f"http://127.0.0.1:{port}"
    read_url = base + "/collections/communes/items?limit=1"
    reads: list[tuple[float, float, int]] = []  # (seconds after the approval, seconds taken, status)
    try:
        wait_for(lambda: status_of(base + "/healthz") == 200, 600, "the service answering")
        for _ in range(4):  # the first reads of the data it started with (one-process server: cold)
            assert status_of(read_url) == 200
        if server == "gunicorn":
            wait_for(lambda: len(_children(process.pid)) == 2, 60, "two workers")
            before = _children(process.pid)
        nominate(base)
        store = CatalogueStore(f"sqlite:///{tmp_path / 'nominations.sqlite3'}")
        [nomination] = store.list("pending")
        item = f"{base}/collections/initiatives/items/nomination-{nomination.id}?f=json"
        assert status_of(item) == 404
        store.approve(nomination.id, "test")
        approved, shown = time.monotonic(), 0
        while shown < 20:  # twenty checks in a row see it: every worker serves the new data
            assert time.monotonic() - approved < 900, "the approved nomination was never served"
            began = time.perf_counter()
            status = status_of(read_url)
            reads.append((time.monotonic() - approved, time.perf_counter() - began, status))
            if len(reads) % 5 == 0:
                shown = shown + 1 if status_of(item) == 200 else 0
            time.sleep(0.05)
        if server == "gunicorn":  # the old workers leave once they have answered (graceful shutdown)
            wait_for(lambda: not (_children(process.pid) & before), 180, "the old workers leaving", pause=0.5)
            assert len(_children(process.pid)) == 2, "the workers serving the new data are new forks"
    finally:
        process.terminate()
        process.wait(timeout=60)
        errors = log.read_text(errors="replace")
        print(errors[-5000:])  # shown by pytest when the test fails
    assert "Traceback" not in errors, errors[-3000:]
    assert all(status == 200 for _, _, status in reads)
    if server == "run":  # the one-process server adopted a snapshot prepared by its helper process
        assert "prepared by a helper process" in errors, errors[-3000:]
    slow = [f"{took:.2f} s at {at:.1f} s" for at, took, _ in reads if took > READ_BUDGET_S]
    slowest = max(took for _, took, _ in reads)
    print(f"{server}: {len(reads)} reads over {reads[-1][0]:.0f} s after the approval, slowest {slowest:.3f} s")
    assert not slow, f"{len(slow)} of {len(reads)} reads over {READ_BUDGET_S} s after the approval: {slow[:10]}"
