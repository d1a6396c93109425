"""The Content-Security-Policy in real headless Chromium: every page works under it (maps drawn,
print button wired) with zero violations, and it does block an injected inline script."""

from __future__ import annotations

import pytest
from browser import offline_page
from browser_support import SHAPES, csp_violations, open_map, record_csp_violations, wait_until

PAGES = [  # path, JavaScript condition once the page is ready
    ("/?lang=fr", f"{SHAPES} == 565"),
    ("/map/coverage?lang=fr", f"{SHAPES} == 565"),
    ("/map/employment?lang=nl", f"{SHAPES} > 0"),
    ("/map/gaps?lang=en", f"{SHAPES} >= 565"),
    ("/commune/21004?lang=fr", f"{SHAPES} == 1"),
    ("/nominate?lang=fr", "document.querySelector('form input[name=csrf_token]') !== null"),
]


def _csp_console_errors(errors: list[str]) -> list[str]:
    return [e for e in errors if "Content Security Policy" in e or "Content-Security-Policy" in e]


@pytest.mark.parametrize("path, ready", PAGES, ids=[p for p, _ in PAGES])
def test_page_runs_under_the_csp_without_violations(live_server, path, ready):
    with offline_page() as (page, errors, blocked):
        record_csp_violations(page)
        response = page.goto(live_server.url + path, wait_until="load")
        policy = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert csp_violations(page) == []  # inline scripts ran (or were refused) while parsing
        wait_until(page, ready)
        page.wait_for_timeout(300)  # let late tiles and handlers run
        assert csp_violations(page) == []
        assert _csp_console_errors(errors) == [] and not errors, errors
        if "/map/" in path or path.startswith("/?"):  # the OpenStreetMap base map is let through
            assert any("tile.openstreetmap.org" in url for url in blocked), blocked[:5]


def test_print_button_works_without_an_inline_handler(live_server):
    with offline_page() as (page, errors, _):
        record_csp_violations(page)
        page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
        open_map(page, f"{live_server.url}/commune/21004?lang=en")
        assert page.locator("button.print").get_attribute("onclick") is None
        page.click("button.print")
        assert page.evaluate("window.__printed") == 1
        assert csp_violations(page) == [] and not errors, errors


def test_injected_inline_script_is_blocked_and_reported(live_server):
    """The control for the tests above: the recorder does see violations, and the CSP bites."""
    with offline_page() as (page, errors, _):
        record_csp_violations(page)
        open_map(page, f"{live_server.url}/map/employment?lang=en")
        page.evaluate("""() => {
            const s = document.createElement('script');
            s.textContent = 'window.__injected = true;';
            document.body.appendChild(s);
            const b = document.createElement('button');
            b.setAttribute('onclick', 'window.__clicked = true');
            document.body.appendChild(b);
            b.click();
        }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__injected === undefined && window.__clicked === undefined")
        violations = csp_violations(page)
        assert len(violations) == 2 and all(v.startswith("script-src") for v in violations), violations
        assert _csp_console_errors(errors)
