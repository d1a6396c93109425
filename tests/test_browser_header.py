"""The site header in headless Chromium, in FR, NL and EN from 320 to 1440 px: no menu link under
the search box or the language links, none cut or outside the header, the header never wider
than the window; one line where everything fits (1,280 px and up in every language)."""

from __future__ import annotations

import pytest
from browser import offline_page, screenshot

WIDTHS = [320, 390, 640, 800, 992, 1024, 1100, 1200, 1280, 1360, 1440]
# Problems of the header as laid out now: every menu link against the brand, the search form and
# the language links (boxes meeting), against the header and the window (outside), cut (its text
# wider than its box) or covered (the element at its centre is not the link).
MEASURE = """() => {
  const box = (e) => e.getBoundingClientRect();
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const header = box(document.querySelector(".site-header"));
  const parts = [".brand", ".search", ".lang-switch"].map((s) => [s, box(document.querySelector(s))]);
  const links = [...document.querySelectorAll(".main-nav a")];
  const problems = [];
  for (const a of links) {
    const b = box(a), name = a.textContent.trim();
    for (const [part, p] of parts) if (meets(b, p)) problems.push(`${name} overlaps ${part}`);
    if (b.left < header.left || b.right > header.right || b.top < header.top || b.bottom > header.bottom
        || b.right > window.innerWidth) problems.push(`${name} outside the header`);
    if (a.scrollWidth > a.clientWidth + 1 || b.width < 1) problems.push(`${name} cut`);
    const hit = document.elementFromPoint((b.left + b.right) / 2, (b.top + b.bottom) / 2);
    if (hit !== a && !a.contains(hit)) problems.push(`${name} covered by ${hit ? hit.className || hit.tagName : "nothing"}`);
  }
  for (const [part, p] of parts) if (p.left < 0 || p.right > window.innerWidth) problems.push(`${part} outside the window`);
  const middles = [...links, ...parts.map(([s]) => document.querySelector(s))].map((e) => (box(e).top + box(e).bottom) / 2);
  return {problems, links: links.length, oneLine: Math.max(...middles) - Math.min(...middles) <= 4};
}"""


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_no_menu_link_runs_under_the_search_box_at_any_width(live_server, lang):
    found, lines = [], {}
    with offline_page() as (page, errors, _blocked):
        page.goto(f"{live_server.url}/search?q=Namur&lang={lang}")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            measured = page.evaluate(MEASURE)
            assert measured["links"] == 6
            found += [f"{width} px: {problem}" for problem in measured["problems"]]
            lines[width] = measured["oneLine"]
            if width in (390, 1024, 1280):
                screenshot(page, f"header_{lang}_{width}")
        assert not errors, errors
    assert not found, "\n".join(found)
    assert lines[1280] and lines[1440], "everything on one line where it fits"
    assert not lines[390], "a phone gets the header on several lines"
