"""The map pages (home map, coverage, employment gaps, gaps in support) and what they draw from:
thin views over ``geo_service.mapviews`` (docs/maps.md).

- ``/map/geometry/<hash>.topojson``: the display geometry of communes, provinces and regions,
  one immutable, content-addressed document for every map, language and view.
- ``/map/<page>.json``: the values of one view (keyed by area code) with its legend, side panel
  and table rows, for switching views in place; ``v=`` (the data version) makes it cacheable
  for good.
- ``/map/<page>.csv`` and ``.geojson``: "download this view".
- ``/map/sites.json``: the catalogue's sites, for the coverage map's clusters.

A page and its JSON are rendered once per snapshot, language and canonical query.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..cache import cache_key, cached
from ..errors import InvalidParameter
from ..indicators import status as status_rules
from ..mapviews import centres, client, downloads, gaps, knowledge, topology
from ..mapviews import communes as communes_view
from ..mapviews import coverage as cov
from ..mapviews import employment as emp
from ..mapviews.labels import GROUP_LABELS, KIND_LABELS, THEME_LABELS
from ..mapviews.palette import BORDER, MISSING_FILL
from ..names import LANGUAGES
from . import throttle
from .i18n import translator
from .pages import (
    area_names,
    asset_urls,
    cached_view,
    commune_url,
    correction_link,
    current_language,
    initiative_url,
    labels,
    snapshot,
)
from .responses import JSON, PAGE_MEDIA_TYPE, cached_body, make_body, send

bp = Blueprint("maps_pages", __name__)
SUGGESTIONS = 5  # locations suggested per kind on the gaps map
IMMUTABLE = "public, max-age=31536000, immutable"
DATA_VARY = "Accept-Encoding, Accept-Language, Cookie"
VIEW_CACHE = 128  # views (JSON) kept per snapshot and page
FILL_OPACITY = 0.8


# --- shared resources: geometry, sites ---------------------------------------------------------


def geometry_body():
    """The TopoJSON body, built once per set of base inputs (kept on disk) and per snapshot."""
    snap = snapshot()

    def build() -> bytes:
        from ..state import BASE_INPUTS

        return cached(
            snap.settings.cache_dir,
            "map_topology",
            cache_key(BASE_INPUTS),
            lambda: topology.topology(snap.base.display["commune"]),
        )

    return snap.derived("maps.topology.body", lambda: make_body(build(), JSON))


def topology_url() -> str:
    return url_for("maps_pages.geometry", digest=geometry_body().digest[:16])


@bp.get("/map/geometry/<digest>.topojson")
def geometry(digest: str):
    body = geometry_body()
    if digest != body.digest[:16]:  # an older document: the current one instead, never cached for good
        return redirect(topology_url(), code=302)
    return send(body, IMMUTABLE, "Accept-Encoding")


def version() -> str:
    return snapshot().version[:12]


def sites_url() -> str:
    return url_for("maps_pages.sites", v=version())


@bp.get("/map/sites.json")
def sites():
    """Every site of the catalogue (positions, kind, names, initiative, themes, target groups,
    source): one document for every language and coverage view."""
    snap = snapshot()
    if request.args.get("v") != version():
        return redirect(sites_url(), code=302)
    import orjson

    body = cached_body(("maps.sites",), JSON, lambda: orjson.dumps(cov.site_records(snap.catalogue.sites)))
    return send(body, IMMUTABLE, "Accept-Encoding")


# --- one page's views: parameters, context, JSON, downloads ------------------------------------


def province_of() -> dict[str, str]:
    snap = snapshot()
    return snap.derived(
        "maps.province_of", lambda: {str(k): str(v) for k, v in snap.base.boundaries.communes["province"].items()}
    )


def texts() -> dict[str, str]:
    """Interface text the map's script shows, in the page's language."""
    return {
        "page": _("Page of the commune"),
        "failed": _("The map could not be drawn; the table below holds the same facts."),
        "kind": _("Kind"),
        "themes": _("Themes"),
        "groups": _("Target groups"),
        "commune": _("Commune"),
        "precision": _("Location precision"),
        "source": _("Source"),
        "initiative": _("Page of the initiative"),
        "correct": _("Report a correction"),
    }


class MapPage:
    """What a map page needs: its parameters, how to build its view and the template context,
    and the templates of its parts (side panel, legend) that change with the view."""

    table = True  # the page's first view is in its table (``data_table``), beside ``#atlas-view``

    def __init__(self, name: str, endpoint: str, params: tuple[str, ...], template: str, parts: dict[str, str]):
        self.name, self.endpoint, self.params, self.template, self.parts = name, endpoint, params, template, parts

    def query(self, args) -> dict[str, str]:
        """The view's canonical parameters from ``args``, every value checked (400 naming it)."""
        raise NotImplementedError

    def context(self, query: dict[str, str]) -> dict:
        raise NotImplementedError

    def page_url(self, query: dict[str, str], lang: str) -> str:
        return url_for(self.endpoint, **query, lang=lang)

    def urls(self, query: dict[str, str]) -> dict[str, str]:
        """Where the view's values (``data``) and its downloads (``csv``, ``geojson``) are."""
        lang = current_language()
        out = {"data": url_for(f"maps_pages.{self.name}_data", **query, lang=lang, v=version())}
        for ext in ("csv", "geojson"):
            out[ext] = url_for(f"maps_pages.{self.name}_download", ext=ext, **query, lang=lang)
        return out

    def data(self, query: dict[str, str], ctx: dict, full: bool = True) -> dict:
        """The view's JSON: values, columns and the rendered parts that change with it. Not
        ``full``: what the page itself carries beside its table (no rows, no parts)."""
        lang = current_language()
        view = ctx["view"]
        urls = self.urls(query)
        out = view.data(rows=full)
        out.update(
            query=query,
            page=self.page_url(query, lang),
            title=ctx.get("title", ""),
            languages={code: self.page_url(query, code) for code in LANGUAGES},
            downloads={ext: urls[ext] for ext in ("csv", "geojson")},
        )
        for part, template in self.parts.items() if full else ():
            out[part] = render_template(template, **ctx)
        if "documentTitle" in ctx:
            out["documentTitle"] = ctx["documentTitle"]
        return out

    def json_body(self, query: dict[str, str], ctx: Callable[[], dict] | dict):
        import orjson

        key = (self.name, current_language(), tuple(sorted(query.items())))

        def build() -> bytes:
            context = ctx() if callable(ctx) else ctx
            return orjson.dumps(self.data(query, context), option=orjson.OPT_SERIALIZE_NUMPY)

        return cached_body(key, JSON, build, family=("maps.views", self.name), size=VIEW_CACHE, guard=throttle.MAPS)

    def shell_config(self, query: dict[str, str], **extra) -> dict:
        """The map script's configuration, shared by every view of the page: the page's first
        view is in its table and ``#atlas-view``; others come from ``dataBase``."""
        lang = current_language()
        return {
            "topology": topology_url(),
            "dataBase": url_for(f"maps_pages.{self.name}_data"),
            "version": version(),
            "lang": lang,
            "link": commune_url("{code}").replace("%7Bcode%7D", "{code}"),
            "missingFill": MISSING_FILL,
            "border": BORDER,
            "fillOpacity": FILL_OPACITY,
            "texts": texts(),
            **extra,
        }

    def render(self, query: dict[str, str], **extra) -> str:
        ctx = self.context(query)
        self.json_body(query, ctx)  # the view's JSON from the same context: warm with the page
        island = self.data(query, ctx, full=False) if self.table else None
        return render_template(self.template, **ctx, **extra, urls=self.urls(query), island=island)


def parse_args(args, allowed: dict[str, tuple[str, ...] | dict]) -> dict[str, str]:
    """Parameters in ``allowed`` (name: allowed values), empty ones dropped; a value not allowed
    is a 400 naming the parameter and the allowed values."""
    query = {}
    for name, values in allowed.items():
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if value not in values:
            raise InvalidParameter(
                f"{name}={value!r} is not one of: {', '.join(values)}", parameter=name, allowed=list(values)
            )
        query[name] = value
    return query


# --- the home map --------------------------------------------------------------------------------


class HomeMap(MapPage):
    def query(self, args) -> dict[str, str]:
        return {}

    def context(self, query):
        snap, lang = snapshot(), current_language()
        view = communes_view.communes_view(
            snap.base.display["commune"],
            area_names("commune", lang),
            area_names("province", lang),
            snap.base.population_year,
            translator(),
        )
        return {
            "view": view,
            "shell": self.shell(),
            "commune_count": len(snap.base.boundaries.communes),
            "population_year": snap.base.population_year,
            "provinces": provinces_menu(),
        }

    def page_url(self, query, lang):
        return url_for("pages.home", lang=lang)

    def shell(self):
        lang = current_language()
        return snapshot().derived(
            ("maps.shell", self.name, lang),
            lambda: client.shell(
                asset_urls(),
                [client.LayerSpec("communes", _("Communes (2025)"))],
                self.shell_config({}, clickOpens=True),
                _,
            ),
        )


HOME = HomeMap("home", "pages.home", (), "index.html", {})


@bp.get("/map/communes.json")
def home_data():
    return view_json(HOME)


@bp.get("/map/communes.<any(csv, geojson):ext>")
def home_download(ext: str):
    return view_download(HOME, ext, _("The communes of Belgium (2025) with their population"))


# --- coverage ------------------------------------------------------------------------------------


class CoverageMap(MapPage):
    def query(self, args):
        return cov.CoverageQuery.parse(args).as_args()

    def context(self, query):
        snap, lang = snapshot(), current_language()
        parsed = cov.CoverageQuery(**query)
        foreign = snap.indicators.communes.get("foreign_residents")
        reach = snap.indicators.reach_km
        view = cov.coverage_map(
            snap.base.boundaries.communes,
            area_names("commune", lang),
            area_names("province", lang),
            snap.catalogue,
            foreign,
            parsed,
            translator(),
            reach,
            lang,
        )
        title = cov.describe(parsed, _, reach)
        return {
            "view": view,
            "query": parsed,
            "labels": labels(),
            "measures": cov.MEASURES,
            "rates": cov.RATES,
            "kinds": KIND_LABELS,
            "themes": THEME_LABELS,
            "groups": GROUP_LABELS,
            "foreign_available": foreign is not None,
            "small_min": cov.SMALL_DENOMINATOR.get(parsed.rate),
            "network_rows": knowledge.network_rows(
                snap.indicators.networks, kinds=[parsed.kind] if parsed.kind else None, lang=lang
            ),
            "title": title,
            "reach_km": reach,
            "foreign_year": snap.indicators.params.get("nationality_year"),
            "population_year": snap.indicators.params.get("population_year"),
            "provinces": provinces_menu(),
            "shell": self.shell(),
        }

    def shell(self):
        lang = current_language()
        vocab = labels()
        return snapshot().derived(
            ("maps.shell", self.name, lang),
            lambda: client.shell(
                asset_urls(),
                [client.LayerSpec("communes", _("Communes"))],
                self.shell_config(
                    {},
                    sitesUrl=sites_url(),
                    initiativeLink=initiative_url("{id}").replace("%7Bid%7D", "{id}"),
                    correctLink=correction_link(commune="{code}"),
                    correctSiteLink=correction_link(site="{id}"),
                    vocab={k: vocab[k] for k in ("kinds", "themes", "groups", "precisions")},
                ),
                _,
                sites=_("Sites"),
            ),
        )


COVERAGE = CoverageMap(
    "coverage",
    "maps_pages.coverage",
    ("measure", "rate", "kind", "theme", "target"),
    "maps/coverage.html",
    {
        "panel": "maps/_coverage_panel.html",
        "legend": "maps/_coverage_legend.html",
        "intro": "maps/_coverage_intro.html",
    },
)


def provinces_menu() -> list[tuple[str, str]]:
    """(code, name) of every province, by name: the table's province filter."""
    names = area_names("province", current_language())
    return sorted(names.items(), key=lambda item: item[1])


def page_view(page: MapPage):
    """A map page's view for the request: the page for this canonical query, the shell with the
    URL of this view's values."""
    query = page.query(request.args)

    def build() -> str:
        return page.render(query)

    return build


@bp.get("/map/coverage")
@cached_view("map.coverage", params=COVERAGE.params)
def coverage():
    return page_view(COVERAGE)


@bp.get("/map/coverage.json")
def coverage_data():
    return view_json(COVERAGE)


@bp.get("/map/coverage.<any(csv, geojson):ext>")
def coverage_download(ext: str):
    query = COVERAGE.query(request.args)
    return view_download(COVERAGE, ext, cov.describe(cov.CoverageQuery(**query), _, snapshot().indicators.reach_km))


# --- employment gaps -----------------------------------------------------------------------------


class EmploymentMap(MapPage):
    table = False  # its 14 areas travel inline with the shell

    def query(self, args):
        return {}

    def context(self, query):
        snap, lang = snapshot(), current_language()
        boundaries = snap.base.display
        view = emp.employment_map(
            boundaries["province"],
            boundaries["region"],
            area_names("province", lang),
            area_names("region", lang),
            snap.indicators.provinces,
            snap.indicators.regions,
            _,
            lang,
        )
        return {"view": view, "shell": self.shell(view)}

    def urls(self, query):
        return {k: v for k, v in super().urls(query).items() if k != "data"}  # inline (below)

    def shell(self, view):
        # 14 areas: the values travel inline with the page
        config = self.shell_config({}, data=view.data())
        specs = [client.LayerSpec(layer.id, layer.name, layer.show) for layer in view.layers]
        return client.shell(asset_urls(), specs, config, _, control_position="bottomleft")


EMPLOYMENT = EmploymentMap("employment", "maps_pages.employment", (), "maps/employment.html", {})


@bp.get("/map/employment")
@cached_view("map.employment", size=6)
def employment():
    return page_view(EMPLOYMENT)


@bp.get("/map/employment.json")
def employment_data():
    return view_json(EMPLOYMENT)


@bp.get("/map/employment.<any(csv, geojson):ext>")
def employment_download(ext: str):
    return view_download(EMPLOYMENT, ext, _("Employment gaps (percentage points)"))


# --- gaps in support -----------------------------------------------------------------------------


def _suggestions(kind: str):
    """MCLP suggestions for ``kind`` (``Indicators.suggest``: only inside complete networks), once
    per snapshot and kept on disk under the digest of the problem solved, so neither a restart
    nor new data that leave that problem as it was redo seconds of solving."""
    snap = snapshot()
    indicators = snap.indicators
    radius = indicators.reach_km
    return snap.derived(
        ("maps.suggestions", kind, radius),
        lambda: indicators.suggest(kind, SUGGESTIONS, radius, cache_dir=snap.settings.cache_dir),
    )


def _points_wgs84():
    snap = snapshot()
    return snap.derived("maps.points_wgs84", lambda: gaps.label_points(snap.base.boundaries.communes))


def gaps_view(communes, kind: str, fill: str = "need"):
    """The gaps map of ``kind`` for ``communes`` (a scenario's statuses) in the page's language,
    with the snapshot's suggestions; its shell carries the values inline. A scenario's statuses
    are hypothetical: the dates of the published ones (hatching, "as of") are left out."""
    communes = communes.drop(columns=[f"status_as_of_{kind}", f"status_stale_{kind}"], errors="ignore")
    vocab = labels()
    indicators = snapshot().indicators
    lang = current_language()
    view = gaps.gaps_map(
        communes,
        area_names("commune", lang),
        kind,
        _suggestions(kind),
        _points_wgs84(),
        commune_url,
        vocab["kinds"][kind],
        translator(),
        networks=indicators.networks,
        reach_km=indicators.reach_km,
        kind_noun=vocab["kind_nouns"][kind],
        status_labels=vocab["service_statuses"],
        lang=lang,
        provinces=province_of(),
        province_names=area_names("province", lang),
        fill=fill,
    )
    config = GAPS.shell_config({}, data=view.data())
    view.fragments = client.shell(
        asset_urls(), [client.LayerSpec("communes", _("Communes"))], config, _, markers=_("Suggested locations")
    )
    return view


def centre_layer():
    """The reception centres with the support within their reach, in the page's language, once
    per snapshot and language (the same for every kind and fill of the gaps map)."""
    snap, lang = snapshot(), current_language()
    indicators = snap.indicators

    def build():
        return centres.centre_layer(
            getattr(indicators, "centres", None),
            snap.catalogue.sites,
            indicators.params.get("isolation_kinds", ()),
            labels()["kinds"],
            area_names("commune", lang),
            province_of(),
            initiative_url,
            lambda site: correction_link(site=site),
            translator(),
            lang,
            _("Reception centres"),
        )

    return snap.derived(("maps.centres", lang), build)


def not_assessed() -> list[tuple[str, str]]:
    """(kinds, why) for the kinds no commune is judged for, each reason once (the gaps map's legend)."""
    kinds = labels()["kinds"]
    by_reason: dict[str, list[str]] = {}
    for kind, reason in status_rules.NOT_ASSESSED_REASONS.items():
        by_reason.setdefault(reason, []).append(kinds.get(kind, kind))
    return [(", ".join(names), _(reason)) for reason, names in by_reason.items()]


def desert_kinds() -> tuple[str, ...]:
    params = snapshot().indicators.params
    return tuple(k for k in params.get("desert_kinds", KIND_LABELS) if k in KIND_LABELS)


class GapsMap(MapPage):
    def query(self, args):
        kind = gaps.parse_kind(args.get("kind"), desert_kinds())
        fill = gaps.parse_fill(args.get("fill"))
        query = {"kind": kind} if args.get("kind") else {}
        if args.get("fill"):
            query["fill"] = fill
        return query

    def context(self, query):
        snap, lang = snapshot(), current_language()
        kind = query.get("kind") or gaps.DEFAULT_KIND
        fill = query.get("fill") or gaps.FILLS[0]
        vocab = labels()
        view = gaps.gaps_map(
            snap.indicators.communes,
            area_names("commune", lang),
            kind,
            _suggestions(kind),
            _points_wgs84(),
            commune_url,
            vocab["kinds"][kind],
            translator(),
            networks=snap.indicators.networks,
            reach_km=snap.indicators.reach_km,
            kind_noun=vocab["kind_nouns"][kind],
            status_labels=vocab["service_statuses"],
            lang=lang,
            provinces=province_of(),
            province_names=area_names("province", lang),
            fill=fill,
            centres=centre_layer(),
            as_of=snap.catalogue.as_of.isoformat() if snap.catalogue.as_of else None,
        )
        return {
            "view": view,
            "not_assessed": not_assessed(),
            "kind": kind,
            "fill": fill,
            "fills": gaps.FILLS,
            "kinds": desert_kinds(),
            "labels": vocab,
            "radius": snap.indicators.reach_km,
            "params": snap.indicators.params,
            "scope": snap.indicators.suggestion_scope(kind, lang),
            "network_rows": knowledge.network_rows(snap.indicators.networks, kinds=[kind], lang=lang),
            "provinces": provinces_menu(),
            "shell": self.shell(),
        }

    def shell(self):
        lang = current_language()
        return snapshot().derived(
            ("maps.shell", self.name, lang),
            lambda: client.shell(
                asset_urls(),
                [client.LayerSpec("communes", _("Communes")), client.LayerSpec("centres", _("Reception centres"))],
                self.shell_config({}, correctLink=correction_link(commune="{code}")),
                _,
                markers=_("Suggested locations"),
            ),
        )


GAPS = GapsMap(
    "gaps",
    "maps_pages.gaps_page",
    ("kind", "fill"),
    "maps/gaps.html",
    {"panel": "maps/_gaps_panel.html", "legend": "maps/_gaps_legend.html"},
)


@bp.get("/map/gaps")
@cached_view("map.gaps", params=GAPS.params, size=(len(KIND_LABELS) + 1) * len(LANGUAGES) * 2)
def gaps_page():
    return page_view(GAPS)


@bp.get("/map/gaps.json")
def gaps_data():
    return view_json(GAPS)


@bp.get("/map/gaps.<any(csv, geojson):ext>")
def gaps_download(ext: str):
    query = GAPS.query(request.args)
    kind = query.get("kind") or gaps.DEFAULT_KIND
    return view_download(GAPS, ext, _("Status of the communes: %(kind)s", kind=labels()["kinds"][kind]))


# --- the JSON of a view and its downloads ------------------------------------------------------


def _known(page: MapPage, extra: tuple[str, ...]) -> None:
    from ..api.query import check_known

    check_known(request.args, {*page.params, "lang", *extra})


def view_json(page: MapPage):
    """The values of one view. With ``v`` (the data version the page was drawn from) equal to the
    current one the answer never changes and is cached for good; another ``v`` is redirected
    to the current data."""
    _known(page, ("v",))
    query = page.query(request.args)
    if request.args.get("v") != version():
        return redirect(url_for(request.endpoint, **query, lang=current_language(), v=version()), code=302)
    body = page.json_body(query, lambda: page.context(query))
    return send(body, IMMUTABLE, DATA_VARY)


def view_download(page: MapPage, ext: str, about: str):
    """``ext`` = csv or geojson: the view's values joined to codes and names."""
    _known(page, ())
    query = page.query(request.args)
    snap = snapshot()
    lang = current_language()
    key = (page.name, ext, lang, tuple(sorted(query.items())))
    # the page's path, not an absolute URL: the body is cached, and a Host header is the client's to choose
    note = f"{about}. {_('Source')}: {page.page_url(query, lang)}"

    def build() -> bytes:
        view = page.context(query)["view"]
        if ext == "csv":
            return downloads.to_csv(view, note)
        display = {"communes": snap.base.display["commune"], "provinces": snap.base.display["province"]}
        display["regions"] = snap.base.display["region"]
        return downloads.to_geojson(view, display, {"title": about, "source": note})

    media = "text/csv; charset=utf-8" if ext == "csv" else "application/geo+json"
    body = cached_body(key, media, build, family=("maps.downloads", page.name), size=64, guard=throttle.MAPS)
    name = "-".join([page.name, *[v for _, v in sorted(query.items())]])
    return send(body, "no-cache", DATA_VARY, headers=[("Content-Disposition", f'attachment; filename="{name}.{ext}"')])


# --- helpers the templates use -------------------------------------------------------------------


@bp.app_template_global()
def employment_source(source: str | None):
    """The original statistics and the intermediary they were read from, as the employment map says."""
    return emp.source_html(source, _) if source else ""


@bp.app_template_global()
def explain_status(facts) -> str:
    """Why a commune has its status for one kind, in the page's language (commune page, gaps map)."""
    return status_rules.explain(facts, _, labels()["kind_nouns"].get(facts.kind), current_language())


def map_links() -> list[tuple[str, str]]:
    return [
        (url_for("maps_pages.coverage"), _("Coverage")),
        (url_for("maps_pages.employment"), _("Employment gaps")),
        (url_for("maps_pages.gaps_page"), _("Gaps in support")),
    ]


__all__ = ["PAGE_MEDIA_TYPE", "gaps_view"]
