"""In headless Chromium: a visitor follows a commune page's "report a correction" link, sends the
form incomplete and lands on the error summary (focused, each message a link to its field), on a
phone as on a desktop, with no serious axe-core violation; then sends it complete and sees the
reference; a moderator approves it and the commune page shows the change."""

from __future__ import annotations

import pytest
from browser import offline_page, screenshot
from conftest import LiveServer
from nominations_support import fresh_database_url, make_app
from test_a11y import axe_source, run_axe, summary

LEUVEN = "24062"


@pytest.fixture(scope="module")
def server(settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("corrections-browser")
    app = make_app(settings, fresh_database_url("sqlite", folder), folder)
    app.extensions["geo_service.store"].create_moderator("browser-moderator", "browser password 123")
    with LiveServer(app) as live:
        yield live, app


@pytest.mark.parametrize("lang, width", [("fr", 390), ("nl", 1280), ("en", 390)])
def test_the_error_summary_takes_the_focus_and_leads_to_each_field(server, lang, width):
    live, _app = server
    with offline_page() as (page, errors, _blocked):
        page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
        page.goto(f"{live.url}/commune/{LEUVEN}?lang={lang}")
        page.click(f"a[href^='/correct?commune={LEUVEN}']")
        assert page.locator("h1").count() == 1 and page.locator("select#site").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
        screenshot(page, f"correct_form_{lang}_{width}")
        page.check("#report-moved")
        with page.expect_navigation():
            page.click("#send")
        page.wait_for_selector("#error-summary")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        links = page.locator("#error-summary a")
        assert links.count() == 3  # the site, the new address, the evidence
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"correct_errors_{lang}_{width}")
        violations = run_axe(page, axe_source(), contrast=lang == "nl")
        assert not violations, summary(violations)
        links.nth(1).click()
        assert page.evaluate("document.activeElement.id") == "address"
        assert page.get_attribute("#address", "aria-invalid") == "true"
        # Chromium reports the refused form's own 422 as a console error; nothing else may be there
        assert [e for e in errors if "status of 422" not in e] == [], errors


def test_report_moderate_and_see_it_on_the_commune_page(server):
    live, app = server
    with offline_page() as (page, errors, _blocked):
        page.goto(f"{live.url}/initiative/vdab?lang=nl")
        page.click("a[href^='/correct?site=vdab-gent']")
        page.check("#report-moved")
        page.fill("#address", "Bondgenotenlaan 1")
        page.fill("#postcode", "3000")
        page.fill("#place", "Leuven")
        page.fill("#evidence_url", "https://www.vdab.be/vindeenjob/leuven")
        with page.expect_navigation():
            page.click("#send")
        reference = page.inner_text("#reference")
        assert reference.startswith("C-")

        page.goto(f"{live.url}/moderation/login")
        page.fill("#username", "browser-moderator")
        page.fill("#password", "browser password 123")
        page.click("#login")
        page.goto(f"{live.url}/moderation/?lang=en")
        page.click(f"#corrections-queue a[href$='/{int(reference[2:])}']")
        assert page.input_value("#address") == "Bondgenotenlaan 1" and page.is_checked("#action-update")
        page.click("#approve")
        app.extensions["geo_service"].refresh()  # what the background poller does within a second or so

        page.goto(f"{live.url}/commune/{LEUVEN}?lang=en")
        history = page.inner_text("#history + ul")
        assert "Moved: VDAB" in history.replace("Moved · ", "") or ("Moved" in history and "VDAB" in history)
        assert reference in history
        assert not errors, errors


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_no_english_left_on_the_french_and_dutch_correction_pages(server, lang):
    from test_browser_portal import ENGLISH_RE, SCAN, catalogue_texts

    live, app = server
    data = catalogue_texts(app)
    found = []
    with offline_page() as (page, _errors, _blocked):
        for path in ("/correct?site=vdab-gent", "/correct?commune=21012", "/correct", "/commune/21012"):
            page.goto(f"{live.url}{path}{'&' if '?' in path else '?'}lang={lang}")
            if path == "/correct?site=vdab-gent":
                with page.expect_navigation():
                    page.click("#send")  # and the refused form, with its summary and messages
            for text in page.evaluate(SCAN):
                for value in data:
                    text = text.replace(value, "")
                match = ENGLISH_RE.search(text)
                if match:
                    found.append(f"{path}: {match.group(0)!r} in {text[:120]!r}")
    assert not found, "\n".join(found)
