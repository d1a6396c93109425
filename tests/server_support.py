"""What tests that start the service in a subprocess (gunicorn, the command line) share: a free
port, the environment of a quiet, offline service on the test data and cache, the service
started as the README starts it, and a nomination sent through its public form."""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from geo_service.settings import PROJECT_ROOT

SERVERS = {
    # the README's command (one process, Flask's server) and production's (gunicorn.conf.py)
    "run": lambda port: [sys.executable, "-m", "geo_service.cli", "run", "--port", str(port)],
    "gunicorn": lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(PROJECT_ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "geo_service:create_app()",
    ],
}


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


def start_service(kind: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """``kind`` ("run" or "gunicorn", :data:`SERVERS`) on ``port``; its stderr goes to ``log``."""
    with open(log, "wb") as errors:
        return subprocess.Popen(
            SERVERS[kind](port), cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )


def status_of(url: str, timeout: float = 30) -> int:
    """The HTTP status of a GET (0 when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def wait_for(predicate, seconds: float, what: str, pause: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"{what}: not within {seconds:.0f} s"
        time.sleep(pause)


def nominate(base: str) -> None:
    """One valid nomination through the public form (CSRF and submission tokens included)."""
    from nominations_support import hidden, valid_form

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/nominate?lang=en", timeout=30).read()
    form = valid_form(csrf_token=hidden(page, "csrf_token"), submission_token=hidden(page, "submission_token"))
    opener.open(base + "/nominate?lang=en", data=urllib.parse.urlencode(form, doseq=True).encode(), timeout=30)
