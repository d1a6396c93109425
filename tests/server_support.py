"""What tests that start the service in a subprocess (gunicorn, the command line) share: a free
port and the environment of a quiet, offline service on the test data and cache."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from geo_service.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(settings, instance: Path, **extra: str) -> dict[str, str]:
    """This checkout's code (``PYTHONPATH``) on the test data, cache and ``instance`` folder, offline,
    without the warm-up, on the instance's SQLite database unless ``extra`` names another."""
    env = dict(
        os.environ,
        PYTHONPATH=str(PROJECT_ROOT),
        GEO_SERVICE_INSTANCE_DIR=str(instance),
        GEO_SERVICE_DATA_DIR=str(settings.data_dir),
        GEO_SERVICE_CACHE_DIR=str(settings.cache_dir),
        GEO_SERVICE_WARM_UP="0",
        GEO_SERVICE_SECRET_KEY="test",
        GEO_SERVICE_OFFLINE="1",
    )
    env.pop("GEO_SERVICE_DATABASE_URL", None)
    env.update(extra)
    return env
