"""Scenario page ``/plan`` and its downloads: a thin view over ``geo_service.indicators.scenario``
(docs/scenarios.md). The scenario lives in the URL (``change=`` repeated); nothing is stored."""

from __future__ import annotations

import csv
import io

import orjson
from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..api.query import check_known
from ..errors import InvalidParameter
from ..indicators.scenario import Planner, Scenario, parse_change, result_json, shown
from ..mapviews import gaps, knowledge
from . import api, throttle
from .maps_pages import gaps_view
from .pages import area_names, current_language, labels, snapshot
from .responses import JSON, PAGE_MEDIA_TYPE, PAGE_VARY, cached_body, send

bp = Blueprint("plan", __name__)
PAGE_CACHE = 64  # scenario pages kept per snapshot
API_CACHE = 256  # scenario answers kept per snapshot


def planner() -> Planner:
    snap = snapshot()
    return snap.derived(
        "scenario.planner", lambda: Planner(snap.base.boundaries.communes, snap.catalogue, snap.indicators)
    )


def desert_kinds() -> tuple[str, ...]:
    params = snapshot().indicators.params
    return tuple(params.get("desert_kinds", ()))


def scenario_from_request() -> Scenario:
    return planner().parse(request.args.getlist("change"))


def page_kind(scenario: Scenario) -> str:
    """The kind shown: ``kind=`` if given, else that of the first change naming one."""
    asked = request.args.get("kind") or next((c.kind for c in scenario.changes if c.kind), None)
    return gaps.parse_kind(asked, desert_kinds())


def plan_url(scenario: Scenario, kind: str, endpoint: str = "plan.plan_page") -> str:
    return url_for(endpoint) + "?" + scenario.query(kind=kind, lang=current_language())


@bp.get("/plan")
def plan_page():
    scenario = scenario_from_request()
    kind = page_kind(scenario)
    at = (request.args.get("at") or "").strip()
    if at:  # the form "add a site in a commune": back to the canonical URL with one change more
        try:
            change = parse_change(f"add:{kind}@{at}")
        except ValueError as exc:
            raise InvalidParameter(f"at={shown(at)!r}: {exc}", parameter="at") from None
        return redirect(plan_url(scenario.plus(change), kind), code=303)
    result = planner().apply(scenario)  # InvalidParameter (400) before anything is rendered
    key = (current_language(), kind, tuple(scenario.tokens))
    body = cached_body(
        key,
        PAGE_MEDIA_TYPE,
        lambda: _render(scenario, kind, result),
        family=("pages.cache", "plan"),
        size=PAGE_CACHE,
        html_page=True,
        guard=throttle.MAPS,  # a new scenario draws a new map: the map render bounds apply
    )
    return send(body, "no-cache", PAGE_VARY)


def _render(scenario: Scenario, kind: str, result) -> str:
    snap, lang, vocab = snapshot(), current_language(), labels()
    plan = planner()
    names = area_names("commune", lang)
    view = gaps_view(plan.communes_after(result, kind), kind)
    changes = [
        {**entry, "remove": plan_url(scenario.without(i), kind), "where": names.get(entry.get("nis"), entry.get("nis"))}
        for i, entry in enumerate(result.changes)
    ]
    new_labels = {
        site.id: _("new site (scenario), %(place)s", place=names.get(site.nis, site.nis))
        for site in result.new_sites
        if site.id.startswith("scenario-") and site.label.startswith("new site")
    }
    affected = result.affected.assign(name=result.affected["nis"].map(names))
    affected["nearest_name_after"] = [
        new_labels.get(sid, label) for sid, label in zip(affected["nearest_site_after"], affected["nearest_name_after"])
    ]
    affected = affected.to_dict("records")
    markers = [
        {"lat": lat, "lon": lon, "label": site.label, "kind": vocab["kinds"][site.kind]}
        for site, (lat, lon) in zip(result.new_sites, plan.to_wgs84([s.xy for s in result.new_sites]))
    ]
    add_suggested = [
        {**row, "url": plan_url(scenario.plus(parse_change(f"add:{kind}@{row['nis']}")), kind)}
        for row in view.summary["suggestions"]
    ]
    query = scenario.query(kind=kind, lang=lang)
    return render_template(
        "plan.html",
        view=view,
        kind=kind,
        kinds=desert_kinds(),
        labels=vocab,
        radius=snap.indicators.reach_km,
        scenario=scenario,
        changes=changes,
        summary=result.summary,
        current=result.summary.get(kind) or plan.unchanged_summary(kind),
        affected=affected,
        markers=orjson.dumps(markers).decode(),
        communes=sorted(names.items(), key=lambda item: item[1]),
        add_suggested=add_suggested,
        click_url=plan_url(scenario, kind),
        other_urls={k: plan_url(scenario, k) for k in result.summary if k in desert_kinds()},
        pop_year=(snap.indicators.params or {}).get("population_year"),
        catchment=plan.params.catchment_km,
        csv_url=f"{url_for('plan.plan_csv')}?{query}",
        geojson_url=f"{url_for('plan.plan_geojson')}?{query}",
        network_rows=knowledge.network_rows(snap.indicators.networks, kinds=[kind], lang=lang),
    )


def _affected_records():
    scenario = scenario_from_request()
    result = planner().apply(scenario)
    names = area_names("commune", current_language())
    frame = result.affected.assign(name=result.affected["nis"].map(names))
    return scenario, result, frame[["nis", "name", *[c for c in frame.columns if c not in ("nis", "name")]]]


@bp.get("/plan.csv")
def plan_csv():
    scenario, _result, frame = _affected_records()
    out = io.StringIO()
    frame.assign(scenario=" ".join(scenario.tokens)).to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL)
    return Response(
        out.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="scenario-communes.csv"'},
    )


@bp.get("/plan.geojson")
def plan_geojson():
    scenario, result, frame = _affected_records()
    display = snapshot().base.display["commune"]
    geometry = display.geometry.reindex(frame["nis"]).to_numpy()
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    features = [
        {
            "type": "Feature",
            "id": f"{r['nis']}:{r['kind']}",
            "geometry": g.__geo_interface__ if g is not None else None,
            "properties": r,
        }
        for r, g in zip(records, geometry)
    ]
    body = {"type": "FeatureCollection", "scenario": scenario.tokens, "summary": result.summary, "features": features}
    return Response(
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY, default=str),
        mimetype="application/geo+json",
        headers={"Content-Disposition": 'attachment; filename="scenario-communes.geojson"'},
    )


# The API's operation lives on the API blueprint (its CORS headers, its JSON errors) but here,
# beside the page it mirrors; documented in geo_service/api/openapi.py.
@api.bp.get("/api/scenario")
def scenario_api():
    """The scenario's changed indicators per commune and its summary per kind (JSON)."""
    check_known(request.args, {"change"})
    scenario = scenario_from_request()

    def build() -> bytes:
        result = planner().apply(scenario)
        return orjson.dumps(
            result_json(result, area_names("commune", "en")), option=orjson.OPT_SERIALIZE_NUMPY, default=str
        )

    body = cached_body(tuple(scenario.tokens), JSON, build, family=("api.cache", "scenario"), size=API_CACHE)
    return send(body, api.CACHE_CONTROL, "Accept, Accept-Encoding")
