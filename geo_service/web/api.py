"""OGC API - Features, the OpenAPI document and bulk downloads: a thin layer over
:mod:`geo_service.api`. Responses come from the snapshot's memo (built and gzipped once), with
ETag/304, Cache-Control, gzip and CORS for GET."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, render_template, request, send_file

from ..api import Payload, api_for
from ..api import documents as d
from ..api.crs import parse_crs
from ..api.exports import EXPORTERS, sidecar
from ..api.openapi import build_openapi
from ..api.query import COMMON, check_known, parse_format, parse_items
from ..errors import NotFound

bp = Blueprint("api", __name__)
CACHE_CONTROL = "public, max-age=60, must-revalidate"
EXPOSED = "ETag, Last-Modified, Content-Crs, Link, Content-Disposition"


def _current_api():
    from ..app import current_snapshot

    return api_for(current_snapshot())


def _base() -> str:
    return request.host_url.rstrip("/")


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items()}


def _format(json_types=(d.JSON, d.GEOJSON)) -> str:
    """``f`` wins; else content negotiation; JSON unless HTML is preferred."""
    asked = parse_format(request.args.get("f"))
    if asked:
        return asked
    best = request.accept_mimetypes.best_match([*json_types, d.HTML], default=json_types[0])
    html_q = request.accept_mimetypes[d.HTML]
    return "html" if best == d.HTML and html_q > request.accept_mimetypes[json_types[0]] else "json"


def _send(api, key, media_type: str, build, headers=()) -> Response:
    etag = api.etag(key)
    common = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept, Accept-Encoding",
              "Last-Modified": api.built_at.strftime("%a, %d %b %Y %H:%M:%S GMT"), **dict(headers)}
    if request.if_none_match.contains_weak(etag.strip('"')):  # werkzeug parses the header
        return Response(status=304, headers=common)
    payload: Payload = api.payload(key, media_type, build, headers)
    body, path = payload.body, payload.path
    if payload.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        body, path = payload.gzipped, payload.gzipped_path
        common["Content-Encoding"] = "gzip"
    if path is not None:  # large: let the WSGI server sendfile() the bytes serialised once
        try:
            response = send_file(path, mimetype=media_type, conditional=False, etag=False, max_age=None)
        except FileNotFoundError:  # evicted from the memo meanwhile: the bytes are still in hand
            return Response(body, status=200, headers=common, content_type=media_type)
        response.headers.pop("Content-Disposition", None)
        response.headers.update(common)
        response.headers["Content-Type"] = media_type  # send_file would append a second charset
        return response
    return Response(body, status=200, headers=common, content_type=media_type)


def _json(api, key, document_fn, media_type=d.JSON, template="api/page.html", title="", headers=()):
    fmt = _format((media_type, d.JSON))
    lang = request.args.get("lang", "")
    if fmt == "html":
        return _send(api, (key, "html", lang, _base()), "text/html; charset=utf-8",
                     lambda: render_template(template, doc=document_fn(), title=title).encode())
    return _send(api, (key, "json", _base()), media_type, lambda: orjson.dumps(document_fn()), headers)


@bp.before_app_request
def _landing_at_root():
    """``/`` is the landing page (JSON) for clients that do not prefer HTML, as in pygeoapi;
    browsers (``Accept`` preferring text/html) and ``f=html`` get the map page."""
    if request.path == "/" and request.method in ("GET", "HEAD") and request.args.get("f") != "html":
        if _format() == "json":
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
    api = _current_api()
    return _json(api, "landing", lambda: d.landing(_base()), title=d.TITLE)


@bp.get("/conformance")
def conformance():
    check_known(request.args, COMMON)
    return _json(_current_api(), "conformance", d.conformance, title="Conformance")


@bp.get("/api")
def openapi():
    check_known(request.args, COMMON)
    api = _current_api()
    return _json(api, "openapi", lambda: build_openapi(api, _base()), media_type=d.OPENAPI,
                 template="api/openapi.html", title="API definition")


@bp.get("/collections")
def collections():
    check_known(request.args, COMMON)
    api = _current_api()
    return _json(api, "collections", lambda: d.collections_doc(api.collections, api.stores, _base()),
                 template="api/collections.html", title="Collections")


@bp.get("/collections/<cid>")
def collection(cid: str):
    check_known(request.args, COMMON)
    api = _current_api()
    c, store = api.collection(cid)
    return _json(api, ("collection", cid), lambda: d.collection_doc(c, store, _base()), title=c.title)


@bp.get("/collections/<cid>/queryables")
def queryables(cid: str):
    check_known(request.args, COMMON)
    api = _current_api()
    c, store = api.collection(cid)
    return _json(api, ("queryables", cid), lambda: d.queryables_doc(c, store, _base()),
                 media_type="application/schema+json", title=f"Queryables: {c.title}")


@bp.get("/collections/<cid>/items")
def items(cid: str):
    api = _current_api()
    c, store = api.collection(cid)
    query = parse_items(request.args, store.queryables)
    args = _args()
    key = ("items", cid, query.key(), tuple(sorted(args.items())), _base())
    if _format((d.GEOJSON, d.JSON)) == "html":
        def page():
            chosen = store.select(query)[query.offset: query.offset + query.limit]
            return render_template("api/items.html", collection=c, query=query, matched=len(store.select(query)),
                                   rows=[c.properties[i] for i in chosen], args=args).encode()

        return _send(api, (key, "html", request.args.get("lang", "")), "text/html; charset=utf-8", page)
    return _send(api, key, d.GEOJSON, lambda: api.items(cid, query, args, _base()),
                 headers=(("Content-Crs", f"<{query.crs}>"),))


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
        return _send(api, ("item-html", cid, fid, request.args.get("lang", "")), "text/html; charset=utf-8",
                     lambda: render_template("api/item.html", collection=c, fid=fid, props=props).encode())
    return _send(api, ("item", cid, fid, crs, _base()), d.GEOJSON, lambda: api.item(cid, fid, crs, _base()),
                 headers=(("Content-Crs", f"<{crs}>"),))


@bp.get("/downloads/<name>")
def download(name: str):
    check_known(request.args, set())
    api = _current_api()
    if name.endswith(".sources.json"):
        c, _ = api.collection(name.removesuffix(".sources.json"))
        return _send(api, ("sources", c.id), d.JSON, lambda: orjson.dumps(sidecar(c)))
    cid, _, ext = name.rpartition(".")
    if ext not in EXPORTERS:
        raise NotFound(f"No download '{name}': use <collection>.geojson, .csv, .gpkg or .sources.json")
    c, _ = api.collection(cid)
    headers = (("Content-Disposition", f'attachment; filename="{cid}.{ext}"'),
               ("Link", f'<{_base()}/downloads/{cid}.sources.json>; rel="describedby"'))
    media = d.DOWNLOADS[ext] + ("; charset=utf-8" if ext == "csv" else "")
    return _send(api, ("download", cid, ext), media, lambda: EXPORTERS[ext](c), headers)
