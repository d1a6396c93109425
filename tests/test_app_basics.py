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
    from geo_service.store import EXTENSION

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
    urls = re.findall(r'(?:src|href)="([^"]+\.(?:js|css)(?:\?v=[0-9a-f]+)?)"', html)
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


def test_static_files_are_gzipped_content_hashed_and_cached_for_good(client):
    import gzip
    import hashlib

    from geo_service.settings import PROJECT_ROOT

    html = client.get("/search?q=Na&lang=fr").get_data(as_text=True)
    own = dict(re.findall(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]+)"', html))
    assert {"site.css", "clusters.js", "icon.svg", "pages.css"} <= set(own), own
    assert "/static/" not in re.sub(r'"/static/[^"?]+\?v=[0-9a-f]{16}"', "", html), "every link names its hash"
    for name, digest in own.items():
        data = (PROJECT_ROOT / "static" / name).read_bytes()
        assert digest == hashlib.sha256(data).hexdigest()[:16], name
    data = (PROJECT_ROOT / "static" / "site.css").read_bytes()
    url = f"/static/site.css?v={own['site.css']}"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.data) == data and len(first.data) < len(data) / 3
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["Content-Type"] == "text/css; charset=utf-8" and "Accept-Encoding" in first.headers["Vary"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    plain = client.get(url)
    assert plain.data == data and "Content-Encoding" not in plain.headers
    for other in ("/static/site.css", "/static/site.css?v=0123456789abcdef"):  # not its own hash: revalidated
        response = client.get(other)
        assert response.headers["Cache-Control"] == "no-cache" and response.data == data
    assert client.get("/static/no-such-file.css").status_code == 404


def test_a_changed_static_file_gets_a_new_url(app, tmp_path, monkeypatch):
    from flask import url_for

    from geo_service.web import vendor

    monkeypatch.setattr(vendor, "STATIC", str(tmp_path))
    style = tmp_path / "style.css"
    style.write_text("body { color: black; }")
    with app.test_request_context():
        before = url_for("static", filename="style.css")
        style.write_text("body { color: #1d2a36; }")
        after = url_for("static", filename="style.css")
    assert before != after and after.startswith("/static/style.css?v=")
    client = app.test_client()
    fresh = client.get(after)
    assert fresh.data == b"body { color: #1d2a36; }" and fresh.headers["Cache-Control"].endswith("immutable")
    stale = client.get(before)  # an old page's link: the file as it is now, revalidated
    assert stale.data == b"body { color: #1d2a36; }" and stale.headers["Cache-Control"] == "no-cache"


def test_vendor_path_traversal_is_refused(client):
    assert client.get("/vendor/leaflet/../../../../etc/passwd").status_code == 404
    assert client.get("/vendor/nope/leaflet.js").status_code == 404
    assert client.get("/vendor/atlas/atlas-map.js").status_code == 404, "our own files are under /static/ only"


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
    from geo_service.web.context import current_snapshot
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
