"""Serving items fast: every feature serialised once (orjson), a spatial index for ``bbox``,
precomputed columns for equality filters; a page is a join of ready-made byte strings.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import orjson
import shapely

from .. import search
from .collections import Collection
from .crs import CRS84, to_crs
from .query import ItemsQuery

QUERYABLE_TYPES = {str: "string", int: "integer", bool: "boolean"}


def queryables_of(collection: Collection) -> dict[str, dict]:
    """Properties usable as ``name=value`` filters: scalar strings/integers/booleans, and lists of
    strings (matched when the list contains the value)."""
    out: dict[str, dict] = {}
    if not collection.properties:
        return out
    for name in collection.properties[0]:
        kinds = {type(p.get(name)) for p in collection.properties} - {type(None)}
        if len(kinds) == 1 and (kind := next(iter(kinds))) in QUERYABLE_TYPES:
            out[name] = {"type": QUERYABLE_TYPES[kind], "title": name}
        elif kinds == {list} and all(isinstance(v, str) for p in collection.properties for v in (p.get(name) or [])):
            out[name] = {
                "type": "array",
                "items": {"type": "string"},
                "title": name,
                "description": "matches features whose list contains the value",
            }
    return out


def _filter_value(value) -> str | frozenset | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return frozenset(value)
    return None if value is None else str(value)


class FeatureStore:
    """Items of one collection in every supported CRS, serialised once, plus their indexes."""

    def __init__(self, collection: Collection):
        self.collection = collection
        self.ids = collection.ids
        self.position = {fid: i for i, fid in enumerate(self.ids)}
        self.geometry = np.asarray(collection.display.geometry.values, dtype=object)
        self.tree = shapely.STRtree(self.geometry)
        self.queryables = queryables_of(collection)
        self._columns = {name: [_filter_value(p.get(name)) for p in collection.properties] for name in self.queryables}
        self._props = [orjson.dumps(p) for p in collection.properties]
        self._encoded: dict[str, list[bytes]] = {}

    @cached_property
    def texts(self) -> list[str]:
        """Each feature's folded searchable text (``q``), built on first use."""
        return [search.text_of(p) for p in self.collection.properties]

    @cached_property
    def bounds(self) -> list[float]:
        present = self.geometry[~shapely.is_missing(self.geometry)]
        return [round(float(v), 6) for v in shapely.total_bounds(present)] if len(present) else []

    def encoded(self, crs: str) -> list[bytes]:
        """Feature GeoJSON bytes in ``crs`` (built on first use)."""
        if crs not in self._encoded:
            geoms = to_crs(self.geometry, CRS84, crs)
            texts = shapely.to_geojson(geoms)
            self._encoded[crs] = [
                b'{"type":"Feature","id":'
                + orjson.dumps(fid)
                + b',"geometry":'
                + (t.encode() if t is not None else b"null")
                + b',"properties":'
                + props
                + b"}"
                for fid, t, props in zip(self.ids, texts, self._props)
            ]
        return self._encoded[crs]

    def select(self, query: ItemsQuery) -> np.ndarray:
        """Positions of the matching features, in collection order."""
        if query.bbox is not None:
            hits = np.sort(self.tree.query(shapely.box(*query.bbox), predicate="intersects"))
        else:
            hits = np.arange(len(self.ids))
        for name, value in query.filters:
            column = self._columns[name]
            if self.queryables[name]["type"] == "array":
                hits = np.array([i for i in hits if column[i] is not None and value in column[i]], dtype=int)
            else:
                hits = np.array([i for i in hits if column[i] == value], dtype=int)
        if query.q:
            wanted, texts = search.phrases(query.q), self.texts
            hits = np.array([i for i in hits if search.matches(texts[i], wanted)], dtype=int)
        return hits

    def page(self, query: ItemsQuery) -> tuple[list[bytes], int]:
        """(feature bytes of the requested page, number matched)."""
        hits = self.select(query)
        chosen = hits[query.offset : query.offset + query.limit]
        features = self.encoded(query.crs)
        return [features[i] for i in chosen], len(hits)

    def feature(self, fid: str, crs: str) -> bytes | None:
        i = self.position.get(fid)
        return None if i is None else self.encoded(crs)[i]


def feature_collection(features: list[bytes], matched: int, links: list[dict], timestamp: str) -> bytes:
    head = b'{"type":"FeatureCollection","numberMatched":' + str(matched).encode()
    head += b',"numberReturned":' + str(len(features)).encode()
    head += b',"timeStamp":' + orjson.dumps(timestamp) + b',"links":' + orjson.dumps(links)
    return head + b',"features":[' + b",".join(features) + b"]}"
