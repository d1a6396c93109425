"""Load test: gunicorn (2 workers) on loopback, 64 connections for 30 s, a mix of map pages,
commune pages, API items and downloads, driven by wrk (Debian package, installed if missing).

Four wrk processes run at the same time, each on one family of URLs with 16 connections (64 in
all), so each family's latency percentiles are measured under the mixed load. Prints throughput,
p50/p95/p99 latency and the error count per family and in total.

    GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/load_test.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench_api import free_port, wait_up  # same folder (run as a script)

ROOT = Path(__file__).resolve().parent.parent
LUA = r"""
local paths = {}
local counter = 0
init = function(args)
  for line in io.lines(args[1]) do table.insert(paths, line) end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("GET", path, {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("installing Debian's wrk ...", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk")


def families(base: str) -> dict[str, list[str]]:
    """URL paths per family, taken from the running service itself."""
    with urllib.request.urlopen(base + "/collections/communes/items?limit=600&f=json", timeout=30) as r:
        communes = [f["id"] for f in json.load(r)["features"]]
    sample = communes[:: max(1, len(communes) // 40)]
    return {
        "maps": ["/", "/map/coverage", "/map/employment", "/map/gaps", "/?lang=fr", "/map/coverage?lang=nl"],
        "commune_pages": [f"/commune/{nis}" for nis in sample],
        "api_items": [f"/collections/communes/items?limit=50&offset={i * 50}" for i in range(11)]
        + ["/collections/sites/items?limit=100", "/collections/initiatives/items",
           "/collections/provinces/items", "/collections/communes/items?bbox=4.2,50.7,4.5,50.95"]
        + [f"/collections/communes/items/{nis}" for nis in sample[:10]],
        "downloads": ["/downloads/communes.geojson", "/downloads/sites.csv", "/downloads/initiatives.geojson",
                      "/downloads/provinces.csv"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    wrk = ensure_wrk()
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="geo_load_"))
    env = dict(os.environ, GEO_SERVICE_BIND=f"127.0.0.1:{port}", GEO_SERVICE_WORKERS="2",
               GEO_SERVICE_INSTANCE_DIR=str(work / "instance"), GEO_SERVICE_JSON_LOGS="1",
               GEO_SERVICE_LOG_LEVEL="WARNING", GEO_SERVICE_SECRET_KEY="load-test")
    env.setdefault("GEO_SERVICE_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "geo_service:create_app()"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(work / "server.log", "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(port, "/healthz")
        urls = families(base)
        # steady state: each URL a few times so every worker has it (not counted)
        for _ in range(4):
            for paths in urls.values():
                for path in paths:
                    urllib.request.urlopen(base + path, timeout=60).read()
        script = work / "mix.lua"
        script.write_text(LUA)
        per_family = max(1, args.connections // len(urls))
        runs = {}
        for name, paths in urls.items():
            listing = work / f"{name}.txt"
            listing.write_text("\n".join(paths) + "\n")
            runs[name] = subprocess.Popen(
                [wrk, "-t1", f"-c{per_family}", f"-d{args.seconds}s", "--timeout", "10s", "-s", str(script), base,
                 "--", str(listing)], stdout=subprocess.PIPE, text=True)
        results = {}
        for name, proc in runs.items():
            out, _ = proc.communicate(timeout=args.seconds + 60)
            line = [l for l in out.splitlines() if l.startswith("{")][-1]
            results[name] = json.loads(line)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"load test: gunicorn 2 workers (gthread), {per_family * len(urls)} connections, {args.seconds} s, "
          f"machine: {os.cpu_count()} cores")
    print(f"{'family':<15}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}")
    total_req = total_err = 0
    for name, r in results.items():
        errors = sum(v for k, v in r.items() if k.startswith("errors_"))
        if errors:
            print(f"  {name} errors: " + ", ".join(f"{k[7:]} {v}" for k, v in r.items() if k.startswith("errors_") and v))
        total_req += r["requests"]
        total_err += errors
        print(f"{name:<15}{r['requests'] / (r['duration_us'] / 1e6):>10.1f}{r['p50_us'] / 1000:>10.1f}"
              f"{r['p95_us'] / 1000:>10.1f}{r['p99_us'] / 1000:>10.1f}{errors:>8}")
    print(f"{'total':<15}{total_req / args.seconds:>10.1f}{'':>30}{total_err:>8}")
    target_ok = total_err == 0 and all(results[f]["p95_us"] < 200_000 for f in ("api_items", "commune_pages"))
    print(f"target (0 errors, p95 < 200 ms for API and commune pages): {'met' if target_ok else 'NOT met'}")


if __name__ == "__main__":
    main()
