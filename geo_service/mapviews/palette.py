"""Colours of the maps, chosen for contrast (WCAG 2 relative luminance; docs/maps.md, *Contrast*).

- "none (0)" against the first class of a count: at least 3:1 (white against a mid blue), so
  "no support at all" never looks like "a little".
- Status fills (the gaps map, ``fill=status``): served, unknown and gap at least 3:1 from each
  other.
- Lines (borders, status outlines) are two-tone: a casing under a line, at least 3:1 from each
  other, so that against any fill one of the two stands out at least 3:1. A single colour
  cannot do this: a line 3:1 against white is within 3:1 of some mid-tone fill.

Three ordered classes in a row at 3:1 each already span 9:1, and luminance contrast tops out at
21:1: a sequential scheme of more than three classes cannot keep 3:1 between neighbours, so
classes beyond "none" are told apart by the table, the tooltips and the legend's counts as well
as by colour (the ratios they keep are tested, not promised at 3:1).
"""

from __future__ import annotations

MISSING_FILL = "url(#atlas-hatch)"  # an SVG pattern in the map page (templates/maps/_macros.html)
MISSING_SWATCH = "#d9d9d9"
ZERO_COLOUR = "#ffffff"
# ColorBrewer YlGnBu from its sixth step: the first class stands 3.6:1 from white
SEQUENTIAL = ("#1d91c0", "#225ea8", "#253494", "#081d58")
STATUS_FILLS = {"served": "#f7fbff", "unknown": "#8c8c8c", "gap": "#67000d"}
# two-tone lines: casing drawn under the line
BORDER = {"casing": "#ffffff", "color": "#1a1a1a", "weight": 0.6}
OUTLINES = {  # status outlines over the need-support fill; gap drawn last (on top)
    "unknown": {"casing": "#ffffff", "color": "#404040", "weight": 1.2, "dashArray": "4 3"},
    "gap": {"casing": "#000000", "color": "#ff9e9e", "weight": 2.2},
}


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def line_contrast(line: dict, fill: str) -> float:
    """How well a two-tone line stands out against ``fill``: the better of its two tones."""
    return max(contrast(line["casing"], fill), contrast(line["color"], fill))
