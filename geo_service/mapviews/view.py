"""What every map builder returns: the rendered map with its legend, table and page summary."""

from __future__ import annotations

from dataclasses import dataclass

from .folium_map import MapFragments


@dataclass
class MapView:
    """A rendered map with its legend, a table of what it shows and a summary for the page."""

    fragments: MapFragments
    legend: list[dict]
    table: list[dict]
    summary: dict
