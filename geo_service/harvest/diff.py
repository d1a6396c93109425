"""The harvest's diff: what the register holds for a network, set against the catalogue's sites
of the same initiatives.

Matching, in this order, so a curated site becomes ``update`` or ``unchanged``, never a duplicate:

1. the same identifier (``source_id``: establishment number, ``node/ID``, ``way/ID``);
2. otherwise, for a site without an identifier of this source, the same 2025 commune and a
   similar address (folded text similarity >= ``ADDRESS_SIMILAR``) or name (>= ``NAME_SIMILAR``);
   a curated site known only by its commune (no address) takes the most similar unit there.
   Pairs are taken best first, each unit and site at most once.

A unit matched to nothing is ``add``. A site of those initiatives that nothing matched is
``close`` with the reason, when the source can vouch for its absence: the KBO/BCE register holds
every establishment unit of an enterprise, so any site it lacks closes; OpenStreetMap is no
register of a network, so only a site it gave before (an OSM ``source_id``) that is gone closes.
A site whose unit was rejected (its identifier among ``rejected``) is left alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import shapely
from pyproj import Transformer

from ..catalogue.placenames import fold
from ..catalogue.sites import slug
from . import Extract, Found
from .geocode import Geocoder, Place, Unplaced

ADDRESS_SIMILAR = 0.75
NAME_SIMILAR = 0.5
MOVED_M = 25.0  # an exact point that moved less than this is the same place
ACTIONS = ("add", "update", "close", "unchanged")
_TO_WGS84 = Transformer.from_crs("EPSG:31370", "EPSG:4326", always_xy=True)
_TO_LAMBERT = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
JSON_KEYS = ("action", "source_id", "site", "name", "address", "postcode", "nis", "precision", "lon", "lat")


@dataclass
class Change:
    """One line of the diff; ``fields`` is what the store's site change sets (add: the whole
    site; update: only what differs)."""

    action: str
    site: str
    initiative: str
    source_id: str | None
    name: str | None
    address: str | None
    postcode: str | None
    nis: str | None
    precision: str | None
    lon: float | None = None
    lat: float | None = None
    fields: dict = field(default_factory=dict)
    reason: str | None = None
    url: str | None = None

    def as_json(self) -> dict:
        return {key: getattr(self, key) for key in JSON_KEYS}


@dataclass
class Diff:
    extract: Extract
    network: str
    changes: list[Change]
    rejected: list[dict]
    whole: bool = False
    initiatives: tuple[str, ...] = ()  # the initiatives whose sites were read (and may close)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for change in self.changes:
            counts[change.action] += 1
        counts["rejected"] = len(self.rejected)
        return counts

    def as_json(self, batch: str | None = None) -> dict:
        return {
            "source": self.extract.source,
            "snapshot": self.extract.snapshot,
            "network": self.network,
            "batch": batch,
            "changes": [c.as_json() for c in self.changes],
            "rejected": list(self.rejected),
        }


def scheme(source_id: str | None) -> str | None:
    """Which source an identifier comes from: ``kbo`` (2.xxx.xxx.xxx), ``osm`` (node/way), or None."""
    if not source_id:
        return None
    if re.fullmatch(r"[2-8]\.\d{3}\.\d{3}\.\d{3}", source_id):
        return "kbo"
    if re.fullmatch(r"(node|way|relation)/\d+", source_id):
        return "osm"
    return "other"


def _similar(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, fold(a), fold(b)).ratio()


def _lonlat(site: dict) -> tuple[float | None, float | None]:
    geometry = site.get("geometry")
    if site.get("precision") not in ("exact", "street") or geometry is None or geometry.is_empty:
        return None, None
    lon, lat = _TO_WGS84.transform(geometry.x, geometry.y)
    return round(lon, 7), round(lat, 7)


def _site_fields(unit: Found, place: Place, snapshot: str) -> dict:
    fields = {
        "name": unit.name,
        "address": unit.address,
        "postcode": unit.postcode,
        "place": place.nis,
        "precision": place.precision,
        "status": "active",
        "source_id": unit.source_id,
        "contacts": dict(unit.contacts) or None,
        "opening_hours": unit.opening_hours,
        "last_confirmed": snapshot,
    }
    if place.precision == "exact":
        fields.update(lon=place.lon, lat=place.lat)
    return fields


def _updates(site: dict, unit: Found, place: Place, source: str) -> dict:
    """The fields the register changes on a matched site (nothing it does not state)."""
    out = {}
    for key in ("name", "address", "postcode", "opening_hours"):
        value = getattr(unit, key)
        if value and value != site.get(key):
            out[key] = value
    contacts = {**(site.get("contacts") or {}), **unit.contacts}
    if unit.contacts and contacts != (site.get("contacts") or {}):
        out["contacts"] = contacts
    if place.nis != site.get("nis"):
        out["place"] = place.nis
    if place.precision == "exact":
        geometry = site.get("geometry")
        here = shapely.Point(*_TO_LAMBERT.transform(place.lon, place.lat))
        far = geometry is None or geometry.is_empty or geometry.distance(here) > MOVED_M
        if site.get("precision") != "exact" or far or "place" in out:
            out.update(lon=place.lon, lat=place.lat, precision="exact")
    elif "place" in out:
        out["precision"] = "commune"
    if scheme(site.get("source_id")) in (None, source) and site.get("source_id") != unit.source_id:
        out["source_id"] = unit.source_id
    if site.get("status") in ("closed", "to_be_confirmed"):
        out["status"] = "active"
    return out


def _pairs(sites: list[dict], units: list[tuple[Found, Place]], source: str) -> list[tuple[dict, Found, Place]]:
    """Match sites to units: identifier first, then commune and similar name/address."""
    by_id = {u.source_id: (u, p) for u, p in units}
    pairs, used_units, used_sites = [], set(), set()
    for site in sites:
        hit = by_id.get(site.get("source_id"))
        if hit is not None:
            pairs.append((site, *hit))
            used_units.add(hit[0].source_id)
            used_sites.add(site["id"])
    scored = []
    for site in sites:
        if site["id"] in used_sites or scheme(site.get("source_id")) == source:
            continue  # a site this source identified earlier matches by its identifier only
        for unit, place in units:
            if unit.source_id in used_units or place.nis != site.get("nis"):
                continue
            by_address = _similar(site.get("address"), unit.address)
            by_name = _similar(site.get("name"), unit.name)
            if by_address >= ADDRESS_SIMILAR or by_name >= NAME_SIMILAR or not site.get("address"):
                scored.append((max(by_address, by_name), site["id"], unit.source_id, site, unit, place))
    for _score, site_id, unit_id, site, unit, place in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if site_id in used_sites or unit_id in used_units:
            continue
        pairs.append((site, unit, place))
        used_sites.add(site_id)
        used_units.add(unit_id)
    return pairs


def _close_reason(extract: Extract, site: dict) -> str:
    register = (
        f"the KBO/BCE register of {extract.snapshot}"
        if extract.source == "kbo"
        else f"OpenStreetMap as of {extract.snapshot}"
    )
    if scheme(site.get("source_id")) == extract.source:
        return f"{site['source_id']} is no longer in {register}"
    return f"not in {register}: no establishment unit of the network's enterprises matches this site"


def diff(extract: Extract, network: str, sites: list[dict], geocoder: Geocoder, whole: bool = False) -> Diff:
    """``sites``: the catalogue's sites of the harvested initiatives, as dicts (``id``, ``name``,
    ``address``, ``postcode``, ``nis``, ``precision``, ``status``, ``geometry``, ``source_id``,
    ``contacts``, ``opening_hours``, ``initiative_id``)."""
    rejected = list(extract.rejected)
    placed: list[tuple[Found, Place]] = []
    for unit in extract.found:
        try:
            placed.append((unit, geocoder.place(unit)))
        except Unplaced as exc:
            rejected.append({"source_id": unit.source_id, "reason": str(exc)})
    source = extract.source
    changes: list[Change] = []
    matched = set()
    for site, unit, place in _pairs(sites, placed, source):
        matched.add(site["id"])
        fields = _updates(site, unit, place, source)
        new = {**site, **fields}
        lon, lat = (fields.get("lon"), fields.get("lat")) if "lon" in fields else _lonlat(site)
        changes.append(
            Change(
                "update" if fields else "unchanged",
                site["id"],
                site["initiative_id"],
                unit.source_id,
                new.get("name"),
                new.get("address"),
                new.get("postcode"),
                place.nis,
                new.get("precision"),
                lon,
                lat,
                fields=fields,
                url=unit.url,
            )
        )
    taken = {s["id"] for s in sites}
    matched_units = {c.source_id for c in changes}
    for unit, place in placed:
        if unit.source_id in matched_units:
            continue
        site_id = f"{unit.initiative}-{slug(unit.source_id)}"
        while site_id in taken:
            site_id += "-new"
        taken.add(site_id)
        changes.append(
            Change(
                "add",
                site_id,
                unit.initiative,
                unit.source_id,
                unit.name,
                unit.address,
                unit.postcode,
                place.nis,
                place.precision,
                place.lon,
                place.lat,
                fields=_site_fields(unit, place, extract.snapshot),
                url=unit.url,
            )
        )
    held_back = {r["source_id"] for r in rejected}
    for site in sites:
        if site["id"] in matched or site.get("status") == "closed" or site.get("source_id") in held_back:
            continue
        if source != "kbo" and scheme(site.get("source_id")) != source:
            continue  # not a register: its silence says nothing about a site it never gave
        lon, lat = _lonlat(site)
        changes.append(
            Change(
                "close",
                site["id"],
                site["initiative_id"],
                site.get("source_id"),
                site.get("name"),
                site.get("address"),
                site.get("postcode"),
                site.get("nis"),
                site.get("precision"),
                lon,
                lat,
                reason=_close_reason(extract, site),
            )
        )
    order = {action: i for i, action in enumerate(ACTIONS)}
    changes.sort(key=lambda c: (order[c.action], c.nis or "", c.site))
    return Diff(extract, network, changes, rejected, whole=whole)


def catalogue_sites(catalogue, initiatives) -> list[dict]:
    """The catalogue's sites of ``initiatives`` as the dicts :func:`diff` reads."""
    sites = catalogue.sites
    chosen = sites[sites["initiative_id"].isin(list(initiatives))]
    return [
        {"id": site_id, **{key: _none_if_missing(value) for key, value in row.items()}}
        for site_id, row in zip(chosen.index, chosen.to_dict("records"))
    ]


def _none_if_missing(value):
    """A frame's missing text (NaN) as None, so it compares as "no value"."""
    return None if isinstance(value, float) and value != value else value
