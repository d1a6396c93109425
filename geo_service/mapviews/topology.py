"""The display geometry of communes, provinces and regions as one TopoJSON document: the one
geometry resource every map page draws from (docs/maps.md, *Geometry once*).

Provinces and regions are the dissolved display communes, so their borders are exactly the
communes' borders and share their arcs: the two upper levels cost about 2 KB more than the
communes alone. Coordinates are quantised (TopoJSON ``transform``, delta-encoded arcs) on a grid
of :data:`QUANTISATION` steps across Belgium, about 27 m, well under the 180 m tolerance of the
display simplification (``display.py``). Features carry only their code as ``id``: names and
values travel with each view, so one document serves every language and every view.
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import orjson

QUANTISATION = 10_000
OBJECTS = {"communes": None, "provinces": "province", "regions": "region"}  # object: column of the communes


def topology(communes: gpd.GeoDataFrame, quantisation: int = QUANTISATION) -> bytes:
    """TopoJSON (compact JSON bytes) of ``communes`` (display layer, EPSG:4326, index = NIS, with
    ``province`` and ``region`` codes) and of the provinces and regions dissolved from them."""
    import topojson

    frames = []
    for column in OBJECTS.values():
        frame = communes[["geometry"]] if column is None else communes[["geometry", column]].dissolve(column)
        frames.append(frame[["geometry"]])
    built = topojson.Topology(
        frames, object_name=list(OBJECTS), prequantize=quantisation, topology=True, toposimplify=False
    ).to_dict()
    for frame, name in zip(frames, OBJECTS):
        geometries = built["objects"][name]["geometries"]
        for geometry, code in zip(geometries, frame.index):
            geometry["id"] = str(code)
            geometry.pop("properties", None)
    return orjson.dumps(built)


def digest(data: bytes) -> str:
    """The content address of a geometry document: part of its URL, so it can be cached for good."""
    return hashlib.sha256(data).hexdigest()[:16]
