"""Public networks from the registers that hold them (docs/harvest.md).

One adapter per outside source reads an extract as its publisher ships it and returns the
network's establishments as :class:`Found` units (``kbo.py``: the KBO/BCE Open Data extract;
``osm.py``: an OpenStreetMap extract); ``geocode.py`` places them in their 2025 commune;
``diff.py`` matches them against the catalogue's sites of the network and gives the same diff
for every source (add / update / close / unchanged, and the units rejected with a reason);
``batch.py`` applies it to the store as one batch, which ``geo-service harvest revert`` undoes.

Bad input (a zip missing a file, wrong columns, a truncated file, an unknown network) raises
:class:`BadExtract`: one sentence naming the file and what is wrong, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import GeoServiceError


class BadExtract(GeoServiceError):
    """An extract (or the network asked for) that cannot be harvested; the message names the
    file and what is wrong with it."""

    status = 422
    code = "BadExtract"


@dataclass
class Found:
    """One establishment a register holds for the network, as the source states it.

    ``source_id``: the register's identifier (a KBO/BCE establishment number, ``node/123``);
    ``initiative``: the catalogue initiative it belongs to; ``postcode`` / ``municipalities``
    (names as written) or ``lon``/``lat`` place it (geocode.py)."""

    source_id: str
    initiative: str
    name: str | None
    address: str | None = None
    postcode: str | None = None
    municipalities: tuple[str, ...] = ()
    lon: float | None = None
    lat: float | None = None
    contacts: dict = field(default_factory=dict)
    opening_hours: str | None = None
    country: str | None = None  # a foreign address, as the register names the country
    url: str | None = None  # where the record can be read (an OSM object's page)


@dataclass
class Extract:
    """What an adapter read: the source, its snapshot date (ISO), provenance, the units found
    and the ones it could not use (``rejected``: ``{"source_id", "reason"}``)."""

    source: str  # kbo | osm
    snapshot: str
    publisher: str
    licence: str
    url: str
    filename: str
    found: list[Found] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    selectors: dict = field(default_factory=dict)


# OpenStreetMap data are under the ODbL: a page or download that shows a site taken from OSM says so.
OSM_PUBLISHER = "OpenStreetMap contributors"
ODBL = {
    "title": "OpenStreetMap (sites harvested from it)",
    "url": "https://www.openstreetmap.org/copyright",
    "licence": "ODbL 1.0",
    "attribution": "© OpenStreetMap contributors",
}


def from_osm(sources) -> bool:
    """Whether a site's sources include OpenStreetMap (its data then fall under the ODbL)."""
    return any(isinstance(s, dict) and s.get("publisher") == OSM_PUBLISHER for s in (sources or ()))


def shows_osm(sites) -> bool:
    """Whether any site of a frame (or list of site dicts) comes from OpenStreetMap."""
    column = sites["sources"] if hasattr(sites, "columns") else [s.get("sources") for s in sites]
    return any(from_osm(sources) for sources in column)
