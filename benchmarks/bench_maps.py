"""Map pages: bytes transferred, server time to first byte (cold, warm) and time until the map
is drawn in headless Chromium, with ratios against baselines measured in the same run.

Baselines: ``/healthz`` (a tiny JSON answer: the server's floor) for time to first byte, and the
page's own cold render for the warm one; the home page (565 plain communes, no markers) for the
drawing time. Targets (issue 5): coverage map < 1 MB compressed, drawn < 2 s, warm TTFB < 50 ms.

    GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_maps.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from geo_service.app import create_app  # noqa: E402
from geo_service.settings import Settings  # noqa: E402

PAGES = [
    ("home (baseline)", "/?lang=fr", "document.querySelectorAll('path.leaflet-interactive').length >= 565"),
    (
        "coverage",
        "/map/coverage?lang=fr",
        "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length >= 565 && "
        "document.querySelectorAll('.leaflet-marker-icon').length > 0",
    ),
    (
        "coverage, one kind",
        "/map/coverage?kind=civic_integration_office&lang=nl",
        "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length >= 565",
    ),
    ("employment", "/map/employment?lang=fr", "document.querySelectorAll('path.leaflet-interactive').length >= 11"),
    (
        "gaps",
        "/map/gaps?lang=fr",
        "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length >= 565",
    ),
    ("commune page", "/commune/62063?lang=fr", "document.querySelectorAll('path.leaflet-interactive').length >= 1"),
]


# Budgets (issue 14): no map may grow beyond its size and drawing time before the portal work
# (gzip KB measured on commit c3aab82 with this script's requests; drawn s from the run recorded in
# benchmarks/README.md), with 1 % on sizes and 15 % on times for a shared machine's noise. The
# employment page is measured without its charts section (new content beside the map, 3 KB).
BUDGETS = {
    "home (baseline)": (196.1, 1.08),
    "coverage": (215.4, 1.45),
    "coverage, one kind": (204.2, 1.43),
    "employment": (90.5, 0.53),
    "gaps": (218.1, 1.05),
    "commune page": (6.7, 0.58),
}
SIZE_NOISE, TIME_NOISE = 1.01, 1.15


def fetch(port: int, path: str) -> tuple[float, int, int]:
    """(seconds to first byte, compressed bytes, raw bytes) of one GET with gzip accepted."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip", "Accept": "text/html"})  # "/" answers JSON otherwise
    response = conn.getresponse()
    first = response.read(1)
    ttfb = time.perf_counter() - start
    body = first + response.read()
    raw = gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    return ttfb, len(body), len(raw)


def charts_bytes(port: int, path: str) -> int:
    """Compressed size of the page's charts section (0 without one): content beside the map."""
    import re

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Accept": "text/html"})
    html = conn.getresponse().read().decode()
    conn.close()
    match = re.search(r'<section class="charts".*?</section>', html, re.S)
    return len(gzip.compress(match.group(0).encode(), 6)) if match else 0


def wait_drawn(page, drawn: str, timeout: float = 30.0) -> float:
    """Seconds from navigation until ``drawn`` is true in the page. Polled from here with
    page.evaluate (DevTools protocol), since the page's CSP forbids the eval() that
    wait_for_function would run inside the page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = page.evaluate(f"({drawn}) ? performance.now() : null")
        if now is not None:
            return now / 1000
        time.sleep(0.01)
    raise SystemExit(f"{page.url}: not drawn within {timeout:.0f} s")


def draw_times(base_url: str, repeat: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    times: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for label, path, drawn in PAGES:
            samples = []
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
                page = context.new_page()
                page.goto(base_url + path, wait_until="commit")
                samples.append(wait_drawn(page, drawn))
                context.close()
            times[label] = statistics.median(samples)
        browser.close()
    return times


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="warm requests per page (median)")
    parser.add_argument("--browser-repeat", type=int, default=3, help="page loads per page in Chromium (median)")
    args = parser.parse_args()
    started = time.perf_counter()
    app = create_app(Settings.from_env())
    print(f"app start-up (data loaded, snapshot built): {time.perf_counter() - started:.2f} s")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    try:
        floor = statistics.median(fetch(port, "/healthz")[0] for _ in range(args.repeat))
        rows = []
        for label, path, _ in PAGES:
            cold, packed, raw = fetch(port, path)
            warm = statistics.median(fetch(port, path)[0] for _ in range(args.repeat))
            rows.append((label, path, packed, raw, cold, warm))
        charts = {path: charts_bytes(port, path) for _, path, _ in PAGES}
        drawn = draw_times(f"http://127.0.0.1:{port}", args.browser_repeat)
    finally:
        server.shutdown()
    home_draw = drawn["home (baseline)"]
    print(f"baseline /healthz time to first byte (median of {args.repeat}): {floor * 1000:.1f} ms")
    header = (
        f"{'page':<20} {'gzip KB':>8} {'raw KB':>8} {'cold ms':>8} {'warm ms':>8} {'warm/cold':>9} "
        f"{'warm/healthz':>12} {'drawn s':>8} {'drawn/home':>10}"
    )
    print(header)
    print("-" * len(header))
    for label, _path, packed, raw, cold, warm in rows:
        print(
            f"{label:<20} {packed / 1024:>8.0f} {raw / 1024:>8.0f} {cold * 1000:>8.0f} {warm * 1000:>8.1f} "
            f"{warm / cold:>9.3f} {warm / floor:>12.1f} {drawn[label]:>8.2f} {drawn[label] / home_draw:>10.2f}"
        )
    coverage = next(r for r in rows if r[0] == "coverage")
    checks = [
        ("coverage map < 1 MB compressed", coverage[2] < 1_000_000, f"{coverage[2] / 1e6:.3f} MB"),
        ("coverage map drawn < 2 s", drawn["coverage"] < 2.0, f"{drawn['coverage']:.2f} s"),
        (
            "warm server time < 50 ms (every page)",
            all(r[5] < 0.05 for r in rows),
            f"max {max(r[5] for r in rows) * 1000:.1f} ms",
        ),
    ]
    for label, path, packed, *_ in rows:
        kb, seconds = BUDGETS[label]
        packed -= charts[path]
        checks.append(
            (
                f"{label}: map under {kb} KB compressed (+1 %) and drawn within {seconds:.2f} s (+15 %)",
                packed / 1024 <= kb * SIZE_NOISE and drawn[label] <= seconds * TIME_NOISE,
                f"{packed / 1024:.1f} KB, {drawn[label]:.2f} s",
            )
        )
    for name, ok, value in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")


if __name__ == "__main__":
    main()
