"""Throughput and p95 latency of the communes layer: this service vs pygeoapi vs a static file.

All three run under gunicorn (same worker count) on 127.0.0.1 in the same run and serve the same
565 communes (display geometry and the same properties):

- ``geo_service``: ``/collections/communes/items?limit=1000`` and a bbox request;
- ``pygeoapi`` (PyPI, installed into its own venv, default ``pygeoapi-venv`` in the system's temporary folder, created here
  with ``python3 -m venv`` + ``pip install pygeoapi gunicorn`` when missing) with its GeoJSON
  provider over a file holding exactly the features this service returns;
- ``static``: the bytes of this service's whole-layer response served as a file by werkzeug's
  SharedDataMiddleware (the baseline for "serving the same bytes as a static file").

Each server's workers start warm, as in production: pygeoapi and the static file have nothing to
build; this service builds the measured responses in the gunicorn master before it forks
(:data:`OURS_CONFIG`, what ``gunicorn.conf.py`` does with the whole warm-up), so no worker builds
the collections during a measurement, and its workers run no snapshot poller (as in production:
the master prepares new data).

Run: ``GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_api.py [--seconds 4]``.
Targets (issue 23): whole layer >= 30x pygeoapi's requests/s, and >= 0.9x the static file's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BBOX = "4.30,50.80,4.40,50.90"
WHOLE = "/collections/communes/items?limit=1000"
TARGET_PYGEOAPI, TARGET_STATIC = 30.0, 0.9
# gunicorn settings of this service in the benchmark: the plain ones of every server, plus building
# the measured responses in the master before the fork, freezing the heap and no snapshot poller
# in the workers (the master prepares new data), as gunicorn.conf.py does
OURS_CONFIG = """
import gc

def when_ready(server):
    app = server.app.wsgi()
    client = app.test_client()
    base = "http://" + server.cfg.bind[0]
    for path in {paths!r}:
        for encoding in ("identity", "gzip"):
            client.get(path, base_url=base, headers={{"Accept-Encoding": encoding}})

def pre_fork(server, worker):
    gc.collect()
    gc.freeze()

def post_fork(server, worker):
    server.app.wsgi().extensions["geo_service"].stop()  # workers serve only: no snapshot poller
"""
PYGEOAPI_VENV = Path(os.environ.get("PYGEOAPI_VENV", Path(tempfile.gettempdir()) / "pygeoapi-venv"))


def static_app_factory(folder: str):
    """WSGI app serving ``folder`` as static files (used by gunicorn: ``bench_api:static_app``)."""
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.shared_data import SharedDataMiddleware

    return SharedDataMiddleware(NotFound(), {"/": folder}, cache=False)


static_app = static_app_factory(os.environ["BENCH_STATIC_DIR"]) if os.environ.get("BENCH_STATIC_DIR") else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not answer {path} within {timeout:.0f} s")


def gunicorn(python: Path, target: str, port: int, env: dict, workers: int, chdir: Path | None = None, hooks: str = ""):
    config = Path(tempfile.gettempdir()) / f"bench_api_gunicorn_{port}.py"  # not the project's gunicorn.conf.py
    config.write_text("# same plain settings for every server in the benchmark\n" + hooks)
    cmd = [
        str(python),
        "-m",
        "gunicorn",
        "-c",
        str(config),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--preload",
        "--log-level",
        "warning",
        target,
    ]
    if chdir:
        cmd[3:3] = ["--chdir", str(chdir)]
    log = open(Path(tempfile.gettempdir()) / f"bench_api_{port}.log", "wb")  # noqa: SIM115 (the server writes to it)
    return subprocess.Popen(
        cmd,
        env={**os.environ, **env},
        start_new_session=True,
        stdout=log,
        stderr=log,
        cwd=str(chdir or tempfile.gettempdir()),
    )


def ensure_pygeoapi() -> Path:
    python = PYGEOAPI_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(["python3", "-m", "venv", str(PYGEOAPI_VENV)], check=True, timeout=120)
    probe = subprocess.run([str(python), "-c", "import pygeoapi, gunicorn"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "pygeoapi>=0.18", "gunicorn"], check=True, timeout=900
        )
    return python


def pygeoapi_config(folder: Path, port: int, data: Path) -> Path:
    import yaml

    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "en-US",
            "cors": False,
            "pretty_print": False,
            "limit": 1000,
            "limits": {"default_items": 1000, "max_items": 1000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "none",
                "url": "http://127.0.0.1",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench", "email": "bench@example.org"},
        },
        "resources": {
            "communes": {
                "type": "collection",
                "title": "Communes",
                "description": "Communes",
                "keywords": ["communes"],
                "links": [],
                "extents": {
                    "spatial": {"bbox": [2.5, 49.4, 6.5, 51.6], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
                },
                "providers": [{"type": "feature", "name": "GeoJSON", "data": str(data), "id_field": "nis"}],
            }
        },
    }
    path = folder / "pygeoapi.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _worker(args) -> tuple[int, list[float], int]:
    port, path, seconds, headers = args
    latencies, size, errors = [], 0, 0
    end = time.perf_counter() + seconds
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.perf_counter() < end:
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                errors += 1
            size = len(body)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies.append(time.perf_counter() - start)
    return size, latencies, errors


def _run(port: int, path: str, seconds: float, clients: int, headers: dict) -> list:
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # one request, not counted
    warm.request("GET", path, headers=headers)
    warm.getresponse().read()
    warm.close()
    with ProcessPoolExecutor(clients) as pool:
        return list(pool.map(_worker, [(port, path, seconds, headers)] * clients))


def _summary(results: list, seconds: float) -> dict:
    latencies = sorted(x for _, lat, _ in results for x in lat)
    count = len(latencies)
    return {
        "rps": count / seconds,
        "p95_ms": 1000 * latencies[int(0.95 * (count - 1))] if count else float("nan"),
        "requests": count,
        "bytes": max(size for size, _, _ in results),
        "errors": sum(e for _, _, e in results),
    }


def measure(port: int, path: str, seconds: float, clients: int, headers: dict | None = None) -> dict:
    return _summary(_run(port, path, seconds, clients, headers or {"Accept-Encoding": "identity"}), seconds)


def measure_side_by_side(cases: list[tuple[int, str]], seconds: float, clients: int, rounds: int) -> list[dict]:
    """The cases measured in turns (``rounds`` slices of ``seconds / rounds`` each, the order
    reversed every round), so that a change of load on a shared machine weighs on each alike."""
    runs: list[list] = [[] for _ in cases]
    order = list(range(len(cases)))
    for _ in range(rounds):
        for i in order:
            port, path = cases[i]
            runs[i] += _run(port, path, seconds / rounds, clients, {"Accept-Encoding": "identity"})
        order.reverse()
    return [_summary(r, seconds) for r in runs]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring time per case")
    parser.add_argument("--rounds", type=int, default=4, help="turns of the whole-layer cases, side by side")
    parser.add_argument("--clients", type=int, default=os.cpu_count() or 2, help="concurrent client processes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers per server")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_api_"))
    procs = []
    try:
        pygeoapi_python = ensure_pygeoapi()
        env = {"GEO_SERVICE_OFFLINE": "1", "GEO_SERVICE_INSTANCE_DIR": str(work / "instance")}
        ours = free_port()
        bbox_path = f"{WHOLE}&bbox={BBOX}"
        hooks = OURS_CONFIG.format(paths=[WHOLE, bbox_path])
        procs.append(
            gunicorn(Path(sys.executable), "geo_service.app:create_app()", ours, env, opts.workers, ROOT, hooks)
        )
        wait_up(ours, "/collections/communes/items?limit=1", 300)
        whole = WHOLE
        conn = http.client.HTTPConnection("127.0.0.1", ours, timeout=60)
        conn.request("GET", whole)
        body = conn.getresponse().read()
        static_dir = work / "static"
        static_dir.mkdir()
        (static_dir / "communes.json").write_bytes(body)
        collection = json.loads(body)
        data = work / "communes.geojson"
        data.write_text(json.dumps({"type": "FeatureCollection", "features": collection["features"]}))

        static = free_port()
        procs.append(
            gunicorn(
                Path(sys.executable),
                "bench_api:static_app",
                static,
                {"BENCH_STATIC_DIR": str(static_dir)},
                opts.workers,
                ROOT / "benchmarks",
            )
        )
        pgport = free_port()
        config = pygeoapi_config(work, pgport, data)
        openapi = work / "pygeoapi-openapi.yml"
        subprocess.run(
            [
                str(pygeoapi_python.parent / "pygeoapi"),
                "openapi",
                "generate",
                str(config),
                "--output-file",
                str(openapi),
            ],
            check=True,
            timeout=120,
            capture_output=True,
        )
        procs.append(
            gunicorn(
                pygeoapi_python,
                "pygeoapi.flask_app:APP",
                pgport,
                {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)},
                opts.workers,
            )
        )
        wait_up(static, "/communes.json")
        wait_up(pgport, "/collections/communes/items?limit=1&f=json")
        print(
            f"communes layer: {len(collection['features'])} features, {len(body) / 1e6:.2f} MB per whole-layer response"
        )
        print(
            f"{opts.clients} client processes, {opts.workers} gunicorn workers each, {opts.seconds:.0f} s per case; "
            f"whole layer: this service and the static file in {opts.rounds} alternating rounds\n"
        )
        cases = [
            ("whole layer", "pygeoapi", pgport, "/collections/communes/items?limit=1000&f=json"),
            ("bbox", "geo_service", ours, bbox_path),
            ("bbox", "pygeoapi", pgport, f"/collections/communes/items?limit=1000&f=json&bbox={BBOX}"),
        ]
        results = {}
        print(f"{'request':12} {'server':12} {'req/s':>9} {'p95 ms':>9} {'MB':>6} {'n':>6} {'err':>4}")
        pair = measure_side_by_side(
            [(ours, whole), (static, "/communes.json")], opts.seconds, opts.clients, opts.rounds
        )
        measured = [(("whole layer", "geo_service"), pair[0]), (("whole layer", "static file"), pair[1])]
        measured += [
            ((label, server), measure(port, path, opts.seconds, opts.clients)) for label, server, port, path in cases
        ]
        for (label, server), r in measured:
            results[(label, server)] = r
            print(
                f"{label:12} {server:12} {r['rps']:9.1f} {r['p95_ms']:9.1f} {r['bytes'] / 1e6:6.2f} {r['requests']:6d} {r['errors']:4d}"
            )
        gz = measure(ours, whole, opts.seconds, opts.clients, {"Accept-Encoding": "gzip"})
        print(
            f"{'whole (gzip)':12} {'geo_service':12} {gz['rps']:9.1f} {gz['p95_ms']:9.1f} {gz['bytes'] / 1e6:6.2f} {gz['requests']:6d} {gz['errors']:4d}"
        )
        w = {s: results[("whole layer", s)]["rps"] for s in ("geo_service", "static file", "pygeoapi")}
        b = {s: results[("bbox", s)]["rps"] for s in ("geo_service", "pygeoapi")}
        vs_pg, vs_static = w["geo_service"] / w["pygeoapi"], w["geo_service"] / w["static file"]
        pg_ok, static_ok = vs_pg >= TARGET_PYGEOAPI, vs_static >= TARGET_STATIC
        print(
            f"\nwhole layer: geo_service / pygeoapi = {vs_pg:.1f}x "
            f"(target >= {TARGET_PYGEOAPI:.0f}x: {'PASS' if pg_ok else 'FAIL'})"
        )
        print(
            f"whole layer: geo_service / static file = {vs_static:.2f}x "
            f"(target >= {TARGET_STATIC}x: {'PASS' if static_ok else 'FAIL'})"
        )
        print(f"bbox: geo_service / pygeoapi = {b['geo_service'] / b['pygeoapi']:.1f}x")
        return 0 if pg_ok and static_ok else 1
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
