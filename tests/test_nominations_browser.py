"""In headless Chromium: a visitor sends the form empty and lands on the error summary (focused,
each message a link that moves the focus to its field, the fields marked invalid); a visitor fills
in the form, sees the reference; a moderator logs in and approves; the initiative is then in
/collections/initiatives/items and on /map/coverage."""

from __future__ import annotations

import re

import pytest
from browser import offline_page, screenshot
from conftest import LiveServer
from nominations_support import fresh_database_url, make_app
from test_a11y import axe_source, run_axe, summary


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


@pytest.mark.parametrize("width", [320, 1280])
def test_an_empty_form_focuses_the_summary_whose_links_lead_to_the_fields(server, width):
    live, _app = server
    with offline_page() as (page, errors, _blocked):
        page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
        page.goto(f"{live.url}/nominate?lang=fr")
        assert page.locator("#required-note").inner_text() == "Les champs marqués d'un * sont obligatoires."
        with page.expect_navigation():
            page.click("#send")
        page.wait_for_selector("#error-summary")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert page.locator("[role=alert]").count() == 1
        assert page.locator("#error-summary h2").inner_text() == "Le formulaire comporte 7 problèmes"
        links = page.locator("#error-summary a")
        targets = [links.nth(i).get_attribute("href")[1:] for i in range(links.count())]
        assert targets == [
            "name",
            "description",
            "place-0",
            "themes-language",
            "scope-local",
            "contact_email",
            "consent",
        ]
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
        screenshot(page, f"nominate_errors_fr_{width}")
        for i, target in enumerate(targets):
            links.nth(i).click()
            assert page.evaluate("document.activeElement.id") == target
            # the field itself, or the group of boxes it opens, is marked invalid and described
            marked = page.evaluate(
                """(id) => {
                    const field = document.getElementById(id);
                    const at = field.getAttribute("aria-invalid") ? field : field.closest("[aria-invalid]");
                    const message = document.getElementById(at.getAttribute("aria-describedby").split(" ").pop());
                    return [at.getAttribute("aria-invalid"), message.className, message.innerText];
                }""",
                target,
            )
            assert marked[0] == "true" and marked[1] == "field-error" and marked[2], (target, marked)
            page.locator("#error-summary").focus()
        assert page.get_attribute("#website", "aria-invalid") is None
        violations = run_axe(page, axe_source())
        assert not violations, summary(violations)
        # Chromium reports the refused form's own 422 as a console error; nothing else may be there
        assert [e for e in errors if "status of 422" not in e] == [], errors
