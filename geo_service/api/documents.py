"""The JSON documents of OGC API - Features: landing page, conformance, collections, queryables,
links. Plain dicts, built from a base URL so links are absolute."""

from __future__ import annotations

from . import licences
from .collections import Collection
from .crs import CRS84, SUPPORTED
from .features import FeatureStore

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
REL_CONFORMANCE = "http://www.opengis.net/def/rel/ogc/1.0/conformance"
REL_DATA = "http://www.opengis.net/def/rel/ogc/1.0/data"
DOWNLOADS = {"geojson": "application/geo+json", "csv": "text/csv", "gpkg": "application/geopackage+sqlite3"}
TITLE = "geo_service: support for migrants and refugees in Belgium"


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
        link(f"{url}/queryables", REL_QUERYABLES, "application/schema+json", "Properties usable as filters"),
        link(f"{base}/downloads/{c.id}.sources.json", "describedby", JSON, "Sources and licences"),
    ]
    licence_links = {}
    for s in c.sources:
        if s.get("url"):  # where the data come from; "license" links only point at a licence's text
            links.append(link(s["url"], "via", HTML, f"Source: {s['title']}"))
        if url := licences.licence_url(s.get("licence")):
            licence_links.setdefault(url, link(url, "license", HTML, f"Licence: {s['licence']}"))
    links.extend(licence_links.values())
    for ext, media in DOWNLOADS.items():
        links.append(link(f"{base}/downloads/{c.id}.{ext}", "enclosure", media, f"Whole layer as {ext.upper()}"))
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


def queryables_doc(c: Collection, store: FeatureStore, base: str) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{c.id}/queryables",
        "type": "object",
        "title": c.title,
        "description": "Properties usable as name=value filters on items. Free text over names in every "
        "language, operators and places: the q parameter (see the OpenAPI document).",
        "properties": titled(store.queryables),
        "additionalProperties": False,
    }


def titled(queryables: dict[str, dict]) -> dict[str, dict]:
    """Each queryable's schema with a ``title`` for people (api/fields.py; English, as the JSON)."""
    from ..indicators.status import KIND_NOUNS
    from ..mapviews.labels import THEME_LABELS
    from .fields import title

    return {
        name: {**schema, "title": title(name, lambda s: s, KIND_NOUNS, THEME_LABELS)}
        for name, schema in queryables.items()
    }
