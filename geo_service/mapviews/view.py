"""What every map builder returns: the values of one view (per layer, keyed by area code), the
columns they are shown in (table, tooltip, popup, downloads), the legend and a page summary.

The geometry is not here: it travels once, as the shared TopoJSON (``topology.py``); a page or
its script joins these values to it by code. One shape serves the server-rendered table (pages
without JavaScript), the map's tooltips and popups (``static/atlas-map.js``) and the CSV and
GeoJSON downloads, so they cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .folium_map import MapFragments


@dataclass(frozen=True)
class Column:
    """``key``: the machine name (download headers); ``label``: in the page's language;
    ``numeric``: sorted by number; ``tooltip``: shown on hover; ``link``: the cell links to the
    area's page."""

    key: str
    label: str
    numeric: bool = False
    tooltip: bool = True
    link: bool = False


@dataclass
class Row:
    """One area of a layer: fill colour, outline style (a key of the view's ``outlines``), the
    text of each column, the number to sort and download each numeric column by, and the group
    (province) the table filters by."""

    cells: list[str]
    fill: str | None = None
    line: str | None = None
    numbers: list[float | None] = field(default_factory=list)
    group: str | None = None
    links: dict[int, str] = field(default_factory=dict)  # column position -> URL the cell links to

    def json(self) -> dict:
        out: dict = {"cells": self.cells}
        if self.fill:
            out["fill"] = self.fill
        if self.line:
            out["line"] = self.line
        if any(n is not None for n in self.numbers):
            out["numbers"] = [
                None if n is None or (isinstance(n, float) and math.isnan(n)) else n for n in self.numbers
            ]
        if self.group:
            out["group"] = self.group
        if self.links:
            out["links"] = {str(i): url for i, url in self.links.items()}
        return out


@dataclass
class Layer:
    """The values of one map layer: ``object`` names the TopoJSON object it is drawn from."""

    id: str
    name: str
    object: str
    rows: dict[str, Row]
    show: bool = True


@dataclass
class MapView:
    """A map's view: its layers' values with their columns, markers, legend, table rows and a
    summary for the page. ``fragments`` is the rendered map when the builder drew one (small
    maps); the main maps draw in the browser from :meth:`data`."""

    legend: list[dict]
    table: list[dict]
    summary: dict
    columns: list[Column] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    markers: list[list] = field(default_factory=list)
    sites: list[int] | None = None
    outlines: dict[str, dict] = field(default_factory=dict)
    fragments: MapFragments | None = None

    def data(self, rows: bool = True) -> dict:
        """The view as JSON-ready data (``static/atlas-map.js`` reads it). Without ``rows`` the
        first layer's rows are left out: a page carries them in its table (``data_table``)."""
        out = {
            "columns": [c.__dict__ for c in self.columns],
            "layers": [
                {
                    "id": layer.id,
                    "name": layer.name,
                    "object": layer.object,
                    "show": layer.show,
                    # rows keyed by code, and their order (JavaScript orders numeric keys itself)
                    **(
                        {"rows": {code: row.json() for code, row in layer.rows.items()}, "order": list(layer.rows)}
                        if rows or i
                        else {}
                    ),
                }
                for i, layer in enumerate(self.layers)
            ],
            "markers": self.markers,
            "outlines": self.outlines,
        }
        if self.sites is not None:
            out["sites"] = self.sites
        return out

    def records(self, layer: Layer | None = None) -> list[dict]:
        """One record per area of ``layer`` (the first by default): code, every column (numbers
        where a column is numeric), for the downloads."""
        layer = layer or self.layers[0]
        out = []
        for code, row in layer.rows.items():
            record = {"code": code}
            numbers = row.numbers or [None] * len(row.cells)
            for column, cell, number in zip(self.columns, row.cells, numbers):
                record[column.key] = number if column.numeric else cell
                if column.numeric and number is None and cell:
                    record[column.key + "_note"] = cell
            out.append(record)
        return out
