"""Two real third-party OGC API - Features clients read every collection from the live app on
loopback: GDAL's OAPIF driver (through pyogrio, in a subprocess because GDAL keeps the GIL while
it fetches, which would stall the in-process server) and OWSLib."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
import shapely

pytestmark = pytest.mark.slow  # third-party clients against a live server, some in subprocesses

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
        capture_output=True,
        text=True,
        timeout=120,
        env={"GDAL_HTTP_TIMEOUT": "60", "PATH": "/usr/bin:/bin"},
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


def test_owslib_with_its_defaults_reads_every_collection(live_server, expected_counts):
    """``Features("http://host/")`` with no extra header: "/" answers the JSON landing page to a
    client that does not prefer HTML (requests sends ``Accept: */*``), as pygeoapi does."""
    from owslib.ogcapi import REQUEST_HEADERS
    from owslib.ogcapi.features import Features

    REQUEST_HEADERS.pop("Accept", None)  # OWSLib keeps headers given to an earlier client here
    api = Features(f"{live_server.url}/")
    assert "Accept" not in api.headers
    assert set(expected_counts) <= {c["id"] for c in api.collections()["collections"]}
    for cid, count in expected_counts.items():
        assert api.collection_items(cid, limit=1000)["numberMatched"] == count, cid


def _ogr2ogr(source: str, target, *layers: str) -> subprocess.CompletedProcess:
    if shutil.which("ogr2ogr") is None:  # scripts/test.sh installs Debian's gdal-bin
        pytest.fail("ogr2ogr (GDAL command line, Debian gdal-bin) is needed by this test")
    return subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(target), source, *layers],
        capture_output=True,
        text=True,
        timeout=300,
        env={"GDAL_HTTP_TIMEOUT": "60", "PATH": "/usr/bin:/bin"},
    )


LIST_NOTE = re.compile(
    r"^Warning 1: The output driver does not natively support StringList type for field "
    r"(\w+)\. Misconversion can happen\. -mapFieldType can be used to control field type conversion\.$"
)


def warnings_of(result: subprocess.CompletedProcess, list_fields: set[str]) -> list[str]:
    """ogr2ogr's messages, less GDAL 3.6's note that GeoPackage has no list type for the string
    lists (themes, target groups, communes) that GeoJSON carries as arrays (kept as text)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return [line for line in lines if not ((m := LIST_NOTE.match(line)) and m.group(1) in list_fields)]


LIST_FIELDS = {"themes", "target_groups", "communes", "languages", "sources", "names"}
EXPECTED_TYPES = {
    "communes": "MultiPolygon",
    "arrondissements": "MultiPolygon",
    "provinces": "MultiPolygon",
    "regions": "MultiPolygon",
    "service-areas": "MultiPolygon",
    "sites": "Point",
    "initiatives": "MultiPoint",
}


@pytest.mark.slow
def test_ogr2ogr_copies_every_api_layer_to_geopackage_without_warnings(live_server, expected_counts, tmp_path):
    import pyogrio

    target = tmp_path / "api.gpkg"
    result = _ogr2ogr(f"OAPIF:{live_server.url}", target)
    assert result.returncode == 0 and warnings_of(result, LIST_FIELDS) == [], result.stderr[-3000:]
    for cid, count in expected_counts.items():
        info = pyogrio.read_info(target, layer=cid)
        assert info["features"] == count, cid
        assert info["geometry_type"] == EXPECTED_TYPES[cid], cid


@pytest.mark.slow
def test_ogr2ogr_copies_every_download_to_geopackage_without_warnings(client, expected_counts, tmp_path):
    import pyogrio

    for cid, count in expected_counts.items():
        for ext in ("gpkg", "geojson"):
            response = client.get(f"/downloads/{cid}.{ext}")
            assert response.status_code == 200, (cid, ext)
            source = tmp_path / f"{cid}.{ext}"
            source.write_bytes(response.data)
            if ext == "gpkg":  # the download itself declares one geometry type, not "Unknown"
                assert pyogrio.read_info(source, layer=cid)["geometry_type"] == EXPECTED_TYPES[cid], cid
            target = tmp_path / f"{cid}-from-{ext}.gpkg"
            result = _ogr2ogr(str(source), target)
            assert result.returncode == 0 and warnings_of(result, LIST_FIELDS) == [], (cid, ext, result.stderr[-3000:])
            info = pyogrio.read_info(target, layer=cid)
            assert info["features"] == count and info["geometry_type"] == EXPECTED_TYPES[cid], (cid, ext)
