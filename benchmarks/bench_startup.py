"""Start-up time: a cold start (empty cache folder: every derived layer built) against a warm one
(same cache folder: layers unpickled), each in a fresh Python process, in the same run.

Run: ``GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_startup.py [--warm 3]``.
Target (issue 2): a warm start (import + ``create_app()``) under 3 s on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, time
started = time.perf_counter()
from geo_service.app import create_app
imported = time.perf_counter()
create_app()
done = time.perf_counter()
print(json.dumps({"import": imported - started, "create": done - imported, "total": done - started}))
"""


def start_once(cache_dir: str, instance_dir: str) -> dict:
    env = dict(os.environ, GEO_SERVICE_CACHE_DIR=cache_dir, GEO_SERVICE_INSTANCE_DIR=instance_dir)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=3, help="warm starts to time (median reported)")
    args = parser.parse_args()
    if not os.environ.get("GEO_SERVICE_DATA_DIR"):
        sys.exit("set GEO_SERVICE_DATA_DIR (e.g. ../shared/data)")
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as instance:
        cold = start_once(cache, instance)
        warm = [start_once(cache, instance) for _ in range(args.warm)]
    median = {k: statistics.median(w[k] for w in warm) for k in ("import", "create", "total")}
    print(f"cold start: import {cold['import']:.2f} s + create_app {cold['create']:.2f} s = {cold['total']:.2f} s")
    print(
        f"warm start (median of {args.warm}): import {median['import']:.2f} s + create_app "
        f"{median['create']:.2f} s = {median['total']:.2f} s"
    )
    print(
        f"cold / warm: {cold['total'] / median['total']:.1f}x; target warm < 3 s: "
        f"{'met' if median['total'] < 3 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
