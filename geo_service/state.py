"""Everything the service serves, built once at start-up (and cached on disk), never per request.

``BaseLayers`` (boundaries, population, display geometry) depend only on pinned input files and
are cached on disk. A :class:`Snapshot` adds the catalogue and the indicators; it is rebuilt only
when published nominations change (checked every ``REFRESH_SECONDS`` by a background thread of
each process, never by a request), so approved nominations appear without a restart and every
worker process converges on the same data. Derived artefacts (serialised GeoJSON, rendered maps)
are memoised on the snapshot that made them (optionally on disk, shared by the workers): a new
snapshot starts with an empty memo.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

import geopandas as gpd
import orjson
import pandas as pd

from . import population as pop
from .boundaries import Boundaries, build_boundaries
from .cache import cache_key, cached
from .display import simplify_coverage
from .settings import Settings
from .sources import locate
from .store.published import Published

if TYPE_CHECKING:  # typed fields without importing the catalogue and indicators at start
    from .catalogue import Catalogue
    from .indicators import Indicators

log = logging.getLogger(__name__)

BASE_INPUTS = [
    "be-municip-lamberts.geo.json",
    "REFNIS_2019.csv",
    "bevolking_per_gemeente.csv",
    "population_2025_by_commune.csv",
]
LEVELS = ("commune", "arrondissement", "province", "region")
REFRESH_SECONDS = 1.0


@dataclass
class BaseLayers:
    """Boundaries with population attached, and their simplified display versions."""

    boundaries: Boundaries
    display: dict[str, gpd.GeoDataFrame]
    population_year: int = pop.POPULATION_2025_YEAR


def _attach_population(boundaries: Boundaries, population_2020: pd.DataFrame, population_2025: pd.Series) -> None:
    """``pop_2025_total`` (the newest figure, used by every rate) and the 2020 table by sex."""
    per_commune = pop.to_2025(population_2020, boundaries.to_2025, ["men", "women", "total"])
    communes = boundaries.communes
    for column in ("total", "men", "women"):
        communes[f"pop_2020_{column}"] = per_commune[column].reindex(communes.index).astype("int64")
    communes["pop_2025_total"] = population_2025.reindex(communes.index).astype("int64")
    columns = ["pop_2025_total", "pop_2020_total", "pop_2020_men", "pop_2020_women"]
    for level in ("arrondissement", "province", "region"):
        sums = communes.groupby(level)[columns].sum()
        layer = boundaries.layer(level)
        for column in sums.columns:
            layer[column] = sums[column].reindex(layer.index).astype("int64")


def build_base_layers(settings: Settings) -> BaseLayers:
    paths = {name: locate(name, settings) for name in BASE_INPUTS}

    def build() -> BaseLayers:
        boundaries = build_boundaries(paths["be-municip-lamberts.geo.json"], paths["REFNIS_2019.csv"])
        _attach_population(
            boundaries,
            pop.read_population_2020(paths["bevolking_per_gemeente.csv"]),
            pop.read_population_2025(paths["population_2025_by_commune.csv"], boundaries.communes.index),
        )
        display = {level: simplify_coverage(boundaries.layer(level)) for level in LEVELS}
        return BaseLayers(boundaries=boundaries, display=display)

    return cached(settings.cache_dir, "base_layers", cache_key(BASE_INPUTS), build)


class PublishedSource(Protocol):
    """Where published changes come from (the store: ``geo_service.store.CatalogueStore``)."""

    def revision(self) -> str: ...

    def published(self) -> Published: ...


T = TypeVar("T")


def _memo_name(key: Hashable) -> str:
    """File-name-safe, process-independent name of a memo key (a tuple of strings and numbers)."""
    return "snapshot-" + hashlib.sha256(repr(key).encode()).hexdigest()[:16]


@dataclass
class Snapshot:
    """One consistent version of everything served; never changes once built. ``version``
    covers every input (see :func:`snapshot_version`) and feeds ETags."""

    settings: Settings
    base: BaseLayers
    catalogue: Catalogue
    indicators: Indicators
    version: str = ""
    built_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _memo: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _key_locks: dict = field(default_factory=dict, repr=False)

    def derived(self, key: Hashable, build: Callable[[], T], persist: bool = False) -> T:
        """Memoise ``build()`` on this snapshot (e.g. serialised layers, rendered map HTML).

        Each key is built once, under its own lock (a slow build never holds up another key).
        With ``persist`` the value is also kept on disk under (version, key) in the derived-layer
        cache (``cache.cached``: atomic write, one builder at a time across processes), so the
        other workers, and this one after a restart, read the file instead of building it again;
        the value must pickle and ``key`` must be made of strings and numbers."""
        try:
            return self._memo[key]
        except KeyError:
            pass
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._memo:
                if persist:
                    self._memo[key] = cached(self.settings.cache_dir, _memo_name(key), self.version, build)
                else:
                    self._memo[key] = build()
            return self._memo[key]

    def derived_values(self) -> dict:
        """What has been derived so far (a copy of the memo), e.g. to hand to another process."""
        with self._lock:
            return dict(self._memo)

    def adopt(self, version: str, values: dict) -> int:
        """Take derived values made elsewhere (another process) from a snapshot of ``version``;
        values of another version are refused, keys already derived here are kept. Returns how
        many were taken."""
        if version != self.version:
            return 0
        taken = 0
        with self._lock:
            for key, value in values.items():
                if key not in self._memo:
                    self._memo[key] = value
                    taken += 1
        return taken


class Preparer(Protocol):
    """Builds the next snapshot of what the store publishes somewhere else (another process, whose builds fill
    the disk cache) and returns ``(version, derived values)`` for it to :meth:`Snapshot.adopt`."""

    def __call__(self, published: Published, revision: str) -> tuple[str, dict] | None: ...


def _catalogue_key(inputs_key: str, settings: Settings, published: Published, today: date | None = None) -> str:
    """The catalogue depends on the project's files and code (in ``inputs_key``), on everything
    the store publishes (records, site changes, harvests, the log) and on the day its date rules
    are applied (expired and stale sites, catalogue.freshness): hash all three."""
    digest = hashlib.sha256(inputs_key.encode())
    digest.update(orjson.dumps(asdict(published), option=orjson.OPT_SORT_KEYS, default=str))
    digest.update(str(today).encode())
    return digest.hexdigest()[:20]


def today() -> date:
    """The day the date rules of a new snapshot are applied (one place, so tests can fix it)."""
    return date.today()


def snapshot_version(inputs_key: str, catalogue_key: str, revision: str) -> str:
    """Version of a snapshot: the base inputs, project data and code (``inputs_key``), the
    catalogue's own key (imported lists and published records included) and the published
    revision; a change to any of them gives a new version, hence new ETags."""
    return hashlib.sha256(f"{inputs_key}|{catalogue_key}|{revision}".encode()).hexdigest()[:16]


def build_snapshot(settings: Settings, base: BaseLayers, published: Published, revision: str) -> Snapshot:
    from .catalogue import load_catalogue
    from .indicators import compute_indicators

    inputs_key = cache_key(BASE_INPUTS)
    day = today()
    catalogue_key = _catalogue_key(inputs_key, settings, published, day)
    catalogue = cached(
        settings.cache_dir,
        "catalogue",
        catalogue_key,
        lambda: load_catalogue(base.boundaries, published=published, settings=settings, today=day),
    )
    indicators = compute_indicators(base, catalogue, settings)
    return Snapshot(
        settings=settings,
        base=base,
        catalogue=catalogue,
        indicators=indicators,
        version=snapshot_version(inputs_key, catalogue_key, revision),
    )


class StateHolder:
    """Holds the current snapshot and replaces it, off the request path, when published data change.

    :meth:`snapshot` only returns the current snapshot: it never waits and never reads the
    database. A background thread per process (started by the first :meth:`snapshot` call in
    that process, so each gunicorn worker has its own after the fork) checks the published
    revision every ``refresh_seconds``; on a change it builds the next snapshot (one build at a
    time), hands it to the ``listeners`` (the warm-up fills its memo: on their thread
    :meth:`snapshot` answers the new one), and only then swaps it in with one assignment. So no
    visitor pays for the build or for the first rendering of a page of the new data; readers
    keep the snapshot they hold until they finish; ``swapped`` callbacks are told afterwards. A
    database that is slow or down only delays the next snapshot (``last_error`` says why), it
    never holds up a request.

    That work is CPU-bound and holds the GIL (long C calls, and each of a request thread's many
    GIL hand-overs waits for the busy thread's switch interval), so a process that serves
    requests must not do it itself: with a ``preparer`` (``web/warmup.py``: a helper process)
    the catalogue, indicators and responses are built elsewhere, and this process only reads
    them (disk cache) and adopts the finished responses before its listeners run. Under
    gunicorn the master, which serves nothing, prepares for its workers (gunicorn.conf.py).
    """

    def __init__(
        self,
        settings: Settings,
        base: BaseLayers,
        published: PublishedSource | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
    ):
        self.settings = settings
        self.base = base
        self.published = published
        self.refresh_seconds = refresh_seconds
        self.listeners: list[Callable[[Snapshot], None]] = []  # prepare each new snapshot before it is served
        self.swapped: list[Callable[[Snapshot], None]] = []  # told once a new snapshot is served
        self.preparer: Preparer | None = None  # builds the next snapshot elsewhere before this process does
        self.last_error: str | None = None
        # niceness given to the background thread (Linux: per thread); gunicorn's master sets it,
        # so that preparing new data yields the CPU to the workers that serve requests
        self.background_nice = 0
        self.checked_at: float | None = None  # time.time() of the last successful revision check
        self._preparing = threading.local()  # the snapshot a listener is preparing, on its thread
        self._reset_threads()
        self._revision = published.revision() if published else "none"
        self._snapshot = build_snapshot(
            settings, base, published.published() if published else Published(), self._revision
        )
        self.checked_at = time.time()
        os.register_at_fork(after_in_child=self._after_fork_hook())

    def _after_fork_hook(self) -> Callable[[], None]:
        ref = weakref.ref(self)

        def hook() -> None:
            holder = ref()
            if holder is not None:
                holder._reset_threads()

        return hook

    def _reset_threads(self) -> None:
        """Fresh locks and no poller: at start, and in a forked child (threads do not survive a fork)."""
        self._build_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    @property
    def revision(self) -> str:
        return self._revision

    def snapshot(self) -> Snapshot:
        """The current snapshot, at once (and the poller of this process started if needed)."""
        preparing = getattr(self._preparing, "snapshot", None)
        if preparing is not None:
            return preparing
        if self.published is not None and self._poller is None and not self._stop.is_set():
            self._start_poller()
        return self._snapshot

    def _start_poller(self) -> None:
        with self._start_lock:
            if self._poller is None and not self._stop.is_set():
                self._poller = threading.Thread(target=self._poll, name="geo_service-snapshot", daemon=True)
                self._poller.start()

    def stop(self) -> None:
        """Stop this process's poller (the gunicorn master stops its own before forking workers)."""
        self._stop.set()
        poller = self._poller
        if poller is not None and poller is not threading.current_thread():
            poller.join(timeout=5)
        self._poller = None

    def _poll(self) -> None:
        if self.background_nice:
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.background_nice)
            except OSError:
                log.warning("could not lower the priority of the snapshot thread")
        while not self._stop.wait(self.refresh_seconds):
            try:
                self.refresh()
                self.last_error = None
            except Exception as exc:  # database unreachable: keep serving the data in hand, retry later
                if self.last_error is None:
                    log.warning(
                        "published data could not be checked; serving snapshot %s",
                        self._snapshot.version,
                        exc_info=True,
                    )
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]

    def refresh(self, force: bool = False) -> Snapshot:
        """Check the published revision now and, when it changed (or ``force``), build and swap in
        the next snapshot; returns the current one. Called by the poller; tests and commands may
        call it to wait for a change. One build at a time per process (across processes the
        disk cache lets one build and the others read)."""
        if self.published is None:
            return self._snapshot
        with self._build_lock:
            revision = self.published.revision()
            self.checked_at = time.time()
            new_day = getattr(self._snapshot.catalogue, "as_of", None) not in (None, today())
            if not (force or revision != self._revision or new_day):  # a new day may expire or age sites
                return self._snapshot
            started = time.perf_counter()
            published = self.published.published()
            elsewhere = self._prepare_elsewhere(published, revision)
            snapshot = build_snapshot(self.settings, self.base, published, revision)
            if snapshot.version == self._snapshot.version:  # same data: same time stamps, same bytes, same ETags
                snapshot.built_at = self._snapshot.built_at
            adopted = snapshot.adopt(*elsewhere) if elsewhere else 0
            built = time.perf_counter()
            self._prepare(snapshot)
            self._snapshot, self._revision = snapshot, revision  # readers see the old or the new, whole
            log.info(
                "snapshot %s (revision %s) built in %.1f s (%d values prepared elsewhere), prepared in %.1f s",
                snapshot.version,
                revision,
                built - started,
                adopted,
                time.perf_counter() - built,
            )
        for callback in list(self.swapped):
            try:
                callback(snapshot)
            except Exception:
                log.exception("after swapping in snapshot %s", snapshot.version)
        return snapshot

    def _prepare_elsewhere(self, published: Published, revision: str) -> tuple[str, dict] | None:
        """The ``preparer``'s values for the next snapshot; when it fails this process builds
        everything itself (logged: slower reads meanwhile, same data)."""
        if self.preparer is None:
            return None
        try:
            return self.preparer(published, revision)
        except Exception:
            log.exception("preparing revision %s in another process failed; preparing it here", revision)
            return None

    @contextmanager
    def preparing(self, snapshot: Snapshot) -> Iterator[Snapshot]:
        """On this thread (only), :meth:`snapshot` answers ``snapshot``: the app renders for it
        while every other thread is still served the current one."""
        self._preparing.snapshot = snapshot
        try:
            yield snapshot
        finally:
            self._preparing.snapshot = None

    def _prepare(self, snapshot: Snapshot) -> None:
        """Run the listeners on ``snapshot`` before it is served; a failing listener is logged
        (its work is then done on request), never fatal."""
        with self.preparing(snapshot):
            for listener in list(self.listeners):
                try:
                    listener(snapshot)
                except Exception:
                    log.exception("preparing snapshot %s failed", snapshot.version)
