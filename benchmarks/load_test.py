"""Load test: gunicorn (2 workers) on loopback, 64 connections for 30 s, a mix of map pages,
commune pages, API items and downloads, driven by wrk (Debian package, installed if missing).
``--server run`` runs the same against the one-process server of the README (``geo-service run``).

Four wrk processes run at the same time, each on one family of URLs with 16 connections (64 in
all), so each family's latency percentiles are measured under the mixed load. Prints throughput,
p50/p95/p99/max latency and the error count per family and in total, for three cases:

- ``plain``: the load alone;
- ``publish``: the same load while three nominations are approved (at 3 s, 10 s and 17 s), so
  every worker builds and warms new snapshots in the background; target: 0 errors, p99 at most
  twice the plain run's, no request over 1 s;
- ``quiet``: no load; one nomination approved, then every URL of the mix requested in turn until
  both workers serve the new data; target: no read over 300 ms (issue 13), over 500 ms (issue 23).

    GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/load_test.py [--seconds 30] [--server run]

Each case also prints the CPU seconds the server used (its processes and their children, from
/proc), so that runs on a machine shared with other work can be compared.

The nominations are throw-away entries of a temporary instance folder, sent through the public
form and approved with ``CatalogueStore.approve`` (what the moderation view calls).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
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
  return wrk.format("GET", path, {["Accept-Encoding"] = "gzip", ["Accept"] = "text/html"})
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
        + [
            "/collections/sites/items?limit=100",
            "/collections/initiatives/items",
            "/collections/provinces/items",
            "/collections/communes/items?bbox=4.2,50.7,4.5,50.95",
        ]
        + [f"/collections/communes/items/{nis}" for nis in sample[:10]],
        "downloads": [
            "/downloads/communes.geojson",
            "/downloads/sites.csv",
            "/downloads/initiatives.geojson",
            "/downloads/provinces.csv",
        ],
    }


FORM = {  # a throw-away nomination of the benchmark's temporary instance
    "name": "Load test nomination",
    "description": "Entry made by benchmarks/load_test.py in a temporary instance.",
    "place": ["Luik"],
    "themes": ["language"],
    "target_groups": ["newcomers"],
    "scope": "local",
    "start_year": "2020",
    "consent": "yes",
    "homepage": "",
    "contact_name": "Load test",
    "contact_email": "load-test@example.org",
}


def submit_nominations(base: str, count: int) -> None:
    """Send ``count`` nominations through the public form (CSRF and submission tokens included)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    for i in range(count):
        page = opener.open(base + "/nominate?lang=en", timeout=30).read().decode()
        tokens = {
            name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
            for name in ("csrf_token", "submission_token")
        }
        body = urllib.parse.urlencode({**FORM, "name": f"{FORM['name']} {i + 1}", **tokens}, doseq=True).encode()
        opener.open(base + "/nominate?lang=en", data=body, timeout=30).read()


def run_wrk(wrk: str, base: str, urls: dict[str, list[str]], work: Path, seconds: int, per_family: int) -> dict:
    script = work / "mix.lua"
    script.write_text(LUA)
    runs = {}
    for name, paths in urls.items():
        listing = work / f"{name}.txt"
        listing.write_text("\n".join(paths) + "\n")
        runs[name] = subprocess.Popen(
            [
                wrk,
                "-t1",
                f"-c{per_family}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                base,
                "--",
                str(listing),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
    results = {}
    for name, proc in runs.items():
        out, _ = proc.communicate(timeout=seconds + 60)
        line = [row for row in out.splitlines() if row.startswith("{")][-1]
        results[name] = json.loads(line)
    return results


def errors_of(r: dict) -> int:
    return sum(v for k, v in r.items() if k.startswith("errors_"))


def print_table(title: str, results: dict, seconds: int) -> None:
    print(f"\n{title}")
    print(f"{'family':<15}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}{'errors':>8}")
    total_req = total_err = 0
    for name, r in results.items():
        errors = errors_of(r)
        if errors:
            print(
                f"  {name} errors: " + ", ".join(f"{k[7:]} {v}" for k, v in r.items() if k.startswith("errors_") and v)
            )
        total_req += r["requests"]
        total_err += errors
        print(
            f"{name:<15}{r['requests'] / (r['duration_us'] / 1e6):>10.1f}{r['p50_us'] / 1000:>10.1f}"
            f"{r['p95_us'] / 1000:>10.1f}{r['p99_us'] / 1000:>10.1f}{r['max_us'] / 1000:>10.1f}{errors:>8}"
        )
    print(f"{'total':<15}{total_req / seconds:>10.1f}{'':>40}{total_err:>8}")


def visible(base: str, nomination_id: int) -> bool:
    try:
        with urllib.request.urlopen(
            f"{base}/collections/initiatives/items/nomination-{nomination_id}?f=json", timeout=30
        ) as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False


def wait_visible(base: str, nomination_id: int, streak: int = 20, timeout: float = 300) -> None:
    """Until ``streak`` requests in a row (spread over both workers) show the nomination."""
    deadline, seen = time.monotonic() + timeout, 0
    while seen < streak:
        if time.monotonic() > deadline:
            raise RuntimeError(f"nomination {nomination_id} not published within {timeout:.0f} s")
        seen = seen + 1 if visible(base, nomination_id) else 0
        time.sleep(0.05)


def approve_at(store, ids: list[int], offsets: list[float], started: float, log: list) -> None:
    for nomination_id, offset in zip(ids, offsets):
        time.sleep(max(0.0, started + offset - time.monotonic()))
        store.approve(nomination_id, "load test")
        log.append((nomination_id, time.monotonic() - started))


def quiet_case(base: str, urls: dict[str, list[str]], store, nomination_id: int) -> dict:
    """No load: approve one nomination, then request every URL of the mix in turn (one at a time)
    until both workers serve it; the slowest read and when the data became visible."""
    paths = [path for family in urls.values() for path in family]
    slowest, slowest_path, reads, seen, slow = 0.0, "", 0, 0, []
    started = time.monotonic()
    store.approve(nomination_id, "load test")
    visible_after = None
    while seen < 20 or time.monotonic() - started < 10:
        for path in paths:
            began = time.perf_counter()
            with urllib.request.urlopen(base + path, timeout=60) as r:
                r.read()
            elapsed = time.perf_counter() - began
            reads += 1
            if elapsed > 0.3:
                slow.append(f"{path} {elapsed * 1000:.0f} ms at {time.monotonic() - started:.1f} s")
            if elapsed > slowest:
                slowest, slowest_path = elapsed, path
            if reads % 10 == 0:
                seen = seen + 1 if visible(base, nomination_id) else 0
                if seen == 1 and visible_after is None:
                    visible_after = time.monotonic() - started
                elif seen == 0:
                    visible_after = None
        if time.monotonic() - started > 900:
            break
    return {
        "reads": reads,
        "slowest_ms": slowest * 1000,
        "slowest_path": slowest_path,
        "slow": slow,
        "visible_after_s": visible_after,
        "seconds": time.monotonic() - started,
    }


def server_cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` and of its children, living (gunicorn's workers, the warm-up's
    helper) and ended (those it waited for), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(p: int, with_waited: bool) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        own = int(fields[11]) + int(fields[12])  # utime, stime
        return (own + (int(fields[13]) + int(fields[14]) if with_waited else 0)) / tick  # + cutime, cstime

    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return of(pid, True) + sum(of(int(child), True) for child in children)


SERVERS = {
    "gunicorn": lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "geo_service:create_app()",
    ],
    "run": lambda port: [sys.executable, "-m", "geo_service.cli", "run", "--port", str(port)],
}


def start_server(kind: str, port: int, instance: Path, log: Path, **extra: str) -> subprocess.Popen:
    """The service (``SERVERS[kind]``) on loopback with a throw-away instance folder, 2 workers
    under gunicorn, warnings only in ``log``; ``extra``: more GEO_SERVICE_* settings."""
    env = dict(
        os.environ,
        GEO_SERVICE_BIND=f"127.0.0.1:{port}",
        GEO_SERVICE_WORKERS="2",
        GEO_SERVICE_INSTANCE_DIR=str(instance),
        GEO_SERVICE_LOG_LEVEL="WARNING",
        GEO_SERVICE_SECRET_KEY="benchmark",
        **extra,
    )
    env.setdefault("GEO_SERVICE_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    return subprocess.Popen(
        SERVERS[kind](port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),  # noqa: SIM115 (open while the server runs)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--server", choices=sorted(SERVERS), default="gunicorn", help="gunicorn (default) or run")
    parser.add_argument("--skip-publish", action="store_true", help="only the plain run")
    parser.add_argument("--only-quiet", action="store_true", help="only the case without load")
    args = parser.parse_args()
    wrk = ensure_wrk()
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="geo_load_"))
    instance = work / "instance"
    server = start_server(args.server, port, instance, work / "server.log", GEO_SERVICE_JSON_LOGS="1")
    base = f"http://127.0.0.1:{port}"
    cases, approvals, quiet, cpu = {}, [], None, {}
    try:
        wait_up(port, "/healthz", timeout=600)
        urls = families(base)
        # steady state: each URL a few times so every worker has it (not counted)
        for _ in range(4):
            for paths in urls.values():
                for path in paths:
                    urllib.request.urlopen(base + path, timeout=60).read()
        per_family = max(1, args.connections // len(urls))
        if not args.only_quiet:
            before = server_cpu(server.pid)
            cases["plain"] = run_wrk(wrk, base, urls, work, args.seconds, per_family)
            cpu["plain"] = server_cpu(server.pid) - before
        if not args.skip_publish:
            from geo_service.store.changes import CatalogueStore

            submit_nominations(base, 4)
            store = CatalogueStore(f"sqlite:///{instance / 'nominations.sqlite3'}")
            ids = [n.id for n in store.list("pending")]
            if not args.only_quiet:
                started = time.monotonic()
                approver = threading.Thread(target=approve_at, args=(store, ids[:3], [3, 10, 17], started, approvals))
                before = server_cpu(server.pid)
                approver.start()
                cases["publish"] = run_wrk(wrk, base, urls, work, args.seconds, per_family)
                approver.join()
                wait_visible(base, ids[2])
                published_after = time.monotonic() - started - approvals[-1][1]
                cpu["publish"] = server_cpu(server.pid) - before
            before = server_cpu(server.pid)
            quiet = quiet_case(base, urls, store, ids[3])
            cpu["quiet"] = server_cpu(server.pid) - before
    finally:
        server.terminate()
        server.wait(timeout=30)
    server_name = "gunicorn 2 workers (gthread)" if args.server == "gunicorn" else "geo-service run (one process)"
    print(
        f"load test: {server_name}, {per_family * len(urls)} connections, {args.seconds} s, "
        f"machine: {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f}"
    )
    for name, results in cases.items():
        print_table(f"case {name} (server CPU {cpu[name]:.1f} s)", results, args.seconds)
    plain = cases.get("plain")
    if plain:
        target_ok = errors_of_all(plain) == 0 and all(
            plain[f]["p95_us"] < 200_000 for f in ("api_items", "commune_pages")
        )
        print(f"\nplain target (0 errors, p95 < 200 ms for API and commune pages): {'met' if target_ok else 'NOT met'}")
    if "publish" in cases:
        publish = cases["publish"]
        print(
            "approvals at "
            + ", ".join(f"{at:.1f} s" for _, at in approvals)
            + f"; the last one served by both workers {published_after:.1f} s after it was approved"
        )
        ratios = {f: publish[f]["p99_us"] / max(1, plain[f]["p99_us"]) for f in publish}
        worst = max(r["max_us"] for r in publish.values()) / 1000
        print(
            "p99 publish / plain: "
            + ", ".join(f"{f} {ratio:.2f}x" for f, ratio in ratios.items())
            + f"; slowest request {worst:.0f} ms"
        )
        ok = errors_of_all(publish) == 0 and max(ratios.values()) <= 2 and worst <= 1000
        print(f"publish target (0 errors, p99 <= 2x plain, no request over 1 s): {'met' if ok else 'NOT met'}")
    if quiet:
        print(
            f"quiet: {quiet['reads']} reads one at a time over {quiet['seconds']:.1f} s after an approval "
            f"(server CPU {cpu['quiet']:.1f} s), "
            f"slowest {quiet['slowest_ms']:.0f} ms ({quiet['slowest_path']}); new data served by every process "
            f"{quiet['visible_after_s'] if quiet['visible_after_s'] is None else round(quiet['visible_after_s'], 1)} s "
            f"after the approval; targets: no read over 300 ms {'met' if quiet['slowest_ms'] <= 300 else 'NOT met'}, "
            f"over 500 ms {'met' if quiet['slowest_ms'] <= 500 else 'NOT met'}"
        )
        if quiet["slow"]:
            print("reads over 300 ms: " + "; ".join(quiet["slow"][:10]))


def errors_of_all(results: dict) -> int:
    return sum(errors_of(r) for r in results.values())


if __name__ == "__main__":
    main()
