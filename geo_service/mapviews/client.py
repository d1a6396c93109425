"""The map pages' shell: a folium map (offline assets, base map, zoom, scale, layer control) whose
layers start empty and are filled in the browser by ``static/atlas-map.js`` from the shared
TopoJSON and the values of the view (``MapView.data``), so a page carries no geometry and a
new view (another indicator, kind or class scheme) needs only its values.

The shell depends only on the page and its language, never on the view: one rendered shell
serves every view of a page, and switching views in place keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from .folium_map import BELGIUM_BOUNDS, MapFragments, add_online_basemap, offline_map, render_fragments


@dataclass(frozen=True)
class LayerSpec:
    """A layer of the shell: its id (as in ``MapView.layers``), name in the layer control and
    whether it is shown at first."""

    id: str
    name: str
    show: bool = True


class DataLayer(folium.map.Layer):
    """An empty GeoJSON layer, listed in the layer control from the start and filled later."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.geoJSON(null, {});
        {% endmacro %}""")

    def __init__(self, name: str, show: bool = True, control: bool = True):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "DataLayer"


class SiteClusters(JSCSSMixin, folium.map.Layer):
    """An empty Leaflet.markercluster group (the plugin served by the app) whose clusters are
    rings in the colours of the kinds they hold (``static/clusters.js``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 40,
                spiderfyOnMaxZoom: true, iconCreateFunction: function (c) { return kindClusterIcon(c); }});
        {% endmacro %}""")

    def __init__(self, name: str, asset_urls: Mapping[str, str]):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "SiteClusters"
        self.default_js = [("markerclusterjs", asset_urls["markercluster_js"])]
        self.default_css = [
            ("markerclustercss", asset_urls["markercluster_css"]),
            ("markerclusterdefaultcss", asset_urls["markercluster_default_css"]),
        ]


class ClientStart(folium.MacroElement):
    """Hands the map, its empty layers and the page's configuration to ``atlasMap.start``."""

    _template = Template("""
        {% macro header(this, kwargs) %}
            {%- for url in this.preload %}
            <link rel="preload" href="{{ url }}" as="fetch" crossorigin="anonymous">
            {%- endfor %}
        {% endmacro %}
        {% macro script(this, kwargs) %}
            atlasMap.start({{ this._parent.get_name() }}, {{ this.config|tojson }}, {
                layers: { {%- for id, layer in this.layers %}{{ id|tojson }}: {{ layer.get_name() }},{% endfor -%} },
                sites: {{ this.sites.get_name() if this.sites else "null" }},
                markers: {{ this.markers.get_name() if this.markers else "null" }}
            });
        {% endmacro %}""")

    def __init__(self, config: dict, layers, sites=None, markers=None, preload: Sequence[str] = ()):
        super().__init__()
        self._name = "ClientStart"
        self.config, self.layers, self.sites, self.markers = config, layers, sites, markers
        self.preload = list(preload)


def shell(
    asset_urls: Mapping[str, str],
    layers: Sequence[LayerSpec],
    config: dict,
    t: Callable[[str], str],
    sites: str | None = None,
    markers: str | None = None,
    control_position: str = "topright",
) -> MapFragments:
    """A map page's shell. ``config`` goes to ``atlasMap.start`` as is: ``topology`` (the URL
    of the shared TopoJSON), ``data`` (the view's values, inline) or ``dataUrl`` (where to fetch
    them), texts in the page's language, and the page's options; ``bounds`` (Belgium, which the
    script fits beside a legend over the map) is added. ``sites``/``markers``: names
    of a cluster layer of sites and of a layer of plain markers (suggestions), when the page has
    them."""
    fmap = offline_map(dict(asset_urls), t)
    add_online_basemap(fmap)
    created = []
    for spec in layers:
        layer = DataLayer(spec.name, show=spec.show)
        layer.add_to(fmap)
        created.append((spec.id, layer))
    cluster = SiteClusters(sites, asset_urls) if sites else None
    if cluster:
        cluster.add_to(fmap)
    group = folium.FeatureGroup(name=markers) if markers else None
    if group:
        group.add_to(fmap)
    folium.LayerControl(collapsed=False, position=control_position).add_to(fmap)
    fmap.add_js_link("topojson", asset_urls["topojson_js"])
    fmap.add_js_link("atlasmap", asset_urls["atlas_js"])
    preload = [config["topology"]] + ([config["dataUrl"]] if config.get("dataUrl") else [])
    ClientStart({**config, "bounds": BELGIUM_BOUNDS}, created, cluster, group, preload).add_to(fmap)
    return render_fragments(fmap)
