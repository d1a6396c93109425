"""Durability: nominations sent by concurrent clients to a real gunicorn server that is killed
with SIGKILL part-way. After a restart every nomination that got a confirmation is there, and
sending every form again (same hidden submission token) creates no duplicate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from nominations_support import BACKENDS, fresh_database_url, hidden, new_token, valid_form
from server_support import free_port, service_env

from geo_service.settings import PROJECT_ROOT
from geo_service.store.changes import CatalogueStore

pytestmark = pytest.mark.slow  # gunicorn started, killed and started again

N = 12  # under the per-client limit of 20 an hour: every request comes from 127.0.0.1
KILL_AFTER = 4


def _start(env: dict, port: int, log: Path) -> subprocess.Popen:
    """gunicorn as production runs it (gunicorn.conf.py: the app loaded once in the master, two
    workers of four threads forked from it), on ``port``."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            str(PROJECT_ROOT / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            os.environ.get("GEO_SERVICE_TEST_WSGI_APP", "geo_service:create_app()"),
        ],
        env=env,
        start_new_session=True,
        cwd=log.parent,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "ab"),  # noqa: SIM115 (the server writes to it)
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/nominate", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError("server did not start within 120 s")


def _send(base: str, token: str) -> str | None:
    """Fill in and send one form; the confirmation's location, or None if the server died."""
    try:
        with requests.Session() as http:
            page = http.get(f"{base}/nominate", timeout=15)
            form = valid_form(
                csrf_token=hidden(page.text, "csrf_token"), submission_token=token, name=f"Durability test {token[:8]}"
            )
            response = http.post(f"{base}/nominate", data=form, allow_redirects=False, timeout=15)
    except requests.RequestException:
        return None
    return response.headers["Location"] if response.status_code == 303 else None


@pytest.mark.timeout(300)
@pytest.mark.parametrize("backend", BACKENDS)
def test_confirmed_nominations_survive_sigkill_without_duplicates(backend, settings, tmp_path):
    url = fresh_database_url(backend, tmp_path)
    env = service_env(settings, tmp_path, GEO_SERVICE_DATABASE_URL=url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(env, port, tmp_path / "server.log")
    tokens = [new_token() for _ in range(N)]
    confirmed: dict[str, str] = {}
    enough = threading.Event()
    lock = threading.Lock()

    def client(mine: list[str]) -> None:
        for token in mine:
            time.sleep(0.2)  # spread the submissions so the kill lands while some are in flight
            location = _send(base, token)
            if location:
                with lock:
                    confirmed[token] = location
                    if len(confirmed) >= KILL_AFTER:
                        enough.set()

    threads = [threading.Thread(target=client, args=(tokens[i::6],)) for i in range(6)]
    try:
        for t in threads:
            t.start()
        assert enough.wait(120), "no confirmations before the kill"
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)
        for t in threads:
            t.join(60)
        assert KILL_AFTER <= len(confirmed) < N, f"the kill came too late to test anything ({len(confirmed)} of {N})"

        store = CatalogueStore(url)  # what is on disk after the crash
        for token in confirmed:
            assert store.by_token(token) is not None, f"confirmed nomination {token} lost"
        stored_after_crash = {n.submission_token: n.id for n in store.list(None)}
        assert set(stored_after_crash) <= set(tokens)

        server = _start(env, port, tmp_path / "server.log")
        again = {token: _send(base, token) for token in tokens}  # every client tries again
        assert all(again.values()), "a resubmission after the restart was not confirmed"
        for token, location in confirmed.items():
            assert again[token] == location
        final = {n.submission_token: n.id for n in store.list(None)}
        assert sorted(final) == sorted(tokens) and len(final) == N  # all present, none twice
        assert {t: final[t] for t in stored_after_crash} == stored_after_crash
        store.engine.dispose()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
