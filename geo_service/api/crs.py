"""Coordinate reference systems the API serves (OGC API - Features Part 2) and their transforms.

CRS84 (longitude, latitude) is the default; Belgian Lambert 72 and Lambert 2008 are offered for
clients that work in metres. Any other ``crs`` value is refused with 400.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

from ..errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LAMBERT72 = "http://www.opengis.net/def/crs/EPSG/0/31370"
LAMBERT2008 = "http://www.opengis.net/def/crs/EPSG/0/3812"
SUPPORTED = {CRS84: "OGC:CRS84", LAMBERT72: "EPSG:31370", LAMBERT2008: "EPSG:3812"}
ALIASES = {"EPSG:31370": LAMBERT72, "EPSG:3812": LAMBERT2008, "OGC:CRS84": CRS84, "CRS84": CRS84}
DECIMALS = {CRS84: 6, LAMBERT72: 2, LAMBERT2008: 2}  # about 0.1 m and 1 cm


def parse_crs(value: str | None, name: str = "crs") -> str:
    """The canonical CRS URI for a ``crs``/``bbox-crs`` value; 400 for anything unsupported,
    including an empty value (the OpenAPI enum does not admit it, so it is not the default)."""
    if value is None:
        return CRS84
    uri = value.strip().strip("[]")
    uri = ALIASES.get(uri.upper(), uri).replace("https://", "http://")
    if uri not in SUPPORTED:
        raise InvalidParameter(f"Unsupported {name} '{value}'. Supported: {', '.join(SUPPORTED)}", parameter=name)
    return uri


@lru_cache(maxsize=8)
def transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(SUPPORTED.get(source, source), SUPPORTED.get(target, target), always_xy=True)


def to_crs(geometries: np.ndarray, source: str, target: str) -> np.ndarray:
    """Geometries transformed (x/y order: lon/lat, easting/northing) and rounded for the target."""
    out = geometries
    if source != target:
        tr = transformer(source, target)
        out = shapely.transform(geometries, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    digits = DECIMALS.get(target, 6)
    return shapely.transform(out, lambda xy: np.round(xy, digits))


def bbox_to_crs84(bbox: tuple[float, float, float, float], source: str) -> tuple[float, float, float, float]:
    if source == CRS84:
        return bbox
    return transformer(source, CRS84).transform_bounds(*bbox, densify_pts=21)
