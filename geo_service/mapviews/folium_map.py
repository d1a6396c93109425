"""Folium maps rendered to HTML fragments, with every asset served by the app itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import branca
import folium
from folium.template import Template

BELGIUM_BOUNDS = [[49.49, 2.54], [51.51, 6.41]]


@dataclass(frozen=True)
class MapFragments:
    """The three parts of a folium page, to place inside our own templates."""

    header: str
    body: str
    script: str


class AtlasMap(folium.Map):
    """folium's map without the page-level header of a stand-alone folium page: its viewport meta
    (``maximum-scale=1, user-scalable=no``, which blocked pinch zoom on phones), its full-page
    styles and global switches; our templates hold the page and site.css sizes the map. The zoom
    buttons are titled in the page's language and the scale bar is metric only."""

    _template = Template("""
        {% macro header(this, kwargs) %}{% endmacro %}
        {% macro html(this, kwargs) %}<div class="folium-map" id={{ this.get_name()|tojson }}></div>{% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
                center: {{ this.location|tojson }}, crs: L.CRS.{{ this.crs }}, ...{{ this.options|tojavascript }}
            });
            L.control.zoom({{ this.zoom_texts|tojson }}).addTo({{ this.get_name() }});
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
        {% endmacro %}""")

    def __init__(self, t: Callable[[str], str], **kwargs):
        super().__init__(zoom_control=False, **kwargs)
        self.zoom_texts = {"zoomInTitle": t("Zoom in"), "zoomOutTitle": t("Zoom out")}


def offline_map(asset_urls: dict[str, str], t: Callable[[str], str] = str, **kwargs) -> folium.Map:
    """A folium map whose JS/CSS come from ``asset_urls`` (app-served), not from CDNs."""
    fmap = AtlasMap(t, location=[50.6, 4.6], zoom_start=8, tiles=None, **kwargs)
    fmap.default_js = [("leaflet", asset_urls["leaflet_js"])]
    fmap.default_css = [("leaflet_css", asset_urls["leaflet_css"])]
    # not animated: the map is created at ``location`` first, and an animated pan to the bounds
    # redrew every shape once more when it ended (75 ms of a page's 1 s)
    fit = folium.map.FitBounds(BELGIUM_BOUNDS)
    fit.options["animate"] = False
    fmap.add_child(fit)
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
