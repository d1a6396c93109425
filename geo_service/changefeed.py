"""The change feed (``GET /changes``, docs/corrections.md): every published change of the
catalogue, newest first, with its date, what happened (added, closed, moved, corrected,
harvested), the site or initiative, its communes and where it came from (an import, a nomination,
a correction, a harvest batch), as JSON or as an Atom 1.0 feed (RFC 4287) that a researcher or a
municipality can subscribe to.

Flask-free: it reads a snapshot's ``catalogue.changes`` and ``catalogue.harvests`` (never the
database); the web layer hands it names, links and the translate function ``t``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from xml.etree import ElementTree as ET

import orjson

from .errors import InvalidParameter

ATOM = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
FORMATS = ("json", "atom")
WHAT = ("added", "closed", "moved", "corrected", "harvested")
_IDS = uuid.UUID("6f3b2c56-2a8e-4c1e-9d0b-5f0b7a3c1e42")  # namespace of this service's entry ids


def parse_since(value: str | None) -> dt.date | None:
    """The ``since`` parameter: an ISO date (YYYY-MM-DD), or None when absent."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else _refuse(value)
    except ValueError:
        return _refuse(value)


def _refuse(value: str):
    raise InvalidParameter(
        f"since must be a date written YYYY-MM-DD (e.g. 2026-12-01), not {value[:40]!r}", parameter="since"
    )


def parse_commune(value: str | None, known: Iterable[str]) -> str | None:
    """The ``commune`` parameter: a 2025 NIS code, or None when absent."""
    if value is None:
        return None
    if value not in set(known):
        raise InvalidParameter(
            f"commune must be the NIS code of a 2025 commune (e.g. 44021), not {value[:40]!r}", parameter="commune"
        )
    return value


def what_label(what: str, t: Callable[[str], str]) -> str:
    labels = {
        "added": t("Added"),
        "closed": t("Closed"),
        "moved": t("Moved"),
        "corrected": t("Corrected"),
        "harvested": t("Harvested"),
    }
    return labels.get(what, what)


def origin_label(origin: str, t: Callable[[str], str]) -> str:
    labels = {
        "import": t("import"),
        "nomination": t("nomination"),
        "correction": t("correction"),
        "harvest": t("harvest batch"),
    }
    return labels.get(origin, origin)


def harvest_changes(harvests: Iterable[dict], names: Mapping[str, str]) -> list[dict]:
    """One "harvested" entry per applied register harvest (its site changes have entries of their
    own): which network, read from which register, as of which date."""
    entries = []
    for harvest in harvests:
        initiatives = [i for i in harvest.get("initiatives") or [harvest.get("network")] if i]
        first = next((i for i in initiatives if i in names), None)
        entries.append(
            {
                "at": harvest.get("at"),
                "what": "harvested",
                "origin": "harvest",
                "reference": harvest.get("batch"),
                "initiative": first,
                "site": None,
                "name": names.get(first) or harvest.get("network"),
                "communes": [],
                "source": {
                    "publisher": harvest.get("publisher"),
                    "url": harvest.get("url"),
                    "date": harvest.get("snapshot"),
                    "licence": harvest.get("licence"),
                    "note": f"{harvest.get('source')} snapshot of {harvest.get('snapshot')}",
                },
                "reason": None,
            }
        )
    return entries


def select(changes: Iterable[dict], since: dt.date | None = None, commune: str | None = None) -> list[dict]:
    """The changes published on or after ``since`` that touched ``commune`` (when given), newest
    first (in the order they were published within a day)."""
    day = since.isoformat() if since else ""
    kept = [c for c in changes if (c.get("at") or "") >= day and (commune is None or commune in c.get("communes", []))]
    return sorted(kept, key=lambda c: c.get("at") or "", reverse=True)


def entry_id(change: dict) -> str:
    """A stable, unique id of a change (the same in every response and on every server); kept in
    the change as ``id`` when :func:`with_ids` gave it one."""
    if change.get("id"):
        return change["id"]
    key = "|".join(str(change.get(k) or "") for k in ("reference", "what", "site", "initiative", "at"))
    return f"urn:uuid:{uuid.uuid5(_IDS, key)}"


def with_ids(changes: Iterable[dict]) -> list[dict]:
    """The changes, each with its :func:`entry_id` (computed once, e.g. once per snapshot)."""
    return [{**change, "id": entry_id(change)} for change in changes]


def title(change: dict, commune_names: Mapping[str, str], t: Callable[[str], str]) -> str:
    places = ", ".join(commune_names.get(nis, nis) for nis in change.get("communes") or [])
    name = change.get("name") or change.get("site") or change.get("initiative")
    text = t("%(what)s: %(name)s") % {"what": what_label(change["what"], t), "name": name}
    return f"{text} ({places})" if places else text


def summary(change: dict, t: Callable[[str], str]) -> str:
    source = change.get("source") or {}
    parts = [
        t("Source: %(origin)s %(reference)s")
        % {"origin": origin_label(change["origin"], t), "reference": change.get("reference") or ""}
    ]
    if source.get("publisher") or source.get("url"):
        parts.append(
            t("Evidence: %(what)s") % {"what": " ".join(x for x in (source.get("publisher"), source.get("url")) if x)}
        )
    if change.get("reason"):
        parts.append(t("Reason: %(reason)s") % {"reason": change["reason"]})
    return ". ".join(parts) + "."


def as_json(
    changes: list[dict], meta: dict, commune_names: Mapping[str, str], link: Callable[[dict], str | None], t
) -> bytes:
    """The feed as JSON: ``meta`` (since, commune, version, built_at, links) and one object per change."""
    items = [
        {
            "date": c.get("at"),
            "what": c["what"],
            "title": title(c, commune_names, t),
            "origin": c.get("origin"),
            "reference": c.get("reference"),
            "initiative": c.get("initiative"),
            "site": c.get("site"),
            "name": c.get("name"),
            "communes": [{"nis": nis, "name": commune_names.get(nis)} for nis in c.get("communes") or []],
            "source": c.get("source"),
            "reason": c.get("reason"),
            "previous": c.get("previous") or {},
            "url": link(c),
            "id": entry_id(c),
        }
        for c in changes
    ]
    return orjson.dumps({**meta, "count": len(items), "changes": items})


def _atom_time(value: str | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value}T00:00:00Z"


def as_atom(
    changes: list[dict],
    meta: dict,
    commune_names: Mapping[str, str],
    link: Callable[[dict], str | None],
    t,
    *,
    feed_title: str,
    lang: str,
) -> bytes:
    """The feed as Atom 1.0: feed id, title, updated, author, self and alternate links; per change
    an entry with id, title, updated, an alternate link to its page, its kind as category, and a
    summary naming its source. ``meta``: as for :func:`as_json` (``self``, ``json`` and ``home``
    are absolute URLs)."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag: str, text: str | None = None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    sub(feed, "id", f"urn:uuid:{uuid.uuid5(_IDS, meta['self_path'])}")
    sub(feed, "title", feed_title)
    sub(
        feed,
        "subtitle",
        t("Data version %(version)s, built %(built)s") % {"version": meta["version"], "built": meta["built_at"]},
    )
    newest = changes[0]["at"] if changes and changes[0].get("at") else None
    sub(feed, "updated", _atom_time(newest) if newest else meta["built_at"])
    author = sub(feed, "author")
    sub(author, "name", meta["publisher"])
    sub(author, "uri", meta["home"])
    sub(feed, "link", rel="self", type=ATOM_MEDIA_TYPE, href=meta["self"])
    sub(feed, "link", rel="alternate", type="application/json", href=meta["json"])
    sub(feed, "generator", "geo_service", version=meta["version"])
    for change in changes:
        entry = sub(feed, "entry")
        sub(entry, "id", entry_id(change))
        sub(entry, "title", title(change, commune_names, t))
        sub(entry, "updated", _atom_time(change["at"]) if change.get("at") else meta["built_at"])
        href = link(change)
        if href:
            sub(entry, "link", rel="alternate", type="text/html", href=href)
        sub(entry, "category", term=change["what"], label=what_label(change["what"], t))
        sub(entry, "summary", summary(change, t))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
