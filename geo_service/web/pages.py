"""HTML pages: home, commune and initiative pages, search. Rendered pages are kept per snapshot
(``snapshot.derived``) in a small LRU of raw and gzip bytes, so a warm request costs a lookup;
a new snapshot (approved nominations) starts with an empty cache. Each cached page keeps the
hashes of its inline scripts, which its responses' Content-Security-Policy lists (a per-request
nonce cannot be in shared bytes; see ``geo_service.security``)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from werkzeug.wrappers import Response as BaseResponse

from .. import maps
from ..errors import InvalidParameter
from ..mapviews import base as mapbase, profiles
from ..mapviews.labels import vocab
from ..names import LANGUAGES, names_by_code
from ..security import allow_scripts, inline_script_hashes, render_cacheable

bp = Blueprint("pages", __name__)
MAX_QUERY = 200


def asset_urls() -> dict[str, str]:
    return {
        "leaflet_js": url_for("vendor.asset", package="leaflet", filename="leaflet.js"),
        "leaflet_css": url_for("vendor.asset", package="leaflet", filename="leaflet.css"),
        "markercluster_js": url_for("vendor.asset", package="markercluster", filename="leaflet.markercluster.js"),
        "markercluster_css": url_for("vendor.asset", package="markercluster", filename="MarkerCluster.css"),
        "markercluster_default_css": url_for(
            "vendor.asset", package="markercluster", filename="MarkerCluster.Default.css"
        ),
    }


def current_language() -> str:
    return str(get_locale() or "en")


def snapshot():
    from ..app import current_snapshot

    return current_snapshot()


class PageCache:
    """Least-recently-used store of rendered pages: (etag, raw bytes, gzip bytes, CSP script hashes)."""

    def __init__(self, size: int):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key, build: Callable[[], str]):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        html = build()
        raw = html.encode("utf-8")
        entry = (hashlib.sha256(raw).hexdigest()[:20], raw, gzip.compress(raw, compresslevel=6),
                 inline_script_hashes(html))
        with self._lock:
            self._items[key] = entry
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return entry


def canonical(allowed: Iterable[str]):
    """Redirect to the same URL without unknown or empty parameters and with a valid ``lang``;
    returns None when the URL is already canonical. Keeps cache keys few and meaningful."""
    allowed = set(allowed) | {"lang"}
    kept = {k: v for k, v in request.args.items() if k in allowed and v.strip()}
    if kept.get("lang") not in (None, *LANGUAGES):
        kept.pop("lang")
    if kept != request.args.to_dict() or len(request.args.getlist("lang")) > 1:
        return redirect(url_for(request.endpoint, **(request.view_args or {}), **kept), code=302)
    return None


def cached_page(kind: str, build: Callable[[], str], size: int = 32) -> Response:
    """Serve the page of this URL and language from the snapshot's cache (gzip when accepted)."""
    snap = snapshot()
    cache = snap.derived(("pages.cache", kind), lambda: PageCache(size))
    key = (request.endpoint, tuple(sorted((request.view_args or {}).items())), current_language(),
           tuple(sorted((k, v) for k, v in request.args.items() if k != "lang")))  # language: just above
    etag, raw, packed, script_hashes = cache.get(key, lambda: render_cacheable(build))
    allow_scripts(script_hashes)
    etag = f'"{snap.version}-{etag}"'
    if request.if_none_match.contains_weak(etag.strip('"')):
        response = Response(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = Response(packed, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(raw, mimetype="text/html")
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept-Encoding, Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-cache"
    return response


def cached_view(kind: str, params: Iterable[str] = (), size: int = 32):
    """Decorate a view whose page is rendered once per snapshot, language and canonical URL: the
    view returns the function that renders the HTML (or a response of its own, e.g. a redirect);
    a URL with unknown parameters is first redirected to its canonical form."""
    def wrap(view: Callable):
        @functools.wraps(view)
        def handler(**kwargs):
            redirect_to = canonical(params)
            if redirect_to:
                return redirect_to
            built = view(**kwargs)
            return built if isinstance(built, BaseResponse) else cached_page(kind, built, size)

        return handler

    return wrap


def collection(level: str) -> dict:
    snap = snapshot()
    return snap.derived(("mapviews.collection", level), lambda: mapbase.geometry_collection(snap.base.display[level]))


def area_names(level: str, lang: str) -> dict[str, str]:
    snap = snapshot()
    return snap.derived(("mapviews.names", level, lang),
                        lambda: names_by_code(snap.base.boundaries.layer(level), lang, german=level == "commune"))


def commune_url(nis: str) -> str:
    return url_for("pages.commune", nis=nis, lang=current_language())


def initiative_url(initiative_id: str) -> str:
    return url_for("pages.initiative", initiative_id=initiative_id, lang=current_language())


def labels() -> dict:
    return vocab(_)


@bp.get("/")
@cached_view("home", params=("f",), size=6)
def home():
    def build() -> str:
        base = snapshot().base
        text = {"name": _("Commune"), "nis": _("NIS code"), "province": _("Province"),
                "population": _("Population (1 Jan 2020)"), "layer": _("Communes (2025)")}
        fragments = maps.communes_map(base.display["commune"], base.display["province"], current_language(), text,
                                      asset_urls())
        return render_template("index.html", fragments=fragments, commune_count=len(base.boundaries.communes),
                               population_year=base.population_year)

    return build


@bp.get("/commune/<nis>")
@cached_view("commune", size=256)
def commune(nis: str):
    snap = snapshot()
    if nis not in snap.base.boundaries.communes.index:
        try:  # an older code (1977-2024) goes to the 2025 commune that now holds it
            target = snap.base.boundaries.to_2025(nis) if nis.isdigit() and len(nis) == 5 else None
        except (KeyError, LookupError, ValueError):
            target = None
        if target and target in snap.base.boundaries.communes.index:
            return redirect(url_for("pages.commune", nis=target, **request.args.to_dict()), code=301)

    def build() -> str:
        lang = current_language()
        profile = profiles.commune_profile(nis, snap.base.boundaries, snap.catalogue, snap.indicators, lang)
        sites = snap.catalogue.sites[snap.catalogue.sites["nis"] == nis] if snap.catalogue is not None else None
        fragments = profiles.small_map(collection("commune"), [nis], area_names("commune", lang), sites,
                                       asset_urls(), commune_url, labels()["kinds"], _)
        return render_template("commune.html", p=profile, fragments=fragments, labels=labels(),
                               params=getattr(snap.indicators, "params", None) or {},
                               metadata=getattr(snap.indicators, "metadata", None) or {})

    return build


@bp.get("/initiative/<initiative_id>")
@cached_view("initiative", size=128)
def initiative(initiative_id: str):
    snap = snapshot()

    def build() -> str:
        lang = current_language()
        names = area_names("commune", lang)
        profile = profiles.initiative_profile(initiative_id, snap.catalogue, names)
        sites = snap.catalogue.sites_of(initiative_id)
        fragments = profiles.small_map(collection("commune"), sorted(set(sites["nis"])), names, sites, asset_urls(),
                                       commune_url, labels()["kinds"], _)
        return render_template("initiative.html", p=profile, fragments=fragments, labels=labels())

    return build


@bp.get("/search")
def search():
    """Communes (any language, sections, English exonyms) and initiatives matching ``q``."""
    query = (request.args.get("q") or "").strip()
    if len(query) > MAX_QUERY:
        raise InvalidParameter(_("The search text is too long (at most %(n)s characters).", n=MAX_QUERY), parameter="q")
    snap = snapshot()
    lang = current_language()
    communes, initiatives = [], []
    if query:
        from ..catalogue.placenames import PlaceResolver, fold

        resolver = getattr(snap.catalogue, "resolver", None) or snap.derived(
            "pages.resolver", lambda: PlaceResolver(snap.base.boundaries))
        names = area_names("commune", lang)
        exact = resolver.candidates(query)
        if len(exact) == 1 and not request.args.get("all"):
            return redirect(url_for("pages.commune", nis=exact[0], lang=lang), code=303)
        wanted = fold(query)
        table = snap.base.boundaries.communes
        partial = [nis for nis, row in table[["name_nl", "name_fr", "name_de"]].iterrows()
                   if any(isinstance(v, str) and wanted in fold(v) for v in row.values)]
        communes = [{"nis": nis, "name": names[nis]} for nis in dict.fromkeys(exact + partial)][:50]
        if snap.catalogue is not None:
            frame = snap.catalogue.initiatives
            initiatives = [{"id": iid, "name": row["name"], "kind": row["kind"]} for iid, row in frame.iterrows()
                           if wanted in fold(row["name"]) or wanted in fold(row.get("operator") or "")][:50]
    return render_template("search.html", query=query, communes=communes, initiatives=initiatives, labels=labels())
