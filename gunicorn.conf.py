"""gunicorn configuration for production: ``gunicorn -c gunicorn.conf.py 'geo_service:create_app()'``.

Every value comes from GEO_SERVICE_* environment variables (see geo_service/settings.py).
Data are loaded once in the master (preload_app) and shared copy-on-write by the workers; the
app keeps no per-process state that matters across requests (sessions are signed cookies, rate
limits and nominations live in the database, caches are per data version).
"""

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
    "formatters": {"json": {"()": "geo_service.request_log.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": _settings.log_level, "propagate": False},
        "geo_service": {"handlers": ["stderr"], "level": _settings.log_level, "propagate": False},
    },
}


def when_ready(server):
    """With preload_app the app is loaded in the master: render the common pages there before the
    workers fork, so each worker starts warm, and re-render them in the background of each worker
    after a nomination is published (GEO_SERVICE_WARM_UP=0 skips both). The master then stops
    its own check for new data: only the workers serve, each with its own background check."""
    if not preload_app:
        return
    app = server.app.wsgi()
    if _settings.warm_up:
        from geo_service.warmup import rewarm_on_new_data, warm_up

        warm_up(app)
        rewarm_on_new_data(app)  # and again in each worker whenever published data change
    app.extensions["geo_service"].stop()
