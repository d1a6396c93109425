"""What the store publishes (:class:`Published`): approved nominations and imported rows as
catalogue initiative records (the format of data/catalogue/initiatives.yaml), harvest and
correction rows as site changes, applied harvests, and the log of what was published when.
Built only from the public ``data``: the submitter's contact is never read here, so it cannot
reach a map, the API or a download."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .models import CatalogueImport, Nomination

RECORD_ORIGINS = ("form", "import")  # rows published as initiative records
SITE_CHANGE_ORIGINS = ("harvest", "correction")  # rows published as site changes
SITE_ACTIONS = ("add", "update", "close", "confirm")
# the note on a nominator's own figures, in each language of the pages
FIGURE_NOTE = {
    "en": "as given in the nomination",
    "fr": "tel qu'indiqué dans la proposition",
    "nl": "zoals opgegeven in de voordracht",
}


@dataclass(frozen=True)
class Published:
    """Everything approved in the store, read in one transaction (docs/architecture.md).

    ``records``: initiative records; ``site_changes``: site changes in the order they apply
    (``seq``); ``harvests``: the register harvests applied and not reverted, oldest first;
    ``log``: one entry per published initiative record (when, which row), for the change feed."""

    records: list[dict] = field(default_factory=list)
    site_changes: list[dict] = field(default_factory=list)
    harvests: list[dict] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)


PUBLISHER = "geo_service nominations"


def source_of(nomination: Nomination) -> dict:
    day = nomination.decided_at.date().isoformat() if nomination.decided_at else None
    return {"url": None, "publisher": PUBLISHER, "date": day, "note": f"nomination #{nomination.id}, approved on {day}"}


def to_record(nomination: Nomination) -> dict:
    data = nomination.data
    if nomination.origin == "import":
        # An imported row is already a catalogue record that passed the catalogue's validation.
        record = copy.deepcopy(data["record"])
        record.setdefault("id", f"import-{nomination.id}")
        source = source_of(nomination)
        batch = f"import #{nomination.import_id}" if nomination.import_id else f"import #{nomination.id}"
        record["sources"] = [
            *record.get("sources", []),
            {**source, "note": f"{batch} by {nomination.decided_by or 'a moderator'}, on {source['date']}"},
        ]
        record["origin"] = "import"
        return record
    figures = [
        {"name": name, "value": data[name], "year": None, "note": FIGURE_NOTE["en"], "notes": dict(FIGURE_NOTE)}
        for name in ("volunteers", "beneficiaries")
        if data.get(name) is not None
    ]
    names = dict.fromkeys(("fr", "nl", "en", "de"))
    if nomination.language in names:
        names[nomination.language] = data["name"]
    return {
        "id": f"nomination-{nomination.id}",
        "name": data["name"],
        "names": names,
        "kind": data.get("kind") or "citizen_initiative",
        "operator": None,
        "description": data.get("description"),
        "themes": list(data.get("themes") or []),
        "target_groups": list(data.get("target_groups") or []),
        "scope": data["scope"],
        "start_year": data.get("start_year"),
        "figures": figures,
        "website": data.get("website"),
        "status": "active",
        "sources": [source_of(nomination)],
        # The NIS code resolves unambiguously; the name as typed stays in the moderation record.
        "places": [
            {"place": p["nis"], "name": None, "address": p.get("address"), "postcode": p.get("postcode")}
            for p in data.get("places", [])
        ],
        "origin": "nomination",
    }


def record_id(nomination: Nomination) -> str:
    """The catalogue id of the initiative an approved nomination or imported row publishes."""
    if nomination.origin == "import":
        return nomination.data["record"].get("id") or f"import-{nomination.id}"
    return f"nomination-{nomination.id}"


def log_entry(nomination: Nomination, batch: CatalogueImport | None = None) -> dict:
    """When and from which row an initiative record was published (the change feed's "added")."""
    return {
        "at": nomination.decided_at.isoformat() if nomination.decided_at else None,
        "what": "added",
        "origin": "import" if nomination.origin == "import" else "nomination",
        "reference": batch.reference if batch is not None else nomination.reference,
        "initiative": record_id(nomination),
        "site": None,
    }


def to_site_change(nomination: Nomination, batch: CatalogueImport | None = None) -> dict:
    """An approved harvest or correction row as a site change (docs/architecture.md): its stored
    ``data["change"]`` (action, site, initiative, fields, reason, source) with its order, date,
    origin and batch."""
    change = copy.deepcopy(nomination.data["change"])
    day = nomination.decided_at.date().isoformat() if nomination.decided_at else None
    return {
        **change,
        "seq": nomination.id,
        "at": day,
        "origin": nomination.origin,
        "batch": batch.reference if batch is not None else nomination.reference,
    }


def harvest_entry(batch: CatalogueImport) -> dict:
    """An applied register harvest: the network it read, from which source, as of which snapshot."""
    details = batch.details or {}
    return {
        "network": batch.network,
        "source": batch.source,
        "snapshot": batch.snapshot,
        "batch": batch.reference,
        "at": batch.at.date().isoformat() if batch.at else None,
        "publisher": details.get("publisher"),
        "licence": details.get("licence"),
        "url": details.get("url"),
        "whole": bool(details.get("whole")),  # read with the register's stored selectors (complete as of snapshot)
        "initiatives": list(details.get("initiatives") or []),
    }
