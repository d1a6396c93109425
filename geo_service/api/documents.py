"""The JSON documents of OGC API - Features: landing page, conformance, collections, queryables,
links. Plain dicts, built from a base URL so links are absolute."""

from __future__ import annotations

from . import licences
from .collections import Collection, geometry_type
from .crs import CRS84, SUPPORTED
from .features import FeatureStore
from .fields import DOWNLOAD_TITLES

# Conformance classes (docs/api.md cites each standard): Part 1 Core, Part 2 CRS, Part 3
# queryables as query parameters, Part 6 property selection (draft 24-019), Part 8 sorting (draft
# 24-030: sortables, sorting, features sorting).
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties",
    "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties-features",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sortables",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/features-sorting",
]
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
REL_CONFORMANCE = "http://www.opengis.net/def/rel/ogc/1.0/conformance"
REL_DATA = "http://www.opengis.net/def/rel/ogc/1.0/data"
REL_SORTABLES = "http://www.opengis.net/def/rel/ogc/1.0/sortables"
REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"
SCHEMA_JSON = "application/schema+json"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
# whole-layer downloads: <collection>.<name>, with the media type of each (exports.py builds them;
# DOWNLOAD_TITLES in fields.py names them)
DOWNLOADS = {
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "excel.csv": "text/csv",
    "gpkg": "application/geopackage+sqlite3",
    "sources.csv": "text/csv",
    "columns.csv": "text/csv",
}
TITLE = "Welcome Atlas: open data on support for migrants and refugees in Belgium"


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def self_links(url: str, json_type: str = JSON) -> list[dict]:
    sep = "&" if "?" in url else "?"
    return [
        link(f"{url}{sep}f=json", "self", json_type, "This document as JSON"),
        link(f"{url}{sep}f=html", "alternate", HTML, "This document as HTML"),
    ]


def landing(base: str) -> dict:
    return {
        "title": TITLE,
        "description": "OGC API - Features over Belgian boundaries, population, indicators and the catalogue of "
        "support for migrants and refugees. Bulk downloads (GeoJSON, CSV, GeoPackage) carry sources and licences.",
        "links": self_links(f"{base}/ogc")
        + [
            link(f"{base}/api", "service-desc", OPENAPI, "The OpenAPI 3.0 definition"),
            link(f"{base}/api?f=html", "service-doc", HTML, "The API documentation"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/conformance", REL_CONFORMANCE, JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "The collections"),
            link(f"{base}/collections", REL_DATA, JSON, "The collections"),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": list(CONFORMANCE)}


def collection_doc(c: Collection, store: FeatureStore, base: str) -> dict:
    url = f"{base}/collections/{c.id}"
    links = self_links(url) + [
        link(f"{url}/items", "items", GEOJSON, f"{c.title} as GeoJSON"),
        link(f"{url}/items?f=html", "items", HTML, f"{c.title} as HTML"),
        link(f"{url}/queryables", REL_QUERYABLES, SCHEMA_JSON, "Properties usable as filters"),
        link(f"{url}/sortables", REL_SORTABLES, SCHEMA_JSON, "Properties usable in sortby"),
        link(f"{url}/schema", REL_SCHEMA, SCHEMA_JSON, "Every property: meaning, unit, year, source"),
        link(f"{base}/downloads/{c.id}.sources.json", "describedby", JSON, "Sources and licences"),
    ]
    own = licences.PROJECT_LICENCE
    licence_links = {own["url"]: link(own["url"], "license", HTML, f"Licence: {own['name']}")}
    for s in c.sources:
        if s.get("url"):  # where the data come from; "license" links only point at a licence's text
            links.append(link(s["url"], "via", HTML, f"Source: {s['title']}"))
        if url := licences.licence_url(s.get("licence")):
            licence_links.setdefault(url, link(url, "license", HTML, f"Licence: {s['licence']}"))
    links.extend(licence_links.values())
    for ext, media in DOWNLOADS.items():
        links.append(link(f"{base}/downloads/{c.id}.{ext}", "enclosure", media, DOWNLOAD_TITLES[ext]))
    extent = {"spatial": {"bbox": [store.bounds], "crs": CRS84}} if store.bounds else {}
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "numberOfFeatures": len(c.ids),
        "extent": extent,
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "licence": licences.licence_statement(),
        "sources": c.sources,
        "formulas": c.formulas,
        **({"completeness": c.completeness} if c.completeness else {}),
        "links": links,
    }


def collections_doc(collections: dict[str, Collection], stores: dict[str, FeatureStore], base: str) -> dict:
    return {
        "links": self_links(f"{base}/collections"),
        "crs": list(SUPPORTED),
        "collections": [collection_doc(c, stores[c.id], base) for c in collections.values()],
    }


def _schema(url: str, title: str, description: str, properties: dict[str, dict]) -> dict:
    return {
        "$schema": JSON_SCHEMA,
        "$id": url,
        "type": "object",
        "title": title,
        "description": description,
        "properties": properties,
        "additionalProperties": False,
    }


def documented(c: Collection, name: str, schema: dict) -> dict:
    """A property's JSON Schema with its title, description, unit, year and source (columns.py):
    ``x-ogc-unit`` is not used, as the units are words ("persons", "km (straight line)"), not UCUM."""
    from ..indicators.status import KIND_NOUNS
    from ..mapviews.labels import THEME_LABELS
    from .fields import title

    doc = c.columns.get(name, {})
    return {
        **schema,
        "title": title(name, lambda s: s, KIND_NOUNS, THEME_LABELS),
        "description": doc.get("description", ""),
        "unit": doc.get("unit"),
        "year": doc.get("year"),
        "source": doc.get("source", ""),
    }


def queryables_doc(c: Collection, store: FeatureStore, base: str) -> dict:
    properties = {}
    for name, schema in store.queryables.items():
        entry = documented(c, name, schema)
        if schema["type"] == "array":
            entry["description"] += " (as a filter: features whose list contains the value)"
        properties[name] = entry
    return _schema(
        f"{base}/collections/{c.id}/queryables",
        c.title,
        "Properties usable as name=value filters on items. Free text over names in every language, operators and "
        "places: the q parameter (see the OpenAPI document).",
        properties,
    )


def sortables_doc(c: Collection, store: FeatureStore, base: str) -> dict:
    return _schema(
        f"{base}/collections/{c.id}/sortables",
        c.title,
        "Properties usable in sortby (OGC API - Features Part 8): sortby=-pop_2025_total,name_fr sorts by the first "
        "descending, then by the second ascending. Features without a value come last.",
        {name: documented(c, name, schema) for name, schema in store.sortables.items()},
    )


JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array", dict: "object"}


def schema_doc(c: Collection, store: FeatureStore, base: str) -> dict:
    """Every property of the collection's features (OGC API - Features Part 5 "returnables"),
    documented; ``returnedByDefault`` says which items carry without ``properties=``."""
    properties: dict[str, dict] = {}
    default = set(store.default_properties)
    for seq, name in enumerate(store.returnables, start=1):
        kinds = {type(p.get(name)) for p in c.properties} - {type(None)}
        kind = (
            "number"
            if kinds == {int, float}
            else JSON_TYPES.get(next(iter(kinds)), "string")
            if len(kinds) == 1
            else "string"
        )
        schema = {"type": kind, **({"x-ogc-role": "id"} if name == c.id_property else {})}
        properties[name] = {
            **documented(c, name, schema),
            "x-ogc-propertySeq": seq,
            "returnedByDefault": name in default,
        }
    shape = geometry_type(c.display)
    properties["geometry"] = {
        "title": "Geometry",
        "format": f"geometry-{shape.lower()}" if shape != "Unknown" else "geometry-any",
        "x-ogc-role": "primary-geometry",
        "x-ogc-propertySeq": len(properties) + 1,
    }
    return _schema(
        f"{base}/collections/{c.id}/schema",
        c.title,
        "Every property of the features: its meaning, unit, year and source. Items carry the properties with "
        "returnedByDefault true unless properties= names others; downloads carry them all.",
        properties,
    )
