"""'Download this view': the values of a map's view joined to codes and names, as CSV or GeoJSON
(display geometry, WGS84), from the same rows as its table and tooltips."""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import orjson
import shapely

from ..api.csvsafe import csv_cell
from .view import MapView


def _records(view: MapView) -> list[tuple[str, dict]]:
    """(layer object, record) of every area (or point) of every layer; a ``layer`` field when there are several."""
    out = []
    for layer in view.layers:
        for record in view.records(layer):
            if len(view.layers) > 1:
                record = {"layer": layer.id, **record}
            out.append((layer.object, record))
    return out


def _fields(records: list[tuple[str, dict]]) -> list[str]:
    fields: dict[str, None] = {}
    for _, record in records:
        fields.update(dict.fromkeys(record))
    return list(fields)


def to_csv(view: MapView, note: str = "") -> bytes:
    """UTF-8 CSV (RFC 4180), one row per area; text cells made inert for spreadsheets. ``note``
    (what the view shows, its sources) goes in a last column of the first row only."""
    records = _records(view)
    fields = _fields(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(f) for f in fields] + (["about"] if note else []))
    for i, (_, record) in enumerate(records):
        row = [record.get(f, "") if record.get(f) is not None else "" for f in fields]
        writer.writerow([csv_cell(v) for v in row] + ([note if i == 0 else ""] if note else []))
    return buffer.getvalue().encode("utf-8")


def to_geojson(view: MapView, display: dict[str, gpd.GeoDataFrame], about: dict | None = None) -> bytes:
    """A FeatureCollection of every area with its values; ``display`` maps a layer object
    (communes, provinces, regions) to its display geometry (EPSG:4326, index = code)."""
    features = []
    for obj, record in _records(view):
        frame = display.get(obj)
        geometry = frame.geometry.get(record["code"]) if frame is not None else None
        if geometry is None and "lat" in record:  # a layer of points (reception centres)
            geometry = shapely.Point(record["lon"], record["lat"])
        feature_id = f"{record['layer']}:{record['code']}" if "layer" in record else record["code"]
        features.append(
            {
                "type": "Feature",
                "id": feature_id,
                "geometry": shapely.geometry.mapping(geometry) if geometry is not None else None,
                "properties": record,
            }
        )
    return orjson.dumps({"type": "FeatureCollection", **(about or {}), "features": features})
