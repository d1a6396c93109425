"""Whole-layer downloads with exact geometry: GeoJSON (CRS84), CSV (WKT in CRS84 plus lon/lat of
a point inside each feature) and GeoPackage (EPSG:31370). Each carries the collection's sources
and licences: GeoJSON as top-level members, CSV as columns (and the sidecar), GeoPackage as
dataset metadata and a ``sources`` table."""

from __future__ import annotations

import csv
import io
import os
import tempfile

import numpy as np
import orjson
import pandas as pd
import shapely

from . import licences
from .collections import Collection, geometry_type
from .crs import CRS84, LAMBERT72, to_crs
from .csvsafe import csv_cell


def sidecar(c: Collection) -> dict:
    return {
        "collection": c.id,
        "title": c.title,
        "sources": c.sources,
        "licence": licences.licence_text(c.sources),
        "geometry": "exact (not simplified); GeoJSON/CSV in CRS84, GeoPackage in EPSG:31370",
    }


def _flat(value):
    """Lists and dicts as JSON text, for formats with scalar columns only."""
    return orjson.dumps(value).decode() if isinstance(value, (list, dict)) else value


def _exact_crs84(c: Collection) -> np.ndarray:
    return to_crs(np.asarray(c.exact.geometry.values, dtype=object), LAMBERT72, CRS84)


def to_geojson(c: Collection) -> bytes:
    geoms = shapely.to_geojson(_exact_crs84(c))
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
            "sources": c.sources,
            "licence": licences.licence_text(c.sources),
        }
    )
    return head[:-1] + b',"features":[' + b",".join(features) + b"]}"


def to_csv(c: Collection) -> bytes:
    geoms = _exact_crs84(c)
    present = ~shapely.is_missing(geoms)
    inside = np.full(len(geoms), None, dtype=object)
    inside[present] = shapely.point_on_surface(geoms[present])
    wkt = shapely.to_wkt(geoms, rounding_precision=6, trim=True)
    source_text = " | ".join(licences.licence_text(c.sources).splitlines())
    buffer = io.StringIO()
    columns = list(c.properties[0]) if c.properties else [c.id_property]
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; a CR inside a cell is then quoted
    writer.writerow([csv_cell(k) for k in columns] + ["lon", "lat", "wkt", "dataset_sources"])
    for props, point, text in zip(c.properties, inside, wkt):
        lon, lat = (round(point.x, 6), round(point.y, 6)) if point is not None else ("", "")
        row = [_flat(props.get(k)) if props.get(k) is not None else "" for k in columns]
        writer.writerow([csv_cell(v) for v in row + [lon, lat, text or "", source_text]])
    return buffer.getvalue().encode("utf-8")


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
            dataset_metadata={"sources": text, "title": c.title},
            layer_metadata={"sources": text},
            # GeoPackage 1.2: read without warnings by older GDALs (Debian 12: 3.6)
            dataset_options={"VERSION": "1.2"},
            layer_options={"DESCRIPTION": f"{c.title}. Sources and licences: {text}"},
        )
        pyogrio.write_dataframe(table, path, layer="sources", driver="GPKG", append=True)
        with open(path, "rb") as fh:
            return fh.read()


EXPORTERS = {"geojson": to_geojson, "csv": to_csv, "gpkg": to_geopackage}
