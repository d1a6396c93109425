"""Map pages as a browser sees them: bytes on the wire per view with and without the browser's
cache, the time until each view is drawn, and the server's time to first byte, in one run.

A reader's session in headless Chromium with its HTTP cache on: the home map, then each map
page, views switched in place (another measure, kind, fill) and pages in another language, each
view's bytes counted from the DevTools protocol (``Network.loadingFinished.encodedDataLength``:
headers and compressed body as received; 0 for a response from the cache). The same views are
then loaded each in a new browser context (empty cache). "Drawn" is when the map's script marks
the map drawn (``data-atlas-state``): for a page, from the start of navigation; for a switch in
place, from the change of the form field. "CPU s" is the CPU time Chromium's renderer processes
used until then (DevTools' ``SystemInfo.getProcessInfo``): on a busy machine the wall time
stretches, the work does not. Tiles of the online base map are refused (offline).

Targets (issue 23): first map view <= 250 KB on the wire; every further view <= 60 KB; drawn
<= 0.5 s (the median of ``--repeat`` sessions; on a quiet machine). Warm time to first byte of
every page < 50 ms (issue 5).

    GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_maps.py [--repeat 5]
"""

from __future__ import annotations

import argparse
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

# (label, what to do): a path to open, or (form field, value) to switch in place on the page shown
SESSION = [
    ("home, fr (first view)", "/?lang=fr"),
    ("coverage, fr", "/map/coverage?lang=fr"),
    ("coverage: presence (in place)", ("measure", "present")),
    ("coverage: per 10,000 (in place)", ("rate", "per_10k")),
    ("coverage: one kind (in place)", ("kind", "civic_integration_office")),
    ("gaps, fr", "/map/gaps?lang=fr"),
    ("gaps: employment (in place)", ("kind", "public_employment_service")),
    ("gaps: need fill (in place)", ("fill", "need")),
    ("gaps, another kind, nl", "/map/gaps?kind=social_welfare&lang=nl"),
    ("employment, fr", "/map/employment?lang=fr"),
    ("coverage, en", "/map/coverage?lang=en"),
    ("home, fr (again)", "/?lang=fr"),
]
# Where a page's time goes until drawn (ms, from the start of navigation): the response, the
# page parsed (its scripts run, the table read), the first paint, and the map script's marks
# (static/atlas-map.js: geometry and values loaded, features decoded, shapes made, borders drawn)
PHASES = """(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const at = (name) => { const m = performance.getEntriesByName(name); return m.length ? m[m.length - 1].startTime : null; };
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {response: nav.responseEnd, parsed: nav.domInteractive, 'first paint': paint ? paint.startTime : null,
          'map script': at('atlas:start'), 'data in': at('atlas:loaded'), decoded: at('atlas:features'),
          shapes: at('atlas:added'), borders: at('atlas:mesh'), 'map drawn': at('atlas:drawn')};
})()"""
DRAWN = "(() => { const c = document.querySelector('.leaflet-container'); return c && c.dataset.atlasState; })()"
FIRST_KB, FURTHER_KB, DRAWN_S, WARM_TTFB_S = 250, 60, 0.5, 0.05


def fetch(port: int, path: str) -> float:
    """Seconds to first byte of one GET (gzip accepted, HTML preferred)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip", "Accept": "text/html"})
    response = conn.getresponse()
    response.read(1)
    ttfb = time.perf_counter() - start
    response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    return ttfb


class Wire:
    """Bytes received per request through the DevTools protocol, for one page."""

    def __init__(self, context, page):
        self.session = context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.pending: set[str] = set()
        self.rows: list[tuple[str, float]] = []
        self.urls: dict[str, str] = {}
        self.session.on("Network.requestWillBeSent", self._sent)
        self.session.on("Network.loadingFinished", self._finished)
        self.session.on("Network.loadingFailed", lambda e: self.pending.discard(e["requestId"]))

    def _sent(self, event) -> None:
        self.pending.add(event["requestId"])
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event) -> None:
        self.pending.discard(event["requestId"])
        self.rows.append((self.urls.get(event["requestId"], "?"), event["encodedDataLength"]))

    def settle(self, page, quiet_s: float = 0.2, timeout: float = 10.0) -> None:
        """Until no request has been in flight for ``quiet_s`` (late fetches count for their view)."""
        deadline, quiet_since = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            page.wait_for_timeout(20)  # lets Playwright deliver the protocol's events
            if self.pending:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_s:
                return

    def take(self) -> tuple[float, list[tuple[str, float]]]:
        """(bytes, [(url, bytes)]) received since the last call."""
        rows, self.rows = self.rows, []
        return sum(size for _, size in rows), rows


def wait_drawn(page, before: str | None = None, timeout: float = 60.0) -> None:
    """Until the map's script says the map is drawn (and, for a switch, its view changed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = page.evaluate(DRAWN)
        view = page.evaluate("(document.querySelector('.leaflet-container') || {dataset: {}}).dataset.atlasView || ''")
        if state == "drawn" and (before is None or view != before):
            return
        if state == "failed":
            raise SystemExit(f"{page.url}: the map failed to draw")
        time.sleep(0.01)
    raise SystemExit(f"{page.url}: not drawn within {timeout:.0f} s")


def run_view(page, wire: Wire, step, phases: dict | None = None) -> float:
    """Do one step of the session; seconds until drawn (a page's ``PHASES`` into ``phases``)."""
    if isinstance(step, str):
        page.goto(step, wait_until="commit")
        wait_drawn(page)
        if phases is not None:
            phases.update(page.evaluate(PHASES))
        return float(page.evaluate("document.querySelector('.leaflet-container').dataset.atlasDrawnMs")) / 1000
    field, value = step
    before = page.evaluate(
        "document.querySelector('.leaflet-container').dataset.atlasView || location.pathname + location.search"
    )
    page.evaluate("document.querySelector('.leaflet-container').dataset.atlasView = " + repr(before))
    page.select_option(f"form[data-atlas-switch] select[name={field}]", value)
    wait_drawn(page, before)
    return float(page.evaluate("document.querySelector('.leaflet-container').dataset.atlasSwitchMs")) / 1000


def browse(base_url: str, repeat: int, cold: bool) -> dict[str, dict]:
    """Each step's bytes (median over sessions), drawing time (median) and requests; ``cold``:
    every page view in a new context (empty cache); switches in place are then left out."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    samples: dict[str, dict[str, list]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--proxy-server=http://127.0.0.1:9",
            ],
        )
        system = browser.new_browser_cdp_session()

        def renderer_cpu() -> dict[int, float]:
            """CPU seconds used so far by each renderer process (DevTools' SystemInfo)."""
            processes = system.send("SystemInfo.getProcessInfo")["processInfo"]
            return {p["id"]: p["cpuTime"] for p in processes if p["type"] == "renderer"}

        for _ in range(repeat):
            context = page = wire = None
            for label, step in SESSION:
                if cold and not isinstance(step, str):
                    continue
                if context is None or cold:
                    if context is not None:
                        context.close()
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    wire = Wire(context, page)
                before, phases = renderer_cpu(), {}
                drawn = run_view(page, wire, step if not isinstance(step, str) else base_url + step, phases)
                after = renderer_cpu()
                wire.settle(page)
                size, rows = wire.take()
                entry = samples.setdefault(label, {"bytes": [], "drawn": [], "requests": [], "cpu": []})
                for name, ms in phases.items():
                    entry.setdefault("ms:" + name, []).append(ms if ms is not None else float("nan"))
                entry["bytes"].append(size)
                entry["drawn"].append(drawn)
                entry["requests"].append(len(rows))
                entry["cpu"].append(sum(t - before.get(pid, 0.0) for pid, t in after.items()))
            context.close()
        browser.close()
    return {
        label: {key: statistics.median(values) for key, values in entry.items()} for label, entry in samples.items()
    }


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="browser sessions (median)")
    parser.add_argument("--ttfb-repeat", type=int, default=20, help="warm requests per page (median)")
    args = parser.parse_args()
    started = time.perf_counter()
    app = create_app(Settings.from_env())
    print(f"app start-up (data loaded, snapshot built): {time.perf_counter() - started:.2f} s")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port, base = server.server_port, f"http://127.0.0.1:{server.server_port}"
    try:
        pages = [step for _, step in SESSION if isinstance(step, str)]
        cold_ttfb = {path: fetch(port, path) for path in dict.fromkeys(pages)}
        warm_ttfb = {path: statistics.median(fetch(port, path) for _ in range(args.ttfb_repeat)) for path in cold_ttfb}
        browse(base, 1, cold=False)  # every view and its JSON built once on the server
        warm = browse(base, args.repeat, cold=False)
        cold = browse(base, args.repeat, cold=True)
    finally:
        server.shutdown()
    header = (
        f"{'view':<34} {'cached KB':>9} {'requests':>8} {'drawn s':>7} {'CPU s':>6} {'no-cache KB':>11} {'drawn s':>7}"
    )
    print(header)
    print("-" * len(header))
    for label, _step in SESSION:
        w, c = warm[label], cold.get(label)
        tail = f"{c['bytes'] / 1024:>11.1f} {c['drawn']:>7.2f}" if c else f"{'(in place)':>11} {'':>7}"
        print(f"{label:<34} {w['bytes'] / 1024:>9.1f} {w['requests']:>8.0f} {w['drawn']:>7.2f} {w['cpu']:>6.2f} {tail}")
    names = [key for key in warm[SESSION[0][0]] if key.startswith("ms:")]
    print("\nwhere a page's time goes, ms from navigation (cache on / empty cache; median):")
    print(f"{'page':<34} " + " ".join(f"{n[3:]:>10}" for n in names))
    for label, step in SESSION:
        if isinstance(step, str):
            for kind, runs in (("cache", warm), ("no cache", cold)):
                row = runs[label]
                print(f"{label[:24] + ', ' + kind:<34} " + " ".join(f"{row[n]:>10.0f}" for n in names))
    print(f"\nserver, time to first byte (cold render / warm median of {args.ttfb_repeat}):")
    for path in cold_ttfb:
        print(f"  {path:<40} {cold_ttfb[path] * 1000:>8.0f} ms {warm_ttfb[path] * 1000:>8.1f} ms")
    first, *further = [warm[label] for label, _ in SESSION]
    checks = [
        (
            f"first map view <= {FIRST_KB} KB on the wire",
            first["bytes"] / 1024 <= FIRST_KB,
            f"{first['bytes'] / 1024:.1f} KB",
        ),
        (
            f"every further view <= {FURTHER_KB} KB (browser cache on)",
            all(v["bytes"] / 1024 <= FURTHER_KB for v in further),
            f"max {max(v['bytes'] for v in further) / 1024:.1f} KB",
        ),
        (
            f"every view drawn <= {DRAWN_S} s (cache on)",
            all(v["drawn"] <= DRAWN_S for v in warm.values()),
            f"max {max(v['drawn'] for v in warm.values()):.2f} s",
        ),
        (
            f"every page drawn <= {DRAWN_S} s with an empty cache",
            all(v["drawn"] <= DRAWN_S for v in cold.values()),
            f"max {max(v['drawn'] for v in cold.values()):.2f} s",
        ),
        (
            f"warm time to first byte < {WARM_TTFB_S * 1000:.0f} ms (every page)",
            all(v < WARM_TTFB_S for v in warm_ttfb.values()),
            f"max {max(warm_ttfb.values()) * 1000:.1f} ms",
        ),
    ]
    for name, ok, value in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")


if __name__ == "__main__":
    main()
