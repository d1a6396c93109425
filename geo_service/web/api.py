"""OGC API - Features, the OpenAPI document and bulk downloads: a thin layer over
:mod:`geo_service.api`. Responses go through the one response path (:mod:`.responses`: built and
gzipped once per snapshot, ETag of data version and content, 304, gzip, sendfile), plus CORS."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext

from ..api import api_for
from ..api import documents as d
from ..api.crs import parse_crs
from ..api.exports import EXPORTERS, sidecar
from ..api.licences import PROJECT_LICENCE
from ..api.openapi import build_openapi
from ..api.query import COMMON, FEATURE, check_known, parse_format, parse_items, parse_view
from ..errors import NotFound
from .context import current_snapshot
from .responses import cached_body, current_language, send

bp = Blueprint("api", __name__)
CACHE_CONTROL = "public, max-age=60, must-revalidate"
HTML_PAGE = "text/html; charset=utf-8"
ITEMS_FAMILY = ("api.cache", "items")  # unbounded keys (queries): a bounded cache
# what a script on another origin may read beyond the CORS-safelisted headers (Last-Modified is one)
EXPOSED = "ETag, Content-Crs, Link, Content-Disposition, X-Data-Version"


def _current_api():
    return api_for(current_snapshot())


def _base() -> str:
    """The scheme and host the client used, as links begin (``request.host_url`` without its
    IRI decoding, which costs as much as the rest of a cached answer)."""
    return f"{request.scheme}://{request.host}"


def _args() -> dict[str, str]:
    """The query as a plain dict of first values (read many times: a dict's ``get`` of a missing
    name is cheap, a MultiDict's raises and catches an exception)."""
    return request.args.to_dict()


def _format(json_types=(d.JSON, d.GEOJSON), args=None) -> str:
    """``f`` wins; else content negotiation; JSON unless HTML is preferred."""
    asked = parse_format((request.args if args is None else args).get("f"))
    if asked:
        return asked
    best = request.accept_mimetypes.best_match([*json_types, d.HTML], default=json_types[0])
    html_q = request.accept_mimetypes[d.HTML]
    return "html" if best == d.HTML and html_q > request.accept_mimetypes[json_types[0]] else "json"


def _send(key, media_type: str, build, headers=(), family=None, html_page: bool = False) -> Response:
    """Through the one response path; ``family``: a bounded cache for unbounded keys (queries);
    ``html_page``: a page with inline scripts (their CSP hashes kept with the body)."""
    body = cached_body(key, media_type, build, family=family, html_page=html_page)
    return send(body, CACHE_CONTROL, "Accept, Accept-Encoding", headers)


def _json(key, document_fn, media_type=d.JSON, template="api/page.html", title="", headers=(), context=None):
    """A JSON document, or its HTML view (``title``: an English msgid, translated by the template)."""
    fmt = _format((media_type, d.JSON))
    if fmt == "html":
        return _send(
            (key, "html", current_language(), _base()),
            HTML_PAGE,
            lambda: render_template(template, doc=document_fn(), title=title, **(context or {})),
        )
    return _send((key, "json", _base()), media_type, lambda: orjson.dumps(document_fn()), headers)


@bp.before_app_request
def _landing_at_root():
    """``/`` is the landing page (JSON) for clients that do not prefer HTML, as in pygeoapi;
    browsers (``Accept`` preferring text/html) and ``f=html`` get the map page."""
    if (
        request.path == "/"
        and request.method in ("GET", "HEAD")
        and request.args.get("f") != "html"
        and _format() == "json"
    ):
        return landing()
    return None


@bp.after_app_request
def _cors(response):
    if request.blueprint == "api" or request.path == "/" and response.mimetype == d.JSON:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, If-None-Match, Content-Type"
    return response


@bp.get("/ogc")
@bp.get("/ogc/")
def landing():
    check_known(request.args, COMMON)
    return _json("landing", lambda: d.landing(_base()), title=d.TITLE)


@bp.get("/conformance")
def conformance():
    check_known(request.args, COMMON)
    return _json("conformance", d.conformance, title="Conformance classes")


@bp.get("/api")
def openapi():
    check_known(request.args, COMMON)
    api = _current_api()
    return _json(
        "openapi",
        lambda: build_openapi(api, _base()),
        media_type=d.OPENAPI,
        template="api/openapi.html",
        title="API definition",
    )


@bp.get("/collections")
def collections():
    check_known(request.args, COMMON)
    api = _current_api()
    return _json(
        "collections",
        lambda: d.collections_doc(api.collections, api.stores, _base()),
        template="api/collections.html",
        title="Collections",
    )


@bp.get("/collections/<cid>")
def collection(cid: str):
    check_known(request.args, COMMON)
    api = _current_api()
    c, store = api.collection(cid)
    return _json(("collection", cid), lambda: d.collection_doc(c, store, _base()), title=c.title)


SCHEMAS = {  # resource -> (document, title of its HTML page; %(collection)s: the collection's title)
    "queryables": (d.queryables_doc, lazy_gettext("Properties usable as filters: %(collection)s")),
    "sortables": (d.sortables_doc, lazy_gettext("Properties usable in sortby: %(collection)s")),
    "schema": (d.schema_doc, lazy_gettext("Properties and their meaning: %(collection)s")),
}


@bp.get("/collections/<cid>/<any(queryables, sortables, schema):resource>")
def schema(cid: str, resource: str):
    """The JSON Schemas of a collection (Part 3 queryables, Part 8 sortables, Part 5 schema)."""
    check_known(request.args, COMMON)
    api = _current_api()
    c, store = api.collection(cid)
    document, title = SCHEMAS[resource]
    return _json(
        (resource, cid),
        lambda: document(c, store, _base()),
        media_type=d.SCHEMA_JSON,
        template="api/schema.html",
        title=title,
        context={"collection": c},
    )


@bp.get("/collections/<cid>/items")
def items(cid: str):
    api = _current_api()
    c, store = api.collection(cid)
    args, base = _args(), _base()
    query = parse_items(args, store.queryables, store.returnables, store.sortables)
    key = ("items", cid, query.key(), tuple(sorted(args.items())), base)
    sortables = f'<{base}/collections/{cid}/sortables>; rel="{d.REL_SORTABLES}"; type="{d.SCHEMA_JSON}"'
    if _format((d.GEOJSON, d.JSON), args) == "html":

        def page():
            from flask_babel import gettext

            from ..api import fields
            from .pages import current_language, labels

            hits = store.select(query)
            chosen = hits[query.offset : query.offset + query.limit]
            rows = [c.properties[i] for i in chosen]
            names = query.view.properties
            if names is None:
                columns = fields.table_columns(list(store.default_properties), c.id_property, current_language())
            else:
                columns = [c.id_property, *(n for n in names if n != c.id_property)]
            vocab = labels()
            kinds, themes = vocab["kind_nouns"], vocab["themes"]
            return render_template(
                "api/items.html",
                collection=c,
                query=query,
                matched=len(hits),
                columns=[{"name": n, "title": fields.title(n, gettext, kinds, themes)} for n in columns],
                rows=[
                    {"id": r.get(c.id_property), "cells": [fields.shown(n, r.get(n), gettext, vocab) for n in columns]}
                    for r in rows
                ],
                hidden=max(0, len(store.returnables) - len(columns)) if rows else 0,
                args=args,
            )

        return _send(
            (key, "html", current_language()), HTML_PAGE, page, family=ITEMS_FAMILY, headers=(("Link", sortables),)
        )
    return _send(
        key,
        d.GEOJSON,
        lambda: api.items(cid, query, args, base),
        headers=(("Content-Crs", f"<{query.crs}>"), ("Link", sortables)),
        family=ITEMS_FAMILY,
    )


@bp.get("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str):
    check_known(request.args, FEATURE)
    api = _current_api()
    c, store = api.collection(cid)
    crs = parse_crs(request.args.get("crs"))
    view = parse_view(request.args, store.returnables)
    if fid not in store.position:
        raise NotFound(f"No feature '{fid}' in collection '{cid}'")
    if _format((d.GEOJSON, d.JSON)) == "html":
        props = c.properties[store.position[fid]]
        return _send(
            ("item-html", cid, fid, current_language()),
            HTML_PAGE,
            lambda: _item_page(c, store, fid, props),
            family=ITEMS_FAMILY,
            html_page=True,
        )
    return _send(
        ("item", cid, fid, crs, view, _base()),
        d.GEOJSON,
        lambda: api.item(cid, fid, crs, _base(), view),
        headers=(("Content-Crs", f"<{crs}>"),),
        family=ITEMS_FAMILY,
    )


def _item_page(c, store, fid: str, props: dict) -> str:
    """An item for people: its name in the page's language, a small map, labelled values."""
    from flask_babel import gettext

    from ..api import fields
    from ..api.crs import CRS84
    from ..mapviews.base import feature_map
    from ..names import LANGUAGES
    from .pages import asset_urls, current_language, labels

    lang = current_language()
    name = next(
        (props.get(k) for k in (f"name_{lang}", "name", *(f"name_{x}" for x in LANGUAGES)) if props.get(k)), fid
    )
    feature = orjson.loads(store.feature(fid, CRS84))
    return render_template(
        "api/item.html",
        collection=c,
        fid=fid,
        name=name,
        rows=fields.rows(_explained(props), gettext, labels()),
        fragments=feature_map(feature, asset_urls(), str(name), gettext),
    )


def _explained(props: dict) -> dict:
    """A commune's ``status_reason_<kind>`` (stored in English for the JSON) in the page's language,
    from the same facts and template as the commune page (``indicators.status.explain``)."""
    from flask_babel import gettext

    from ..indicators import status as rules
    from .pages import current_language, labels

    reasons = [k for k in props if k.startswith("status_reason_") and props[k]]
    indicators = current_snapshot().indicators
    if not reasons or indicators.networks is None:
        return props
    lookup = rules.network_lookup(indicators.networks, current_language())
    reach = indicators.reach_km
    nouns = labels()["kind_nouns"]
    out = dict(props)
    for key in reasons:
        kind = key[len("status_reason_") :]
        out[key] = rules.explain(
            rules.facts_of(props, kind, lookup, reach), gettext, nouns.get(kind), current_language()
        )
    return out


@bp.get("/downloads/<name>")
def download(name: str):
    check_known(request.args, set())
    api = _current_api()
    if name.endswith(".sources.json"):
        c, _ = api.collection(name.removesuffix(".sources.json"))
        return _send(("sources", c.id), d.JSON, lambda: orjson.dumps(sidecar(c)))
    ext = next((e for e in sorted(EXPORTERS, key=len, reverse=True) if name.endswith(f".{e}")), None)
    if ext is None:
        choices = ", ".join(f".{e}" for e in EXPORTERS)
        raise NotFound(f"No download '{name}': use <collection>{choices} or .sources.json")
    cid = name.removesuffix(f".{ext}")
    c, _ = api.collection(cid)
    there = f"{_base()}/downloads/{cid}"
    described = [f'<{there}.sources.json>; rel="describedby"; type="{d.JSON}"']
    if ext.endswith("csv"):  # the CSVs carry no sources column: their companions say it all
        described += [
            f'<{there}.{part}>; rel="describedby"; type="text/csv"' for part in ("sources.csv", "columns.csv")
        ]
    described.append(f'<{PROJECT_LICENCE["url"]}>; rel="license"')
    headers = (
        ("Content-Disposition", f'attachment; filename="{name}"'),
        ("Link", ", ".join(described)),
    )
    media = d.DOWNLOADS[ext] + ("; charset=utf-8" if d.DOWNLOADS[ext] == "text/csv" else "")
    return _send(("download", cid, ext), media, lambda: EXPORTERS[ext](c), headers)


@bp.app_template_global()
def document_keys() -> dict[str, str]:
    """Titles of the JSON documents' keys for the HTML views (english msgids, see api/fields.py)."""
    from ..api.fields import DOCUMENT_KEYS

    return DOCUMENT_KEYS
