"""gunicorn configuration for production: ``gunicorn -c gunicorn.conf.py 'geo_service:create_app()'``.

Every value comes from GEO_SERVICE_* environment variables (see geo_service/settings.py).
Data are loaded once in the master (preload_app) and shared copy-on-write by the workers; the
app keeps no per-process state that matters across requests (sessions are signed cookies, rate
limits and nominations live in the database, caches are per data version). When published data
change, the master prepares the new snapshot and replaces the workers (see when_ready).
"""

import gc
import os
import signal

from geo_service.settings import Settings

_settings = Settings.from_env()

bind = _settings.server_bind
workers = _settings.server_workers
threads = _settings.server_threads
worker_class = "gthread"
timeout = _settings.server_timeout
graceful_timeout = 30
keepalive = 5
preload_app = True
# Recycling a worker costs a cold start of what the warm-up does not cover: rarely, not every few s.
max_requests = 200_000
max_requests_jitter = 20_000
accesslog = None  # the app writes one JSON line per request (geo_service.access), with its request id
errorlog = "-"
loglevel = _settings.log_level.lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "geo_service.web.request_log.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": _settings.log_level, "propagate": False},
        "geo_service": {"handlers": ["stderr"], "level": _settings.log_level, "propagate": False},
    },
}


def when_ready(server):
    """With preload_app the app is loaded in the master: render the common pages there before the
    workers fork, so each worker starts warm (GEO_SERVICE_WARM_UP=0 skips it).

    New data are prepared by the master too, never by a serving worker: its background thread
    checks the published revision each second, builds the next snapshot and renders the same
    pages for it (seconds of CPU, with the GIL held for long stretches), swaps it in, then sends
    itself SIGHUP. gunicorn then forks fresh workers from the master, which hold the new warm
    snapshot like workers at start, and lets the old ones finish their requests (graceful
    shutdown: no request is dropped). Workers serve only (see post_fork)."""
    if not preload_app:
        return
    app = server.app.wsgi()
    holder = app.extensions["geo_service"]
    # the master serves no request: it builds and renders each new snapshot itself (create_app
    # registered the warm-up as the holder's listener), no helper process needed
    holder.preparer = None
    if _settings.warm_up:
        from geo_service.web.warmup import warm_up

        warm_up(app)
    master = os.getpid()

    def replace_workers(snapshot) -> None:
        if os.getpid() == master:
            server.log.info("snapshot %s ready: replacing the workers", snapshot.version)
            gc.unfreeze()  # the previous snapshot may now be collected in the master (see pre_fork)
            gc.collect()
            os.kill(master, signal.SIGHUP)

    holder.swapped.append(replace_workers)
    holder.background_nice = 10  # preparing new data yields the CPU to the serving workers
    holder.snapshot()  # starts the master's background check


def pre_fork(server, worker):
    """Move every object of the master to the permanent generation before forking (gc.freeze): a
    worker's first full collection then does not walk, and so copy, the whole shared heap (the
    data, the warm responses), which would stall its first requests for seconds."""
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """A worker serves the snapshot it was forked with; the master prepares the next one. The
    database pool's connections belong to the master (its poller may be using one at the moment
    of the fork): the worker drops them without closing them and opens its own, as SQLAlchemy
    prescribes after os.fork (Engine.dispose(close=False))."""
    if preload_app:
        app = server.app.wsgi()
        app.extensions["geo_service"].stop()
        store = app.extensions.get("geo_service.store")
        if store is not None:
            store.engine.dispose(close=False)


# gunicorn's control socket (gunicorn >= 25) is not used: its default path is one per user, so
# several gunicorns of one user (another service, the test servers) would share it, and its thread
# must stop before each fork, which held up replacing the workers on a new snapshot by minutes.
control_socket_disable = True
