"""The store's site changes (register harvests, approved corrections) applied to the catalogue's
sites, in the order they were published: a site added, updated (moved, renamed, new contacts),
confirmed or closed. A closed site stays in the catalogue with its status and date, so its history
and the change feed can name it. A change that cannot apply (unknown initiative or site, a place
that no longer resolves) is reported, never guessed."""

from __future__ import annotations

import logging

from ..errors import GeoServiceError
from .sites import SitePlacer, site_names, texts_by_language

log = logging.getLogger(__name__)
PLACE_KEYS = ("place", "lat", "lon", "precision")
# what a change may set on a site; the rest of a site row (kind, themes, nis, geometry) follows from it
SITE_FIELDS = (
    "name",
    "names",
    "address",
    "postcode",
    "status",
    "note",
    "notes",
    "source_id",
    "contacts",
    "opening_hours",
    "last_confirmed",
    "valid_until",
)


def _with_source(sources: list, source: dict | None) -> list:
    """The change's source first (it is the newest word on the site), then the older ones."""
    if not source:
        return list(sources)
    return [source, *[s for s in sources if s != source]]


def _spec(row: dict | None, fields: dict) -> dict:
    """Where the site is after the change: its new place, or its old one with new coordinates."""
    spec = {"place": fields.get("place") or (row or {}).get("nis") or (row or {}).get("place")}
    for key in ("lat", "lon", "precision"):
        if key in fields:
            spec[key] = fields[key]
    return spec


def change_label(change: dict) -> str:
    """What a change did, for the change feed: added, moved, corrected, confirmed or closed."""
    action = change.get("action")
    if action == "add":
        return "added"
    if action == "close":
        return "closed"
    if action == "confirm":
        return "confirmed"
    fields = change.get("fields") or {}
    return "moved" if any(key in fields for key in ("place", "lat", "lon", "address", "postcode")) else "corrected"


def apply_site_changes(
    rows: list[dict], changes: list[dict], records: dict[str, dict], placer: SitePlacer
) -> tuple[list[dict], list[dict], list[dict]]:
    """``rows``: the catalogue's site rows (dicts, as built from the records); ``records``: the
    initiative records by id. Returns (the rows after every change; the log of the changes that
    applied, each with the communes it touched, before and after; the changes that could not
    apply, each with its ``problem``)."""
    by_id = {row["id"]: row for row in rows}
    applied, skipped = [], []
    for change in sorted(changes, key=lambda c: c.get("seq", 0)):
        old_row = by_id.get(change.get("site")) or {}
        before = old_row.get("nis")
        try:
            _apply(by_id, change, records, placer)
        except GeoServiceError as exc:
            skipped.append({**change, "problem": exc.message})
            continue
        site = by_id[change["site"]]
        if change.get("action") != "confirm":
            applied.append(
                {
                    "at": change.get("at"),
                    "what": change_label(change),
                    "origin": change.get("origin"),
                    "reference": change.get("batch"),
                    "initiative": site["initiative_id"],
                    "site": site["id"],
                    "name": site["name"],
                    "communes": list(dict.fromkeys(n for n in (before, site["nis"]) if n)),
                    "source": change.get("source"),
                    "reason": change.get("reason"),
                    "previous": _previous(old_row, change),
                }
            )
    if skipped:
        log.warning(
            "site changes left out of the catalogue: %s",
            [(c.get("batch"), c.get("site"), c["problem"]) for c in skipped],
        )
    return list(by_id.values()), applied, skipped


def _previous(row: dict, change: dict) -> dict:
    """The values a change replaced (the history keeps them): the old commune of a moved site,
    its old name, address, contacts..., the status of a closed one; nothing for an added site."""
    if not row or change.get("action") == "add":
        return {}
    if change.get("action") == "close":
        return {"status": row.get("status")}
    keys = [key for key in change.get("fields") or {} if key in SITE_FIELDS or key in ("place", "precision")]
    return {key: row.get("nis" if key == "place" else key) for key in keys}


def _apply(by_id: dict[str, dict], change: dict, records: dict[str, dict], placer: SitePlacer) -> None:
    action, site_id = change.get("action"), change.get("site")
    fields, source = dict(change.get("fields") or {}), change.get("source")
    row = by_id.get(site_id)
    if action == "add" and row is None:
        record = records.get(change.get("initiative"))
        if record is None:
            raise GeoServiceError(f"unknown initiative {change.get('initiative')!r}")
        nis, point, precision = placer.place(_spec(None, fields))
        by_id[site_id] = {
            "id": site_id,
            "initiative_id": record["id"],
            "kind": record["kind"],
            "themes": list(record.get("themes") or []),
            "target_groups": list(record.get("target_groups") or []),
            "name": fields.get("name") or record["name"],
            "address": fields.get("address"),
            "postcode": fields.get("postcode"),
            "place": fields.get("place"),
            "nis": nis,
            "precision": precision,
            "status": fields.get("status") or "active",
            "note": fields.get("note"),
            "sources": _with_source([], source),
            "geometry": point,
            **{
                key: fields.get(key)
                for key in SITE_FIELDS
                if key not in ("name", "address", "postcode", "status", "note")
            },
            "names": site_names(fields, record),
            "notes": texts_by_language(fields.get("notes"), fields.get("note")),
            "last_confirmed": fields.get("last_confirmed") or (source or {}).get("date") or change.get("at"),
            "closed_on": None,
        }
        return
    if row is None:
        raise GeoServiceError(f"no site {site_id!r} to {action}")
    row = dict(row)
    if action in ("add", "update"):
        if any(key in fields for key in PLACE_KEYS):
            spec = _spec(row, fields)
            if "lat" not in fields and "place" in fields:
                spec.pop("precision", None)  # a new commune without coordinates is placed at the commune
            row["nis"], row["geometry"], row["precision"] = placer.place(spec)
            row["place"] = fields.get("place", row["place"])
        row.update({key: fields[key] for key in SITE_FIELDS if key in fields})
        if "name" in fields or "names" in fields:  # a new name replaces the old one in every language
            row["names"] = texts_by_language(fields.get("names"), row["name"])
        if "note" in fields or "notes" in fields:
            row["notes"] = texts_by_language(fields.get("notes"), row["note"])
        row["last_confirmed"] = fields.get("last_confirmed") or (source or {}).get("date") or change.get("at")
    elif action == "confirm":
        row["last_confirmed"] = fields.get("last_confirmed") or (source or {}).get("date") or change.get("at")
    elif action == "close":
        row["status"], row["closed_on"] = "closed", change.get("at")
        if change.get("reason"):
            row["note"], row["notes"] = change["reason"], texts_by_language(None, change["reason"])
    else:
        raise GeoServiceError(f"unknown action {action!r}")
    row["sources"] = _with_source(row.get("sources") or [], source)
    by_id[site_id] = row
