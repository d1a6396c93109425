"""The maps in real headless Chromium, offline (loopback only): drawn from the shared geometry,
switched in place, popups and tooltips that fit, the keyboard's way past the map, the table tied
to the map, and a commune page's small map."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from browser import offline_page, screenshot
from browser_support import MARKERS, SHAPES, open_map, wait_until

from geo_service.catalogue.vocab import KINDS

DRAWN = "document.querySelector('.leaflet-container').dataset.atlasState === 'drawn'"
MAIN = "window.atlasMap.maps[0]"
# Brussels' shape clicked; the function returns nothing: Playwright took 13-15 s to serialise the
# Leaflet layer that ``fire`` returns (the map and every layer it reaches)
CLICK_BRUSSELS = f"() => {{ {MAIN}.shapes.communes['21004'].fire('click', {{latlng: L.latLng(50.85, 4.35)}}, true); }}"


def open_gaps_map(page, live_server, width: int) -> None:
    """The employment-services gaps map in French at ``width`` (a desktop or a phone), drawn."""
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    open_map(page, f"{live_server.url}/map/gaps?kind=public_employment_service&lang=fr")
    wait_until(page, f"{DRAWN} && {SHAPES} >= 565")


def assert_clear_of_legend(page, layer: str | None = None) -> None:
    """The legend over the map, left or right, hides no area of ``layer`` (the first layer by
    default) at the first view: the layer's west edge is right of a left legend, its east edge
    left of a right one."""
    edge, legend = page.evaluate(
        f"""([id]) => {{ const a = {MAIN}, r = a.container.getBoundingClientRect();
        const shapes = id ? a.shapes[id] : Object.values(a.shapes)[0];
        const b = L.featureGroup(Object.values(shapes)).getBounds();
        const box = document.querySelector('.map-legend').getBoundingClientRect();
        const left = document.querySelector('.map-legend').classList.contains('left');
        const x = a.map.latLngToContainerPoint([50.5, left ? b.getWest() : b.getEast()]).x + r.left;
        return [left ? x : -x, left ? box.right : -box.left]; }}""",
        [layer],
    )
    assert edge >= legend, (edge, legend)


def test_coverage_map_draws_every_commune_clusters_and_legend(live_server):
    with offline_page() as (page, errors, blocked):
        open_map(page, f"{live_server.url}/map/coverage?lang=fr")
        wait_until(page, f"{DRAWN} && {SHAPES} >= 565 && {MARKERS} > 0")
        assert page.evaluate(SHAPES) == 565
        assert page.evaluate("document.querySelectorAll('.marker-cluster').length") > 0
        assert page.locator(".map-legend .legend li").count() >= 2
        assert page.locator(".map-legend").is_visible()  # the fill legend is on the map, not in the side panel
        assert page.locator(".leaflet-control-layers").count() == 1
        screenshot(page, "coverage_fr")
        french_heading = page.locator("h1").inner_text()
        page.click(".lang-switch a[hreflang=nl]")
        wait_until(page, f"{DRAWN} && {SHAPES} >= 565")
        assert french_heading != page.locator("h1").inner_text()
        assert page.evaluate("document.documentElement.lang") == "nl"
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Inzoomen"
        scale = page.locator(".leaflet-control-scale").inner_text()
        assert "km" in scale or " m" in scale and "mi" not in scale and "ft" not in scale
        assert not errors, errors
        assert all("127.0.0.1" not in url for url in blocked)


def test_switching_the_view_in_place_updates_map_table_and_address(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/map/coverage?lang=en")
        wait_until(page, f"{DRAWN} && {MARKERS} > 0")
        before = page.evaluate(f"{MAIN}.shapes.communes['21004'].options.fillColor")
        page.evaluate("window.__samePage = true")  # survives only if nothing reloads the page
        page.select_option("form[data-atlas-switch] select[name=kind]", "civic_integration_office")
        page.wait_for_url("**kind=civic_integration_office**")
        wait_until(page, f"{DRAWN} && {MAIN}.view.query.kind === 'civic_integration_office'")
        assert page.evaluate("window.__samePage") is True
        assert "kind=civic_integration_office" in page.url and "lang=en" in page.url
        legend = page.locator(".map-legend").inner_text()
        assert "Initiatives" in legend
        # the table was redrawn from the new view: its value column matches the map's rows
        first = page.locator("table[data-atlas-table] tbody tr").first
        code = first.get_attribute("data-code")
        assert first.locator("td").last.text_content() == page.evaluate(
            f"{MAIN}.view.layers[0].rows['{code}'].cells.slice(-1)[0]"
        )
        # the language links keep the view
        assert "kind=civic_integration_office" in page.get_attribute(".lang-switch a[hreflang=fr]", "href")
        # back: the previous view, still without a reload
        page.go_back()
        wait_until(page, f"{DRAWN} && !{MAIN}.view.query.kind")
        assert page.evaluate(f"{MAIN}.shapes.communes['21004'].options.fillColor") == before
        assert page.evaluate("window.__samePage") is True
        # the clusters follow the view, and a site's popup opens
        page.evaluate("() => { document.querySelector('.leaflet-marker-icon').click(); }")
        page.wait_for_timeout(400)
        screenshot(page, "coverage_switched_en")
        assert not errors, errors


@pytest.mark.parametrize("width", [1280, 390])
def test_gaps_popup_and_tooltip_fit_the_map(live_server, width):
    with offline_page() as (page, errors, _):
        open_gaps_map(page, live_server, width)
        page.locator(".leaflet-container").scroll_into_view_if_needed()
        box = page.locator(".leaflet-container").bounding_box()
        if width > 500:  # the legend over the map's bottom left hides no commune at the first view
            assert_clear_of_legend(page, "communes")
        # hover a commune in the west and one in the east of the map, at their centres where no
        # marker covers them (the tooltip opens on the side with more room)
        points = page.evaluate(f"""() => {{ const a = {MAIN}, r = a.container.getBoundingClientRect();
            const at = (lo, hi) => {{ for (const path of Object.values(a.shapes.communes)) {{
                const p = a.map.latLngToContainerPoint(path.getCenter()), x = r.left + p.x, y = r.top + p.y;
                if (p.x > lo * r.width && p.x < hi * r.width && p.y > 0.3 * r.height && p.y < 0.7 * r.height
                    && document.elementFromPoint(x, y) === path.getElement()) return [x, y]; }} }};
            return [at(0.25, 0.45), at(0.6, 0.8)]; }}""")
        for x, y in points:
            page.mouse.move(x, y)
            page.mouse.move(x + 3, y + 2)
            page.wait_for_selector(".leaflet-tooltip.atlas-tip", timeout=5000)
            tip = page.locator(".leaflet-tooltip.atlas-tip").bounding_box()
            assert tip["width"] <= box["width"] * 0.5 + 2, (tip, box)
            assert tip["x"] >= box["x"] - 1 and tip["x"] + tip["width"] <= box["x"] + box["width"] + 1, (tip, box)
            text = page.locator(".leaflet-tooltip.atlas-tip").inner_text()
            assert "undefined" not in text and ("desservie" in text or "lacune" in text or "inconnu" in text)
        # a click opens the popup: name, status, explanation, the commune's page; nothing undefined
        page.mouse.click(*points[0])
        page.wait_for_selector(".leaflet-popup-content table.popup")
        popup = page.locator(".leaflet-popup-content")
        text = popup.inner_text()
        assert "undefined" not in text and "null" not in text
        assert popup.locator("th", has_text="Explication").count() == 1
        assert popup.locator("a[href*='/commune/']").count() == 1
        assert popup.locator("a[href*='/correct?commune=']").inner_text() == "Signaler une correction"
        assert "À la date du" in text or "desservie" not in text  # a served status says as of when
        assert page.locator(".leaflet-popup").bounding_box()["width"] <= box["width"] - 40  # narrower than the map
        screenshot(page, f"gaps_popup_{width}")
        assert not errors, errors


def test_keyboard_passes_the_map_in_few_tab_stops(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/map/gaps?lang=en")
        wait_until(page, f"{DRAWN} && {SHAPES} >= 565")
        # no commune shape takes the focus (no Tab stop per commune)
        focused = page.evaluate("""() => [...document.querySelectorAll('.leaflet-overlay-pane path')].slice(0, 50)
            .filter(p => { p.focus(); return document.activeElement === p; }).length""")
        assert focused == 0
        # the skip link comes right before the map and leads past it, to the table
        page.focus(".skip-map")
        assert page.locator(".skip-map").is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "after-map"
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('.view-table')")
        # without the skip link: from the link through the map, a handful of stops (map, zoom
        # buttons, layer control, suggested markers, attribution), never one per commune
        page.focus(".skip-map")
        stops = 0
        while stops < 40:
            page.keyboard.press("Tab")
            stops += 1
            if not page.evaluate("!!document.activeElement.closest('.map-wrap')"):
                break
        assert stops < 20, stops
        assert not errors, errors


def test_table_filters_and_sorts_and_the_map_follows(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/map/gaps?kind=social_welfare&lang=en")
        wait_until(page, f"{DRAWN} && {SHAPES} >= 565")
        page.locator(".view-table details summary").click()
        page.select_option("select[data-atlas-group]", "04000")  # Brussels-Capital Region
        shown = page.locator("table[data-atlas-table] tbody tr:not([hidden])")
        assert shown.count() == 19
        assert "19" in page.locator("[data-atlas-count]").inner_text()
        faded = page.evaluate(f"Object.keys({MAIN}.hidden).length")
        assert faded == 565 - 19
        assert page.evaluate(f"{MAIN}.shapes.communes['11002'].options.fillOpacity") < 0.2  # Antwerp faded
        page.fill("input[data-atlas-text]", "ixelles")
        assert shown.count() == 1 and "Ixelles" in shown.first.inner_text()
        page.fill("input[data-atlas-text]", "")
        page.select_option("select[data-atlas-group]", "")
        page.locator("table[data-atlas-table] thead th").first.locator("button").click()
        page.locator("table[data-atlas-table] thead th").first.locator("button").click()
        assert page.get_attribute("table[data-atlas-table] thead th >> nth=0", "aria-sort") == "descending"
        names = page.locator("table[data-atlas-table] tbody tr th").all_inner_texts()[:5]
        assert names == sorted(names, reverse=True, key=str.lower)
        assert page.evaluate(f"{MAIN}.hidden") is None
        assert not errors, errors


def test_home_map_click_opens_the_commune_page(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/?lang=nl")
        wait_until(page, f"{DRAWN} && {SHAPES} == 565")
        page.evaluate(CLICK_BRUSSELS)
        page.wait_for_url("**/commune/21004**")
        assert "lang=nl" in page.url
        assert not errors, errors


@pytest.mark.parametrize("path,name", [("/map/employment?lang=nl", "employment_nl"), ("/map/gaps?lang=en", "gaps_en")])
def test_other_maps_initialise_with_a_legend(live_server, path, name):
    with offline_page() as (page, errors, _):
        page.set_viewport_size({"width": 1280, "height": 900})
        open_map(page, live_server.url + path)
        wait_until(page, f"{DRAWN} && {SHAPES} > 0")
        assert page.locator(".legend").count() >= 1
        assert_clear_of_legend(page)
        screenshot(page, name)
        assert not errors, errors


def test_commune_page_has_its_map_and_a_table(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/commune/62063?lang=fr")
        wait_until(page, f"{SHAPES} == 1")
        # every kind once: a status with its reason, or (kinds not mapped as networks) the nearest site
        kinds = page.eval_on_selector_all(".status-item, .other-kinds li", "els => els.map(e => e.dataset.kind)")
        assert sorted(kinds) == sorted(KINDS)
        screenshot(page, "commune_liege_fr")
        page.emulate_media(media="print")
        page.wait_for_timeout(300)
        screenshot(page, "commune_liege_print")
        assert not errors, errors


@pytest.mark.parametrize("lang,label", [("nl", "Een correctie melden"), ("en", "Report a correction")])
def test_small_map_popups_link_to_the_correction_form(live_server, lang, label):
    """The commune page's small map: the commune's popup and a site's popup link to the
    correction form about them, in the page's language, as the big maps' popups do."""
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/commune/63001?lang={lang}")
        wait_until(page, f"{SHAPES} == 1 && {MARKERS} > 0")
        page.locator(".leaflet-marker-icon").first.click()
        page.wait_for_selector(".leaflet-popup-content table.popup")
        correct = page.locator(".leaflet-popup-content a[href*='/correct?site=']")
        assert correct.inner_text() == label
        assert correct.get_attribute("href").endswith(f"&lang={lang}")
        page.locator(".leaflet-popup-close-button").click()
        page.wait_for_selector(".leaflet-popup", state="detached")
        page.evaluate("""() => { const path = document.querySelector('.leaflet-overlay-pane path.leaflet-interactive');
            const box = path.getBoundingClientRect();  // a click on the commune, beside its site's marker
            path.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: box.x + box.width / 4,
                                                        clientY: box.y + box.height / 2})); }""")
        page.wait_for_selector(".leaflet-popup-content a[href*='/correct?commune=']")
        popup = page.locator(".leaflet-popup-content")
        assert (
            popup.locator("a[href*='/correct?commune=']").get_attribute("href") == f"/correct?commune=63001&lang={lang}"
        )
        assert popup.locator("a[href*='/correct?commune=']").inner_text() == label
        assert popup.locator("a[href^='/commune/63001']").count() == 1
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
        # the coverage map builds its site popups in the browser: the same name, as text
        open_map(page, f"{live_server.url}/map/coverage?lang=en")
        wait_until(page, f"{DRAWN} && {MARKERS} > 0")
        html = page.evaluate(
            f"""() => {{ const a = {MAIN}; return a.sitesDoc.then(doc => {{
                const i = doc.sites.findIndex(s => s[3] === {EVIL!r}); return i < 0 ? null : a.sitePopup(doc.sites[i], doc.lists); }}); }}"""
        )
        assert html is not None and "<script" not in html and "&lt;script&gt;" in html
        screenshot(page, "hostile_name_popup")
        assert not dialogs and not errors, (dialogs, errors)


STALE_PATHS = "document.querySelectorAll('.leaflet-overlay-pane path[fill=\"url(#atlas-stale)\"]').length"


def legend_count(page, key: str) -> int:
    import re

    text = page.locator(f".map-legend .count[data-status={key}]").inner_text()
    return int(re.search(r"\d+", text).group())


@pytest.mark.parametrize("width", [1280, 390])
def test_stale_statuses_are_hatched_and_the_legend_says_so_with_the_map(live_server, width):
    with offline_page() as (page, errors, _):
        open_gaps_map(page, live_server, width)
        stale = legend_count(page, "stale")
        assert stale > 0
        # one hatched shape per commune the legend counts, the same the table flags
        assert page.evaluate(STALE_PATHS) == stale
        assert page.locator("table[data-atlas-table] tbody tr[data-flags~=stale]").count() == stale
        row = page.locator(".map-legend .stale-row")
        assert row.is_visible() and "à confirmer" in row.inner_text()
        assert "décembre" in page.locator(".map-legend .stale-note").inner_text()  # the day, in French
        # the legend is with the map, not in the side panel's scroll area: over it at 1280 px,
        # right under it at 390 px
        legend = page.locator(".map-legend").bounding_box()
        box = page.locator(".leaflet-container").bounding_box()
        assert page.evaluate("!document.querySelector('.map-legend').closest('.map-side')")
        if width > 500:
            assert box["y"] <= legend["y"] and legend["y"] + legend["height"] <= box["y"] + box["height"] + 1
        else:
            assert 0 <= legend["y"] - (box["y"] + box["height"]) < 40
        # a hatched commune's tooltip says as of when and that it is to be confirmed
        point = page.evaluate(
            f"""() => {{ const a = {MAIN}, rows = a.view.layers[0].rows;
                const code = Object.keys(rows).find(c => (rows[c].flags || []).includes('stale')
                    && a.map.getBounds().contains(a.shapes.communes[c].getCenter()));
                const p = a.map.latLngToContainerPoint(a.shapes.communes[code].getCenter());
                const r = a.container.getBoundingClientRect(); return [r.x + p.x, r.y + p.y]; }}"""
        )
        page.mouse.move(point[0], point[1])
        page.mouse.move(point[0] + 1, point[1] + 1)
        page.wait_for_selector(".leaflet-tooltip.atlas-tip")
        tip = page.locator(".leaflet-tooltip.atlas-tip").inner_text()
        assert "À la date du" in tip and "à confirmer" in tip, tip
        if width > 500:
            screenshot(page, "gaps_stale_fr")
            # another kind, in place: the hatching follows its own stale statuses
            page.select_option("form[data-atlas-switch] select[name=kind]", "ngo_service")
            wait_until(page, f"{DRAWN} && {MAIN}.view.query.kind === 'ngo_service'")
            assert page.evaluate(STALE_PATHS) == legend_count(page, "stale") != stale
        assert not errors, errors


@contextmanager
def isolated_centre(app):
    """Serve, for the duration, a snapshot in which one reception centre has no support within
    reach (the data of this release has none: every centre has its commune's CPAS/OCMW)."""
    import dataclasses
    import threading

    holder = app.extensions["geo_service"]
    original = holder._snapshot
    centres = original.indicators.centres.copy()
    target = centres.index[0]
    for i, kind in enumerate(original.indicators.params["isolation_kinds"]):
        centres.loc[target, f"support_{kind}"] = 0
        centres.loc[target, f"support_km_{kind}"] = 20.0 + i
    centres.loc[target, ["support_kinds", "support_count", "isolated"]] = ["", 0, True]
    holder._snapshot = dataclasses.replace(
        original,
        indicators=dataclasses.replace(original.indicators, centres=centres),
        version=f"{original.version}-isolated",
        _memo={},
        _lock=threading.Lock(),
    )
    try:
        yield target
    finally:
        holder._snapshot = original


def test_an_isolated_centre_is_marked_and_its_popup_says_why(app, live_server):
    with isolated_centre(app) as target, offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/map/gaps?lang=en")
        wait_until(page, f"{DRAWN} && {MAIN}.markers.centres !== undefined")
        marker = page.locator(".leaflet-marker-icon.flag-isolated")
        assert marker.count() == 1
        assert "(1)" in page.locator(".map-legend [data-centres=isolated]").inner_text()
        centres = page.evaluate(f"Object.keys({MAIN}.markers.centres).length")
        assert centres == page.locator("table[data-atlas-points=centres] tbody tr").count() > 1
        # not a Tab stop: the table of centres is the keyboard's way to it, and highlights it
        assert marker.get_attribute("tabindex") in (None, "-1")
        page.locator(".points-table details summary").click()
        row = page.locator(f"table[data-atlas-points=centres] tr[data-code='{target}']")
        assert row.get_attribute("data-flags") == "isolated" and "isolated" in row.inner_text()
        row.locator("th a").focus()
        assert "is-highlighted" in marker.get_attribute("class")
        marker.dispatch_event("click")  # wherever it is on the map, even under the legend
        page.wait_for_selector(".leaflet-popup-content table.popup")
        popup = page.locator(".leaflet-popup-content")
        text = popup.inner_text()
        assert "none of the 5 kinds: isolated" in text and "none within 15 km; nearest 20.0" in text, text
        assert "undefined" not in text and "null" not in text
        assert popup.locator(f"a[href='/correct?site={target}&lang=en']").inner_text() == "Report a correction"
        assert popup.locator("a[href^='/initiative/']").count() == 1
        screenshot(page, "gaps_isolated_centre_en")
        # a commune's popup links to its correction form too
        page.locator(".leaflet-popup-close-button").click()
        page.evaluate(CLICK_BRUSSELS)
        page.wait_for_selector(".leaflet-popup-content a[href^='/correct?commune=21004']")
        assert not errors, errors


def test_home_map_speaks_of_pointing_to_a_mouse_and_of_tapping_to_a_touch_screen(live_server):
    from browser import _browser

    with offline_page() as (page, errors, _):
        page.goto(f"{live_server.url}/?lang=fr")
        assert page.locator(".intro .on-hover").is_visible() and not page.locator(".intro .on-touch").is_visible()
        assert "Pointez" in page.locator(".intro").inner_text()
        assert not errors, errors
    phone = _browser().new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        page.goto(f"{live_server.url}/?lang=fr")
        intro = page.locator(".intro").inner_text()
        assert "Touchez une commune" in intro and "Pointez" not in intro
    finally:
        phone.close()
