"""Employment-gap map: provinces and regions coloured by the gap in percentage points between
the employment rates compared (native- minus foreign-born, or nationals minus non-EU citizens);
cells without data are drawn grey and listed in the legend with the reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import folium
import pandas as pd

from .base import MISSING_COLOUR, add_online_basemap, classify, colour_of, identity, offline_map, \
    render_fragments, text, with_properties
from .coverage import MapView

CONCEPTS = {"country_of_birth": "country of birth", "citizenship": "citizenship"}


def _get(row: Mapping, *names, default=None):
    for name in names:
        value = row.get(name)
        if value is not None and not (isinstance(value, float) and pd.isna(value)):
            return value
    return default


def _pp(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):+.1f} pp"


def _pct(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1f} %"


# (column prefix, rate columns compared, groups compared) of each series drawn; "employment" is
# the provinces' series (native- vs foreign-born, Eurostat), the two others the regions' series.
SERIES = {
    "employment": ("employment", ("rate_native_born", "rate_foreign_born"), "native-born vs foreign-born"),
    "gap_native_non_eu_born": ("gap_native_non_eu_born", ("rate_native_born", "rate_non_eu_born"),
                               "native-born vs born outside the EU"),
    "gap_nationals_non_eu": ("gap_nationals_non_eu", ("rate_national", "rate_non_eu"),
                             "Belgian nationals vs non-EU citizens"),
}


def layer_rows(frame: pd.DataFrame | None, index: pd.Index, names: Mapping[str, str],
               t: Callable[[str], str], series: str = "employment") -> dict[str, dict]:
    """Per area: gap, the two rates, groups, concept, year, age band, source, or why it is missing."""
    prefix, (rate_a, rate_b), groups = SERIES[series]
    gap_column = "employment_gap_pp" if prefix == "employment" else f"{prefix}_pp"
    rows = {}
    records = frame.to_dict("index") if frame is not None else {}
    for code in index:
        row = records.get(code, {})
        gap = _get(row, gap_column)
        concept = _get(row, f"{prefix}_concept", default="")
        rows[code] = {
            "name": names[code],
            "gap": None if gap is None else float(gap),
            "groups": t(groups),
            "rate_a": _get(row, rate_a),
            "rate_b": _get(row, rate_b),
            "concept": t(CONCEPTS.get(concept, concept)) if concept else "",
            "year": _get(row, f"{prefix}_year", default=""),
            "age_band": _get(row, f"{prefix}_age_band", default=""),
            "source": _get(row, f"{prefix}_source", default=""),
            "missing_reason": _get(row, f"{prefix}_missing_reason", default=None if gap is not None else
                                   t("no employment figures loaded")),
        }
    return rows


def employment_map(province_display, region_display, province_names: Mapping[str, str],
                   region_names: Mapping[str, str], provinces: pd.DataFrame | None, regions: pd.DataFrame | None,
                   province_collection: dict, region_collection: dict, asset_urls: Mapping[str, str],
                   t: Callable[[str], str] = identity) -> MapView:
    layers = [("province", "employment", layer_rows(provinces, province_display.index, province_names, t),
               province_collection, t("Provinces: native-born vs foreign-born"), True)]
    for series, label in (("gap_native_non_eu_born", t("Regions: native-born vs born outside the EU")),
                          ("gap_nationals_non_eu", t("Regions: Belgian nationals vs non-EU citizens"))):
        layers.append(("region", series, layer_rows(regions, region_display.index, region_names, t, series),
                       region_collection, label, False))
    # Brussels is both a province-level unit and a region with the same code 04000: key by series
    values = pd.Series({f"{series}:{code}": r["gap"] for _, series, rows, *_ in layers for code, r in rows.items()},
                       dtype=float)
    classes = classify(values, k=4, scheme="OrRd", zero_class=False, t=t, fmt="{:+.1f} pp")
    fmap = offline_map(asset_urls)
    add_online_basemap(fmap)
    fields = ["name", "gap", "groups", "rate_a", "rate_b", "concept", "year", "age_band", "source", "missing"]
    aliases = [t("Area"), t("Employment gap"), t("Groups compared"), t("Rate of the first group"),
               t("Rate of the second group"), t("Concept"), t("Year"), t("Age band"), t("Source"),
               t("Missing because")]
    aliases = [text(a) for a in aliases]
    for level, series, rows, collection, label, show in layers:
        props = {code: {"name": text(r["name"]), "gap": text(_pp(r["gap"]) or t("no data")), "groups": text(r["groups"]),
                        "rate_a": text(_pct(r["rate_a"])), "rate_b": text(_pct(r["rate_b"])),
                        "concept": text(r["concept"]), "year": text(r["year"]), "age_band": text(r["age_band"]),
                        "source": text(r["source"]), "missing": text(r["missing_reason"] or "")}
                 for code, r in rows.items()}
        fill = {code: colour_of(classes, f"{series}:{code}") for code in rows}
        folium.GeoJson(
            with_properties(collection, props), name=label, show=show, overlay=True,
            style_function=lambda f, fill=fill: {
                "color": "#333333", "weight": 1.2, "fillColor": fill.get(f["id"], MISSING_COLOUR), "fillOpacity": 0.75,
                "dashArray": "4 4" if fill.get(f["id"], MISSING_COLOUR) == MISSING_COLOUR else None},
            highlight_function=lambda _: {"weight": 3},
            tooltip=folium.GeoJsonTooltip(fields=["name", "gap", "groups"], aliases=aliases[:3], sticky=True),
            popup=folium.GeoJsonPopup(fields=fields, aliases=aliases),
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    table = [dict(r, code=code, level=level, series=series, layer=label, gap_text=_pp(r["gap"]),
                  rate_a_text=_pct(r["rate_a"]), rate_b_text=_pct(r["rate_b"]))
             for level, series, rows, _, label, _ in layers for code, r in rows.items()]
    missing = [r for r in table if r["gap"] is None]
    return MapView(render_fragments(fmap), classes.legend, table,
                   {"missing": missing, "areas": len(table)})
