"""Map pages, commune and initiative pages and search through Flask's test client."""

from __future__ import annotations

import dataclasses
import gzip
import re
import threading
from contextlib import contextmanager

import pytest

EVIL = "<script>alert('pwned')</script>Tea & talk"
GZIP = {"Accept-Encoding": "gzip"}


def html_of(response) -> str:
    data = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode("utf-8")


@contextmanager
def edited_catalogue(app, edit, tag: str):
    """Serve, for the duration, a snapshot whose catalogue is ``edit(catalogue)`` (a copy)."""
    holder = app.extensions["geo_service"]
    original = holder._snapshot
    holder._snapshot = dataclasses.replace(
        original,
        catalogue=edit(original.catalogue),
        version=f"{original.version}-{tag}",
        _memo={},
        _lock=threading.Lock(),
    )
    try:
        yield holder._snapshot
    finally:
        holder._snapshot = original


@contextmanager
def evil_catalogue(app):
    """Serve, for the duration, a snapshot whose first citizen initiative has a hostile name."""
    catalogue = app.extensions["geo_service"]._snapshot.catalogue
    target = catalogue.initiatives.index[catalogue.initiatives["kind"] == "citizen_initiative"][0]

    def edit(catalogue):
        initiatives = catalogue.initiatives.copy()
        initiatives.loc[target, "name"] = EVIL
        sites = catalogue.sites.copy()
        sites.loc[sites["initiative_id"] == target, "name"] = EVIL
        return dataclasses.replace(catalogue, initiatives=initiatives, sites=sites)

    with edited_catalogue(app, edit, "evil"):
        yield target


@pytest.mark.parametrize(
    "path", ["/map/coverage", "/map/employment", "/map/gaps", "/commune/21004", "/initiative/schola-ulb", "/"]
)
def test_pages_load_every_asset_from_the_app(client, path):
    response = client.get(path + "?lang=fr", headers={**GZIP, "Accept": "text/html"})
    assert response.status_code == 200
    html = html_of(response)
    urls = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200
    assert "cdn" not in html.lower() and "jquery" not in html.lower()


def test_coverage_page_is_small_compressed_cached_and_revalidated(client):
    first = client.get("/map/coverage?lang=en", headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    assert len(first.data) < 1_000_000
    html = html_of(first)
    assert html.count('"type": "Feature"') == 565 or html.count('"type":"Feature"') == 565
    again = client.get("/map/coverage?lang=en", headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    plain = client.get("/map/coverage?lang=en")
    assert "Content-Encoding" not in plain.headers and html_of(plain) == html


def test_filters_are_validated_and_unknown_parameters_dropped(client):
    bad = client.get("/map/coverage?kind=spaceship&lang=en")
    assert bad.status_code == 400
    assert b"spaceship" in bad.data and b"Traceback" not in bad.data
    assert client.get("/map/gaps?kind=teleport").status_code == 400
    moved = client.get("/map/coverage?kind=ngo_service&utm_source=x&theme=&lang=en")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith("/map/coverage?kind=ngo_service&lang=en")


def test_filtered_coverage_shows_only_that_kind(client):
    html = html_of(client.get("/map/coverage?kind=civic_integration_office&lang=en"))
    kinds = set(
        re.findall(
            r'"(citizen_initiative|ngo_service|civic_integration_office|public_employment_service|'
            r'social_welfare|reception_centre|education_training|coordination_body)", "',
            html,
        )
    )
    assert kinds == {"civic_integration_office"}
    assert 'value="civic_integration_office" selected' in html


@pytest.mark.slow
def test_interface_text_follows_the_language(client):
    assert "Dekking: waar ondersteuning bestaat" in html_of(client.get("/map/coverage?lang=nl"))
    assert "Couverture : où le soutien existe" in html_of(client.get("/map/coverage?lang=fr"))
    assert "Coverage: where support exists" in html_of(client.get("/map/coverage?lang=en"))
    assert "Écarts d'emploi" in html_of(client.get("/map/employment?lang=fr"))
    assert "Hiaten in de ondersteuning" in html_of(client.get("/map/gaps?lang=nl"))


def test_commune_page_names_in_the_page_language(client):
    fr = html_of(client.get("/commune/11002?lang=fr"))
    nl = html_of(client.get("/commune/11002?lang=nl"))
    assert "<h1>Anvers</h1>" in fr and "<h1>Antwerpen</h1>" in nl
    assert "Inwoners (1 januari 2025)" in nl
    german = html_of(client.get("/commune/63067?lang=fr"))
    assert "Saint-Vith (Sankt Vith)" in german


def test_unknown_or_old_commune_codes(client):
    missing = client.get("/commune/99999?lang=en")
    assert missing.status_code == 404 and b"99999" in missing.data and b"Traceback" not in missing.data
    crosswalk = client.application.extensions["geo_service.base"].boundaries.crosswalk
    merged = crosswalk[crosswalk["old_nis"] != crosswalk["nis_2025"]].iloc[0]
    moved = client.get(f"/commune/{merged['old_nis']}?lang=en")
    assert moved.status_code == 301
    assert moved.headers["Location"].startswith(f"/commune/{merged['nis_2025']}")


def test_search_finds_communes_in_any_language(client):
    for name, nis in (("Anvers", "11002"), ("Antwerp", "11002"), ("Sankt Vith", "63067"), ("liege", "62063")):
        response = client.get(f"/search?q={name}&lang=fr")
        assert response.status_code == 303, name
        assert response.headers["Location"].startswith(f"/commune/{nis}")
    listing = html_of(client.get("/search?q=bruxelles&all=1&lang=fr"))
    assert "/commune/21004" in listing
    assert client.get("/search?q=" + "x" * 201).status_code == 400
    empty = html_of(client.get("/search?q=zzqqxx&lang=en"))
    assert "No commune matches" in empty


def test_initiative_page_lists_sites_and_sources(client):
    app = client.application
    catalogue = app.extensions["geo_service"].snapshot().catalogue
    initiative_id = catalogue.initiatives.index[0]
    html = html_of(client.get(f"/initiative/{initiative_id}?lang=en"))
    assert catalogue.initiatives.loc[initiative_id, "name"].replace("'", "&#39;") in html
    for site_id in catalogue.sites_of(initiative_id).index:
        assert catalogue.sites.loc[site_id, "nis"] in html
    assert client.get("/initiative/no-such-thing").status_code == 404


@pytest.mark.slow
def test_hostile_names_are_escaped_on_every_page(app):
    client = app.test_client()
    with evil_catalogue(app) as target:
        pages = [
            f"/initiative/{target}?lang=en",
            "/map/coverage?kind=citizen_initiative&lang=en",
            "/search?q=talk&lang=en",
        ]
        for path in pages:
            html = html_of(client.get(path))
            assert "<script>alert('pwned')" not in html, path
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;Tea &amp; talk" in html_of(client.get(pages[0]))


def test_commune_page_shows_the_indicators_figures(app, client):
    indicators = app.extensions["geo_service"].snapshot().indicators
    if indicators is None:
        pytest.fail("the indicators are not computed: the commune page would have nothing to show")
    row = indicators.communes.loc["62063"]
    html = html_of(client.get("/commune/62063?lang=en"))
    assert f"{int(row['foreign_residents']):,}".replace(",", " ") in html
    assert f"({int(row['nationality_year'])})" in html
    reason = row["status_reason_civic_integration_office"]  # English page: the same sentence
    assert str(reason).replace("'", "&#39;") in html
    assert f"{row['nearest_km_civic_integration_office']:.1f} km" in html


def test_gaps_map_offers_only_the_kinds_assessed_for_deserts(app, client):
    params = app.extensions["geo_service"].snapshot().indicators.params
    assessed = set(params["desert_kinds"])
    html = html_of(client.get("/map/gaps?lang=en"))
    offered = set(re.findall(r'<option value="([a-z_]+)"', html))
    assert offered == assessed
    other = next(k for k in ("coordination_body", "education_training") if k not in assessed)
    assert client.get(f"/map/gaps?kind={other}&lang=en").status_code == 400


def test_cached_pages_vary_by_language_and_encoding(client):
    response = client.get("/map/employment?lang=nl", headers=GZIP)
    assert {"Accept-Encoding", "Accept-Language", "Cookie"} <= {v.strip() for v in response.headers["Vary"].split(",")}
    html = html_of(response)
    assert 'hreflang="fr"' in html and "lang=fr" in html
