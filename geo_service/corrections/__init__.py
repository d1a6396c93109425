"""Corrections from the public (issue 22): the report form's checks (:mod:`.form`) and how a
moderator's decision becomes a site change (:mod:`.approval`). Flask-free; the store keeps them
(:mod:`geo_service.store.corrections`), ``web/corrections.py`` serves the pages. See
docs/corrections.md."""

from __future__ import annotations

# What a member of the public can report; the first four are about a site the map shows.
REPORTS = ("closed", "moved", "details", "exists", "not_exists")
ABOUT_A_SITE = frozenset({"closed", "moved", "details", "not_exists"})


def site_summary(sites, site_id: str) -> dict | None:
    """What a correction needs of a catalogue site (``catalogue.sites`` row), as plain values;
    None when the catalogue has no such site."""
    if not isinstance(site_id, str) or site_id not in sites.index:
        return None
    row = sites.loc[site_id]

    def value(key):
        item = row.get(key)
        return item if isinstance(item, str | dict) else None

    return {
        "id": site_id,
        "initiative": row["initiative_id"],
        "name": row["name"],
        "nis": row["nis"],
        "precision": row["precision"],
        "status": row["status"],
        **{key: value(key) for key in ("address", "postcode", "opening_hours", "last_confirmed", "contacts")},
    }
