"""Placing sites: resolve each place to its 2025 commune, take the source's coordinates when it
gives them (checked against Belgium and the stated commune), else the commune's representative
point with precision ``commune``."""

from __future__ import annotations

import functools
import re

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from ..errors import GeoServiceError
from ..names import names_by_code
from .placenames import PlaceResolver

_TO_LAMBERT = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
BORDER_TOLERANCE_M = 250.0  # coordinates this close to a commune border may sit on either side
# Columns of a site beyond where it is: the register's identifier of the site (a KBO/BCE
# establishment number, an OSM node or way), how to reach it, and its dates (docs/catalogue.md)
SITE_DEFAULTS = {
    "source_id": None,
    "contacts": None,
    "opening_hours": None,
    "last_confirmed": None,
    "valid_until": None,
    "closed_on": None,
}


def slug(text: str) -> str:
    from .placenames import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "site"


class SitePlacer:
    """Knows the communes' polygons and representative points; places one site spec at a time."""

    def __init__(self, boundaries, resolver: PlaceResolver):
        self.boundaries = boundaries
        self.resolver = resolver
        communes = boundaries.communes
        self.rep_points = dict(zip(communes.index, shapely.point_on_surface(communes.geometry.values)))
        self._tree = shapely.STRtree(communes.geometry.values)
        self._codes = np.asarray(communes.index)
        self._belgium = shapely.union_all(boundaries.regions.geometry.values)

    @functools.cached_property
    def commune_names(self) -> dict[str, dict[str, str]]:
        """Each commune's name in French, Dutch, English and German (:func:`name_in`), read once:
        an initiative with a site in every commune (the public centres for social welfare) names
        565 sites in four languages at every catalogue build."""
        communes = self.boundaries.communes
        by_lang = {lang: names_by_code(communes, lang, german=False) for lang in ("fr", "nl", "en", "de")}
        return {nis: {lang: names[nis] for lang, names in by_lang.items()} for nis in communes.index}

    def commune_at(self, point) -> str | None:
        hits = self._tree.query(point, predicate="intersects")
        return str(self._codes[hits[0]]) if len(hits) else None

    def place(self, spec: dict) -> tuple[str, object, str]:
        """(nis, point in EPSG:31370, precision) for a site spec; raises GeoServiceError."""
        nis = self.resolver.resolve(spec["place"])
        lat, lon = spec.get("lat"), spec.get("lon")
        if lat is None and lon is None:
            return nis, self.rep_points[nis], "commune"
        if lat is None or lon is None:
            raise GeoServiceError("give both lat and lon, or neither")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise GeoServiceError(f"coordinates ({lat}, {lon}) are not valid WGS84 latitude/longitude")
        point = shapely.Point(*_TO_LAMBERT.transform(lon, lat))
        if not self._belgium.contains(point):
            raise GeoServiceError(f"coordinates ({lat}, {lon}) fall outside Belgium")
        found = self.commune_at(point)
        commune_shape = self.boundaries.communes.geometry.loc[nis]
        if found != nis and commune_shape.distance(point) > BORDER_TOLERANCE_M:
            label = self.resolver.label(found) if found else "no commune"
            raise GeoServiceError(
                f"coordinates ({lat}, {lon}) lie in {label} ({found}), not in the stated commune "
                f"{self.resolver.label(nis)} ({nis})"
            )
        return nis, point, spec.get("precision") or "exact"


_RECENT_PLACERS: list[tuple[object, SitePlacer]] = []


def placer_for(boundaries, resolver: PlaceResolver | None = None) -> SitePlacer:
    """The :class:`SitePlacer` (with its :class:`PlaceResolver`) of ``boundaries``, built once per
    boundaries object: both only read the boundaries and the reference files, and building them
    costs about a third of a catalogue build, which every publication (and many tests) repeats.
    The last few are kept, matched by identity (a boundaries object is never changed once built).
    A caller's own ``resolver`` gets a placer of its own, not kept."""
    if resolver is not None:
        return SitePlacer(boundaries, resolver)
    for known, placer in _RECENT_PLACERS:
        if known is boundaries:
            return placer
    placer = SitePlacer(boundaries, PlaceResolver(boundaries))
    _RECENT_PLACERS[:] = [(boundaries, placer), *_RECENT_PLACERS[:3]]
    return placer


def texts_by_language(texts: dict | None, fallback: str | None) -> dict:
    """A record's ``{lang: text}`` with its single-language text as the English one where none is given."""
    out = {lang: text for lang, text in (texts or {}).items() if text}
    if fallback and "en" not in out:
        out["en"] = fallback
    return out


def site_names(spec: dict, record: dict) -> dict:
    """A site's names by language: its own, else (for a site without a name) its initiative's."""
    if spec.get("name") or spec.get("names"):
        return texts_by_language(spec.get("names"), spec.get("name"))
    return texts_by_language(record.get("names"), record["name"])


def to_frame(rows: list[dict], boundaries) -> gpd.GeoDataFrame:
    communes = boundaries.communes
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:31370")
    if len(frame):
        frame = frame.set_index("id")
        for column in ("arrondissement", "province", "region"):
            frame[column] = communes[column].reindex(frame["nis"]).values
    return frame
