"""Reads while a moderator approves a nomination (issue 23, item 3): the service started as the
README starts it (``geo-service run``, then gunicorn with 2 workers; the warm-up on, its default),
one client reading ``/collections/communes/items?limit=1`` every 50 ms, one read at a time, from
2 s before each approval until the new data have been served for 5 s by every process.

A moderator logs in through ``/moderation/login`` and approves with the form's POST, as in the
browser. Prints, per server: the same reads without a publication (baseline, same run); for each
approval the number of reads, p50/p95/max, when the slowest read happened, when the new data were
first served by every process, the server's CPU seconds; the slowest read per 2-second window;
then whether every read stayed within 0.5 s.

    GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_publish.py [--server run] [--approvals 3]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench_api import free_port, wait_up  # same folder (run as a script)
from load_test import SERVERS, server_cpu, start_server, submit_nominations, visible

READ = "/collections/communes/items?limit=1"
BUDGET_S = 0.5
PAUSE_S = 0.05
MODERATOR = ("bench-moderator", "a long enough benchmark password")


class Reader(threading.Thread):
    """Reads ``READ`` one at a time, ``PAUSE_S`` apart, recording (monotonic start, seconds, status)."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.reads, self.done = base, [], threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            began, clock = time.perf_counter(), time.monotonic()
            try:
                with urllib.request.urlopen(self.base + READ, timeout=60) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            self.reads.append((clock, time.perf_counter() - began, status))
            time.sleep(PAUSE_S)


def moderator_session(base: str, instance: Path):
    """An HTTP client logged in as a moderator (the account made in the benchmark's database)."""
    from geo_service.store.changes import CatalogueStore

    store = CatalogueStore(f"sqlite:///{instance / 'nominations.sqlite3'}")
    store.create_moderator(*MODERATOR)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/moderation/login", timeout=30).read().decode()
    form = {"username": MODERATOR[0], "password": MODERATOR[1], "csrf_token": csrf(page)}
    opener.open(base + "/moderation/login", data=urllib.parse.urlencode(form).encode(), timeout=30).read()
    return opener, store


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)


def approve(opener, base: str, nomination_id: int) -> None:
    """What the moderator's Approve button sends (the form on the nomination's page)."""
    page = opener.open(f"{base}/moderation/{nomination_id}", timeout=30).read().decode()
    body = urllib.parse.urlencode({"csrf_token": csrf(page)}).encode()
    opener.open(f"{base}/moderation/{nomination_id}/approve", data=body, timeout=60).read()


def served_everywhere(base: str, nomination_id: int, timeout: float = 600) -> float:
    """Waits until twenty checks in a row (spread over every process) show the nomination."""
    deadline, seen = time.monotonic() + timeout, 0
    while seen < 20:
        if time.monotonic() > deadline:
            raise RuntimeError(f"nomination {nomination_id} not served within {timeout:.0f} s")
        seen = seen + 1 if visible(base, nomination_id) else 0
        time.sleep(0.05)
    return time.monotonic()


def figures(reads: list[tuple[float, float, int]]) -> str:
    took = sorted(t for _, t, _ in reads)
    p95 = took[min(len(took) - 1, int(0.95 * len(took)))]
    return f"{len(took)} reads, p50 {statistics.median(took) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {took[-1] * 1000:.0f} ms"


def windows(reads: list[tuple[float, float, int]], approved: float, width: float = 2.0) -> str:
    """The slowest read of each ``width``-second window, in ms, labelled by its start in seconds
    after the approval (``-2s``: the window just before it)."""
    slowest: dict[int, float] = {}
    for clock, took, _ in reads:
        index = int((clock - approved) // width)
        slowest[index] = max(slowest.get(index, 0.0), took)
    return " ".join(f"{index * width:+.0f}s:{slowest[index] * 1000:.0f}" for index in sorted(slowest))


def bench(server: str, approvals: int) -> bool:
    port, work = free_port(), Path(tempfile.mkdtemp(prefix="geo_publish_"))
    instance, log = work / "instance", work / "server.log"
    process = start_server(server, port, instance, log, GEO_SERVICE_WARM_UP="1")  # the default, as the README runs it
    base = f"http://127.0.0.1:{port}"
    name = "geo-service run (one process)" if server == "run" else "gunicorn, 2 workers"
    met = True
    try:
        wait_up(port, "/healthz", timeout=600)
        for _ in range(4):  # the first reads of the data it started with are not the question
            urllib.request.urlopen(base + READ, timeout=60).read()
        submit_nominations(base, approvals)
        opener, store = moderator_session(base, instance)
        ids = [n.id for n in store.list("pending")]
        reader = Reader(base)
        reader.start()
        time.sleep(5)
        print(f"\n{name}: baseline without a publication: {figures(list(reader.reads))}")
        for nomination_id in ids:
            start = len(reader.reads)
            time.sleep(2)
            cpu_before, approved = server_cpu(process.pid), time.monotonic()
            approve(opener, base, nomination_id)
            everywhere = served_everywhere(base, nomination_id) - approved
            time.sleep(5)
            reads = reader.reads[start:]
            cpu = server_cpu(process.pid) - cpu_before
            clock, took, _ = max(reads, key=lambda read: read[1])
            failed = sorted({status for _, _, status in reads if status != 200})
            over = [read for read in reads if read[1] > BUDGET_S]
            met = met and not over and not failed
            print(
                f"approval of nomination {nomination_id}: {figures(reads)} (at {clock - approved:+.1f} s); "
                f"new data served by every process {everywhere:.1f} s after the approval; server CPU {cpu:.1f} s; "
                f"reads over {BUDGET_S} s: {len(over)}" + (f"; statuses other than 200: {failed}" if failed else "")
            )
            print(f"  slowest read (ms) per 2 s window, by seconds after the approval: {windows(reads, approved)}")
        reader.done.set()
        reader.join(timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=60)
    errors = log.read_text(errors="replace")
    if "Traceback" in errors:
        met = False
        print(errors[-3000:])
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=sorted(SERVERS), action="append", help="run, gunicorn (default: both)")
    parser.add_argument("--approvals", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"one read of {READ} every {PAUSE_S * 1000:.0f} ms"
    )
    results = {server: bench(server, args.approvals) for server in args.server or ["run", "gunicorn"]}
    print(
        f"\nload average at the end {os.getloadavg()[0]:.1f}; every read within {BUDGET_S} s: "
        + ", ".join(f"{server} {'met' if ok else 'NOT met'}" for server, ok in results.items())
    )


if __name__ == "__main__":
    main()
