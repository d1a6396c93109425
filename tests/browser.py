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
    # No network beyond loopback: every other request goes to a proxy on a closed port and fails
    # (Chromium never sends loopback through a proxy). Cheaper than intercepting each request in
    # Playwright (``context.route``), which cost a map page about 0.45 s of CPU and the HTTP cache.
    "--proxy-server=http://127.0.0.1:9",
]


def _is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:"))


def _blocked_load(message) -> bool:
    """A console error about a resource the proxy above refused (a tile, never the app's own)."""
    return "net::ERR_PROXY_CONNECTION_FAILED" in message.text


_BROWSER = {}  # one Chromium per test process, launched on first use; each test gets a new context


def _browser():
    """The process's Chromium: launching one takes about a second, a new context milliseconds."""
    if "browser" not in _BROWSER:
        from playwright.sync_api import sync_playwright

        driver = sync_playwright().start()
        _BROWSER["driver"] = driver
        _BROWSER["browser"] = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    return _BROWSER["browser"]


def close_browser() -> None:
    """Called at the end of the session (tests/conftest.py)."""
    browser, driver = _BROWSER.pop("browser", None), _BROWSER.pop("driver", None)
    if browser is not None:
        browser.close()
    if driver is not None:
        driver.stop()


@contextmanager
def offline_page():
    """A page in a context of its own (no cookies or storage shared with other tests) with no
    network beyond loopback; yields (page, console_errors, blocked_urls)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    context = _browser().new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    blocked: list[str] = []
    page = context.new_page()
    page.on("request", lambda request: None if _is_local(request.url) else blocked.append(request.url))
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" and not _blocked_load(msg) else None,
    )
    try:
        yield page, errors, blocked
    finally:
        context.close()


def screenshot(page, name: str) -> Path | None:
    """A PNG of the viewport in ``ARTEFACTS`` for a person to look at, when asked for with
    GEO_SERVICE_TEST_SCREENSHOTS=1 (no test reads them; each costs Chromium a few hundred ms)."""
    if os.environ.get("GEO_SERVICE_TEST_SCREENSHOTS", "") in ("", "0"):
        return None
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
