"""Headless Debian Chromium through Playwright, with every non-loopback request blocked."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

ARTEFACTS = Path(os.environ.get("GEO_SERVICE_TEST_ARTEFACTS", Path(__file__).parent / "artefacts"))
CHROMIUM = os.environ.get("GEO_SERVICE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:"))


@contextmanager
def offline_page():
    """A page with no network beyond loopback; yields (page, console_errors, blocked_urls)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        blocked: list[str] = []

        def route(route_):
            if _is_local(route_.request.url):
                route_.continue_()
            else:
                blocked.append(route_.request.url)
                route_.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda msg: (
                errors.append(f"console: {msg.text}")
                if msg.type == "error" and "net::ERR_FAILED" not in msg.text
                else None
            ),
        )
        try:
            yield page, errors, blocked
        finally:
            context.close()
            browser.close()


def screenshot(page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
