"""The scenario page in headless Chromium (issue 15): a click on the map adds a site of the chosen
kind at that point, the page comes back with the change in its address and the summary moves, in
French and Dutch."""

from __future__ import annotations

import pytest
from browser import offline_page, screenshot
from browser_support import SHAPES, csp_violations, open_map, record_csp_violations, wait_until

HEADING = {"fr": "Effet du scénario", "nl": "Effect van het scenario"}
FIND_MAP = "Object.keys(window).map(k => window[k]).find(m => m instanceof L.Map)"


def counts(page, column: str) -> dict[str, int]:
    cells = page.eval_on_selector_all(
        f".status-before-after td.{column}", "els => els.map(e => [e.dataset.status, e.innerText])"
    )
    return {status: int(text) for status, text in cells}


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_a_click_on_the_map_adds_a_site_and_the_summary_changes(app, live_server, lang):
    from geo_service.indicators.scenario import Planner
    from geo_service.web.context import current_snapshot

    with app.app_context():
        snap = current_snapshot()
        lat, lon = Planner(snap.base.boundaries.communes, snap.catalogue, snap.indicators).to_wgs84(
            [snap.indicators.points[snap.indicators.communes.index.get_loc("84016")]]
        )[0]  # Daverdisse: not served (unknown: the CRIs' bureaux d'accueil are not all known)
        before = snap.indicators.status_counts(["civic_integration_office"])["civic_integration_office"]
    with offline_page() as (page, errors, _):
        record_csp_violations(page)
        open_map(page, f"{live_server.url}/plan?kind=civic_integration_office&lang={lang}")
        wait_until(page, f"{SHAPES} >= 565 && document.getElementById('plan-data').dataset.ready === '1'")
        assert counts(page, "count-before") == counts(page, "count-after") == before
        page.locator(".leaflet-container").scroll_into_view_if_needed()
        point = page.evaluate(
            f"() => {{ const m = {FIND_MAP}; m.setView([{lat}, {lon}], 11, {{animate: false}});"
            f" const p = m.latLngToContainerPoint([{lat}, {lon}]);"
            " const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }"
        )
        with page.expect_navigation():
            page.mouse.click(*point)
        wait_until(page, f"{SHAPES} >= 565")
        assert "change=add%3Acivic_integration_office%40" in page.url
        assert HEADING[lang] in page.locator(".plan-summary h2").inner_text()
        after = counts(page, "count-after")
        assert counts(page, "count-before") == before and after != before
        assert after["unknown"] < before["unknown"] and after["served"] > before["served"]
        assert page.locator('.affected tr[data-nis="84016"]').count() == 1
        assert page.locator(".plan-changes li").count() == 1
        wait_until(page, "document.querySelectorAll('.plan-new-site').length === 1")
        screenshot(page, f"plan_click_{lang}")
        assert not errors, errors
        assert csp_violations(page) == []
