"""An approved nomination as a catalogue initiative record (the format of
data/catalogue/initiatives.yaml). Built only from the public ``data``: the submitter's contact is
never read here, so it cannot reach a map, the API or a download."""

from __future__ import annotations

import copy

from .models import Nomination

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
        {"name": name, "value": data[name], "year": None, "note": "as given in the nomination"}
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
