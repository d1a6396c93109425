"""Two real third-party OGC API - Features clients read every collection from the live app on
loopback: GDAL's OAPIF driver (through pyogrio, in a subprocess because GDAL keeps the GIL while
it fetches, which would stall the in-process server) and OWSLib."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import shapely

GDAL_READ = """
import json, sys, pyogrio
url = sys.argv[1]
layers = [str(name) for name, _ in pyogrio.list_layers(url)]
out = {"layers": layers}
for name in layers:
    frame = pyogrio.read_dataframe(url, layer=name)
    out[name] = {"count": len(frame), "epsg": frame.crs.to_epsg() if frame.crs else None,
                 "columns": list(frame.columns)}
frame = pyogrio.read_dataframe(url, layer="communes", bbox=(4.30, 50.80, 4.40, 50.90))
out["bbox_count"] = len(frame)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def expected_counts(app):
    snapshot = app.extensions["geo_service"].snapshot()
    counts = {"communes": 565, "arrondissements": 43, "provinces": 11, "regions": 3}
    if snapshot.catalogue is not None:
        cat = snapshot.catalogue
        counts.update({"initiatives": len(cat.initiatives), "sites": len(cat.sites), "service-areas": len(cat.areas)})
    return counts


def test_gdal_oapif_reads_every_collection(live_server, expected_counts, base):
    result = subprocess.run(
        [sys.executable, "-c", GDAL_READ, f"OAPIF:{live_server.url}"],
        capture_output=True, text=True, timeout=120, env={"GDAL_HTTP_TIMEOUT": "60", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(expected_counts) <= set(out["layers"])
    for cid, count in expected_counts.items():
        assert out[cid]["count"] == count, cid
        assert out[cid]["epsg"] in (4326, None)
    assert "pop_2020_total" in out["communes"]["columns"]
    display = base.display["commune"]
    assert out["bbox_count"] == int(display.intersects(shapely.box(4.30, 50.80, 4.40, 50.90)).sum())


def test_owslib_collections_bbox_and_filter(live_server, expected_counts, boundaries):
    from owslib.ogcapi.features import Features

    # "/" is the HTML map for browsers; a client asking for JSON gets the OGC landing page there
    api = Features(live_server.url, headers={"Accept": "application/json"})
    assert set(expected_counts) <= {c["id"] for c in api.collections()["collections"]}
    assert any(c.endswith("conf/geojson") for c in api.conformance()["conformsTo"])
    for cid, count in expected_counts.items():
        items = api.collection_items(cid, limit=1000)
        assert items["numberMatched"] == count and len(items["features"]) == min(count, 1000), cid
    communes = boundaries.communes
    liege = api.collection_items("communes", province="60000", limit=1000)
    assert {f["id"] for f in liege["features"]} == set(communes.index[communes["province"] == "60000"])
    inside = api.collection_items("communes", bbox=[5.5, 50.6, 5.6, 50.7], province="60000", limit=1000)
    assert 0 < inside["numberReturned"] < liege["numberReturned"]
    assert {f["properties"]["province"] for f in inside["features"]} == {"60000"}
    one = api.collection_item("communes", "21004")
    assert one["properties"]["nis"] == "21004"
