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
    ``numeric``: sorted by number; ``tooltip``: shown when pointed at; ``link``: the cell links to
    the area's page; ``unit``: what a number counts, in the page's language, by CLDR plural
    category (``{"one": "initiative", "other": "initiatives"}``), written after the number in
    tooltips and popups ("6 initiatives"), where the table has the column's label instead."""

    key: str
    label: str
    numeric: bool = False
    tooltip: bool = True
    link: bool = False
    unit: dict[str, str] | None = None

    def json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Row:
    """One area (or point) of a layer: fill colour, outline style (a key of the view's
    ``outlines``), the text of each column, the number to sort each column by (and to download
    a numeric column by), the group (province) the table filters by, ``flags`` drawn over the
    fill or on the marker (``stale``: hatched; ``isolated``: a marked centre), and for a point
    its position ``at`` (lat, lon) and ``actions``, links (label, URL) under its popup."""

    cells: list[str]
    fill: str | None = None
    line: str | None = None
    numbers: list[float | None] = field(default_factory=list)
    group: str | None = None
    links: dict[int, str] = field(default_factory=dict)  # column position -> URL the cell links to
    flags: tuple[str, ...] = ()
    at: tuple[float, float] | None = None
    actions: list[tuple[str, str]] = field(default_factory=list)

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
        if self.flags:
            out["flags"] = list(self.flags)
        if self.at:
            out["at"] = [round(self.at[0], 5), round(self.at[1], 5)]
        if self.actions:
            out["actions"] = [list(a) for a in self.actions]
        return out


@dataclass
class Layer:
    """The values of one map layer: ``object`` names the TopoJSON object it is drawn from; a
    layer of points (``object`` None) is drawn as markers at its rows' ``at``, described by its
    own ``columns`` (the view's columns describe its areas)."""

    id: str
    name: str
    object: str | None
    rows: dict[str, Row]
    show: bool = True
    columns: list[Column] | None = None


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
        layers' rows are left out: a page carries them in its tables (``data_table``,
        ``points_table``)."""
        out = {
            "columns": [c.json() for c in self.columns],
            "layers": [
                {
                    "id": layer.id,
                    "name": layer.name,
                    "object": layer.object,
                    "show": layer.show,
                    **({"columns": [c.json() for c in layer.columns]} if layer.columns is not None else {}),
                    # rows keyed by code, and their order (JavaScript orders numeric keys itself)
                    **(
                        {"rows": {code: row.json() for code, row in layer.rows.items()}, "order": list(layer.rows)}
                        if rows
                        else {}
                    ),
                }
                for layer in self.layers
            ],
            "markers": self.markers,
            "outlines": self.outlines,
        }
        if self.sites is not None:
            out["sites"] = self.sites
        return out

    def records(self, layer: Layer | None = None) -> list[dict]:
        """One record per area (or point) of ``layer`` (the first by default): code, every column
        (numbers where a column is numeric), a point's lat and lon, for the downloads."""
        layer = layer or self.layers[0]
        out = []
        for code, row in layer.rows.items():
            record = {"code": code}
            numbers = row.numbers or [None] * len(row.cells)
            for column, cell, number in zip(layer.columns or self.columns, row.cells, numbers):
                record[column.key] = number if column.numeric else cell
                if column.numeric and number is None and cell:
                    record[column.key + "_note"] = cell
            if row.at:
                record["lat"], record["lon"] = row.at
            out.append(record)
        return out
