"""HTML pages. Map fragments are rendered once per language and kept in memory."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import get_locale, gettext as _

from .. import maps

bp = Blueprint("pages", __name__)


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


@lru_cache(maxsize=8)
def _home_map(app_id: int, lang: str, urls: tuple) -> maps.MapFragments:
    base = current_app.extensions["geo_service.base"]
    labels = {
        "name": _("Commune"),
        "nis": _("NIS code"),
        "province": _("Province"),
        "population": _("Population (1 Jan 2020)"),
        "layer": _("Communes (2025)"),
    }
    return maps.communes_map(base.display["commune"], base.display["province"], lang, labels, dict(urls))


@bp.get("/")
def home():
    lang = current_language()
    fragments = _home_map(id(current_app._get_current_object()), lang, tuple(sorted(asset_urls().items())))
    base = current_app.extensions["geo_service.base"]
    return render_template(
        "index.html",
        fragments=fragments,
        commune_count=len(base.boundaries.communes),
        population_year=base.population_year,
    )
