"""The OpenAPI 3.0 document: one set of paths per collection, so each items operation lists its
own filter parameters (the collection's queryables)."""

from __future__ import annotations

from ..names import LANGUAGES
from . import documents as d
from .crs import CRS84, SUPPORTED
from .fields import DOWNLOAD_TITLES
from .query import DATETIME_PATTERN, DEFAULT_LIMIT, MAX_LIMIT

# An error is a JSON problem; asked for with f=html, an HTML page in the reader's language.
_ERROR_CONTENT = {
    "application/json": {"schema": {"$ref": "#/components/schemas/problem"}},
    "text/html": {"schema": {"type": "string"}},
}
PROBLEM = {"description": "Invalid request", "content": _ERROR_CONTENT}
NOT_FOUND = {"description": "Not found", "content": _ERROR_CONTENT}


_SCHEMA_KEYS = ("type",)  # of a queryable, what a filter parameter's schema keeps


def _param(name: str, description: str, schema: dict, style: str | None = None, explode: bool | None = None) -> dict:
    out = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if style:
        out["style"] = style
    if explode is not None:
        out["explode"] = explode
    return out


COMMON_PARAMS = {
    "f": _param("f", "Response format (overrides the Accept header).", {"type": "string", "enum": ["json", "html"]}),
    "lang": _param("lang", "Language of HTML pages.", {"type": "string", "enum": list(LANGUAGES)}),
    "limit": _param(
        "limit",
        f"Features per page: default {DEFAULT_LIMIT}, maximum {MAX_LIMIT} (larger values are served as the maximum).",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    ),
    "offset": _param(
        "offset",
        "Index of the first feature of the page (see the next/prev links).",
        {"type": "integer", "minimum": 0, "default": 0},
    ),
    "bbox": _param(
        "bbox",
        "Only features whose geometry intersects the box minx,miny,maxx,maxy (CRS84 unless bbox-crs).",
        # exactly 4 or 6 numbers, as in the standard's bbox.yaml (5 is not a box)
        {
            "type": "array",
            "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
            "items": {"type": "number"},
        },
        "form",
        False,
    ),
    "bbox-crs": _param(
        "bbox-crs", "CRS of bbox.", {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84}
    ),
    "crs": _param(
        "crs",
        "CRS of the returned geometry (Content-Crs header says which).",
        {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84},
    ),
    "q": _param(
        "q",
        "Free text: features a name of which (in any language: `names`, `name_nl`, `name_fr`, "
        "`name_de`), operator or place contains the text, ignoring case, accents and punctuation; commas "
        'separate alternatives (any may match). "Red Cross", "Croix-Rouge" and "Rode Kruis" '
        "find the same organisation. At most 200 characters.",
        {"type": "string", "maxLength": 200},
    ),
    "datetime": _param(
        "datetime",
        "RFC 3339 instant or interval; validated, but no feature has a temporal geometry, so it excludes none.",
        {"type": "string", "pattern": DATETIME_PATTERN},
    ),
    "skipGeometry": _param(
        "skipGeometry",
        'true: each feature\'s geometry is null ("geometry": null), for tables and spreadsheets.',
        {"type": "boolean", "default": False},
    ),
}


def properties_param(store) -> dict:
    """``properties`` (OGC API - Features Part 6, /req/properties/parameter: its enum replaced by
    the collection's returnables)."""
    default = "every property" if list(store.default_properties) == store.returnables else "the default set"
    return _param(
        "properties",
        f"Only these properties, in this order (comma-separated; empty: none). Without it: {default} on items, "
        "every property on one item (the collection's schema says which, with each property's meaning, unit, "
        "year and source).",
        {"type": "array", "items": {"type": "string", "enum": list(store.returnables)}},
        "form",
        False,
    )


def sortby_param(store) -> dict:
    """``sortby`` (Part 8, /req/sorting/sortby-definition), its items held to the sortables."""
    names = "|".join(store.sortables)
    return _param(
        "sortby",
        "Sort keys, comma-separated, first key first: a sortable property (see sortables) with + or no sign "
        "for ascending, - for descending. Example: sortby=-pop_2025_total,name_fr. Features without a value "
        "come last.",
        {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": f"^[+-]?({names})$"}},
        "form",
        False,
    )


def _op(op_id: str, summary: str, media: dict[str, dict], params: list, tags: list[str], errors=(400,)) -> dict:
    responses = {"200": {"description": summary, "content": {m: {"schema": s} for m, s in media.items()}}}
    if 400 in errors:
        responses["400"] = PROBLEM
    if 404 in errors:
        responses["404"] = NOT_FOUND
    return {
        "get": {"operationId": op_id, "summary": summary, "tags": tags, "parameters": params, "responses": responses}
    }


def _alternatives(values) -> str:
    return "(" + "|".join(str(v).replace(".", "\\.") for v in values) + ")"


def change_pattern(kinds, communes, sites) -> str:
    """The changes this snapshot accepts, as one regular expression: known kinds, 2025 NIS codes
    and site ids, whole-number capacities (an added point, ``add:KIND@LAT,LON``, is accepted
    too, when inside Belgium, which a pattern cannot say)."""
    kind, nis, site = _alternatives(kinds), _alternatives(communes), _alternatives(sites)
    return f"^(add:{kind}@{nis}|close:{site}|kind:{site}={kind}|capacity:{site}=[1-9][0-9]{{0,3}})$"


def scenario_path(api) -> dict:
    """``/api/scenario``: what a list of changes to the catalogue would change (docs/scenarios.md)."""
    from ..catalogue.vocab import KINDS
    from ..indicators.scenario import MAX_CHANGES, SYNTAX

    communes = api.stores["communes"].ids if "communes" in api.stores else []
    sites = api.stores["sites"].ids if "sites" in api.stores else []
    change = _param(
        "change",
        f"One change, repeated (at most {MAX_CHANGES}): {SYNTAX}. Example: "
        "`change=add:civic_integration_office@84016&change=close:vdab-hasselt`. A bad change is a 400 "
        "listing every bad change in `details.errors`; a change that changes nothing (a site where no "
        "competent network has a mandate, a site closed twice) is answered with its `effect`.",
        {
            "type": "array",
            "maxItems": MAX_CHANGES,
            "items": {"type": "string", "pattern": change_pattern(KINDS, communes, sites)},
        },
        "form",
        True,
    )
    result = {
        "type": "object",
        "properties": {
            "scenario": {"type": "array", "items": {"type": "string"}},
            "changes": {"type": "array", "items": {"type": "object"}, "description": "each change as understood"},
            "summary": {
                "type": "object",
                "description": "per kind: status counts before/after, transitions, "
                "residents and foreign residents within reach gained and lost",
            },
            "communes": {
                "type": "array",
                "items": {"type": "object"},
                "description": "one record per commune and "
                "kind that changes: status, nearest competent site, distance, 2SFCA/E2SFCA before and after",
            },
        },
    }
    return _op(
        "getScenario",
        "Effect of a scenario (sites added, closed, re-kinded or resized) on every commune",
        {d.JSON: result},
        [change],
        ["Scenarios"],
    )


def build_openapi(api, base: str) -> dict:
    obj, html = {"type": "object"}, {"type": "string"}
    f, lang = COMMON_PARAMS["f"], COMMON_PARAMS["lang"]
    paths = {
        # the server URL itself: OGC API clients take it as the landing page (JSON unless HTML is preferred)
        "/": _op(
            "getRoot",
            "Landing page (JSON; the map for browsers)",
            {d.JSON: obj, d.HTML: html},
            [f, lang],
            ["Capabilities"],
        ),
        "/ogc": _op("getLandingPage", "Landing page", {d.JSON: obj, d.HTML: html}, [f, lang], ["Capabilities"]),
        "/conformance": _op(
            "getConformance", "Conformance classes", {d.JSON: obj, d.HTML: html}, [f, lang], ["Capabilities"]
        ),
        "/api": _op("getApi", "This OpenAPI document", {d.OPENAPI: obj, d.HTML: html}, [f, lang], ["Capabilities"]),
        "/collections": _op(
            "getCollections", "The collections", {d.JSON: obj, d.HTML: html}, [f, lang], ["Capabilities"]
        ),
    }
    for cid, c in api.collections.items():
        store = api.stores[cid]
        tag = [c.title]
        op = cid.replace("-", "_")
        filters = [
            _param(
                name,
                f"Equality filter on `{name}`" + (" (list contains the value)" if q["type"] == "array" else ""),
                {"type": "string"} if q["type"] == "array" else {k: v for k, v in q.items() if k in _SCHEMA_KEYS},
            )
            for name, q in store.queryables.items()
        ]
        shape = [properties_param(store), COMMON_PARAMS["skipGeometry"]]
        items_params = [
            COMMON_PARAMS[k] for k in ("f", "lang", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "q")
        ] + [*shape, sortby_param(store)]
        fid = {
            "name": "featureId",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": f"Feature id (`{c.id_property}`)",
        }
        paths[f"/collections/{cid}"] = _op(
            f"describe_{op}", f"Metadata of {c.title}", {d.JSON: obj, d.HTML: html}, [f, lang], tag, (400, 404)
        )
        for resource, what in (
            ("queryables", "Queryables"),
            ("sortables", "Sortables"),
            ("schema", "Every property, with its meaning, unit, year and source:"),
        ):
            paths[f"/collections/{cid}/{resource}"] = _op(
                f"{resource}_{op}", f"{what} {c.title}", {d.SCHEMA_JSON: obj, d.HTML: html}, [f, lang], tag
            )
        paths[f"/collections/{cid}/items"] = _op(
            f"items_{op}",
            f"Features of {c.title}",
            {d.GEOJSON: {"$ref": "#/components/schemas/featureCollection"}, d.HTML: html},
            items_params + filters,
            tag,
        )
        paths[f"/collections/{cid}/items/{{featureId}}"] = _op(
            f"item_{op}",
            f"One feature of {c.title}",
            {d.GEOJSON: obj, d.HTML: html},
            [fid, f, lang, COMMON_PARAMS["crs"], *shape],
            tag,
            (400, 404),
        )
        for ext, media in d.DOWNLOADS.items():
            paths[f"/downloads/{cid}.{ext}"] = _op(
                f"download_{op}_{ext.replace('.', '_')}",
                f"{c.title}: {DOWNLOAD_TITLES[ext]}",
                {media: {"type": "string", "format": "binary"} if ext == "gpkg" else obj if ext == "geojson" else html},
                [],
                tag,
                (),
            )
        paths[f"/downloads/{cid}.sources.json"] = _op(
            f"sources_{op}", f"Sources and licences of {c.title}", {d.JSON: obj}, [], tag, ()
        )
    # the map page (HTML) redirects an address with unknown or empty parameters to its canonical form
    paths["/"]["get"]["responses"]["302"] = {"description": "The map page without the parameters it does not use"}
    paths["/api/scenario"] = scenario_path(api)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": d.TITLE,
            "version": api.version or "1",
            "description": "OGC API - Features (Part 1 core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS; Part 3 "
            "queryables; Part 6 property selection; Part 8 sorting) and bulk downloads. Items use simplified display "
            f"geometry; downloads use the exact geometry. Default limit {DEFAULT_LIMIT}, maximum {MAX_LIMIT}.",
            "license": {
                "name": "Data of the service: CC BY 4.0 (third-party layers keep the licences listed in each "
                "collection's sources); code: MIT",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
        },
        "servers": [{"url": base or "/"}],
        "paths": paths,
        "components": {
            "schemas": {
                "problem": {
                    "type": "object",
                    "required": ["code", "description"],
                    "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
                },
                "featureCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"type": "string", "enum": ["FeatureCollection"]},
                        "features": {"type": "array", "items": {"type": "object"}},
                        "numberMatched": {"type": "integer", "minimum": 0},
                        "numberReturned": {"type": "integer", "minimum": 0},
                        "links": {"type": "array", "items": {"type": "object"}},
                    },
                },
            }
        },
    }
