"""Helpers for browser tests of pages served under the app's Content-Security-Policy: waiting
on a condition, opening a map page, counting what Leaflet drew, and collecting CSP violations.

Playwright runs a string given to ``wait_for_function`` through ``eval`` at each poll, which a
CSP without 'unsafe-eval' refuses after the first; a function is evaluated once and then
called, so :func:`wait_until` always passes one.
"""

from __future__ import annotations

SHAPES = "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length"
MARKERS = "document.querySelectorAll('.leaflet-marker-icon').length"
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ': ' + e.sample);
});
"""


def wait_until(page, condition: str, timeout: float = 20000) -> None:
    """Wait until the JavaScript expression ``condition`` is truthy in ``page``."""
    page.wait_for_function(f"() => ({condition})", timeout=timeout)


def open_map(page, url: str) -> None:
    page.goto(url, wait_until="load")
    wait_until(page, "document.querySelector('.leaflet-container') !== null")


def record_csp_violations(page) -> None:
    """From the next navigation on, every ``securitypolicyviolation`` event is kept in the page."""
    page.add_init_script(RECORD_VIOLATIONS)


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || ['violation recorder missing']")
