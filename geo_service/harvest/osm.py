"""An OpenStreetMap extract (``.osm`` or ``.osm.pbf``, e.g. Geofabrik's Belgium file) read with
pyosmium: the nodes and ways whose tags all match, a way at the centre of its nodes.

Each object keeps what OSM says of it: name, address (``addr:*``), opening hours, phone, e-mail
and website (``contact:*`` too). The snapshot date is the file's replication timestamp (or its
``timestamp`` header), else the newest edit among the objects found. Data © OpenStreetMap
contributors, ODbL 1.0: every page and download that shows such a site says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import osmium
import shapely

from . import OSM_PUBLISHER, BadExtract, Extract, Found

PUBLISHER = OSM_PUBLISHER
LICENCE = "ODbL 1.0 (© OpenStreetMap contributors)"
URL = "https://www.openstreetmap.org/copyright"
SUFFIXES = (".osm", ".pbf", ".osm.pbf", ".osm.bz2", ".osm.gz")


def parse_tags(texts: list[str]) -> list[tuple[str, str]]:
    """``KEY=VALUE`` strings as pairs; ValueError naming the first malformed one."""
    pairs = []
    for text in texts:
        key, sep, value = str(text).partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"tag {text!r} is not KEY=VALUE (e.g. office=employment_agency)")
        pairs.append((key.strip(), value.strip()))
    if not pairs:
        raise ValueError("give at least one --tag KEY=VALUE")
    return pairs


def _first(tags, *keys: str) -> str | None:
    for key in keys:
        value = tags.get(key)
        if value:
            return value
    return None


def _address(tags) -> str | None:
    street = _first(tags, "addr:street")
    if not street:
        return None
    return " ".join(p for p in (street, _first(tags, "addr:housenumber")) if p)


def _found(kind: str, obj, lon: float, lat: float, initiative: str) -> Found:
    tags = obj.tags
    contacts = {
        name: value
        for name, value in (
            ("phone", _first(tags, "phone", "contact:phone")),
            ("email", _first(tags, "email", "contact:email")),
            ("website", _first(tags, "website", "contact:website", "url")),
        )
        if value
    }
    city = _first(tags, "addr:city")
    return Found(
        source_id=f"{kind}/{obj.id}",
        initiative=initiative,
        name=_first(tags, "name", "name:nl", "name:fr", "name:de", "operator"),
        address=_address(tags),
        postcode=_first(tags, "addr:postcode"),
        municipalities=(city,) if city else (),
        lon=lon,
        lat=lat,
        contacts=contacts,
        opening_hours=_first(tags, "opening_hours"),
        url=f"https://www.openstreetmap.org/{kind}/{obj.id}",
    )


def _header_date(header) -> str | None:
    for key in ("osmosis_replication_timestamp", "timestamp"):
        value = header.get(key)
        if value:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
            except ValueError:
                continue
    return None


def read_osm(
    path: Path, tags: list[tuple[str, str]], initiative: str, progress: Callable[[str], None] | None = None
) -> Extract:
    """The nodes and ways of the extract at ``path`` whose tags include every pair of ``tags``."""
    path = Path(path)
    if not path.is_file():
        raise BadExtract(f"{path.name} cannot be read: no such file")
    if not path.name.lower().endswith(SUFFIXES):
        raise BadExtract(f"{path.name} is not an OpenStreetMap extract (.osm or .osm.pbf)")
    found: list[Found] = []
    newest: str | None = None
    wanted = dict(tags)
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.TagFilter(tags[0]))
        )
        header = _header_date(processor.header)
        for obj in processor:
            if any(obj.tags.get(key) != value for key, value in wanted.items()):
                continue
            if obj.is_node():
                if not obj.location.valid():
                    continue
                lon, lat = obj.location.lon, obj.location.lat
                kind = "node"
            else:
                points = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if not points:
                    continue
                shape = shapely.Polygon(points) if obj.is_closed() and len(points) >= 4 else shapely.MultiPoint(points)
                centre = (
                    shape.centroid if not shape.is_empty and shape.is_valid else shapely.MultiPoint(points).centroid
                )
                lon, lat, kind = centre.x, centre.y, "way"
            found.append(_found(kind, obj, lon, lat, initiative))
            stamp = obj.timestamp.date().isoformat() if obj.timestamp else None
            if stamp and (newest is None or stamp > newest):
                newest = stamp
    except RuntimeError as exc:  # libosmium: not OSM data, a truncated or damaged file
        raise BadExtract(f"{path.name} cannot be read as OpenStreetMap data ({str(exc).strip()[:160]})") from None
    snapshot = header or newest
    if snapshot is None:
        raise BadExtract(f"{path.name} has no timestamp in its header and no object matching the tags to date it")
    if progress:
        progress(f"objects matching {len(tags)} tag(s): {len(found)}")
    return Extract(
        source="osm",
        snapshot=snapshot,
        publisher=PUBLISHER,
        licence=LICENCE,
        url=URL,
        filename=path.name,
        found=found,
        selectors={"tags": [f"{k}={v}" for k, v in tags]},
    )
