"""Shared pieces of every map: classes (mapclassify), colours, escaped popups, offline clusters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import folium
import numpy as np
import pandas as pd
from branca.utilities import color_brewer
from markupsafe import Markup, escape

from .folium_map import MapFragments, add_online_basemap, offline_map, render_fragments
from .palette import MISSING_SWATCH, ZERO_COLOUR


def _mapclassify():
    """mapclassify imported on first use: its import (scipy.stats) costs seconds at start-up."""
    import mapclassify

    return mapclassify


Translate = Callable[[str], str]
MISSING_COLOUR = MISSING_SWATCH  # legends and small maps; the main maps hatch missing values
KIND_COLOURS = {  # ColorBrewer "Set1"/"Dark2" hues, one per kind of the catalogue
    "citizen_initiative": "#e41a1c",
    "ngo_service": "#ff7f00",
    "civic_integration_office": "#377eb8",
    "public_employment_service": "#4daf4a",
    "social_welfare": "#984ea3",
    "reception_centre": "#a65628",
    "education_training": "#f781bf",
    "coordination_body": "#666666",
    "research_body": "#1b9e77",
    "funding_body": "#e6ab02",
}


def identity(text: str) -> str:
    return text


@dataclass
class Classes:
    """Class of every value (-1 missing, 0 zero when ``zero_class``), with legend rows."""

    codes: pd.Series
    colours: list[str]
    legend: list[dict] = field(default_factory=list)


def classify(
    values: pd.Series,
    k: int = 5,
    scheme: str = "YlGnBu",
    zero_class: bool = True,
    t: Translate = identity,
    fmt: str | Callable[[float], str] = "{:.1f}",
    method: str = "maximum_breaks",
    missing_label: str | None = None,
    palette: tuple[str, ...] | None = None,
) -> Classes:
    """Classes of the non-missing values by mapclassify: ``maximum_breaks`` (breaks in the widest
    gaps, for a few areas) or ``quantiles`` (classes of equal size, so a skewed count still spreads
    the communes; tied values stay together, so a class can only exceed its share when one value
    does). Zeros get their own class so "none at all" never hides in the lowest band. Legend labels
    give each class's real range, written by ``fmt`` (a format string, or a function such as a
    number in the page's language). ``palette``: the colours to spread the classes over (ordered
    light to dark, ``palette.SEQUENTIAL``) instead of the ColorBrewer ``scheme``."""
    show = fmt if callable(fmt) else fmt.format
    values = pd.to_numeric(values, errors="coerce").astype(float)
    codes = pd.Series(-1, index=values.index, dtype="int64")
    legend: list[dict] = []
    colours: list[str] = []
    known = values.dropna()
    offset = 0
    if zero_class and (known == 0).any():
        codes[values == 0] = 0
        colours.append(ZERO_COLOUR)
        legend.append({"colour": ZERO_COLOUR, "label": t("none (0)"), "count": int((known == 0).sum())})
        known = known[known != 0]
        offset = 1
    if len(known):
        bins_k = max(1, min(k, int(known.nunique())))
        scheme_class = {"maximum_breaks": "MaximumBreaks", "quantiles": "Quantiles"}[method]
        yb = (
            np.zeros(len(known), dtype=int)
            if bins_k == 1
            else np.asarray(getattr(_mapclassify(), scheme_class)(known.values, k=bins_k).yb)
        )
        used = sorted(set(yb.tolist()))
        colours_used = spread(palette, len(used)) if palette else brewer(scheme, len(used))
        for position, code in enumerate(used):
            members = known.values[yb == code]
            codes[known.index[yb == code]] = position + offset
            low, high = show(members.min()), show(members.max())
            legend.append(
                {
                    "colour": colours_used[position],
                    "label": low if low == high else f"{low} – {high}",
                    "count": int(len(members)),
                }
            )
        colours.extend(colours_used)
    missing = int(values.isna().sum())
    if missing:
        legend.append(
            {"colour": MISSING_COLOUR, "label": missing_label or t("no data"), "count": missing, "missing": True}
        )
    return Classes(codes=codes, colours=colours, legend=legend)


def brewer(scheme: str, n: int) -> list[str]:
    """The ``n`` darkest colours of a ColorBrewer scheme of at least three."""
    return color_brewer(scheme, max(3, n))[-n:] if n > 1 else [color_brewer(scheme, 3)[1]]


def spread(palette: tuple[str, ...], n: int) -> list[str]:
    """``n`` colours of ``palette`` from its first, evenly spread (its first and last for two)."""
    if n >= len(palette):
        return list(palette[:n])
    if n == 1:
        return [palette[0]]
    return [palette[round(i * (len(palette) - 1) / (n - 1))] for i in range(n)]


def classify_diverging(
    values: pd.Series,
    k: int = 3,
    scheme: str = "RdBu",
    t: Translate = identity,
    fmt: str | Callable[[float], str] = "{:+.1f}",
    missing_label: str | None = None,
) -> Classes:
    """Classes centred on 0 for signed values such as gaps: negative and positive values are
    classed apart (quantiles on each side, at most ``k`` classes a side) and coloured from the two
    arms of a diverging ColorBrewer scheme (``RdBu``: positive red, negative blue), so a sign is
    never hidden in a class that straddles 0. Legend rows ascend from the most negative class;
    ``fmt`` writes their bounds (a format string, or a function)."""
    show = fmt if callable(fmt) else fmt.format
    values = pd.to_numeric(values, errors="coerce").astype(float)
    codes = pd.Series(-1, index=values.index, dtype="int64")
    known = values.dropna()
    sides = []  # (members' index, classes) of the negative then the positive side
    for side in (known[known < 0], known[known >= 0]):
        if not len(side):
            sides.append([])
            continue
        bins_k = max(1, min(k, int(side.nunique())))
        yb = (
            np.zeros(len(side), dtype=int)
            if bins_k == 1
            else np.asarray(_mapclassify().Quantiles(side.values, k=bins_k).yb)
        )
        sides.append([side[yb == code] for code in sorted(set(yb.tolist()))])
    arm = max(3, len(sides[0]), len(sides[1]))
    palette = color_brewer(scheme, 2 * arm + 1)  # [dark positive ... neutral ... dark negative]
    # the class nearest 0 on each side gets the lightest colour of its arm
    negative = palette[arm + 1 : arm + 1 + len(sides[0])][::-1]
    positive = palette[:arm][::-1][: len(sides[1])]
    colours, legend = [], []
    for members, colour in zip(sides[0] + sides[1], negative + positive):
        codes[members.index] = len(colours)
        colours.append(colour)
        low, high = show(members.min()), show(members.max())
        legend.append(
            {"colour": colour, "label": low if low == high else f"{low} – {high}", "count": int(len(members))}
        )
    missing = int(values.isna().sum())
    if missing:
        legend.append(
            {"colour": MISSING_COLOUR, "label": missing_label or t("no data"), "count": missing, "missing": True}
        )
    return Classes(codes=codes, colours=colours, legend=legend)


def colour_of(classes: Classes, key) -> str:
    code = int(classes.codes.get(key, -1))
    return MISSING_COLOUR if code < 0 else classes.colours[code]


def text(value) -> str:
    """Any value as escaped HTML text ('' for missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(escape(str(value)))


def as_of_text(date, stale, t: Translate = identity, lang: str = "en") -> str:
    """How current a fact is, as a cell of a table or popup: its date in the page's language
    ("juin 2024"), followed by "to be confirmed" when it is stale ("2017 – to be confirmed",
    "undated – to be confirmed"); "" when undated and not stale (a network that exists by law)."""
    from .. import formatting

    stale = isinstance(stale, (bool, np.bool_)) and bool(stale)  # a missing value (NaN) is not stale
    dated = isinstance(date, str) and bool(date.strip())
    text = formatting.date(date, lang) if dated else (t("undated") if stale else "")
    return t("%(date)s – to be confirmed") % {"date": text} if stale else text


def link(href: str, label) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, label)


def popup_html(title, rows: Iterable[tuple[str, object]], links: Iterable[Markup] = ()) -> str:
    """A popup as HTML where every label and value is escaped (links are built with ``link``)."""
    parts = [Markup("<strong>{}</strong>").format(title), Markup("<table class='popup'>")]
    for label, value in rows:
        if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        parts.append(Markup("<tr><th>{}</th><td>{}</td></tr>").format(label, value))
    parts.append(Markup("</table>"))
    parts.extend(Markup("<div>{}</div>").format(a) for a in links)
    return str(Markup("").join(parts))


SITE_CALLBACK = """function (row) {
    var icon = L.divIcon({className: 'site-marker kind-' + row[2], iconSize: [14, 14]});
    var marker = L.marker(new L.LatLng(row[0], row[1]), {icon: icon, title: row[4], alt: row[4], keyboard: true});
    marker.bindPopup(row[3], {maxWidth: 320});
    return marker;
}"""


def add_site_clusters(fmap: folium.Map, rows: list[list], asset_urls: Mapping[str, str], name: str) -> None:
    """Sites as clustered markers; ``rows`` are [lat, lon, kind, escaped popup HTML, plain title].

    Uses folium's FastMarkerCluster (data array + callback, far smaller than one JS block per
    marker) with Leaflet.markercluster served by the app instead of the plugin's CDN links."""
    from folium.plugins import FastMarkerCluster
    from folium.utilities import JsCode

    # a group of sites is drawn as a ring in the colours of the kinds it holds (static/clusters.js,
    # loaded by every page: the colours of the "Kinds of site" legend, read from site.css)
    cluster = FastMarkerCluster(
        rows,
        callback=SITE_CALLBACK,
        name=name,
        showCoverageOnHover=False,
        maxClusterRadius=40,
        spiderfyOnMaxZoom=True,
        iconCreateFunction=JsCode("function (c) { return kindClusterIcon(c); }"),
    )
    cluster.default_js = [("markerclusterjs", asset_urls["markercluster_js"])]
    cluster.default_css = [
        ("markerclustercss", asset_urls["markercluster_css"]),
        ("markerclusterdefaultcss", asset_urls["markercluster_default_css"]),
    ]
    cluster.add_to(fmap)


POPUP_JS = """function (feature, layer) {
    layer.bindPopup(function () {
        var p = feature.properties;  // name and value are escaped HTML (built in Python)
        return '<strong>' + p.name + '</strong><br>' + (p.value ? p.value + '<br>' : '') +
            %(links)s.map(function (a) {
                return '<div><a href="' + a[0].replace('00000', encodeURIComponent(feature.id)) + '">' + a[1] + '</a></div>';
            }).join('');
    });
}"""


def choropleth(
    fmap: folium.Map,
    geojson: dict,
    fill: Mapping[str, str],
    name: str,
    fields: list[str],
    aliases: list[str],
    links: Sequence[tuple[str, str]] = (),
    weight: float = 0.5,
    show: bool = True,
) -> None:
    """A GeoJSON layer coloured per feature id. Tooltip fields must already be escaped HTML.
    With ``links`` ((URL containing ``00000`` where the feature id goes, label), such as the
    feature's page and its correction form) a click opens a popup with those links: one small
    JS function instead of one popup per feature."""
    import json

    from folium.utilities import JsCode

    escaped = [[str(escape(url)), str(escape(label))] for url, label in links]
    on_each = JsCode(POPUP_JS % {"links": json.dumps(escaped)}) if links else None
    folium.GeoJson(
        geojson,
        name=name,
        show=show,
        style_function=lambda f: {
            "color": "#4d4d4d",
            "weight": weight,
            "fillColor": fill.get(f["id"], MISSING_COLOUR),
            "fillOpacity": 0.75,
        },
        highlight_function=lambda _: {"weight": 2.5, "color": "#08306b"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[str(escape(a)) for a in aliases], sticky=True),
        on_each_feature=on_each,
    ).add_to(fmap)


def geometry_collection(display: pd.DataFrame) -> dict:
    """GeoJSON of ``display`` (EPSG:4326, index = feature id) without properties; build it once
    per snapshot and pass it to :func:`with_properties` for each map."""
    import json

    return json.loads(display[["geometry"]].to_json(drop_id=False))


def with_properties(collection: dict, properties: Mapping[str, Mapping[str, str]]) -> dict:
    """A shallow copy of ``collection`` whose features carry the given per-id properties."""
    features = [{**f, "properties": dict(properties.get(f["id"], {}))} for f in collection["features"]]
    return {"type": "FeatureCollection", "features": features}


class DataMarkers(folium.map.Layer):
    """Unclustered markers from rows [lat, lon, css class, escaped popup HTML, plain title]:
    folium's own Popup needs jQuery, which these pages do not load."""

    from folium.template import Template as _T

    _template = _T("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.featureGroup();
            {{ this.data|tojson }}.forEach(function (row) {
                var icon = L.divIcon({className: row[2], iconSize: [18, 18]});
                L.marker([row[0], row[1]], {icon: icon, title: row[4], alt: row[4], keyboard: true})
                    .bindPopup(row[3], {maxWidth: 320}).addTo({{ this.get_name() }});
            });
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}""")

    def __init__(self, rows: list[list], name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "DataMarkers"
        self.data = rows


def feature_map(feature: dict, asset_urls: Mapping[str, str], name: str, t: Translate = identity) -> MapFragments:
    """A small map of one GeoJSON feature (WGS84), zoomed to it: an outline for an area, a
    marker for a point (the API's item pages); ``t`` titles its zoom buttons."""
    import shapely.geometry

    fmap = offline_map(dict(asset_urls), t)
    add_online_basemap(fmap)
    geometry = feature.get("geometry")
    if geometry:
        shape = shapely.geometry.shape(geometry)
        if shape.geom_type == "Point":
            DataMarkers(
                [
                    [
                        shape.y,
                        shape.x,
                        "site-marker kind-" + str((feature.get("properties") or {}).get("kind", "")),
                        str(escape(name)),
                        name,
                    ]
                ],
                name,
            ).add_to(fmap)
            bounds = [[shape.y - 0.01, shape.x - 0.015], [shape.y + 0.01, shape.x + 0.015]]
        else:
            folium.GeoJson(
                {"type": "Feature", "geometry": geometry, "properties": {}},
                name=name,
                style_function=lambda _: {"color": "#08519c", "weight": 2, "fillColor": "#9ecae1", "fillOpacity": 0.5},
            ).add_to(fmap)
            minx, miny, maxx, maxy = shape.bounds
            bounds = [[miny, minx], [maxy, maxx]]
        fit_only(fmap, bounds, max_zoom=15)
    return render_fragments(fmap)


def fit_only(fmap: folium.Map, bounds, max_zoom: int = 16) -> None:
    """Fit ``bounds`` instead of Belgium's (set by ``offline_map``): two fitBounds in a row make
    Leaflet start an animated zoom to the first, which lands after the second and wins, so a
    commune was shown at zoom 7 (all of Belgium)."""
    from folium.map import FitBounds

    for key in [k for k, child in fmap._children.items() if isinstance(child, FitBounds)]:
        del fmap._children[key]
    fmap.fit_bounds(bounds, max_zoom=max_zoom)
