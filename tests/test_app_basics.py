"""The app factory, health check, home page and self-hosted assets."""

from __future__ import annotations

import re

import pytest

# What a browser sends: "/" answers the map page only to clients that prefer HTML.
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["failed"] == []
    assert body["layers"]["communes"] == 565 and body["checks"]["data"]["layers"]["provinces"] == 11
    assert body["checks"]["data"]["catalogue"]["initiatives"] > 0
    assert body["checks"]["database"]["revision"].startswith("nominations:")
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_naming_the_database_when_it_is_down(app, client, monkeypatch):
    from geo_service.nominations import EXTENSION

    def unreachable():
        raise ConnectionError("connection refused")

    monkeypatch.setattr(app.extensions[EXTENSION], "revision", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["failed"] == ["database"]
    assert "connection refused" in body["checks"]["database"]["error"]
    assert body["checks"]["data"]["status"] == "ok"
    # the maps and the API keep serving the data in hand while the database is away
    app.extensions["geo_service"]._checked = 0.0  # force the next request to check for new data
    assert client.get("/collections/communes?f=json").status_code == 200


def test_home_serves_every_asset_locally(client):
    response = client.get("/?lang=en", headers=BROWSER)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert urls, "the page loads scripts and styles"
    for url in urls:
        assert url.startswith("/"), f"{url} is not served by the app"
        assert client.get(url).status_code == 200
    assert "cdn" not in html.lower()


def test_home_tooltip_names_follow_the_language(client):
    fr = client.get("/?lang=fr", headers=BROWSER).get_data(as_text=True)
    nl = client.get("/?lang=nl", headers=BROWSER).get_data(as_text=True)
    assert "Anvers" in fr and "Anvers" not in nl
    assert "Antwerpen" in nl


def test_unknown_page_is_404_without_traceback(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Traceback" not in response.data


def test_vendor_path_traversal_is_refused(client):
    assert client.get("/vendor/leaflet/../../../../etc/passwd").status_code == 404
    assert client.get("/vendor/nope/leaflet.js").status_code == 404


def test_warm_start_reuses_the_cache(settings):
    """A second build with the same inputs loads the pickled layers instead of rebuilding."""
    from geo_service.cache import cache_key
    from geo_service.state import BASE_INPUTS, build_base_layers

    build_base_layers(settings)
    cached = list((settings.cache_dir / "derived").glob(f"base_layers-{cache_key(BASE_INPUTS)}.pkl"))
    assert len(cached) == 1


def test_interface_text_follows_the_language(client):
    assert "Ondersteuning voor migranten" in client.get("/?lang=nl", headers=BROWSER).get_data(as_text=True)
    assert "Le soutien aux personnes migrantes" in client.get("/?lang=fr", headers=BROWSER).get_data(as_text=True)
    fr_browser = client.get("/", headers={**BROWSER, "Accept-Language": "fr-BE,fr;q=0.9"}).get_data(as_text=True)
    assert "Le soutien aux personnes migrantes" in fr_browser


@pytest.mark.slow
def test_warm_up_fills_the_page_cache_for_every_way_of_asking(app, client):
    """After the warm-up a page is served from the cache, whether the language comes from the
    URL or from the browser: the cached bytes are the very same object."""
    from geo_service.app import current_snapshot
    from geo_service.web.warmup import warm_up, warm_urls

    urls = warm_urls(app, pages=("/map/employment",), languages=("fr", "nl"))
    assert urls[:2] == ["/map/employment?lang=fr", "/map/employment?lang=nl"]
    assert {"/downloads/communes.gpkg", "/downloads/sites.csv", "/downloads/service-areas.geojson"} <= set(urls)
    assert "/map/gaps?kind=ngo_service&lang=fr" in warm_urls(app, languages=("fr",))
    timings = warm_up(app, urls[:2])
    assert set(timings) == set(urls[:2])
    with app.test_request_context():
        cache = current_snapshot()._memo.get(("pages.cache", "map.employment"))
    assert cache is not None, "the employment page cache exists after the warm-up"
    cached = {key[2] for key in cache._items if key[0].endswith("employment")}
    assert {"fr", "nl"} <= cached
    by_url = client.get("/map/employment?lang=nl")
    by_browser = client.get("/map/employment", headers={"Accept-Language": "nl-BE,nl;q=0.9"})
    assert by_url.status_code == by_browser.status_code == 200
    assert by_url.headers["ETag"] == by_browser.headers["ETag"]


def test_every_page_the_warm_up_builds_stays_in_its_cache(app):
    """Each family of cached pages holds at least the pages the warm-up builds for it: a smaller
    cache would evict the first ones (the gaps map without a kind once was, so every new worker
    rendered it again for its first visitor)."""
    from collections import Counter
    from urllib.parse import urlsplit

    from geo_service.web.warmup import warm_urls

    adapter = app.url_map.bind("localhost")
    built = Counter()
    sizes = {}
    for url in warm_urls(app):
        endpoint, _ = adapter.match(urlsplit(url).path)
        family = getattr(app.view_functions[endpoint], "page_cache", None)
        if family is not None:
            built[family[0]] += 1
            sizes[family[0]] = family[1]
    assert built["map.gaps"] > 12, "the warm-up builds the gaps map for each kind in each language"
    assert {kind: built[kind] for kind in built if built[kind] > sizes[kind]} == {}


@pytest.mark.slow
def test_after_the_warm_up_no_page_compiles_a_template(fresh_app, monkeypatch):
    """The warm-up compiles every template (in the gunicorn master, before the fork), so the first
    commune or initiative page a new worker serves does not spend a quarter of a second on it."""
    from geo_service.web.warmup import warm_up, warm_urls

    urls = warm_urls(fresh_app, pages=(), languages=("nl",), collections=False)
    assert [u.split("/")[1] for u in urls] == ["commune", "initiative"]
    warm_up(fresh_app, urls)
    compiled = []
    environment = fresh_app.jinja_env
    monkeypatch.setattr(
        environment, "compile", lambda *a, **k: compiled.append(a) or type(environment).compile(environment, *a, **k)
    )
    client = fresh_app.test_client()
    for path in ("/commune/73028?lang=fr", "/initiative/civic-platform-for-refugees?lang=en", "/nominate?lang=fr"):
        assert client.get(path).status_code == 200, path
    assert compiled == []


@pytest.mark.slow
def test_new_data_are_warmed_in_the_background(fresh_app):
    """When published data change, the new snapshot's pages are rebuilt by a background thread,
    without any request asking for them."""
    import time

    from geo_service.web.warmup import rewarm_on_new_data

    holder = fresh_app.extensions["geo_service"]
    rewarm_on_new_data(fresh_app, urls=["/map/employment?lang=nl"])
    listener = holder.listeners[-1]
    try:
        new = holder.refresh(force=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            cache = new._memo.get(("pages.cache", "map.employment"))
            if cache is not None and any(key[2] == "nl" for key in cache._items):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the new snapshot's employment map was not built in the background")
    finally:
        holder.listeners.remove(listener)
