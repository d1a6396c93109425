"""OGC API - Features, the OpenAPI document and bulk downloads: a thin layer over
:mod:`geo_service.api`. Responses go through the one response path (:mod:`.responses`: built and
gzipped once per snapshot, ETag of data version and content, 304, gzip, sendfile), plus CORS."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, render_template, request

from ..api import api_for
from ..api import documents as d
from ..api.crs import parse_crs
from ..api.exports import EXPORTERS, sidecar
from ..api.openapi import build_openapi
from ..api.query import COMMON, check_known, parse_format, parse_items
from ..errors import NotFound
from .responses import cached_body, send

bp = Blueprint("api", __name__)
CACHE_CONTROL = "public, max-age=60, must-revalidate"
HTML_PAGE = "text/html; charset=utf-8"
ITEMS_FAMILY = ("api.cache", "items")  # unbounded keys (queries): a bounded cache
EXPOSED = "ETag, Last-Modified, Content-Crs, Link, Content-Disposition"


def _current_api():
    from ..app import current_snapshot

    return api_for(current_snapshot())


def _base() -> str:
    return request.host_url.rstrip("/")


def _args() -> dict[str, str]:
    return dict(request.args.items())


def _format(json_types=(d.JSON, d.GEOJSON)) -> str:
    """``f`` wins; else content negotiation; JSON unless HTML is preferred."""
    asked = parse_format(request.args.get("f"))
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


def _json(key, document_fn, media_type=d.JSON, template="api/page.html", title="", headers=()):
    fmt = _format((media_type, d.JSON))
    lang = request.args.get("lang", "")
    if fmt == "html":
        return _send(
            (key, "html", lang, _base()), HTML_PAGE, lambda: render_template(template, doc=document_fn(), title=title)
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
    return _json("conformance", d.conformance, title="Conformance")


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


@bp.get("/collections/<cid>/queryables")
def queryables(cid: str):
    check_known(request.args, COMMON)
    api = _current_api()
    c, store = api.collection(cid)
    return _json(
        ("queryables", cid),
        lambda: d.queryables_doc(c, store, _base()),
        media_type="application/schema+json",
        title=f"Queryables: {c.title}",
    )


@bp.get("/collections/<cid>/items")
def items(cid: str):
    api = _current_api()
    c, store = api.collection(cid)
    query = parse_items(request.args, store.queryables)
    args = _args()
    key = ("items", cid, query.key(), tuple(sorted(args.items())), _base())
    if _format((d.GEOJSON, d.JSON)) == "html":

        def page():
            from flask_babel import gettext

            from ..api import fields
            from .pages import current_language, labels

            chosen = store.select(query)[query.offset : query.offset + query.limit]
            rows = [c.properties[i] for i in chosen]
            columns = fields.table_columns(list(rows[0]) if rows else [], c.id_property, current_language())
            vocab = labels()
            kinds, themes = vocab["kind_nouns"], vocab["themes"]
            return render_template(
                "api/items.html",
                collection=c,
                query=query,
                matched=len(store.select(query)),
                columns=[{"name": n, "title": fields.title(n, gettext, kinds, themes)} for n in columns],
                rows=[
                    {"id": r.get(c.id_property), "cells": [fields.shown(n, r.get(n), gettext, vocab) for n in columns]}
                    for r in rows
                ],
                hidden=max(0, len(rows[0]) - len(columns)) if rows else 0,
                args=args,
            )

        return _send((key, "html", request.args.get("lang", "")), HTML_PAGE, page, family=ITEMS_FAMILY)
    return _send(
        key,
        d.GEOJSON,
        lambda: api.items(cid, query, args, _base()),
        headers=(("Content-Crs", f"<{query.crs}>"),),
        family=ITEMS_FAMILY,
    )


@bp.get("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str):
    check_known(request.args, COMMON | {"crs"})
    api = _current_api()
    c, store = api.collection(cid)
    crs = parse_crs(request.args.get("crs"))
    if store.feature(fid, crs) is None:
        raise NotFound(f"No feature '{fid}' in collection '{cid}'")
    if _format((d.GEOJSON, d.JSON)) == "html":
        props = c.properties[store.position[fid]]
        return _send(
            ("item-html", cid, fid, request.args.get("lang", "")),
            HTML_PAGE,
            lambda: _item_page(c, store, fid, props),
            family=ITEMS_FAMILY,
            html_page=True,
        )
    return _send(
        ("item", cid, fid, crs, _base()),
        d.GEOJSON,
        lambda: api.item(cid, fid, crs, _base()),
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

    from ..app import current_snapshot
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
        out[key] = rules.explain(rules.facts_of(props, kind, lookup, reach), gettext, nouns.get(kind))
    return out


@bp.get("/downloads/<name>")
def download(name: str):
    check_known(request.args, set())
    api = _current_api()
    if name.endswith(".sources.json"):
        c, _ = api.collection(name.removesuffix(".sources.json"))
        return _send(("sources", c.id), d.JSON, lambda: orjson.dumps(sidecar(c)))
    cid, _, ext = name.rpartition(".")
    if ext not in EXPORTERS:
        raise NotFound(f"No download '{name}': use <collection>.geojson, .csv, .gpkg or .sources.json")
    c, _ = api.collection(cid)
    headers = (
        ("Content-Disposition", f'attachment; filename="{cid}.{ext}"'),
        ("Link", f'<{_base()}/downloads/{cid}.sources.json>; rel="describedby"'),
    )
    media = d.DOWNLOADS[ext] + ("; charset=utf-8" if ext == "csv" else "")
    return _send(("download", cid, ext), media, lambda: EXPORTERS[ext](c), headers)


@bp.app_template_global()
def document_keys() -> dict[str, str]:
    """Titles of the JSON documents' keys for the HTML views (english msgids, see api/fields.py)."""
    from ..api.fields import DOCUMENT_KEYS

    return DOCUMENT_KEYS
