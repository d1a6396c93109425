"""The maps' shared geometry as TopoJSON against vector tiles (Mapbox Vector Tiles drawn by
Leaflet.VectorGrid, as folium's VectorGridProtobuf plugin does): bytes and drawing time for the
same views, in one run (docs/maps.md, *Geometry once*).

- TopoJSON: the service's document (``mapviews/topology.py``), gzip-compressed as served, drawn
  with topojson-client into one ``L.geoJSON`` layer (what ``static/atlas-map.js`` does).
- Vector tiles: the same display communes cut by GDAL's MVT driver (``ogr2ogr -f MVT``, zoom 6
  to 12, tiles gzip-compressed), drawn by ``L.vectorGrid.protobuf`` with one style per feature.

Views: all of Belgium at zoom 8 and Brussels at zoom 10 in a 944 x 675 px map (the map of a
page at 1280 x 900), then both in a row (the tiles of a second zoom are new bytes; the TopoJSON
is already there). Leaflet.VectorGrid is not a dependency of the service: pass the path of its
bundle, from its npm package (``npm pack leaflet.vectorgrid@1.3.0``, ``dist/``).

    GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_geometry.py \
        --vectorgrid PATH/Leaflet.VectorGrid.bundled.min.js [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VIEWS = {"Belgium, zoom 8": ((50.5, 4.47), 8), "Brussels, zoom 10": ((50.84, 4.37), 10)}
MAP_PX = (944, 675)
PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="leaflet.css">
<style>html,body{margin:0}#map{width:%(w)dpx;height:%(h)dpx}</style>
<script src="leaflet.js"></script><script src="%(lib)s"></script></head><body><div id="map"></div><script>
var fills = ["#1d91c0", "#225ea8", "#253494", "#081d58", "#ffffff"];
function fillOf(id) { return fills[parseInt(id, 10) %% fills.length]; }
var map = L.map("map", {zoomControl: false, attributionControl: false}).setView([%(lat)s, %(lon)s], %(zoom)d);
var t0 = performance.now();
%(draw)s
</script></body></html>"""
DRAW_TOPO = """fetch("communes.topojson").then(r => r.json()).then(function (topo) {
  var layer = L.geoJSON(topojson.feature(topo, topo.objects.communes), {style: function (f) {
    return {fillColor: fillOf(f.id), fillOpacity: 0.8, color: "#ffffff", weight: 1.4}; }}).addTo(map);
  layer.bindTooltip(function (l) { return l.feature.id; }, {sticky: true});
  requestAnimationFrame(function () { window.drawn = performance.now() - t0; });
});"""
DRAW_TILES = """var grid = L.vectorGrid.protobuf("tiles/{z}/{x}/{y}.pbf", {maxNativeZoom: 12, interactive: true,
  getFeatureId: function (f) { return f.properties.nis; },
  vectorTileLayerStyles: {communes: function (p) {
    return {fill: true, fillColor: fillOf(p.nis), fillOpacity: 0.8, color: "#ffffff", weight: 1.4}; }}}).addTo(map);
grid.on("load", function () { requestAnimationFrame(function () { window.drawn = performance.now() - t0; }); });"""


def tiles_in_view(center, zoom, size=MAP_PX) -> list[tuple[int, int, int]]:
    """(z, x, y) of the Web Mercator tiles a map of ``size`` px centred on ``center`` shows."""
    lat, lon = center
    scale = 256 * 2**zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * scale
    x0, x1 = int((x - size[0] / 2) // 256), int((x + size[0] / 2) // 256)
    y0, y1 = int((y - size[1] / 2) // 256), int((y + size[1] / 2) // 256)
    return [(zoom, tx, ty) for tx in range(x0, x1 + 1) for ty in range(y0, y1 + 1)]


def build(folder: Path) -> tuple[bytes, Path]:
    from geo_service.mapviews.topology import topology
    from geo_service.settings import Settings
    from geo_service.state import build_base_layers

    communes = build_base_layers(Settings.from_env()).display["commune"]
    topo = topology(communes)
    (folder / "communes.topojson").write_bytes(gzip.compress(topo, 6))
    source = folder / "communes.geojson"
    source.write_text(communes[["geometry"]].assign(nis=communes.index).to_json())
    tiles = folder / "tiles"
    subprocess.run(
        ["ogr2ogr", "-f", "MVT", str(tiles), str(source), "-nln", "communes", "-dsco", "MINZOOM=6",
         "-dsco", "MAXZOOM=12", "-dsco", "COMPRESS=YES", "-dsco", "FORMAT=DIRECTORY"],
        check=True, capture_output=True,
    )  # fmt: skip
    return topo, tiles


def tile_bytes(tiles: Path, wanted) -> int:
    return sum(
        (tiles / str(z) / str(x) / f"{y}.pbf").stat().st_size
        for z, x, y in wanted
        if (tiles / str(z) / str(x) / f"{y}.pbf").exists()
    )


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files; TopoJSON and tiles are stored gzip-compressed and sent so."""

    def end_headers(self):
        if self.path.endswith((".pbf", ".topojson")):
            self.send_header("Content-Encoding", "gzip")
        super().end_headers()

    def log_message(self, *args):
        pass


def draw_times(folder: Path, lib: Path, repeat: int) -> dict[tuple[str, str], float]:
    from playwright.sync_api import sync_playwright

    from geo_service.web.vendor import PACKAGES

    shutil.copy(Path(PACKAGES["leaflet"]) / "leaflet.js", folder / "leaflet.js")
    shutil.copy(Path(PACKAGES["leaflet"]) / "leaflet.css", folder / "leaflet.css")
    shutil.copy(Path(PACKAGES["topojson"]) / "topojson-client.min.js", folder / "topojson.js")
    shutil.copy(lib, folder / "vectorgrid.js")
    for (lat, lon), zoom in VIEWS.values():
        for name, script, draw in (("topojson", "topojson.js", DRAW_TOPO), ("tiles", "vectorgrid.js", DRAW_TILES)):
            page = PAGE % {
                "w": MAP_PX[0],
                "h": MAP_PX[1],
                "lib": script,
                "lat": lat,
                "lon": lon,
                "zoom": zoom,
                "draw": draw,
            }
            (folder / f"{name}-{zoom}.html").write_text(page)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out: dict[tuple[str, str], list[float]] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"]
            )
            for _ in range(repeat):
                for view, (_center, zoom) in VIEWS.items():
                    for name in ("topojson", "tiles"):
                        context = browser.new_context()  # an empty cache: every byte is fetched
                        page = context.new_page()
                        page.goto(f"http://127.0.0.1:{server.server_address[1]}/{name}-{zoom}.html")
                        page.wait_for_function("() => window.drawn !== undefined", timeout=60000)
                        out.setdefault((view, name), []).append(page.evaluate("window.drawn") / 1000)
                        context.close()
            browser.close()
    finally:
        server.shutdown()
    return {key: statistics.median(values) for key, values in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectorgrid", type=Path, required=True, help="Leaflet.VectorGrid.bundled(.min).js")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        topo, tiles = build(folder)
        topo_gz = (folder / "communes.topojson").stat().st_size
        views = {view: tiles_in_view(center, zoom) for view, (center, zoom) in VIEWS.items()}
        times = draw_times(folder, args.vectorgrid, args.repeat)
        print(f"TopoJSON: {len(topo) / 1024:.1f} KB raw, {topo_gz / 1024:.1f} KB gzip (every view, fetched once)")
        print(f"{'view':<20} {'TopoJSON KB':>11} {'tiles KB':>9} {'tiles':>6} {'TopoJSON s':>10} {'tiles s':>8}")
        total = set()
        for view, wanted in views.items():
            total |= set(wanted)
            print(
                f"{view:<20} {topo_gz / 1024:>11.1f} {tile_bytes(tiles, wanted) / 1024:>9.1f} {len(wanted):>6} "
                f"{times[(view, 'topojson')]:>10.2f} {times[(view, 'tiles')]:>8.2f}"
            )
        print(f"{'both views':<20} {topo_gz / 1024:>11.1f} {tile_bytes(tiles, total) / 1024:>9.1f} {len(total):>6}")


if __name__ == "__main__":
    main()
