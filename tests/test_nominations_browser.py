"""In headless Chromium: a visitor fills in the form, sees the reference; a moderator logs in and
approves; the initiative is then in /collections/initiatives/items and on /map/coverage."""

from __future__ import annotations

import re

import pytest
from browser import offline_page, screenshot
from conftest import LiveServer
from nominations_support import fresh_database_url, make_app


@pytest.fixture(scope="module")
def server(settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("nominations-browser")
    app = make_app(settings, fresh_database_url("sqlite", folder), folder)
    app.extensions["geo_service.store"].create_moderator("browser-moderator", "browser password 123")
    with LiveServer(app) as live:
        yield live, app


def test_nominate_moderate_publish_in_chromium(server):
    live, app = server
    with offline_page() as (page, errors, blocked):
        page.goto(f"{live.url}/nominate?lang=fr")
        page.fill("#name", "Café des langues de Namur")
        page.fill("#description", "Conversation en français <b>chaque mardi</b> avec des bénévoles.")
        page.locator("input[name=place]").first.fill("Namen")
        page.check("input[name=themes][value=language]")
        page.check("input[name=scope][value=local]")
        page.fill("#contact_email", "browser.submitter@example.org")
        page.check("input[name=consent]")
        screenshot(page, "nominate_form_fr")
        page.click("#send")
        reference = page.inner_text("#reference")
        assert reference.startswith("N-")
        nomination_id = int(reference.removeprefix("N-"))

        page.goto(f"{live.url}/moderation/login")
        page.fill("#username", "browser-moderator")
        page.fill("#password", "browser password 123")
        page.click("#login")
        page.goto(f"{live.url}/moderation/{nomination_id}")
        assert "<b>chaque mardi</b>" in page.inner_text(".description")  # shown as text, not markup
        page.click("#approve")
        assert app.extensions["geo_service.store"].get(nomination_id).status == "approved"
        app.extensions["geo_service"].refresh()  # what the background poller does within a second or so

        response = page.goto(f"{live.url}/collections/initiatives/items?f=json&limit=2000")
        assert response.status == 200
        assert f"nomination-{nomination_id}" in page.content()
        assert "browser.submitter@example.org" not in page.content()
        response = page.goto(f"{live.url}/map/coverage")
        assert response.status == 200
        # the map draws its sites from one document per data version, named in the page's config
        sites_url = re.search(r'"sitesUrl": "([^"]+)"', page.content()).group(1)
        sites = page.request.get(live.url + sites_url).json()["sites"]
        assert any("Café des langues de Namur" in str(site) for site in sites)
        page.wait_for_selector(".leaflet-marker-icon, .marker-cluster")
        screenshot(page, "nominate_coverage_map")
        assert not errors, errors
