"""Folium maps rendered to HTML fragments, with every asset served by the app itself."""

from __future__ import annotations

from dataclasses import dataclass

import branca
import folium
import geopandas as gpd

from ..names import name_in

BELGIUM_BOUNDS = [[49.49, 2.54], [51.51, 6.41]]


@dataclass(frozen=True)
class MapFragments:
    """The three parts of a folium page, to place inside our own templates."""

    header: str
    body: str
    script: str


def offline_map(asset_urls: dict[str, str], **kwargs) -> folium.Map:
    """A folium map whose JS/CSS come from ``asset_urls`` (app-served), not from CDNs."""
    fmap = folium.Map(location=[50.6, 4.6], zoom_start=8, tiles=None, control_scale=True, **kwargs)
    fmap.default_js = [("leaflet", asset_urls["leaflet_js"])]
    fmap.default_css = [("leaflet_css", asset_urls["leaflet_css"])]
    fmap.fit_bounds(BELGIUM_BOUNDS)
    return fmap


def add_online_basemap(fmap: folium.Map) -> None:
    """OpenStreetMap tiles: optional scenery; boundaries and legends never depend on them."""
    folium.TileLayer(
        "OpenStreetMap",
        name="OpenStreetMap",
        attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        overlay=False,
        control=True,
    ).add_to(fmap)


def render_fragments(fmap: folium.Map) -> MapFragments:
    root: branca.element.Figure = fmap.get_root()
    root.render()
    return MapFragments(
        header=root.header.render(),
        body=root.html.render(),
        script=root.script.render(),
    )


def commune_tooltip_frame(display_communes: gpd.GeoDataFrame, provinces, lang: str, labels: dict) -> gpd.GeoDataFrame:
    """Communes with the fields shown in the tooltip, names in ``lang``."""
    frame = display_communes[["geometry"]].copy()
    records = display_communes.drop(columns="geometry").to_dict("index")
    province_records = provinces.drop(columns="geometry").to_dict("index")
    frame[labels["name"]] = [name_in(records[nis], lang) for nis in frame.index]
    frame[labels["nis"]] = frame.index
    frame[labels["province"]] = [name_in(province_records[records[nis]["province"]], lang) for nis in frame.index]
    frame[labels["population"]] = [f"{records[nis]['pop_2025_total']:,}".replace(",", " ") for nis in frame.index]
    return frame


def communes_map(display_communes, provinces, lang: str, labels: dict, asset_urls: dict) -> MapFragments:
    """The home page map: every commune with a tooltip (name, NIS code, province, population)."""
    fmap = offline_map(asset_urls)
    add_online_basemap(fmap)
    frame = commune_tooltip_frame(display_communes, provinces, lang, labels)
    fields = [labels["name"], labels["nis"], labels["province"], labels["population"]]
    folium.GeoJson(
        frame.reset_index(drop=True).to_json(),
        name=labels["layer"],
        style_function=lambda _: {"color": "#3b4d61", "weight": 0.6, "fillColor": "#9ecae1", "fillOpacity": 0.55},
        highlight_function=lambda _: {"weight": 2, "color": "#08306b"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=fields, sticky=True),
    ).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return render_fragments(fmap)
