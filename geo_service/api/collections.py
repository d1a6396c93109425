"""The collections the API serves, built once per snapshot from the boundaries, catalogue and
indicators: one GeoDataFrame per collection with flat, JSON-ready properties.

Items use the display geometry (simplified, shared borders, EPSG:4326) so the whole communes
layer stays under 1 MB; downloads use the exact geometry (EPSG:31370). Indicator columns are
joined generically, so new ones appear without changes here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..harvest import ODBL, shows_osm
from . import licences
from .columns import column_docs

if TYPE_CHECKING:
    from ..indicators import Indicators

LEVEL_COLLECTIONS = {
    "communes": (
        "commune",
        "Communes (2025)",
        "The 565 Belgian communes of 2025 with their population (1 January 2025; by sex, 1 January 2020) and indicators.",
    ),
    "arrondissements": (
        "arrondissement",
        "Arrondissements",
        "The 43 administrative arrondissements with their population (1 January 2025; by sex, 1 January 2020).",
    ),
    "provinces": (
        "province",
        "Provinces",
        "The 10 provinces and the Brussels-Capital Region (NUTS 2) with population (1 January 2025; by sex, "
        "1 January 2020) and employment figures.",
    ),
    "regions": (
        "region",
        "Regions",
        "The 3 regions (NUTS 1) with population (1 January 2025; by sex, 1 January 2020) and employment figures.",
    ),
}
INDICATOR_TABLES = {"commune": "communes", "province": "provinces", "region": "regions"}
# The facts behind each status of a commune, in words and ids: why that status, the name of the
# nearest site (its id stays), the competent networks and whether they are complete, why a value
# is missing. Left out of the communes' items unless named in ``properties=`` (issue 23: items carry
# what a map or a spreadsheet needs; the item and commune pages explain), never out of downloads.
EXPLANATIONS = re.compile(r"^(status_reason_|nearest_name_|networks_|network_complete_)|_missing_reason$")


@dataclass
class Collection:
    """One served layer: ``display`` (EPSG:4326) for items, ``exact`` (EPSG:31370) for downloads."""

    id: str
    title: str
    description: str
    display: gpd.GeoDataFrame
    exact: gpd.GeoDataFrame
    sources: list[dict]
    id_property: str
    properties: list[dict] = field(default_factory=list)  # JSON-ready property dicts, in order
    formulas: dict[str, str] = field(default_factory=dict)  # column -> the columns it is computed from
    completeness: dict | None = None  # what the catalogue knows: the register and the status counts
    default_properties: tuple[str, ...] | None = None  # what items show without ``properties=`` (None: all)
    columns: dict[str, dict] = field(default_factory=dict)  # name -> description, unit, year, source (columns.py)

    @property
    def ids(self) -> list[str]:
        return [str(i) for i in self.display.index]

    @cached_property
    def exact_crs84(self) -> np.ndarray:
        """The exact geometry in CRS84, rounded (the downloads' geometry), computed once."""
        from .crs import CRS84, LAMBERT72, to_crs

        return to_crs(np.asarray(self.exact.geometry.values, dtype=object), LAMBERT72, CRS84)

    @cached_property
    def inside_points(self) -> np.ndarray:
        """A point inside each exact geometry, in CRS84 (None where there is no geometry)."""
        geoms = self.exact_crs84
        present = ~shapely.is_missing(geoms)
        inside = np.full(len(geoms), None, dtype=object)
        inside[present] = shapely.point_on_surface(geoms[present])
        return inside


def jsonable(value):
    """A JSON-ready copy of a cell: numpy scalars to Python, NaN/NA to None, containers recursed."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value) if not isinstance(value, str) else value


def _column_values(column: pd.Series) -> list:
    """A column's cells made JSON-ready (:func:`jsonable`), a whole numpy column at a time: the
    communes layer has 188 columns of mostly plain numbers."""
    values = column.to_numpy() if isinstance(column.dtype, np.dtype) else None
    if values is None or values.dtype.kind not in "biuf":
        return [jsonable(v) for v in column]
    out = values.tolist()
    if values.dtype.kind == "f":
        for i in np.flatnonzero(~np.isfinite(values)):
            out[i] = None
    return out


def _records(frame: pd.DataFrame, id_property: str) -> list[dict]:
    columns = [c for c in frame.columns if c not in ("geometry", id_property)]
    ids = [str(fid) for fid in frame.index]
    cells = [_column_values(frame[c]) for c in columns]
    return [{id_property: fid, **dict(zip(columns, row))} for fid, *row in zip(ids, *cells)]


def _join_indicators(layer: gpd.GeoDataFrame, table) -> gpd.GeoDataFrame:
    if table is None or len(getattr(table, "columns", ())) == 0:
        return layer
    extra = table.drop(columns=[c for c in table.columns if c in layer.columns or c == "geometry"])
    extra.index = extra.index.astype(str)
    return layer.join(extra, how="left")


def _level(snapshot, cid: str) -> Collection:
    level, title, description = LEVEL_COLLECTIONS[cid]
    indicators = snapshot.indicators
    table = getattr(indicators, INDICATOR_TABLES[level]) if level in INDICATOR_TABLES else None
    display = _join_indicators(snapshot.base.display[level], table)
    exact = snapshot.base.boundaries.layer(level)[["geometry"]].join(display.drop(columns="geometry"))
    sources = licences.boundary_sources() + licences.population_sources()
    formulas = {}
    if table is not None:
        sources += licences.indicator_sources(indicators, list(table.columns))
        sources = list({s["title"]: s for s in sources}.values())  # a file named twice is listed once
        formulas = licences.indicator_formulas(indicators, list(table.columns))
    out = Collection(cid, title, description, display, exact, sources, "nis", formulas=formulas)
    if cid == "communes":
        out.default_properties = tuple(
            c for c in ["nis", *display.columns] if c != "geometry" and not EXPLANATIONS.search(c)
        )
    return out


def unions(geometries: pd.Series, groups) -> list:
    """The union of each group of codes' ``geometries`` (None for an empty group), looked up in a
    dict: a service area of one commune, most of the 586, costs a lookup, not a pandas ``loc``."""
    by_code = dict(zip(geometries.index, geometries.values))
    return [shapely.coverage_union_all(np.array([by_code[c] for c in codes])) if codes else None for codes in groups]


def _catalogue_frames(snapshot) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    """(attributes, exact geometry in EPSG:31370) for initiatives, sites and service areas."""
    cat = snapshot.catalogue
    sites = cat.sites
    site_attrs = pd.DataFrame(sites.drop(columns="geometry"))
    centres = getattr(snapshot.indicators, "centres", None)
    if centres is not None and len(centres.columns):  # each reception centre's support within reach
        site_attrs = site_attrs.join(centres.drop(columns=[c for c in centres if c in site_attrs]))
    grouped = sites.geometry.groupby(sites["initiative_id"]).agg(lambda g: shapely.multipoints(list(g)))
    initiative_geom = np.array([grouped.get(i) for i in cat.initiatives.index], dtype=object)
    members = cat.service_areas.groupby("area_id")["nis"].agg(lambda s: sorted(set(map(str, s))))
    areas = cat.areas.copy()
    areas["communes"] = [members.get(a, []) for a in areas.index]
    area_geom = np.array(unions(snapshot.base.boundaries.communes.geometry, areas["communes"]), dtype=object)
    return {
        "initiatives": (cat.initiatives, initiative_geom),
        "sites": (site_attrs, np.asarray(sites.geometry.values, dtype=object)),
        "service-areas": (areas, area_geom),
    }


CATALOGUE_COLLECTIONS = {
    "initiatives": (
        "Initiatives and services",
        "One feature per initiative or public service; geometry: the MultiPoint of its sites (null when it has none).",
    ),
    "sites": (
        "Sites",
        "Every site (office, centre, meeting place) of an initiative or service, with its location precision.",
    ),
    "service-areas": (
        "Service areas",
        "One feature per service area: the union of the communes the initiative or office is mandated to serve.",
    ),
}


def _catalogue(snapshot) -> list[Collection]:
    from .crs import CRS84, LAMBERT72, to_crs

    out = []
    display_communes = snapshot.base.display["commune"].geometry
    for cid, (attrs, exact_geom) in _catalogue_frames(snapshot).items():
        title, description = CATALOGUE_COLLECTIONS[cid]
        attrs = attrs.copy()
        attrs.index = attrs.index.astype(str)
        exact = gpd.GeoDataFrame(attrs, geometry=list(exact_geom), crs="EPSG:31370")
        if cid == "service-areas":  # display: union of the simplified communes (shared borders)
            shown = unions(display_communes, attrs["communes"])
        else:
            shown = list(to_crs(np.asarray(exact_geom, dtype=object), LAMBERT72, CRS84))
        display = gpd.GeoDataFrame(attrs, geometry=shown, crs="EPSG:4326")
        sources = licences.catalogue_sources()
        if cid != "service-areas" and shows_osm(snapshot.catalogue.sites):
            sources = [*sources, dict(ODBL)]  # sites from OpenStreetMap: the ODbL travels with the layer
        out.append(Collection(cid, title, description, display, exact, sources, "id"))
    return out


def promote_polygons(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A layer of Polygons and MultiPolygons with every Polygon made a one-part MultiPolygon, so
    the layer has one geometry type (GeoPackage, GDAL's OAPIF driver reading the first page)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    kinds = set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist())
    if not kinds or not kinds <= {3, 6} or kinds == {6}:  # 3: Polygon, 6: MultiPolygon
        return frame
    single = shapely.get_type_id(geoms) == 3
    promoted = geoms.copy()
    promoted[single] = [shapely.MultiPolygon([g]) for g in geoms[single]]
    return frame.set_geometry(gpd.GeoSeries(promoted, index=frame.index, crs=frame.crs))


def geometry_type(frame: gpd.GeoDataFrame) -> str:
    """The one geometry type of a layer's non-empty geometries (``Unknown`` when mixed or none)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    kinds = {g.geom_type for g in geoms[~shapely.is_missing(geoms)]}
    return kinds.pop() if len(kinds) == 1 else "Unknown"


def completeness(indicators: Indicators) -> dict | None:
    """The completeness register (each network's sites in the catalogue against its operator's
    statement, with sources) and the communes per status and kind (docs/indicators.md): every
    layer built from the catalogue says how much of it is known."""
    register = indicators.register
    if register is None:
        return None
    return {
        "description": licences.t(
            "The catalogue is partial. networks: the sites the catalogue holds for each service network against "
            "the number its operator states (status complete / partial / unknown). statusCounts: communes per "
            "status and kind; a commune is a 'gap' only where every competent network is complete, else "
            "'unknown'. notAssessed: the kinds that judge no commune, and why."
        ),
        "reachKm": indicators.params.get("desert_km"),
        "networks": jsonable(register.summary()),
        "statusCounts": indicators.status_counts(),
        "notAssessed": not_assessed(indicators),
        "isolatedCentres": isolated_centres(indicators),
        "method": "docs/indicators.md#three-statuses",
    }


def not_assessed(indicators: Indicators) -> dict[str, str]:
    """The kinds that judge no commune (or only some), each with its reason: said once here, not per commune."""
    from ..indicators.status import NOT_ASSESSED, NOT_ASSESSED_REASONS

    kinds = indicators.params.get("kinds") or list(NOT_ASSESSED_REASONS)
    columns = {kind: indicators.communes.get(f"status_{kind}") for kind in kinds if kind in NOT_ASSESSED_REASONS}
    return {
        kind: NOT_ASSESSED_REASONS[kind]
        for kind, column in columns.items()
        if column is not None and bool((column == NOT_ASSESSED).any())
    }


def isolated_centres(indicators: Indicators) -> dict | None:
    """How many reception centres have none of the support kinds within reach (docs/indicators.md)."""
    centres = getattr(indicators, "centres", None)
    if centres is None:
        return None
    return {
        "description": "Reception centres with none of supportKinds within reachKm (sites collection: isolated, "
        "support_<kind>, support_km_<kind>).",
        "centres": int(len(centres)),
        "isolated": int(centres["isolated"].sum()) if len(centres) else 0,
        "supportKinds": list(indicators.params.get("isolation_kinds") or ()),
        "reachKm": indicators.params.get("desert_km"),
    }


def build_collections(snapshot) -> dict[str, Collection]:
    """Every collection of a snapshot, keyed by id, properties made JSON-ready once."""
    collections = [_level(snapshot, cid) for cid in LEVEL_COLLECTIONS]
    collections += _catalogue(snapshot)
    known = completeness(snapshot.indicators)
    metadata, params = snapshot.indicators.metadata or {}, snapshot.indicators.params or {}
    facts = {"population_year": params.get("population_year"), "nationality_year": params.get("nationality_year")}
    for c in collections:
        c.completeness = known
        c.display, c.exact = promote_polygons(c.display), promote_polygons(c.exact)
        c.display.index = c.display.index.astype(str)
        c.exact.index = c.exact.index.astype(str)
        c.properties = _records(c.display, c.id_property)
        c.columns = column_docs(c.id, list(c.properties[0]) if c.properties else [c.id_property], metadata, facts)
    return {c.id: c for c in collections}
