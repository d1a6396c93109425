"""The three maps (coverage, employment gaps, gaps in support): thin views over
``geo_service.mapviews``; each page is rendered once per snapshot, language and filter set."""

from __future__ import annotations

import hashlib

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from ..cache import cached
from ..indicators import status as status_rules
from ..mapviews import coverage as cov
from ..mapviews import employment as emp
from ..mapviews import gaps, knowledge
from ..mapviews.labels import GROUP_LABELS, KIND_LABELS, THEME_LABELS
from ..names import LANGUAGES
from .pages import (
    area_names,
    asset_urls,
    cached_view,
    collection,
    commune_url,
    current_language,
    initiative_url,
    labels,
    snapshot,
)

bp = Blueprint("maps_pages", __name__)
SUGGESTIONS = 5  # locations suggested per kind on the gaps map


@bp.get("/map/coverage")
@cached_view("map.coverage", params=("measure", "rate", "kind", "theme", "target"))
def coverage():
    query = cov.CoverageQuery.parse(request.args)
    snap = snapshot()

    def build() -> str:
        lang = current_language()
        foreign = snap.indicators.communes.get("foreign_residents")
        view = cov.coverage_map(
            snap.base.boundaries.communes,
            collection("commune"),
            area_names("commune", lang),
            snap.catalogue,
            foreign,
            query,
            asset_urls(),
            labels(),
            commune_url,
            initiative_url,
            _,
        )
        return render_template(
            "maps/coverage.html",
            view=view,
            query=query,
            labels=labels(),
            measures=cov.MEASURES,
            rates=cov.RATES,
            kinds=KIND_LABELS,
            themes=THEME_LABELS,
            groups=GROUP_LABELS,
            foreign_available=foreign is not None,
            small_min=cov.SMALL_DENOMINATOR.get(query.rate),
            network_rows=knowledge.network_rows(
                snap.indicators.networks, kinds=[query.kind] if query.kind else None, lang=current_language()
            ),
            title=cov.describe(query, _),
        )

    return build


@bp.get("/map/employment")
@cached_view("map.employment", size=6)
def employment():
    snap = snapshot()

    def build() -> str:
        lang = current_language()
        boundaries = snap.base.display
        view = emp.employment_map(
            boundaries["province"],
            boundaries["region"],
            area_names("province", lang),
            area_names("region", lang),
            snap.indicators.provinces,
            snap.indicators.regions,
            collection("province"),
            collection("region"),
            asset_urls(),
            _,
        )
        return render_template("maps/employment.html", view=view)

    return build


def _suggestions(kind: str):
    """MCLP suggestions for ``kind`` (``Indicators.suggest``: only inside complete networks), once
    per snapshot and kept on disk, so a restart on the same data does not redo seconds of solving."""
    snap = snapshot()
    indicators = snap.indicators
    radius = indicators.reach_km
    key = hashlib.sha256(f"{snap.version}|{kind}|{radius}".encode()).hexdigest()[:20]
    return snap.derived(
        ("maps.suggestions", kind, radius),
        lambda: cached(
            snap.settings.cache_dir, f"suggestions-{kind}", key, lambda: indicators.suggest(kind, SUGGESTIONS, radius)
        ),
    )


def _points_wgs84():
    snap = snapshot()
    return snap.derived("maps.points_wgs84", lambda: gaps.label_points(snap.base.boundaries.communes))


def gaps_view(communes, kind: str):
    """The gaps map of ``kind`` for ``communes`` (their statuses: the published ones, or a
    scenario's) in the page's language, with the snapshot's suggestions."""
    vocab = labels()
    indicators = snapshot().indicators
    return gaps.gaps_map(
        communes,
        collection("commune"),
        area_names("commune", current_language()),
        kind,
        _suggestions(kind),
        _points_wgs84(),
        asset_urls(),
        commune_url,
        vocab["kinds"][kind],
        _,
        networks=indicators.networks,
        reach_km=indicators.reach_km,
        kind_noun=vocab["kind_nouns"][kind],
        status_labels=vocab["service_statuses"],
        lang=current_language(),
    )


@bp.get("/map/gaps")
@cached_view("map.gaps", params=("kind",), size=(len(KIND_LABELS) + 1) * len(LANGUAGES))
def gaps_page():
    snap = snapshot()
    params = snap.indicators.params
    desert_kinds = tuple(k for k in params.get("desert_kinds", KIND_LABELS) if k in KIND_LABELS)
    kind = gaps.parse_kind(request.args.get("kind"), desert_kinds)

    def build() -> str:
        networks = snap.indicators.networks
        view = gaps_view(snap.indicators.communes, kind)
        scope = snap.indicators.suggestion_scope(kind, current_language())
        return render_template(
            "maps/gaps.html",
            view=view,
            kind=kind,
            kinds=desert_kinds,
            labels=labels(),
            radius=snap.indicators.reach_km,
            params=params,
            scope=scope,
            network_rows=knowledge.network_rows(networks, kinds=[kind], lang=current_language()),
        )

    return build


@bp.app_template_global()
def employment_source(source: str | None):
    """The original statistics and the intermediary they were read from, as the employment map says."""
    return emp.source_html(source, _) if source else ""


@bp.app_template_global()
def explain_status(facts) -> str:
    """Why a commune has its status for one kind, in the page's language (commune page, gaps map)."""
    return status_rules.explain(facts, _, labels()["kind_nouns"].get(facts.kind))


def map_links() -> list[tuple[str, str]]:
    return [
        (url_for("maps_pages.coverage"), _("Coverage")),
        (url_for("maps_pages.employment"), _("Employment gaps")),
        (url_for("maps_pages.gaps_page"), _("Gaps in support")),
    ]
