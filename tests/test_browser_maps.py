"""The three maps and a commune page in real headless Chromium, offline (loopback only)."""

from __future__ import annotations

import pytest
from browser import offline_page, screenshot
from browser_support import MARKERS, SHAPES, open_map, wait_until

from geo_service.catalogue.vocab import KINDS


def test_coverage_map_draws_every_commune_clusters_and_legend(live_server):
    with offline_page() as (page, errors, blocked):
        open_map(page, f"{live_server.url}/map/coverage?lang=fr")
        wait_until(page, f"{SHAPES} >= 565 && {MARKERS} > 0")
        assert page.evaluate(SHAPES) == 565
        assert page.evaluate("document.querySelectorAll('.marker-cluster').length") > 0
        assert page.locator(".legend li").count() >= 2
        assert page.locator(".leaflet-control-layers").count() == 1
        screenshot(page, "coverage_fr")
        french_heading = page.locator("h1").inner_text()
        page.click(".lang-switch a[hreflang=nl]")
        wait_until(page, f"{SHAPES} >= 565")
        dutch_heading = page.locator("h1").inner_text()
        assert french_heading != dutch_heading
        assert page.evaluate("document.documentElement.lang") == "nl"
        screenshot(page, "coverage_nl")
        assert not errors, errors
        assert all("127.0.0.1" not in url for url in blocked)


def test_coverage_filter_is_in_the_url_and_popups_open(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/map/coverage?lang=en")
        page.select_option("select[name=kind]", "civic_integration_office")
        page.click(".filters button[type=submit]")
        page.wait_for_url("**kind=civic_integration_office**")
        wait_until(page, f"{SHAPES} >= 565 && {MARKERS} > 0")
        page.evaluate("""() => { const m = document.querySelector('.leaflet-marker-icon'); m.click(); }""")
        page.wait_for_timeout(600)
        screenshot(page, "coverage_filtered_en")
        assert not errors, errors


@pytest.mark.parametrize("path,name", [("/map/employment?lang=nl", "employment_nl"), ("/map/gaps?lang=en", "gaps_en")])
def test_other_maps_initialise_with_a_legend(live_server, path, name):
    with offline_page() as (page, errors, _):
        open_map(page, live_server.url + path)
        wait_until(page, f"{SHAPES} > 0")
        assert page.locator(".legend").count() >= 1
        screenshot(page, name)
        assert not errors, errors


def test_commune_page_has_its_map_and_a_table(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/commune/62063?lang=fr")
        wait_until(page, f"{SHAPES} == 1")
        assert page.locator("table.kinds-table tbody tr").count() == len(KINDS)  # one row per kind
        screenshot(page, "commune_liege_fr")
        page.emulate_media(media="print")
        page.wait_for_timeout(300)
        screenshot(page, "commune_liege_print")
        assert not errors, errors


def test_hostile_name_shows_as_text_in_popups(app, live_server):
    from test_pages import EVIL, evil_catalogue

    with evil_catalogue(app) as target, offline_page() as (page, errors, _):
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        open_map(page, f"{live_server.url}/initiative/{target}?lang=en")
        wait_until(page, f"{MARKERS} > 0")
        assert page.locator("h1").inner_text() == EVIL
        page.locator(".leaflet-marker-icon").first.click()
        page.wait_for_selector(".leaflet-popup-content strong")
        assert page.locator(".leaflet-popup-content strong").inner_text() == EVIL
        screenshot(page, "hostile_name_popup")
        assert not dialogs and not errors, (dialogs, errors)
