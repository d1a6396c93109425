"""Whole-layer downloads with exact geometry: GeoJSON (CRS84), CSV (WKT in CRS84 plus lon/lat of
a point inside each feature), the same CSV for Excel in a Belgian locale, and GeoPackage
(EPSG:31370). Each carries the collection's sources and licences: GeoJSON as top-level members,
GeoPackage as dataset metadata and a ``sources`` table, the CSVs through their companions
``<id>.sources.csv`` (sources and licences) and ``<id>.columns.csv`` (every column's meaning,
unit, year and source), named by ``Link`` headers, instead of the same text on every row."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile

import orjson
import pandas as pd
import shapely

from . import licences
from .collections import Collection, geometry_type
from .csvsafe import csv_cell


def sidecar(c: Collection) -> dict:
    return {
        "collection": c.id,
        "title": c.title,
        "dataLicence": licences.licence_statement(),
        "sources": c.sources,
        "licence": licences.licence_text(c.sources),
        "geometry": "exact (not simplified); GeoJSON/CSV in CRS84, GeoPackage in EPSG:31370",
        "columns": c.columns,
    }


def _flat(value):
    """Lists and dicts as JSON text, for formats with scalar columns only."""
    return orjson.dumps(value).decode() if isinstance(value, (list, dict)) else value


def to_geojson(c: Collection) -> bytes:
    geoms = shapely.to_geojson(c.exact_crs84)
    features = [
        b'{"type":"Feature","id":'
        + orjson.dumps(fid)
        + b',"geometry":'
        + (g.encode() if g else b"null")
        + b',"properties":'
        + orjson.dumps(p)
        + b"}"
        for fid, g, p in zip(c.ids, geoms, c.properties)
    ]
    head = orjson.dumps(
        {
            "type": "FeatureCollection",
            "name": c.id,
            "title": c.title,
            "dataLicence": licences.licence_statement(),
            "sources": c.sources,
            "licence": licences.licence_text(c.sources),
        }
    )
    return head[:-1] + b',"features":[' + b",".join(features) + b"]}"


def _table(c: Collection, wkt: bool = True) -> tuple[list[str], list[list]]:
    """Header and rows of a CSV download: every property (lists and objects as JSON text), then
    ``lon``/``lat`` of a point inside the feature and, with ``wkt``, its exact geometry."""
    geoms, inside = c.exact_crs84, c.inside_points
    texts = shapely.to_wkt(geoms, rounding_precision=6, trim=True) if wkt else [None] * len(geoms)
    columns = list(c.properties[0]) if c.properties else [c.id_property]
    rows = []
    for props, point, text in zip(c.properties, inside, texts):
        lon, lat = (round(point.x, 6), round(point.y, 6)) if point is not None else (None, None)
        row = [_flat(props.get(k)) for k in columns] + [lon, lat]
        rows.append(row + [text] if wkt else row)
    return columns + ["lon", "lat"] + (["wkt"] if wkt else []), rows


def _csv(header: list[str], rows: list[list], cell, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")  # RFC 4180; a CR in a cell is quoted
    writer.writerow([csv_cell(k) for k in header])
    writer.writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def _standard_cell(value):
    return "" if value is None else csv_cell(value)


def to_csv(c: Collection) -> bytes:
    """RFC 4180: UTF-8, commas, decimal points; one row per feature, with its exact geometry as WKT."""
    return _csv(*_table(c), _standard_cell).encode("utf-8")


# Text Excel would turn into something else on opening: a code with a leading zero ("04000" becomes
# 4000) or a pair like "3-2" (a bivariate class becomes the 3rd of February). Only our own codes and
# classes have this form (digits and hyphens): written as ="04000", Excel shows the text itself.
EXCEL_RETYPED = re.compile(r"^[0-9][0-9-]{0,11}$")


def _excel_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # Belgian locales read a decimal comma
    if isinstance(value, str) and EXCEL_RETYPED.match(value):
        return f'="{value}"'
    return csv_cell(value)


def to_excel_csv(c: Collection) -> bytes:
    """The CSV that Excel opens right in a Belgian (French, Dutch or German) locale by a double
    click: UTF-8 with a byte-order mark (else Excel reads ANSI), ';' between cells (the list
    separator of those locales), decimal commas, codes kept as text. Without ``wkt``: a polygon's
    text is longer than an Excel cell holds (32,767 characters); ``lon``/``lat`` stay."""
    return b"\xef\xbb\xbf" + _csv(*_table(c, wkt=False), _excel_cell, delimiter=";").encode("utf-8")


def to_sources_csv(c: Collection) -> bytes:
    """Companion of the CSV downloads: first the licence of the service's own data, then every
    source of the layer with its licence and attribution."""
    own = licences.licence_statement()
    header = ["title", "url", "licence", "attribution", "applies_to"]
    rows = [
        [f"Data of the {licences.SERVICE_NAME}", own["url"], own["name"], own["attribution"], own["appliesTo"]],
        *([s["title"], s.get("url"), s.get("licence"), s.get("attribution"), "this layer"] for s in c.sources),
    ]
    return _csv(header, rows, _standard_cell).encode("utf-8")


def to_columns_csv(c: Collection) -> bytes:
    """Companion of the CSV downloads: every column with its meaning, unit, year and source (the
    same as the collection's schema), then the columns the CSV adds."""
    header = ["column", "description", "unit", "year", "source"]
    rows = [[name, d["description"], d["unit"], d["year"], d["source"]] for name, d in c.columns.items()]
    rows += [
        ["lon", "Longitude of a point inside the feature (exact geometry)", "degree (CRS84)", None, "computed"],
        ["lat", "Latitude of a point inside the feature (exact geometry)", "degree (CRS84)", None, "computed"],
        [
            "wkt",
            "Exact geometry as WKT, CRS84 (not in the Excel CSV: longer than a cell holds)",
            None,
            None,
            "computed",
        ],
    ]
    return _csv(header, rows, _standard_cell).encode("utf-8")


def to_geopackage(c: Collection) -> bytes:
    import geopandas as gpd
    import pyogrio

    frame = pd.DataFrame([{k: _flat(v) for k, v in p.items()} for p in c.properties])
    layer = gpd.GeoDataFrame(frame, geometry=list(c.exact.geometry.values), crs=c.exact.crs)
    text = licences.licence_text(c.sources)
    table = pd.DataFrame([{k: s.get(k) for k in ("title", "url", "licence", "attribution")} for s in c.sources])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{c.id}.gpkg")
        pyogrio.write_dataframe(
            layer,
            path,
            layer=c.id,
            driver="GPKG",
            promote_to_multi=False,
            geometry_type=geometry_type(c.exact),
            dataset_metadata={"sources": text, "title": c.title, "licence": licences.PROJECT_LICENCE["name"]},
            layer_metadata={"sources": text},
            # GeoPackage 1.2: read without warnings by older GDALs (Debian 12: 3.6)
            dataset_options={"VERSION": "1.2"},
            layer_options={"DESCRIPTION": f"{c.title}. Sources and licences: {text}"},
        )
        pyogrio.write_dataframe(table, path, layer="sources", driver="GPKG", append=True)
        with open(path, "rb") as fh:
            return fh.read()


EXPORTERS = {
    "geojson": to_geojson,
    "csv": to_csv,
    "excel.csv": to_excel_csv,
    "gpkg": to_geopackage,
    "sources.csv": to_sources_csv,
    "columns.csv": to_columns_csv,
}
