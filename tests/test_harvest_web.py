"""A harvest applied to the store of a running app: served after the app's next poll (no
restart), moderators see the batch and its diff at /moderation/batches, the site page and the API
show contacts and opening hours, and a site from OpenStreetMap brings the ODbL attribution to
every page and to the sites layer."""

from __future__ import annotations

import pytest
from nominations_support import login
from test_harvest_cli import vdab_sites
from test_harvest_kbo import FIXTURES, zip_extract
from test_harvest_osm import FIXTURE as OSM_FIXTURE
from test_harvest_osm import TAGS

from geo_service.harvest.kbo import read_kbo
from geo_service.harvest.network import kbo_plan, osm_plan
from geo_service.harvest.osm import read_osm
from geo_service.harvest.run import diff_against, store_batch
from geo_service.store import EXTENSION

ODBL = "© OpenStreetMap contributors"
pytestmark = pytest.mark.slow  # each applied batch builds a new snapshot (catalogue and indicators)


def _apply(app, plan, extract):
    holder = app.extensions["geo_service"]
    catalogue = holder.snapshot().catalogue
    result = diff_against(catalogue, holder.base.boundaries, plan, extract)
    reference = store_batch(app.extensions[EXTENSION], result)
    holder.refresh()  # what the app's once-a-second poll does
    return reference


@pytest.fixture(scope="module")
def harvested(app_factory, tmp_path_factory):
    app = app_factory(tmp_path_factory.mktemp("harvest-app"))
    client = app.test_client()
    before = client.get("/initiative/vdab?lang=en")
    assert ODBL not in before.get_data(as_text=True)
    plan = kbo_plan("vdab")
    extract = zip_extract(FIXTURES / "2026-12", tmp_path_factory.mktemp("kbo") / "extract.zip")
    kbo = _apply(app, plan, read_kbo(extract, list(plan.kbo)))
    return app, kbo, before


def test_the_batch_is_served_without_a_restart_with_contacts_on_the_site_page(harvested):
    app, _kbo, before = harvested
    client = app.test_client()
    page = client.get("/initiative/vdab?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["ETag"] != before.headers["ETag"]
    assert "VDAB Sint-Niklaas" in text and 'href="tel:030000002"' in text and "test-sint-niklaas@example.org" in text
    assert ODBL not in text, "no site from OpenStreetMap yet"
    item = client.get("/collections/sites/items/vdab-2-100-000-002?f=json").get_json()
    props = item["properties"]
    assert props["contacts"] == {"phone": "03 000 00 02", "email": "test-sint-niklaas@example.org"}
    assert (
        props["source_id"] == "2.100.000.002" and props["sources"][0]["publisher"] == "KBO/BCE Open Data, FPS Economy"
    )


def test_moderators_see_the_batches_and_their_diff(harvested, boundaries):
    app, kbo, _before = harvested
    client = app.test_client()
    assert client.get("/moderation/batches").status_code == 303, "moderators only"
    login(client, app.extensions[EXTENSION])
    listing = client.get("/moderation/batches?lang=en").get_data(as_text=True)
    assert kbo in listing and "2026-12-05" in listing and "vdab" in listing
    closes = vdab_sites(boundaries) - 2  # all but Gent and the head office
    assert f"Add 3, Update 2, Close {closes}, Unchanged 0, Rejected 3" in listing
    detail = client.get(f"/moderation/batches/{kbo}?lang=en").get_data(as_text=True)
    assert 'id="batch-diff"' in detail and "vdab-2-100-000-003" in detail and "no establishment unit" in detail
    assert "unknown postcode 9999" in detail and "the network counts as complete" in detail
    assert client.get("/moderation/batches/H-999999").status_code == 404


def test_an_osm_site_brings_opening_hours_and_the_odbl(harvested):
    app, _kbo, _before = harvested
    _apply(app, osm_plan("vdab", [f"{k}={v}" for k, v in TAGS]), read_osm(OSM_FIXTURE, TAGS, "vdab"))
    client = app.test_client()
    text = client.get("/initiative/vdab?lang=en").get_data(as_text=True)
    assert "Mo-Fr 09:00-12:00" in text and ODBL in text
    commune = client.get("/commune/46021?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert ODBL in commune, "every page credits OpenStreetMap"
    layer = client.get("/collections/sites?f=json").get_json()
    assert any(link["href"] == "https://www.openstreetmap.org/copyright" for link in layer["links"])
    # OSM's Sint-Niklaas office is the unit the register gave: the same site gets its point and hours
    item = client.get("/collections/sites/items/vdab-2-100-000-002?f=json").get_json()["properties"]
    assert item["opening_hours"] == "Mo-Fr 09:00-12:00" and item["precision"] == "exact"
    assert item["source_id"] == "2.100.000.002", "the register's identifier stays"
    assert item["sources"][0]["publisher"] == "OpenStreetMap contributors"
    added = client.get("/collections/sites/items/vdab-way-10?f=json").get_json()["properties"]
    assert added["nis"] == "24062" and added["source_id"] == "way/10"
