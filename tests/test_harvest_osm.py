"""The OpenStreetMap reader (pyosmium) and its diff, on a small .osm fixture of fictional objects:
nodes and ways whose tags all match, a way at its centre, exact precision, anything outside
Belgium rejected, and a site closed only when OSM gave it before."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_service.harvest import BadExtract
from geo_service.harvest.diff import diff
from geo_service.harvest.geocode import Geocoder
from geo_service.harvest.osm import parse_tags, read_osm

FIXTURE = Path(__file__).parent / "fixtures" / "osm" / "employment.osm"
TAGS = [("office", "employment_agency"), ("operator", "VDAB")]


def test_nodes_and_ways_whose_tags_all_match():
    extract = read_osm(FIXTURE, TAGS, "vdab")
    assert extract.source == "osm" and extract.snapshot == "2026-11-02"  # the newest edit: no header date
    found = {f.source_id: f for f in extract.found}
    assert sorted(found) == ["node/1", "node/6", "way/10"], "node/7 is Actiris's: operator does not match"
    node = found["node/1"]
    assert (node.lon, node.lat, node.name) == (4.1437, 51.1654, "VDAB Sint-Niklaas")
    assert node.opening_hours == "Mo-Fr 09:00-12:00" and node.contacts == {"phone": "+32 3 123 45 67"}
    assert node.url == "https://www.openstreetmap.org/node/1"
    way = found["way/10"]
    assert way.lon == pytest.approx(4.705) and way.lat == pytest.approx(50.875), "a way at the centre of its nodes"


def test_the_diff_places_points_exactly_and_rejects_abroad(boundaries):
    extract = read_osm(FIXTURE, TAGS, "vdab")
    earlier = {
        "id": "vdab-node-99",
        "initiative_id": "vdab",
        "name": "VDAB gone",
        "nis": "44021",
        "precision": "exact",
        "status": "active",
        "source_id": "node/99",
        "geometry": None,
    }
    curated = {
        "id": "vdab-gent",
        "initiative_id": "vdab",
        "name": "VDAB location – Gent",
        "nis": "44021",
        "status": "active",
    }
    result = diff(extract, "vdab", [earlier, curated], Geocoder(boundaries))
    by_id = {c.source_id: c for c in result.changes}
    assert by_id["node/1"].action == "add" and by_id["node/1"].nis == "46021" and by_id["node/1"].precision == "exact"
    assert by_id["node/1"].fields["opening_hours"] == "Mo-Fr 09:00-12:00"
    assert by_id["way/10"].nis == "24062"  # Leuven
    assert by_id["node/99"].action == "close" and "node/99 is no longer in OpenStreetMap" in by_id["node/99"].reason
    assert "vdab-gent" not in {c.site for c in result.changes}, "OSM's silence does not close a site it never gave"
    assert result.rejected == [{"source_id": "node/6", "reason": "outside Belgium (48.85000, 2.35000)"}]


def test_bad_tags_and_files_are_refused(tmp_path):
    assert parse_tags(["office=employment_agency"]) == [("office", "employment_agency")]
    with pytest.raises(ValueError, match="not KEY=VALUE"):
        parse_tags(["office"])
    with pytest.raises(ValueError, match="at least one"):
        parse_tags([])
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1' lat='50.8' lon='4.3'>")
    with pytest.raises(BadExtract, match="broken.osm cannot be read as OpenStreetMap data"):
        read_osm(broken, TAGS, "vdab")
    with pytest.raises(BadExtract, match="not an OpenStreetMap extract"):
        read_osm(FIXTURE.with_suffix(".osm").parent / "../kbo/README.md", TAGS, "vdab")
