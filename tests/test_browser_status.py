"""The gaps map and a commune page say what the map knows (the completeness register) and count
the communes per status, in French, Dutch and English, in real headless Chromium (issue 11)."""

from __future__ import annotations

import pytest
from browser import offline_page, screenshot
from browser_support import SHAPES, open_map, wait_until

KNOWS = {"fr": "Ce que la carte sait", "nl": "Wat de kaart weet", "en": "What the map knows"}
STATUS = {
    "fr": ("desservie", "lacune", "inconnu"),
    "nl": ("bediend", "leemte", "onbekend"),
    "en": ("served", "gap", "unknown"),
}


def counts_in_page(page) -> dict[str, int]:
    texts = page.eval_on_selector_all(".status-counts .count", "els => els.map(e => [e.dataset.status, e.innerText])")
    return {status: int("".join(ch for ch in text if ch.isdigit())) for status, text in texts}


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_gaps_map_states_completeness_and_status_counts(app, live_server, lang):
    from geo_service.web.context import current_snapshot

    with app.app_context():
        indicators = current_snapshot().indicators
        expected = indicators.status_counts()["public_employment_service"]
        communes = indicators.communes
        judged = communes["status_public_employment_service"].isin(["served", "gap"])
        stale = int((communes["status_stale_public_employment_service"].astype(bool) & judged).sum())
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/map/gaps?kind=public_employment_service&lang={lang}")
        wait_until(page, f"{SHAPES} >= 565")
        knows = page.locator(".knows")
        assert KNOWS[lang] in knows.locator("h2").inner_text()
        rows = knows.locator("tbody tr")
        assert rows.count() >= 3 and "VDAB" in knows.inner_text()  # VDAB, Le Forem, Actiris, ADG, ...
        counts = counts_in_page(page)
        assert counts.pop("stale") == stale > 0  # statuses resting on an out-of-date source, hatched
        assert counts == expected and sum(expected.values()) == 565
        legend = page.locator(".status-counts").inner_text().lower()
        assert all(word in legend for word in STATUS[lang])
        assert page.locator(".no-suggestions").count() == 0 or page.locator(".no-suggestions").is_visible()
        screenshot(page, f"gaps_employment_{lang}")
        assert not errors, errors


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_commune_page_explains_each_status_and_what_is_known(live_server, lang):
    with offline_page() as (page, errors, _):
        open_map(page, f"{live_server.url}/commune/84016?lang={lang}")  # Daverdisse
        wait_until(page, f"{SHAPES} == 1")
        knows = page.locator(".knows")
        assert KNOWS[lang] in knows.locator("h2").inner_text()
        assert knows.locator("tbody tr").count() >= 3  # Le Forem, the CRIs, the CPAS, ...
        items = page.eval_on_selector_all(
            ".status-item",
            "els => els.map(e => [e.dataset.status, e.querySelector('.badge').innerText,"
            " e.querySelector('.reason').innerText])",
        )
        # no gap: no integration or employment list is complete there
        assert {"unknown", "served"} <= {status for status, _, _ in items}
        words = STATUS[lang]
        for status, badge, reason in items:
            assert words[("served", "gap", "unknown").index(status)] in badge.lower()
            assert len(reason) > 20  # the explanation follows the status
        screenshot(page, f"commune_daverdisse_{lang}")
        assert not errors, errors
