"""Shared fixtures: settings pointing at the shared data, one read-only app per session (per
xdist worker), a fresh app for tests that change state, a live server; markers applied by use.

Markers (registered in pyproject.toml) are set here from what a test uses, so test modules need
no marks of their own: ``browser`` (the module drives Chromium through ``browser.offline_page``),
``postgres`` (parametrised with the ``postgresql`` backend), ``subprocess`` (the test, a fixture
it uses or a function of the tests they call refers to ``subprocess`` or ``multiprocessing``:
servers, command lines, ogr2ogr, forked workers; a test whose process is started by the
service's own code carries the mark itself), ``slow`` (set in the module or on the test).
``scripts/test.sh --quick`` runs what needs none of them (docs/testing.md)."""

from __future__ import annotations

import gc
import inspect
import os
import threading
import types
from pathlib import Path

import pytest
from order_support import TEST_SECONDS, longest_files_first
from snapshot_support import share_derived
from werkzeug.serving import make_server

from geo_service.settings import PROJECT_ROOT, Settings

DEFAULT_DATA_DIR = (PROJECT_ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(autouse=True, scope="session")
def unlimited_map_renders():
    """Tests draw far more distinct maps a minute than any visitor; the per-client budget of
    geo_service/web/throttle.py has its own tests (tests/test_throttle.py), which set their own."""
    from geo_service.web import throttle

    throttle.MAPS = throttle.RenderGuard(per_client=10**9)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes():
    """Moderator passwords hashed by the same scrypt code at a low cost (N=1024, the hash records
    its parameters): at the default cost each account and login of the tests spends 0.1 s of CPU.
    The hash an unknown name is checked against (so timing does not tell which names exist) is
    made at the same cost as the accounts', as in the service."""
    from werkzeug.security import generate_password_hash

    from geo_service.store import changes

    changes.PASSWORD_METHOD = "scrypt:1024:8:1"
    changes._DUMMY_HASH = generate_password_hash("not-a-password", method=changes.PASSWORD_METHOD)


@pytest.fixture(autouse=True, scope="session")
def close_the_browser():
    """The Chromium that ``browser.offline_page`` launches once per test process ends with the session."""
    yield
    import sys

    module = sys.modules.get("browser")
    if module is not None:
        module.close_browser()


def _data_dir() -> Path:
    return Path(os.environ.get("GEO_SERVICE_DATA_DIR") or DEFAULT_DATA_DIR).resolve()


def pytest_configure(config):
    """Hypothesis without its per-example deadline; fewer garbage collections; refuse to start
    without the shared data, in one sentence: checked here, in the main process, because a worker
    of pytest-xdist that stops on it is only reported as "crashed"."""
    # Hypothesis' default deadline (200 ms an example) measures the machine more than the code: on
    # two cores shared with other work it failed test_the_url_round_trips_a_scenario at random
    from hypothesis import settings as hypothesis_settings

    hypothesis_settings.register_profile("geo_service", deadline=None)
    hypothesis_settings.load_profile("geo_service")
    # Python's cyclic garbage collector, at its default thresholds (700, 10, 10), ran a full
    # collection over the session's data frames, apps and parsed documents 25 times in four of the
    # heaviest test files: 6.7 of their 41 CPU-seconds (0.9 at these). Every cycle is still freed.
    gc.set_threshold(50_000, 20, 100)
    # --dist loadfile hands out the files in the order of tests/conftest.py (longest_files_first)
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    config.pluginmanager.register(FileOrder(), "geo_service-file-order")
    path = _data_dir()
    if not (path / "boundaries").is_dir():
        raise pytest.UsageError(
            f"GEO_SERVICE_DATA_DIR={path} does not hold the shared data (boundaries/ missing): "
            "set GEO_SERVICE_DATA_DIR to the shared data folder, or clone next to shared/ (../shared/data)"
        )


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _data_dir()


PROCESS_MODULES = {"subprocess", "multiprocessing"}
TESTS_DIR = Path(__file__).resolve().parent


def starts_processes(function, seen: set | None = None) -> bool:
    """Whether ``function`` refers to ``subprocess`` or ``multiprocessing`` (the modules, or a
    function imported from them), itself or through a function of the tests folder it names."""
    seen = set() if seen is None else seen
    code = getattr(function, "__code__", None)
    if code is None or code in seen:
        return False
    seen.add(code)
    names, codes = set(), [code]
    while codes:  # the function and the functions and classes defined inside it
        current = codes.pop()
        names.update(current.co_names)
        codes += [const for const in current.co_consts if isinstance(const, types.CodeType)]
    if names & PROCESS_MODULES:
        return True
    for name in names:
        target = getattr(function, "__globals__", {}).get(name)
        if getattr(target, "__module__", None) in PROCESS_MODULES:
            return True
        in_tests = inspect.isfunction(target) and Path(target.__code__.co_filename).parent == TESTS_DIR
        if in_tests and starts_processes(target, seen):
            return True
    return False


def _uses_processes(item) -> bool:
    fixtures = getattr(item, "_fixtureinfo", None)
    definitions = [d for defs in (fixtures.name2fixturedefs.values() if fixtures else ()) for d in defs]
    return any(starts_processes(f) for f in [getattr(item, "function", None), *(d.func for d in definitions)])


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and getattr(module, "offline_page", None) is not None:
            item.add_marker(pytest.mark.browser)
        if _uses_processes(item):
            item.add_marker(pytest.mark.subprocess)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in [str(v) for v in callspec.params.values()] + callspec.id.split("-"):
            item.add_marker(pytest.mark.postgres)


# --- the order of the files: the longest first (order_support.py), so the two workers end together
class FileOrder:
    @pytest.hookimpl(trylast=True)  # after -m and -k have deselected: only what runs is counted
    def pytest_collection_modifyitems(self, config, items):
        cache = getattr(config, "cache", None)
        items[:] = longest_files_first(items, cache.get(TEST_SECONDS, {}) if cache is not None else {})


_test_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Each test's seconds (set-up, call and tear-down) in this run; in the main process under
    xdist, from every worker's reports."""
    _test_seconds[report.nodeid] = _test_seconds.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    """Keep each test's seconds for the next run's order (tests not run this time keep theirs)."""
    config = session.config
    if hasattr(config, "workerinput") or getattr(config, "cache", None) is None or not _test_seconds:
        return
    known = config.cache.get(TEST_SECONDS, {})
    known.update({nodeid: round(seconds, 2) for nodeid, seconds in _test_seconds.items()})
    config.cache.set(TEST_SECONDS, known)


def shared_cache_dir(tmp_path_factory) -> Path:
    """One derived-layer cache for every worker of a run (pytest-xdist workers' temporary folders
    share a parent); cache writes are atomic (``geo_service.cache``: temporary file, then rename)."""
    if os.environ.get("GEO_SERVICE_CACHE_DIR"):  # absolute, as Settings.from_env makes it: Flask-Babel
        return Path(os.environ["GEO_SERVICE_CACHE_DIR"]).resolve()  # reads a relative folder from the package
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    path = root / "shared-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def settings(data_dir, tmp_path_factory) -> Settings:
    cache = shared_cache_dir(tmp_path_factory)
    instance = tmp_path_factory.mktemp("instance")
    # warm_up=False: a test that publishes prepares the new snapshot on its own thread, at once,
    # not through the warm-up's helper process (tests/test_publish_stall.py runs the real thing)
    return Settings(
        data_dir=data_dir, cache_dir=cache, offline=True, instance_dir=instance, secret_key="test-secret", warm_up=False
    )


@pytest.fixture(scope="session")
def base(settings):
    from geo_service.state import build_base_layers

    return build_base_layers(settings)


@pytest.fixture(scope="session")
def boundaries(base):
    return base.boundaries


@pytest.fixture(scope="session")
def app(settings):
    from geo_service.app import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    return share_derived(application)


@pytest.fixture()
def client(app):
    return app.test_client()


def new_app(settings, instance: Path):
    """An app of its own (own instance folder and SQLite database), for tests that change state."""
    from dataclasses import replace

    from geo_service.app import create_app

    application = create_app(replace(settings, instance_dir=instance))
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def store(app):
    """The nominations store of ``app`` (a module may give its own ``app``: see
    ``nominations_support.backend_app_fixture``)."""
    from geo_service.store import EXTENSION

    return app.extensions[EXTENSION]


@pytest.fixture(scope="session")
def app_factory(settings):
    """``app_factory(instance_folder)``: a new app, for module-scoped fixtures that change state."""
    return lambda instance: new_app(settings, instance)


@pytest.fixture()
def fresh_app(settings, tmp_path):
    """A new app for one test that changes state (snapshot, database, caches): the session app
    other tests read stays as it was."""
    return new_app(settings, tmp_path / "instance")


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(app):
    with LiveServer(app) as server:
        yield server
