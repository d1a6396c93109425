"""axe-core on every page type in French, Dutch and English: no serious or critical violation.

axe-core comes from the ``axe-playwright-python`` package (its bundled ``axe.min.js``, read from
the installed package and evaluated in the page, never fetched from a CDN); the pages are served
offline with their real Content-Security-Policy."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from browser import offline_page
from browser_support import wait_until

PAGES = [
    "/",
    "/map/coverage",
    "/map/employment",
    "/map/gaps",
    "/commune/21012",
    "/initiative/civic-platform-for-refugees",
    "/search?q=Gent",
    "/nominate",
    "/moderation/login",
    "/collections",
    "/collections/communes",
    "/collections/communes/items?limit=5",
    "/collections/communes/items/21012",
    "/no-such-page",
]
BLOCKING = {"serious", "critical"}
# Colour contrast comes from the stylesheet, which is the same in every language, and is by far
# axe's slowest rule (about 4 s of the 5 on /collections/communes): it runs on every page in one
# language; every other rule runs in all three.
CONTRAST_LANGUAGE = "nl"


@functools.cache
def axe_source() -> str:
    axe = pytest.importorskip("axe_playwright_python", reason="pip install -e .[test] (axe-playwright-python)")
    return (Path(axe.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def run_axe(page, source: str, contrast: bool = True) -> list[dict]:
    page.evaluate(source)
    rules = "" if contrast else ", rules: {'color-contrast': {enabled: false}}"
    result = page.evaluate(f"async () => await axe.run(document, {{resultTypes: ['violations']{rules}}})")
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def summary(violations: list[dict]) -> str:
    return json.dumps(
        [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in violations
        ],
        indent=1,
    )


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_no_serious_or_critical_axe_violation(live_server, lang):
    """One browser context per language (a new context costs Chromium more than most pages)."""
    failures = {}
    with offline_page() as (page, _errors, _):
        for path in PAGES:
            page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang={lang}", wait_until="load")
            if page.locator(".leaflet-container").count():
                wait_until(page, "document.querySelectorAll('.leaflet-overlay-pane path').length > 0")
            violations = run_axe(page, axe_source(), contrast=lang == CONTRAST_LANGUAGE)
            if violations:
                failures[path] = summary(violations)
    assert not failures, "\n".join(f"{path}: {text}" for path, text in failures.items())


def test_the_contrast_rule_runs_only_where_asked(live_server):
    """Low-contrast text is reported with the contrast rule on, and only then: the split above
    moves the rule to one language, it does not switch it off."""
    with offline_page() as (page, _errors, _):
        page.goto(f"{live_server.url}/moderation/login?lang={CONTRAST_LANGUAGE}", wait_until="load")
        page.evaluate(
            "() => { const p = document.createElement('p'); p.textContent = 'faint text';"
            " p.style.cssText = 'color:#eeeeee;background:#ffffff'; document.querySelector('main').append(p); }"
        )
        with_contrast = {v["id"] for v in run_axe(page, axe_source(), contrast=True)}
        without = {v["id"] for v in run_axe(page, axe_source(), contrast=False)}
    assert "color-contrast" in with_contrast and "color-contrast" not in without
