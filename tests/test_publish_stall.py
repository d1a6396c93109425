"""Publishing without a stall (issue 13, item 1): the next snapshot is built and warmed off the
request path and swapped in whole; ``snapshot()`` never waits and never reads the database;
costly derived values are built once per data version and shared between processes on disk."""

from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import replace

import pytest

from geo_service import state
from geo_service.state import Snapshot, StateHolder
from geo_service.store.published import Published

pytestmark = pytest.mark.slow  # gunicorn masters and concurrent readers


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


# --- the whole app: a publication does not slow the reads down ----------------------------------------
def test_reads_stay_fast_and_consistent_while_new_data_are_prepared(app, client):
    """A slow preparation (standing in for the build and the warm-up) runs in the background:
    meanwhile every read answers quickly with the old ETag; then all switch to the new one."""
    holder = app.extensions["geo_service"]
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


# --- under gunicorn: the master prepares, fresh workers serve ----------------------------------------
def _children(pid: int) -> set[int]:
    import subprocess

    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False).stdout
    return {int(p) for p in out.split()}


def test_gunicorn_master_publishes_by_replacing_its_workers(settings, tmp_path):
    """An approval under gunicorn: the master builds the new snapshot, then forks new workers
    holding it (the old ones finish their requests); no worker builds anything itself."""
    import http.cookiejar
    import subprocess
    import sys
    import urllib.error
    import urllib.parse
    import urllib.request

    from nominations_support import hidden, valid_form
    from server_support import free_port, service_env

    from geo_service.settings import PROJECT_ROOT
    from geo_service.store.changes import CatalogueStore

    port = free_port()
    env = service_env(
        settings,
        tmp_path,
        GEO_SERVICE_BIND=f"127.0.0.1:{port}",
        GEO_SERVICE_WORKERS="2",
        GEO_SERVICE_LOG_LEVEL="INFO",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_ROOT / "gunicorn.conf.py"), "geo_service:create_app()"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _answers(base + "/healthz") == 200, 180)
        _wait_for(lambda: len(_children(server.pid)) == 2, 30)
        before = _children(server.pid)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(base + "/nominate?lang=en", timeout=30).read()
        form = valid_form(csrf_token=hidden(page, "csrf_token"), submission_token=hidden(page, "submission_token"))
        opener.open(base + "/nominate?lang=en", data=urllib.parse.urlencode(form, doseq=True).encode(), timeout=30)
        store = CatalogueStore(f"sqlite:///{tmp_path / 'nominations.sqlite3'}")
        [nomination] = store.list("pending")
        item = f"{base}/collections/initiatives/items/nomination-{nomination.id}?f=json"
        assert _answers(item) == 404
        store.approve(nomination.id, "test")

        # the master builds the new data, then replaces its workers: once every old worker is gone
        # (gunicorn's worker timeout ends one that lingers, a known stall under a loaded CI:
        # docs/architecture.md), the new forks answer with the new data
        def replaced() -> bool:
            time.sleep(0.5)  # ps at most twice a second
            now = _children(server.pid)
            return len(now) == 2 and not (now & before)

        _wait_for(replaced, 180)
        after = _children(server.pid)
        assert all(_answers(item) == 200 for _ in range(6)), "every new worker serves the new data"
        assert after and not (after & before), "the workers serving the new data are new forks"
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=60)
        print(errors[-5000:])  # shown by pytest when the test fails
    assert "Traceback" not in errors, errors[-3000:]


def _answers(url: str, timeout: float = 30) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0
