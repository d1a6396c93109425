"""The portal as a reader sees it, in headless Chromium: commune maps zoomed to the commune,
employment charts with their tables, legends that count what is shown, coloured clusters."""

from __future__ import annotations

import re

import pytest
from browser import offline_page, screenshot
from browser_support import SHAPES, open_map, wait_until

MAP = "window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))]"


@pytest.mark.parametrize("nis,name", [("21012", "molenbeek"), ("73028", "herstappe")])
def test_commune_map_is_zoomed_to_the_commune(live_server, nis, name):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/commune/{nis}?lang=fr")
        wait_until(page, f"{SHAPES} >= 1")
        page.wait_for_timeout(800)  # any zoom animation has ended
        zoom = page.evaluate(f"{MAP}.getZoom()")
        # the commune's outline fills most of the view: its box is inside the view and covers
        # over a quarter of the view's width or height (at zoom 7 Molenbeek was a few pixels)
        box = page.evaluate("""() => { const r = document.querySelector('.leaflet-overlay-pane path.leaflet-interactive')
                               .getBoundingClientRect(); const m = document.querySelector('.leaflet-container').getBoundingClientRect();
                               return {w: r.width / m.width, h: r.height / m.height,
                                       inside: r.left >= m.left - 2 && r.right <= m.right + 2 && r.top >= m.top - 2 && r.bottom <= m.bottom + 2}; }""")
        screenshot(page, f"commune_{name}_fr")
        assert zoom >= 11, zoom
        assert box["inside"] and max(box["w"], box["h"]) > 0.25, box
        assert not errors, errors


def test_employment_charts_with_tables_and_legend_counting_shown_layers(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/map/employment?lang=nl")
        wait_until(page, f"{SHAPES} > 0")
        charts = page.locator("figure.chart-figure svg[role=img]")
        assert charts.count() >= 2
        assert page.locator("figure.chart-figure svg title").first.text_content().strip() != ""
        bars = page.locator("#chart-employment-figure svg rect").count()
        shown = page.evaluate(SHAPES)
        rows = page.locator("#chart-employment-figure details table tbody tr").count()
        assert rows == shown  # one table row per province drawn, and one pair of bars per row
        assert bars >= 2 * rows
        counts = page.locator(".legend li[data-counts] .count").all_inner_texts()

        def total(texts):
            return sum(int("".join(ch for ch in t if ch.isdigit())) for t in texts)

        assert total(counts) == shown  # only the provinces layer is shown at first
        page.locator(".leaflet-control-layers-overlays input").nth(1).check()
        page.wait_for_timeout(300)
        after = page.locator(".legend li[data-counts] .count").all_inner_texts()
        assert total(after) == shown + 3  # the three regions of the second series added
        page.locator(".leaflet-control-layers-overlays input").nth(1).uncheck()
        # every province's popup has no empty row, at least five rows and its source's link (the
        # popup's own content function, as Leaflet calls it on a click, run for each province)
        contents = page.evaluate(f"""() => {{ const out = []; {MAP}.eachLayer(group => {{
            const popup = group.getLayers && group.getPopup && group.getPopup();
            if (!popup || typeof popup._content !== 'function') return;
            group.getLayers().filter(l => l.feature && l.feature.geometry.type !== 'Point').forEach(l => {{
              const d = document.createElement('div'); d.innerHTML = popup._content(l);
              const cells = [...d.querySelectorAll('td')].map(td => td.textContent.trim());
              out.push({{rows: cells.length, empty: cells.filter(x => !x).length,
                        link: !!d.querySelector('a[href^="https://"]')}}); }}); }}); return out; }}""")
        assert len(contents) == shown
        assert all(c["empty"] == 0 and c["rows"] >= 5 and c["link"] for c in contents), contents
        for index in sorted({0, shown // 2, shown - 1}):  # opened by a click: west, centre and east
            page.evaluate(
                f"document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')[{index}]"
                ".dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 700, clientY: 400}))"
            )
            page.wait_for_selector(".leaflet-popup-content table.popup")
            page.wait_for_timeout(350)  # auto-pan
            overlaps = page.evaluate("""() => { const p = document.querySelector('.leaflet-popup').getBoundingClientRect();
                return [...document.querySelectorAll('.leaflet-control')].filter(c => { const r = c.getBoundingClientRect();
                    return r.width && !(r.right <= p.left || r.left >= p.right || r.bottom <= p.top || r.top >= p.bottom); }).length; }""")
            assert overlaps == 0, index
            page.evaluate(f"() => {{ {MAP}.closePopup(); }}")  # returns nothing: a map does not serialise
        screenshot(page, "employment_charts_nl")
        assert not errors, errors


def test_coverage_clusters_are_coloured_by_kind(live_server):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/map/coverage?lang=en")
        wait_until(page, "document.querySelectorAll('.kind-cluster .kind-ring').length > 0")
        styles = page.evaluate(
            "[...document.querySelectorAll('.kind-cluster .kind-ring')].map(e => e.getAttribute('style'))"
        )
        assert all("conic-gradient(" in s for s in styles)
        legend = page.evaluate("""[...document.querySelectorAll('.legend.kinds .site-marker')]
                                  .map(e => getComputedStyle(e).backgroundColor)""")
        # every colour used in a ring is a colour of the "Kinds of site" legend
        ring_colours = page.evaluate(r"""(() => { const d = document.createElement('div'); document.body.appendChild(d);
            const out = new Set(); document.querySelectorAll('.kind-cluster .kind-ring').forEach(e => {
              (e.getAttribute('style').match(/#[0-9a-f]{6}|rgba?\([^)]*\)/g) || []).forEach(c => { d.style.color = c; out.add(getComputedStyle(d).color); }); });
            d.remove(); return [...out]; })()""")
        assert ring_colours and set(ring_colours) <= set(legend), (ring_colours, legend)
        assert page.locator(".marker-cluster-small, .marker-cluster-medium, .marker-cluster-large").count() == 0
        assert not errors, errors


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_header_fits_one_line_at_1280_and_names_the_service(live_server, lang):
    with offline_page() as (page, errors, _):
        page.goto(f"{live_server.url}/map/gaps?lang={lang}", wait_until="load")
        tops = page.evaluate("""[...document.querySelectorAll('.site-header .brand, .main-nav a, .search, .lang-switch a')]
                                .map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2))""")
        assert max(tops) - min(tops) <= 4, tops  # every item on the same line
        assert page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height") < 60
        brand = page.locator(".brand").inner_text().strip()
        assert brand and brand != "geo_service"
        assert page.title().endswith(brand)
        icon = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert page.request.get(icon).status == 200
        assert not errors, errors


# Words of English UI text that never occur in French or Dutch UI text ("of", "is", "source"
# and "per" are left out: Dutch or French words too).
ENGLISH = [
    "the",
    "nearest",
    "available",
    "without",
    "which",
    "these",
    "those",
    "there",
    "where",
    "would",
    "should",
    "shown",
    "missing",
    "because",
    "between",
    "within",
    "none",
    "click",
    "layer",
    "areas",
    "loaded",
    "unknown",
    "and",
    "with",
    "from",
    "this",
    "see",
    "inhabitants",
    "residents",
    "people",
]
ENGLISH_RE = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b", re.I)
PAGES = [
    "/",
    "/map/coverage",
    "/map/employment",
    "/map/gaps",
    "/commune/21012",
    "/commune/73028",
    "/commune/62063",
    "/initiative/civic-platform-for-refugees",
    "/initiative/duo-for-a-job",
    "/initiative/fedasil",
    "/search?q=Li%C3%A8ge",
    "/search?q=1348",
    "/search?q=Jumet",
    "/search?q=St-Gillis&all=1",
    "/nominate",
    "/moderation/login",
    "/ogc?f=html",
    "/collections?f=html",
    "/collections/communes?f=html",
    "/collections/communes/items?f=html",
    "/collections/communes/items/21012?f=html",
    "/collections/sites/items?f=html",
    "/no-such-page",
]
# Visible text and the attributes read aloud, leaving out scripts, code, the map tiles' licence
# notice (Leaflet/OpenStreetMap attribution, kept as the licence asks), text marked with another
# language (lang="...") and citations: verbatim quotes (<q>, <blockquote>) and the publishers and
# notes of sources (.source, .sources), which stay in the language of the document cited.
SCAN = """() => {
  const skip = 'script, style, code, .leaflet-control-attribution, [lang]:not(html), q, blockquote, .source, .sources';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement, text = walker.currentNode.textContent.replace(/\\s+/g, ' ').trim();
    if (text && el && !el.closest(skip)) out.push(text);
  }
  document.querySelectorAll('[aria-label], [title], [alt], [placeholder]').forEach(el => {
    if (!el.closest(skip)) ['aria-label', 'title', 'alt', 'placeholder'].forEach(a => { if (el.getAttribute(a)) out.push(el.getAttribute(a)); });
  });
  return out;
}"""


def catalogue_texts(app) -> list[str]:
    """Data values, not interface text: names and descriptions of initiatives, sites, service
    areas and networks as their sources give them (often English only). They are removed from
    the scanned text before looking for English words."""
    from geo_service.web.context import current_snapshot

    with app.test_request_context():
        snap = current_snapshot()
    cat, texts = snap.catalogue, set()
    for frame, columns in (
        (cat.initiatives, ("name", "description", "operator")),
        (cat.sites, ("name",)),
        (cat.service_areas, ("name",)),
        (getattr(snap.indicators, "networks", None), ("name",)),
    ):
        if frame is None:
            continue
        for column in columns:
            if column in frame:
                texts |= {" ".join(str(v).split()) for v in frame[column].dropna() if str(v).strip()}
    return sorted(texts, key=len, reverse=True)


# no map of atlas-map.js on the page (set "loading" while the page is parsed), or its script done:
# drawn, or failed and said so
MAP_SETTLED = (
    "[...document.querySelectorAll('[data-atlas-state]')].every(m => /drawn|failed/.test(m.dataset.atlasState))"
)

# Pages that show the catalogue in the page's language (names, descriptions, site names and notes,
# operators: data/catalogue/*.yaml): their catalogue text is scanned like the interface's.
TRANSLATED_DATA = ("/commune/", "/initiative/", "/search")


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_no_english_left_on_french_and_dutch_pages(app, live_server, lang):
    data = catalogue_texts(app)
    found = []
    with offline_page() as (page, errors, _):
        for path in PAGES:
            page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang={lang}", wait_until="load")
            # a map page's script writes its texts (table tools, counts) until the map is drawn
            wait_until(page, MAP_SETTLED)
            for text in page.evaluate(SCAN):
                for value in data if not path.startswith(TRANSLATED_DATA) else ():
                    if value in text:
                        text = text.replace(value, "")
                match = ENGLISH_RE.search(text)
                if match:
                    found.append(f"{path}: {match.group(0)!r} in {text[:120]!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "path", ["/map/coverage?lang=nl", "/map/employment?lang=fr", "/map/gaps?lang=en", "/commune/21012?lang=fr"]
)
def test_phone_viewport_keeps_navigation_map_and_side_panel_usable(live_server, path):
    with offline_page() as (page, errors, _):
        page.set_viewport_size({"width": 390, "height": 844})
        open_map(page, live_server.url + path)
        wait_until(page, f"{SHAPES} > 0")
        layout = page.evaluate("""() => {
            const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, h: r.height}; };
            return {scroll: document.documentElement.scrollWidth, nav: [...document.querySelectorAll('.main-nav a, .lang-switch a, .search input[type=search], .search button')].map(box),
                    map: box(document.querySelector('.leaflet-container')), side: document.querySelector('.map-side') ? box(document.querySelector('.map-side')) : null,
                    controls: [...document.querySelectorAll('.leaflet-control')].map(box)}; }""")
        screenshot(page, "phone_" + path.strip("/").replace("/", "_").replace("?lang=", "_"))
        assert layout["scroll"] <= 390, "the page scrolls sideways"
        for item in layout["nav"]:  # every link and the search box are on screen, none squashed
            assert item["l"] >= 0 and item["r"] <= 390 and item["w"] >= 20, item
        m = layout["map"]
        assert m["w"] >= 300 and m["h"] >= 300, m
        assert m["t"] < 844 or not path.startswith("/map/"), m  # a map page opens on its map
        for c in layout["controls"]:  # controls stay inside the map
            assert c["l"] >= m["l"] - 1 and c["r"] <= m["r"] + 1, c
        if layout["side"]:
            assert layout["side"]["w"] >= 300 and layout["side"]["t"] >= m["b"] - 1  # legend and filters below the map
        assert not errors, errors


def test_api_pages_for_people(client):
    item = client.get("/collections/communes/items/21012?f=html&lang=fr").get_data(as_text=True)
    share = client.get("/collections/communes/items/21012?f=json").get_json()["properties"]["foreign_share"]
    assert "Part des habitants non belges" in item and f"{100 * share:.1f} %" in item  # titled, rounded, unit
    assert repr(share) not in item  # no raw 0.2833347...
    assert "folium-map" in item and "L.geoJson" in item  # a small map of the feature
    items = client.get("/collections/communes/items?f=html&lang=nl&limit=5").get_data(as_text=True)
    assert items.count('<th scope="col"') <= 7  # a table that fits the screen
    landing = client.get("/ogc?f=html&lang=fr").get_data(as_text=True)
    hrefs = re.findall(r'<li><a href="([^"]+)"', landing)
    assert hrefs and len(hrefs) == len(set(hrefs))  # each link once
    schema = client.get("/collections/communes/queryables?f=json").get_json()["properties"]
    assert schema["nis"]["title"] == "NIS code" and schema["name_fr"]["title"] == "Name in French"
    assert all(p.get("title") and p["title"] != name for name, p in schema.items())


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_commune_page_on_a_phone_answers_first_without_sideways_scrolling(live_server, lang):
    """The municipal officer's question on a 390 px phone: the status of each kind, with its
    reason, comes first and fits the width (it was a sideways-scrolling table of 450 px rows on a
    6,850 px page)."""
    with offline_page() as (page, errors, _):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_server.url}/commune/21012?lang={lang}", wait_until="load")
        layout = page.evaluate("""() => {
            const box = e => { const r = e.getBoundingClientRect(); return {t: r.top + scrollY, b: r.bottom + scrollY, l: r.left, r: r.right, h: r.height}; };
            return {scroll: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
                    summary: box(document.querySelector('.answer-summary')), people: box(document.querySelector('#people')),
                    items: [...document.querySelectorAll('.status-item')].map(box),
                    reasons: [...document.querySelectorAll('.status-item .reason')].map(e => e.textContent.trim()),
                    widest: Math.max(...[...document.querySelectorAll('main *')].filter(e => !e.closest('.leaflet-container'))
                                          .map(e => e.getBoundingClientRect().right))}; }""")
        screenshot(page, f"phone_commune_21012_{lang}")
        assert layout["scroll"] <= 390 and layout["widest"] <= 391, "the page scrolls sideways"
        assert layout["summary"]["b"] <= 844, layout["summary"]  # the status summary on the first screen
        assert layout["items"] and layout["items"][0]["t"] < 844
        assert all(item["b"] < layout["people"]["t"] for item in layout["items"])  # statuses before population
        assert all(r and len(r) > 20 for r in layout["reasons"]) and len(layout["reasons"]) == len(layout["items"])
        assert all(item["l"] >= 0 and item["r"] <= 390 and item["h"] < 300 for item in layout["items"]), layout["items"]
        assert layout["height"] < 5000, layout["height"]
        assert not errors, errors
