"""PNG screenshots of every page type in French, Dutch and English, at desktop (1280x900) and
phone (390x844) size, for reviewing the portal and for the README (docs/screenshots/).

    GEO_SERVICE_DATA_DIR=../shared/data python scripts/screenshots.py --out screenshots
    python scripts/screenshots.py --base-url http://127.0.0.1:5000 --out screenshots --only /map/gaps

Without ``--base-url`` the app is built from the environment's settings and served on a free
loopback port for the run. Headless Debian Chromium through Playwright (like tests/browser.py);
every request off the loopback is blocked, so the pages are shown as they work offline (no
background tiles). Files are named ``<page>_<lang>_<width>.png``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

PAGES = {
    "home": "/",
    "coverage": "/map/coverage",
    "employment": "/map/employment",
    "gaps": "/map/gaps",
    "plan": "/plan",
    "commune": "/commune/21012",
    "commune-small": "/commune/73028",
    "initiative": "/initiative/civic-platform-for-refugees",
    "search": "/search?q=Jumet",
    "nominate": "/nominate",
    "correct": "/correct?site=vdab-gent",
    "correct-commune": "/correct?commune=21012",
    "moderation-login": "/moderation/login",
    "collections": "/collections",
    "collection": "/collections/communes",
    "items": "/collections/communes/items?limit=10",
    "item": "/collections/communes/items/21012",
    "not-found": "/no-such-page",
}
SIZES = {"1280": (1280, 900), "390": (390, 844)}
LANGUAGES = ("fr", "nl", "en")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@contextmanager
def local_server():
    from werkzeug.serving import make_server

    from geo_service.app import create_app
    from geo_service.settings import Settings

    server = make_server("127.0.0.1", 0, create_app(Settings.from_env()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def shoot(base_url: str, out: Path, pages: dict[str, str], full_page: bool = False) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            context.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort()
            )
            page = context.new_page()
            for name, path in pages.items():
                for lang in LANGUAGES:
                    page.goto(f"{base_url}{path}{'&' if '?' in path else '?'}lang={lang}", wait_until="load")
                    if page.locator(".leaflet-container").count():
                        # a map drawn by static/atlas-map.js says so; a small folium map has paths
                        page.wait_for_function(
                            """() => { const c = document.querySelector('.leaflet-container');
                                return c.dataset.atlasState ? c.dataset.atlasState !== 'loading'
                                    : document.querySelectorAll('.leaflet-overlay-pane path').length > 0; }""",
                            timeout=20000,
                        )
                    page.wait_for_timeout(400)  # zoom animations and legends settle
                    target = out / f"{name}_{lang}_{size}.png"
                    page.screenshot(path=str(target), full_page=full_page)
                    written.append(target)
            context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--base-url", help="a running service (default: serve the app on a free loopback port)")
    parser.add_argument("--only", action="append", default=[], help="page path or name to shoot (repeatable)")
    parser.add_argument("--full-page", action="store_true", help="whole scrolled page instead of the viewport")
    args = parser.parse_args(argv)
    pages = {n: p for n, p in PAGES.items() if not args.only or n in args.only or p in args.only}
    if not pages:
        parser.error(f"--only matches no page; pages: {', '.join(PAGES)}")
    if args.base_url and not re.match(r"^https?://", args.base_url):
        parser.error("--base-url must start with http:// or https://")
    if args.base_url:
        written = shoot(args.base_url.rstrip("/"), args.out, pages, args.full_page)
    else:
        with local_server() as url:
            written = shoot(url, args.out, pages, args.full_page)
    print(f"{len(written)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
