"""The home map in real headless Chromium, offline."""

from __future__ import annotations

from browser import offline_page, screenshot
from browser_support import wait_until


def test_home_map_draws_565_communes_offline(live_server):
    with offline_page() as (page, errors, blocked):
        page.goto(f"{live_server.url}/?lang=fr", wait_until="load")
        wait_until(page, "document.querySelectorAll('path.leaflet-interactive').length >= 565")
        count = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
        assert count == 565
        # the same communes as a table (name, NIS code, province, population): the keyboard's way
        assert page.locator("table[data-atlas-table] tbody tr").count() == 565
        assert "hover" not in page.locator(".intro").inner_text().lower()
        assert not errors, errors
        assert all("127.0.0.1" not in url for url in blocked)
        screenshot(page, "home_fr")
