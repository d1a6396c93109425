"""Serving items fast: every feature serialised once (orjson), a spatial index for ``bbox``,
precomputed columns for equality filters and sort ranks for ``sortby``; a page is a join of
ready-made byte strings. A feature's geometry (per CRS) and its default properties are kept as
separate byte strings, so ``skipGeometry`` and ``properties`` cost a join, not a serialisation
of the geometry."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import orjson
import shapely

from .. import search
from ..catalogue.placenames import fold
from .collections import Collection
from .crs import CRS84, to_crs
from .query import FeatureView, ItemsQuery

QUERYABLE_TYPES = {str: "string", int: "integer", bool: "boolean"}
SORTABLE_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
NULL_GEOMETRY = b"null"


def property_kinds(collection: Collection) -> dict[str, set[type]]:
    """The types of each property's values (None left out), read in one pass over the features."""
    kinds: dict[str, set[type]] = {name: set() for name in returnables_of(collection)}
    for properties in collection.properties:
        for name, value in properties.items():
            if value is not None:
                kinds.setdefault(name, set()).add(type(value))
    return kinds


def queryables_of(collection: Collection, kinds_of: dict[str, set[type]] | None = None) -> dict[str, dict]:
    """Properties usable as ``name=value`` filters: scalar strings/integers/booleans, and lists of
    strings (matched when the list contains the value)."""
    kinds_of = property_kinds(collection) if kinds_of is None else kinds_of
    out: dict[str, dict] = {}
    for name in returnables_of(collection):
        kinds = kinds_of.get(name, set())
        if len(kinds) == 1 and (kind := next(iter(kinds))) in QUERYABLE_TYPES:
            out[name] = {"type": QUERYABLE_TYPES[kind]}
        elif kinds == {list} and all(isinstance(v, str) for p in collection.properties for v in (p.get(name) or [])):
            out[name] = {"type": "array", "items": {"type": "string"}}
    return out


def sortables_of(collection: Collection, kinds_of: dict[str, set[type]] | None = None) -> dict[str, dict]:
    """Properties usable in ``sortby``: those whose values are all of one scalar type (integers and
    decimals together are numbers); features without a value sort last."""
    kinds_of = property_kinds(collection) if kinds_of is None else kinds_of
    out: dict[str, dict] = {}
    for name in returnables_of(collection):
        kinds = set(kinds_of.get(name, ()))
        if kinds == {int, float}:
            kinds = {float}
        if len(kinds) == 1 and (kind := next(iter(kinds))) in SORTABLE_TYPES:
            out[name] = {"type": SORTABLE_TYPES[kind]}
    return out


def returnables_of(collection: Collection) -> list[str]:
    """Every property name of the collection, in the order of its first feature."""
    return list(collection.properties[0]) if collection.properties else []


def _filter_value(value) -> str | frozenset | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return frozenset(value)
    return None if value is None else str(value)


def _sort_key(value):
    """Strings compare folded (case and accents ignored: "Écaussinnes" between "Dour" and "Eeklo"),
    then as written; booleans as false < true; numbers as numbers."""
    if isinstance(value, str):
        return (fold(value), value)
    return value


class FeatureStore:
    """Items of one collection in every supported CRS, serialised once, plus their indexes."""

    def __init__(self, collection: Collection):
        self.collection = collection
        self.ids = collection.ids
        self.position = {fid: i for i, fid in enumerate(self.ids)}
        self.geometry = np.asarray(collection.display.geometry.values, dtype=object)
        self.tree = shapely.STRtree(self.geometry)
        kinds = property_kinds(collection)
        self.queryables = queryables_of(collection, kinds)
        self.sortables = sortables_of(collection, kinds)
        self.returnables = returnables_of(collection)
        names = set(self.returnables)
        self.default_properties = tuple(n for n in (collection.default_properties or self.returnables) if n in names)
        self._columns: dict[str, list] = {}  # per queryable, on first use (self.column)
        default = self.default_properties
        self._props = [orjson.dumps({k: p.get(k) for k in default}) for p in collection.properties]
        self._heads = [b'{"type":"Feature","id":' + orjson.dumps(fid) + b',"geometry":' for fid in self.ids]
        self._geometries: dict[str, list[bytes]] = {}
        self._encoded: dict[str, list[bytes]] = {}
        self._ranks: dict[tuple[str, bool], np.ndarray] = {}

    @cached_property
    def texts(self) -> list[str]:
        """Each feature's folded searchable text (``q``), built on first use."""
        return [search.text_of(p) for p in self.collection.properties]

    @cached_property
    def bounds(self) -> list[float]:
        present = self.geometry[~shapely.is_missing(self.geometry)]
        return [round(float(v), 6) for v in shapely.total_bounds(present)] if len(present) else []

    def geometries(self, crs: str) -> list[bytes]:
        """Each feature's GeoJSON geometry in ``crs`` (built on first use)."""
        if crs not in self._geometries:
            texts = shapely.to_geojson(to_crs(self.geometry, CRS84, crs))
            self._geometries[crs] = [t.encode() if t is not None else NULL_GEOMETRY for t in texts]
        return self._geometries[crs]

    def encoded(self, crs: str) -> list[bytes]:
        """Feature GeoJSON bytes in ``crs`` with the default properties (built on first use)."""
        if crs not in self._encoded:
            self._encoded[crs] = [
                head + geom + b',"properties":' + props + b"}"
                for head, geom, props in zip(self._heads, self.geometries(crs), self._props)
            ]
        return self._encoded[crs]

    def written(self, positions, crs: str, view: FeatureView = FeatureView()) -> list[bytes]:
        """The features at ``positions`` as GeoJSON bytes, shaped by ``view``."""
        if view == FeatureView():
            features = self.encoded(crs)
            return [features[i] for i in positions]
        geoms = None if view.skip_geometry else self.geometries(crs)
        names, records = view.properties, self.collection.properties
        out = []
        for i in positions:
            props = self._props[i] if names is None else orjson.dumps({k: records[i].get(k) for k in names})
            out.append(
                self._heads[i] + (NULL_GEOMETRY if geoms is None else geoms[i]) + b',"properties":' + props + b"}"
            )
        return out

    def _rank(self, name: str, descending: bool) -> np.ndarray:
        """Each feature's place in the order of ``name`` (equal values share a place; features
        without a value come after all others, in either direction)."""
        key = (name, descending)
        if key not in self._ranks:
            values = [p.get(name) for p in self.collection.properties]
            present = [i for i, v in enumerate(values) if v is not None]
            ordered = sorted(present, key=lambda i: _sort_key(values[i]), reverse=descending)
            rank = np.full(len(values), len(values), dtype=np.int64)
            place, previous = -1, object()
            for i in ordered:
                current = _sort_key(values[i])
                if current != previous:
                    place, previous = place + 1, current
                rank[i] = place
            self._ranks[key] = rank
        return self._ranks[key]

    def sort(self, hits: np.ndarray, sortby) -> np.ndarray:
        """``hits`` ordered by the ``sortby`` keys (first key first), ties in collection order."""
        if not sortby or len(hits) == 0:
            return hits
        keys = [hits] + [self._rank(name, desc)[hits] for name, desc in reversed(sortby)]
        return hits[np.lexsort(keys)]

    def column(self, name: str) -> list:
        """Each feature's value of the queryable ``name`` as a filter compares it, built the first
        time a filter reads it (a filter reads one of the communes' 188 properties)."""
        column = self._columns.get(name)
        if column is None:
            column = self._columns[name] = [_filter_value(p.get(name)) for p in self.collection.properties]
        return column

    def select(self, query: ItemsQuery) -> np.ndarray:
        """Positions of the matching features, in collection order, then sorted by ``sortby``."""
        if query.bbox is not None:
            hits = np.sort(self.tree.query(shapely.box(*query.bbox), predicate="intersects"))
        else:
            hits = np.arange(len(self.ids))
        for name, value in query.filters:
            column = self.column(name)
            if self.queryables[name]["type"] == "array":
                hits = np.array([i for i in hits if column[i] is not None and value in column[i]], dtype=int)
            else:
                hits = np.array([i for i in hits if column[i] == value], dtype=int)
        if query.q:
            wanted, texts = search.phrases(query.q), self.texts
            hits = np.array([i for i in hits if search.matches(texts[i], wanted)], dtype=int)
        return self.sort(hits, query.sortby)

    def page(self, query: ItemsQuery) -> tuple[list[bytes], int]:
        """(feature bytes of the requested page, number matched)."""
        hits = self.select(query)
        chosen = hits[query.offset : query.offset + query.limit]
        return self.written(chosen, query.crs, query.view), len(hits)

    def feature(self, fid: str, crs: str, view: FeatureView = FeatureView()) -> bytes | None:
        """One feature; without ``properties``, with every property (the default set is for
        whole layers: one feature is small, and whoever asks for it wants its details)."""
        i = self.position.get(fid)
        if i is None:
            return None
        if view.properties is None:
            view = FeatureView(tuple(self.returnables), view.skip_geometry)
        return self.written([i], crs, view)[0]


def feature_collection(features: list[bytes], matched: int, links: list[dict], timestamp: str) -> bytes:
    head = b'{"type":"FeatureCollection","numberMatched":' + str(matched).encode()
    head += b',"numberReturned":' + str(len(features)).encode()
    head += b',"timeStamp":' + orjson.dumps(timestamp) + b',"links":' + orjson.dumps(links)
    return head + b',"features":[' + b",".join(features) + b"]}"
