"""Map pages, commune and initiative pages and search through Flask's test client."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import threading
from contextlib import contextmanager

import pandas as pd
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
        mask = sites["initiative_id"] == target
        sites.loc[mask, "name"] = EVIL
        sites.loc[mask, "names"] = pd.Series(
            [dict.fromkeys(("fr", "nl", "en", "de"), EVIL)] * mask.sum(), index=sites.index[mask]
        )
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
    # no geometry in the page (one shared TopoJSON), the 565 communes as rows of its table
    assert '"type": "Feature"' not in html and html.count("<tr data-code=") == 565
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
    view = json.loads(re.search(r'<script type="application/json" id="atlas-view">(.*?)</script>', html, re.S).group(1))
    sites = client.get(re.search(r'"sitesUrl": "([^"]+)"', html).group(1)).get_json()["sites"]
    kinds = {sites[i][2] for i in view["sites"]}  # the sites this view shows, by position
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
    assert f"{int(row['foreign_residents']):,}" in html
    assert f"({int(row['nationality_year'])})" in html
    reason = row["status_reason_civic_integration_office"]  # English page: the same sentence
    assert str(reason).replace("'", "&#39;") in html


# Numbers as each language writes them: grouping (narrow no-break space in French, full stop in
# Dutch, comma in English), decimal comma in French and Dutch, the percent sign's spacing.
NUMBER_FORMS = {
    "fr": {"thousands": "\u202f", "decimal": ",", "percent": "\u00a0%"},
    "nl": {"thousands": ".", "decimal": ",", "percent": "\u00a0%"},
    "en": {"thousands": ",", "decimal": ".", "percent": "%"},
}


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_commune_page_writes_numbers_in_the_page_language(app, client, lang):
    from geo_service import formatting

    row = app.extensions["geo_service"].snapshot().indicators.communes.loc["62063"]
    html = html_of(client.get(f"/commune/62063?lang={lang}"))
    forms = NUMBER_FORMS[lang]
    foreign = int(row["foreign_residents"])  # 36910
    assert f"{foreign // 1000}{forms['thousands']}{foreign % 1000:03d}" in html
    share = row["foreign_share"] * 100
    assert f"{share:.1f}".replace(".", forms["decimal"]) + forms["percent"] in html
    assert formatting.percent(share, lang) in html
    per_10k = f"{row['initiatives_per_10k']:.2f}"
    assert per_10k.replace(".", forms["decimal"]) in html
    if lang != "en":  # no English-style decimal left in the figures
        assert f"{share:.1f} %" not in html and f">{per_10k}<" not in html


def test_commune_page_gives_the_answer_first(client):
    html = html_of(client.get("/commune/62063?lang=fr"))
    answer, population = html.index('id="answer"'), html.index('id="people"')
    assert answer < population  # the statuses before the population and coverage figures
    items = re.findall(r'<li class="status-item status-(\w+)" data-kind="(\w+)" data-status="(\w+)">', html)
    assert {kind for _s, kind, _d in items} >= {
        "civic_integration_office",
        "social_welfare",
        "public_employment_service",
    }
    assert "reception_centre" not in {kind for _s, kind, _d in items}  # no commune is judged for reception
    assert all(s == d for s, _k, d in items)
    section = html[answer:population]
    assert section.count('class="reason"') == len(items)  # each status with its reason
    assert "<table" not in section  # no wide table on a phone


def test_commune_page_names_sites_in_the_page_language(client):
    nl = html_of(client.get("/commune/62063?lang=nl"))
    answer = nl[nl.index('id="answer"') : nl.index('id="people"')]
    assert ", Luik" in answer and ", Liège)" not in answer  # exonyms on Dutch pages
    assert "OCMW (openbaar centrum voor maatschappelijk welzijn) – Luik" in answer
    fr = html_of(client.get("/commune/62063?lang=fr"))
    for text in (fr, html_of(client.get("/initiative/cpas-ocmw?lang=fr"))):
        text = re.sub(r"<q[^>]*>.*?</q>", "", text)  # a seed's quote stays in its own language
        assert "CPAS (centre public d&#39;action sociale)" in text
        assert "public centres for social welfare" not in text and "public social welfare centre" not in text


def test_initiative_page_in_the_page_language(client):
    fr = html_of(client.get("/initiative/duo-for-a-job?lang=fr"))
    nl = html_of(client.get("/initiative/duo-for-a-job?lang=nl"))
    en = html_of(client.get("/initiative/duo-for-a-job?lang=en"))
    assert "Programme de mentorat" in fr and "Mentoring scheme" not in fr
    assert "Mentorproject" in nl and "Mentoring scheme" not in nl
    assert "Mentoring scheme" in en
    assert "environ 770 duos formés" in fr and "about 770 duos formed" not in fr  # figure notes
    assert "Bénévoles" in fr and "Duos" in fr  # figure names
    assert "2\u202f300" in fr and "2.300" in nl and "2,300" in en  # figure values
    areas = html_of(client.get("/initiative/actiris?lang=nl"))
    assert "Bevoegdheidsgebied van Actiris" in areas and "mandate area" not in areas
    assert "Lokaal kantoor van Actiris – Sint-Jans-Molenbeek" in areas  # site names with exonyms


SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


def test_sources_show_title_publisher_and_year_never_a_file_name(app, client):
    catalogue = app.extensions["geo_service"].snapshot().catalogue
    seeded = [iid for iid, sources in catalogue.initiatives["sources"].items() if any(s.get("seed") for s in sources)]
    assert len(seeded) > 50
    for iid in seeded[:: max(1, len(seeded) // 12)] + ["duo-for-a-job"]:
        html = html_of(client.get(f"/initiative/{iid}?lang=fr"))
        assert not SEED_FILE.search(html), iid
    duo = html_of(client.get("/initiative/duo-for-a-job?lang=nl"))
    assert "<cite>I Get You – Belgium: Promoting best practices" in duo
    assert "Elisabeth Razesberger with JRS Belgium; JRS Europe (Jesuit Refugee Service Europe), 2017" in duo
    assert "ongedateerd (2015 of later)" in duo  # the EWSI analysis names no year
    for path in ("/commune/62063?lang=nl", "/commune/21012?lang=fr", "/map/gaps?lang=en"):
        html = html_of(client.get(path))
        assert not SEED_FILE.search(html), path
    assert "JRS Europe, “I Get You – Belgium”" in html_of(client.get("/commune/62063?lang=nl"))


def test_the_seed_registry_is_proven_by_the_seeds(settings, tmp_path):
    import dataclasses

    from geo_service.catalogue import documents

    assert settings.seeds is not None, "the seed documents are needed to check the registry"
    registry = documents.registry()
    assert sorted(registry) == sorted(p.name for p in settings.seeds.glob("[0-9][0-9][0-9]_*.txt"))
    assert documents.evidence_problems(settings.seeds) == []
    jrs = registry["001_e7c5b0a545e291b1.txt"]
    assert (jrs.year, jrs.authors) == (2017, "Elisabeth Razesberger with JRS Belgium")
    # a wrong quote, or a fact stated without evidence, is reported
    wrong = dataclasses.replace(
        jrs, evidence=({"fact": "year", "quote": "Published in Brussels by JRS Europe in 2016"},)
    )
    problems = documents.evidence_problems(settings.seeds, {jrs.seed: wrong})
    fields = {p["field"] for p in problems if p["record"] == jrs.seed}
    assert {"evidence[0]", "title", "authors", "publisher", "year"} <= fields


def test_gaps_map_offers_only_the_kinds_assessed_for_deserts(app, client):
    params = app.extensions["geo_service"].snapshot().indicators.params
    assessed = set(params["desert_kinds"])
    html = html_of(client.get("/map/gaps?lang=en"))
    menu = re.search(r'<select name="kind".*?</select>', html, re.S).group(0)
    offered = set(re.findall(r'<option value="([a-z_]+)"', menu))
    assert offered == assessed
    other = next(k for k in ("coordination_body", "education_training") if k not in assessed)
    assert client.get(f"/map/gaps?kind={other}&lang=en").status_code == 400


def test_cached_pages_vary_by_language_and_encoding(client):
    response = client.get("/map/employment?lang=nl", headers=GZIP)
    assert {"Accept-Encoding", "Accept-Language", "Cookie"} <= {v.strip() for v in response.headers["Vary"].split(",")}
    html = html_of(response)
    assert 'hreflang="fr"' in html and "lang=fr" in html


def test_initiatives_without_sites_have_a_page(app, client):
    """Funds, programmes and networks named by the seeds have no site: their page has no commune
    to outline on its map (it answered 500 before)."""
    catalogue = app.extensions["geo_service"].snapshot().catalogue
    without = catalogue.initiatives.index[catalogue.initiatives["site_count"] == 0]
    assert len(without) > 10
    for iid, lang in zip(without[:3], ("fr", "nl", "en")):
        response = client.get(f"/initiative/{iid}?lang={lang}")
        assert response.status_code == 200, iid
        assert "<h1>" in html_of(response)
