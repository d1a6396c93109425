"""Gaps-in-support map: the bivariate need-versus-support class of every commune, the status of
one kind of service (served, gap, unknown) outlined over it, and suggested communes for new
support of that kind (only inside complete networks: ``Indicators.suggest``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import folium
import pandas as pd

from ..errors import InvalidParameter
from .base import (
    MISSING_COLOUR,
    DataMarkers,
    identity,
    link,
    popup_html,
    text,
    with_properties,
)
from .folium_map import add_online_basemap, offline_map, render_fragments
from .labels import KIND_LABELS
from .view import MapView

# Joshua Stevens' 3x3 bivariate scheme (blue = need, pink = support), keyed "need-support".
BIVARIATE = {
    "1-1": "#e8e8e8",
    "1-2": "#e4acac",
    "1-3": "#c85a5a",
    "2-1": "#b0d5df",
    "2-2": "#ad9ea5",
    "2-3": "#985356",
    "3-1": "#64acbe",
    "3-2": "#627f8c",
    "3-3": "#574249",
}
GAP_COLOUR = "#b30000"
DEFAULT_KIND = "civic_integration_office"


def label_points(communes) -> dict[str, tuple[float, float]]:
    """(lat, lon) of a point inside each commune, where a suggested location is drawn."""
    if not len(communes):
        return {}
    points = communes.geometry.representative_point().set_crs(communes.crs, allow_override=True).to_crs(4326)
    return {nis: (p.y, p.x) for nis, p in zip(communes.index, points)}


def parse_kind(value: str | None, allowed=tuple(KIND_LABELS)) -> str:
    """The kind asked for (default: civic-integration offices); ``allowed`` are the kinds the
    indicators give a status (``params['desert_kinds']``)."""
    kind = (value or "").strip() or DEFAULT_KIND
    if kind not in allowed:
        raise InvalidParameter(f"kind={kind!r} is not one of: {', '.join(allowed)}", allowed=list(allowed))
    return kind


def bivariate_legend(counts: Mapping[str, int], t: Callable[[str], str]) -> list[list[dict]]:
    """Rows from high need to low need, columns from low to high support."""
    level = {1: t("low"), 2: t("medium"), 3: t("high")}
    return [
        [
            {
                "key": f"{n}-{s}",
                "colour": BIVARIATE[f"{n}-{s}"],
                "count": int(counts.get(f"{n}-{s}", 0)),
                "label": t("need: %(need)s, support: %(support)s") % {"need": level[n], "support": level[s]},
            }
            for s in (1, 2, 3)
        ]
        for n in (3, 2, 1)
    ]


STATUS_STYLE = {  # outlines only: the fill stays the need-support class
    "gap": {"color": GAP_COLOUR, "weight": 1.4},
    "unknown": {"color": "#636363", "weight": 1.0, "dashArray": "3 3"},
    "served": {"color": "#4d4d4d", "weight": 0.3},
}


def gaps_map(
    communes: pd.DataFrame | None,
    collection: dict,
    names: Mapping[str, str],
    kind: str,
    suggested: pd.DataFrame,
    points_wgs84: Mapping[str, tuple[float, float]],
    asset_urls: Mapping[str, str],
    commune_url: Callable[[str], str],
    kind_label: str,
    t: Callable[[str], str] = identity,
    networks: pd.DataFrame | None = None,
    reach_km: float = 15.0,
    kind_noun: str | None = None,
    status_labels: Mapping[str, str] | None = None,
    lang: str = "en",
) -> MapView:
    """``communes`` is ``indicators.communes`` (None before the indicators exist: all unknown);
    ``networks`` the completeness register, for the explanations (in the language of ``t``, the
    networks named in ``lang``)."""
    from ..indicators import status as rules

    index = list(names)
    records = communes.to_dict("index") if communes is not None else {}
    klass = {nis: records.get(nis, {}).get("bivariate_class") for nis in index}
    state = {nis: records.get(nis, {}).get(f"status_{kind}") or "unknown" for nis in index}
    lookup = rules.network_lookup(networks, lang) if networks is not None else {}
    reason = {
        nis: rules.explain(rules.facts_of(records.get(nis, {}), kind, lookup, reach_km), t, kind_noun) for nis in index
    }
    status_labels = status_labels or {s: t(s) for s in rules.STATUSES}
    level = {1: t("low"), 2: t("medium"), 3: t("high")}

    def describe(nis):
        key = klass[nis]
        if not isinstance(key, str) or key not in BIVARIATE:
            return t("no data")
        n, s = (int(x) for x in key.split("-"))
        return t("need: %(need)s, support: %(support)s") % {"need": level[n], "support": level[s]}

    props = {
        nis: {
            "name": text(names[nis]),
            "class": text(describe(nis)),
            "status": text(status_labels[state[nis]]),
            "reason": text(reason[nis]),
        }
        for nis in index
    }
    fill = {
        nis: BIVARIATE.get(klass[nis], MISSING_COLOUR) if isinstance(klass[nis], str) else MISSING_COLOUR
        for nis in index
    }
    fmap = offline_map(asset_urls)
    add_online_basemap(fmap)
    aliases = [t("Commune"), t("Need and support"), t("Status: %(kind)s") % {"kind": kind_label}, t("Explanation")]
    import json

    from folium.utilities import JsCode

    from .base import POPUP_JS

    # statuses are outlines of the same layer (no second copy of the geometry)
    folium.GeoJson(
        with_properties(collection, props),
        name=t("Need and support"),
        style_function=lambda f: {
            "fillColor": fill.get(f["id"], MISSING_COLOUR),
            "fillOpacity": 0.8,
            **STATUS_STYLE[state.get(f["id"], "unknown")],
        },
        highlight_function=lambda _: {"weight": 3, "color": "#08306b"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "class", "status", "reason"], aliases=[str(text(a)) for a in aliases], sticky=True
        ),
        on_each_feature=JsCode(
            POPUP_JS % {"url": json.dumps(commune_url("00000")), "label": json.dumps(text(t("Page of the commune")))}
        ),
    ).add_to(fmap)
    rows, markers = [], []
    for _, row in suggested.iterrows():
        lat, lon = points_wgs84[row["nis"]]
        html = popup_html(
            t("Suggested location: %(name)s") % {"name": names[row["nis"]]},
            [
                (t("Kind"), kind_label),
                (t("Foreign residents brought within reach"), f"{row['gain']:,.0f}".replace(",", " ")),
            ],
            [link(commune_url(row["nis"]), t("Page of the commune"))],
        )
        markers.append([round(lat, 5), round(lon, 5), "suggested-marker", html, names[row["nis"]]])
        rows.append({"nis": row["nis"], "name": names[row["nis"]], "gain": float(row["gain"])})
    DataMarkers(markers, t("Suggested locations")).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    counts = pd.Series([k for k in klass.values() if isinstance(k, str)]).value_counts().to_dict() if index else {}
    table = [
        {
            "nis": nis,
            "name": names[nis],
            "class": describe(nis),
            "status": state[nis],
            "status_label": status_labels[state[nis]],
            "reason": reason[nis],
        }
        for nis in index
    ]
    summary = {
        "statuses": {s: sum(1 for v in state.values() if v == s) for s in rules.STATUSES},
        "missing": sum(1 for k in klass.values() if not isinstance(k, str)),
        "suggestions": rows,
        "bivariate": bivariate_legend(counts, t),
        "high_need_low_support": int(counts.get("3-1", 0)),
    }
    return MapView(render_fragments(fmap), [], table, summary)
