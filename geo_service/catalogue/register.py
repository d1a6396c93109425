"""What the catalogue knows of each service network: the completeness register.

A network is an operator's set of sites of one kind serving one area (VDAB in Flanders, the eight
Walloon CRIs, every commune's CPAS/OCMW, ...). ``data/catalogue/network_register.yaml`` restates,
with sources, how many sites the operator says it has; :func:`build_register` sets that against
the sites the catalogue holds. Only a *complete* network lets the indicators call a commune a gap:
with a partial list, "no site within reach" may just mean "no site we know of" (docs/indicators.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ValidationFailed
from . import dates, freshness
from .areas import named_sets, resolve_area
from .vocab import KINDS

log = logging.getLogger(__name__)
REGISTER_FILE = "network_register.yaml"
STATUSES = ("complete", "partial", "unknown")
RULES = ("one_per_commune",)
ALL_OF_KIND = "*"
EXCLUDED_SITE_STATUS = ("closed", freshness.EXPIRED)
FRESHNESS_KEYS = ("curated_months", "harvest_days")


def _problems(entry, seen: set[str]) -> list[str]:
    if not isinstance(entry, dict):
        return ["an entry is not a mapping"]
    problems = []
    rid = entry.get("id")
    if not isinstance(rid, str) or not rid:
        problems.append("id missing")
    elif rid in seen:
        problems.append(f"duplicate id '{rid}'")
    if entry.get("kind") not in KINDS:
        problems.append(f"{rid}: kind {entry.get('kind')!r} is not one of {list(KINDS)}")
    initiatives = entry.get("initiatives")
    if initiatives != ALL_OF_KIND and not (
        isinstance(initiatives, list) and initiatives and all(isinstance(i, str) for i in initiatives)
    ):
        problems.append(f"{rid}: initiatives must be a list of ids or '*'")
    count, rule = entry.get("stated_count"), entry.get("stated_rule")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count <= 0):
        problems.append(f"{rid}: stated_count must be a positive integer or null")
    if rule is not None and rule not in RULES:
        problems.append(f"{rid}: stated_rule must be one of {list(RULES)} or null")
    names = entry.get("names", {})
    if not isinstance(names, dict) or not all(
        lang in ("fr", "nl", "de") and isinstance(text, str) and text.strip() for lang, text in names.items()
    ):
        problems.append(f"{rid}: names must map fr/nl/de to the network's name in that language")
    if "competent" in entry and not isinstance(entry["competent"], bool):
        problems.append(f"{rid}: competent must be true or false")
    problems.extend(_freshness_problems(rid, entry))
    sources = entry.get("sources")
    if not isinstance(sources, list) or not sources:
        problems.append(f"{rid}: at least one source is required")
    elif not all(isinstance(s, dict) and (s.get("url") or s.get("seed")) for s in sources):
        problems.append(f"{rid}: each source needs a url or a seed")
    return problems


def _freshness_problems(rid, entry: dict) -> list[str]:
    """``freshness``: {curated_months, harvest_days} as positive integers; ``exists_by_law``: the law, named."""
    problems = []
    window = entry.get("freshness", {})
    if not isinstance(window, dict) or not all(
        key in FRESHNESS_KEYS and isinstance(value, int) and not isinstance(value, bool) and value > 0
        for key, value in window.items()
    ):
        problems.append(f"{rid}: freshness must map {'/'.join(FRESHNESS_KEYS)} to positive integers")
    law = entry.get("exists_by_law")
    if law is not None and not (isinstance(law, str) and law.strip()):
        problems.append(f"{rid}: exists_by_law must name the law")
    return problems


def validate(entries) -> list[dict]:
    """The entries, or ValidationFailed listing every problem."""
    if not isinstance(entries, list):
        raise ValidationFailed(f"{REGISTER_FILE}: expected a list of networks")
    problems, seen = [], set()
    for entry in entries:
        problems.extend(_problems(entry, seen))
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            seen.add(entry["id"])
    ids = {e.get("id") for e in entries if isinstance(e, dict)}
    for entry in entries:
        if isinstance(entry, dict) and entry.get("part_of") is not None and entry["part_of"] not in ids:
            problems.append(f"{entry.get('id')}: part_of names no entry ('{entry['part_of']}')")
    if problems:
        raise ValidationFailed(f"{REGISTER_FILE}: {'; '.join(problems[:10])}", errors=problems)
    return entries


def check_register(entries: list[dict], catalogue) -> list[str]:
    """Problems `catalogue check` reports: initiatives the register names that the catalogue lacks,
    or whose kind differs from the network's."""
    problems = []
    initiatives = catalogue.initiatives
    for entry in entries:
        if entry["initiatives"] == ALL_OF_KIND:
            continue
        for iid in entry["initiatives"]:
            if iid not in initiatives.index:
                problems.append(f"{entry['id']}: unknown initiative '{iid}'")
            elif initiatives.at[iid, "kind"] != entry["kind"]:
                problems.append(
                    f"{entry['id']}: initiative '{iid}' is of kind {initiatives.at[iid, 'kind']}, not {entry['kind']}"
                )
    return problems


def read_register(path=None) -> list[dict]:
    """The validated entries of ``data/catalogue/network_register.yaml`` (an empty list if absent)."""
    from . import CATALOGUE_DIR, read_yaml

    path = path or CATALOGUE_DIR / REGISTER_FILE
    if not path.exists():
        return []
    return validate(read_yaml(path))


@dataclass(frozen=True)
class Register:
    """``networks``: one row per network (index ``id``); ``communes``: bool (communes x networks),
    the area each network serves; ``initiative_network``: (initiative_id, network) pairs."""

    networks: pd.DataFrame
    communes: pd.DataFrame
    initiative_network: pd.DataFrame

    def of_kind(self, kind: str) -> pd.DataFrame:
        """The *competent* networks of ``kind``: not the sub-counts (``part_of``) nor the networks
        that offer the service without a mandate (``competent: false``, e.g. the Brussels Werkwinkels)."""
        return self.networks[(self.networks["kind"] == kind) & self.networks["competent"]]

    def site_membership(self, sites: pd.DataFrame, networks: pd.Index) -> np.ndarray:
        """bool (networks x sites): the site belongs to an initiative of the network."""
        pairs = self.initiative_network[self.initiative_network["network"].isin(networks)]
        out = np.zeros((len(networks), len(sites)), dtype=bool)
        position = {n: i for i, n in enumerate(networks)}
        initiative = sites["initiative_id"].to_numpy()
        for network, group in pairs.groupby("network"):
            out[position[network]] = np.isin(initiative, group["initiative_id"].to_numpy())
        return out

    def summary(self) -> list[dict]:
        """JSON-ready rows for the API, the maps and the pages."""
        rows = []
        for nid, row in self.networks.iterrows():
            rows.append(
                {
                    "id": nid,
                    "name": row["name"],
                    "names": dict(row["names"]),
                    "kind": row["kind"],
                    "status": row["status"],
                    "known_sites": int(row["known_sites"]),
                    "expected_sites": None if pd.isna(row["expected_sites"]) else int(row["expected_sites"]),
                    "lower_bound": bool(row["lower_bound"]),
                    "what_is_counted": _text(row["what_is_counted"]),
                    "as_of": _text(row["as_of"]),
                    "communes": int(row["commune_count"]),
                    "initiatives": list(row["initiatives"]),
                    "sources": list(row["sources"]),
                    "competent": bool(row["competent"]),
                    "part_of": _text(row["part_of"]),
                    "note": _text(row["note"]),
                    "exceeded": bool(row["exceeded"]),
                    "statement_date": _text(row["statement_date"]),
                    "confirmed": _text(row["confirmed"]),
                    "stale": bool(row["stale"]),
                    "freshness": row["freshness"],
                    "exists_by_law": _text(row["exists_by_law"]),
                    "harvest": row["harvest"],
                }
            )
        return rows


def _text(value) -> str | None:
    """A text cell as JSON wants it: a missing value (None or the NaN of a string column) is None."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


NETWORK_COLUMNS = [
    "name",
    "names",
    "kind",
    "initiatives",
    "known_sites",
    "expected_sites",
    "lower_bound",
    "status",
    "what_is_counted",
    "as_of",
    "sources",
    "note",
    "commune_count",
    "competent",
    "part_of",
    "harvest",
    "exceeded",
    "statement_date",
    "confirmed",
    "stale",
    "freshness",
    "exists_by_law",
]


def empty_networks() -> pd.DataFrame:
    return pd.DataFrame(columns=["id", *NETWORK_COLUMNS]).set_index("id")


def _area(entry: dict, initiative_ids: list[str], catalogue, communes, sets) -> set[str]:
    if entry.get("include"):
        return resolve_area({"include": entry["include"], "exclude": entry.get("exclude") or []}, communes, sets)
    areas = catalogue.service_areas
    members = set(areas.loc[areas["initiative_id"].isin(initiative_ids), "nis"])
    if members:
        return members - (
            resolve_area({"include": entry["exclude"]}, communes, sets) if entry.get("exclude") else set()
        )
    return set(communes.index)


def exceeds(expected, lower_bound: bool, known: int) -> bool:
    """The catalogue holds more sites than an exact statement says: the statement is out of date or
    counts something else, so it cannot make the network complete."""
    return expected is not None and not pd.isna(expected) and not lower_bound and known > expected


def _status(expected, lower_bound: bool, known: int) -> str:
    if expected is None or pd.isna(expected) or exceeds(expected, lower_bound, known):
        return "unknown"
    return "complete" if known >= expected and not lower_bound else "partial"


def whole_harvest(entry_id: str, initiatives, harvests: list[dict]) -> dict | None:
    """The newest applied harvest that read the whole register for network ``entry_id`` (its stored
    selectors, every initiative of the network): the network is complete as of its snapshot."""
    for harvest in reversed(harvests or []):
        if (
            harvest.get("network") == entry_id
            and harvest.get("whole")
            and set(initiatives) <= set(harvest.get("initiatives") or ())
        ):
            return harvest
    return None


def complete_by_harvest(row: dict, harvest: dict) -> dict:
    """A register row made complete by a whole-register harvest: as many sites as the register holds,
    as of its snapshot, the register first among the sources (docs/harvest.md)."""
    source = {
        "url": harvest.get("url"),
        "publisher": harvest.get("publisher"),
        "date": harvest.get("snapshot"),
        "licence": harvest.get("licence"),
        "note": f"every establishment unit of the network in the register's extract of {harvest.get('snapshot')} (harvest {harvest.get('batch')})",
    }
    return {
        **row,
        "expected_sites": float(row["known_sites"]),
        "lower_bound": False,
        "exceeded": False,
        "status": "complete",
        "as_of": harvest.get("snapshot"),
        "sources": [source, *row["sources"]],
        "harvest": dict(harvest),
    }


def statement_date(entry: dict) -> str | None:
    """The date of a network's stated size: its ``as_of`` when that is a date, else the newest date
    among the sources that state it; None when undated."""
    as_of = entry.get("as_of")
    if dates.first_day(as_of) is not None:
        return str(as_of)
    return dates.newest(dates.source_date(s) for s in entry.get("sources") or [])


def knowledge_dates(entry: dict, counted: pd.DataFrame, today, harvested: bool = False) -> dict:
    """How current a network's completeness is: ``confirmed``, the oldest date it rests on (the
    statement of its size and the ``last_confirmed`` of each site counted; None when one is
    undated), ``stale`` (older than the network's window, or undated) and the window. A network
    that exists by law (``exists_by_law``) rests on the law in force: never stale."""
    window = freshness.network_window(entry, harvested)
    if entry.get("exists_by_law"):
        return {"confirmed": None, "stale": False, "window": window.label(), "by_law": entry["exists_by_law"]}
    parts = [statement_date(entry), *counted.get("last_confirmed", pd.Series(dtype=object)).tolist()]
    undated = any(dates.first_day(p) is None for p in parts)
    confirmed = None if undated else dates.oldest(parts)
    until = window.stale_after(confirmed)
    return {
        "confirmed": confirmed,
        "stale": until is None or until < today,
        "window": window.label(),
        "by_law": None,
    }


def build_register(entries: list[dict], catalogue, communes) -> Register:
    """Set each network's stated size against the catalogue's sites (not closed, located) in its area."""
    sets = named_sets()
    initiatives = catalogue.initiatives
    active = initiatives[~initiatives["status"].isin(EXCLUDED_SITE_STATUS)]
    sites = catalogue.sites
    located = sites.geometry.notna() & ~sites.geometry.is_empty
    sites = sites[located & ~sites["status"].isin(EXCLUDED_SITE_STATUS) & sites["initiative_id"].isin(active.index)]
    listed: dict[str, set[str]] = {}
    for entry in entries:
        if entry["initiatives"] != ALL_OF_KIND:
            listed.setdefault(entry["kind"], set()).update(entry["initiatives"])
    problems, rows, areas, pairs = [], [], {}, []
    missing: dict[str, list[str]] = {}
    today = getattr(catalogue, "as_of", None) or dt.date.today()
    harvested = {h.get("network") for h in getattr(catalogue, "harvests", None) or []}
    for entry in entries:
        if entry["initiatives"] == ALL_OF_KIND:
            ids = sorted(set(active.index[active["kind"] == entry["kind"]]) - listed.get(entry["kind"], set()))
        else:
            ids = [i for i in entry["initiatives"] if i in initiatives.index]
            if len(ids) < len(entry["initiatives"]):
                missing[entry["id"]] = [i for i in entry["initiatives"] if i not in initiatives.index]
        try:
            area = _area(entry, ids, catalogue, communes, sets)
        except ValueError as exc:
            problems.append(f"{entry['id']}: {exc}")
            continue
        counted = sites[sites["initiative_id"].isin(ids) & sites["nis"].isin(area)]
        known = len(counted)
        expected = len(area) if entry.get("stated_rule") == "one_per_commune" else entry.get("stated_count")
        lower = bool(entry.get("lower_bound"))
        harvest = whole_harvest(entry["id"], ids, getattr(catalogue, "harvests", None))
        # a whole-register harvest states the network's size as of its snapshot
        dated = {**entry, "as_of": harvest.get("snapshot")} if harvest else entry
        knowledge = knowledge_dates(dated, counted, today, entry["id"] in harvested)
        rows.append(
            {
                "id": entry["id"],
                "name": entry.get("name") or entry["id"],
                "names": dict(entry.get("names") or {}),
                "kind": entry["kind"],
                "initiatives": tuple(ids),
                "known_sites": known,
                "expected_sites": float("nan") if expected is None else float(expected),
                "lower_bound": lower,
                "status": _status(expected, lower, known),
                "exceeded": exceeds(expected, lower, known),
                "what_is_counted": entry.get("what_is_counted"),
                "as_of": entry.get("as_of"),
                "sources": list(entry["sources"]),
                "note": entry.get("note"),
                "commune_count": len(area),
                "competent": entry.get("part_of") is None and entry.get("competent", True),
                "part_of": entry.get("part_of"),
                "statement_date": statement_date(dated),
                "confirmed": knowledge["confirmed"],
                "stale": knowledge["stale"],
                "freshness": knowledge["window"],
                "exists_by_law": knowledge["by_law"],
            }
        )
        rows[-1] = complete_by_harvest(rows[-1], harvest) if harvest else {**rows[-1], "harvest": None}
        areas[entry["id"]] = communes.index.isin(sorted(area))
        pairs.extend({"initiative_id": i, "network": entry["id"]} for i in ids)
    if problems:
        raise ValidationFailed(f"{REGISTER_FILE}: {'; '.join(problems[:10])}", errors=problems)
    if missing:  # `catalogue check` refuses these; a running service counts what it has
        log.warning("register networks name initiatives absent from the catalogue: %s", missing)
    networks = pd.DataFrame(rows, columns=["id", *NETWORK_COLUMNS]).set_index("id")
    membership = pd.DataFrame(areas, index=communes.index, columns=networks.index, dtype=bool)
    return Register(
        networks=networks,
        communes=membership,
        initiative_network=pd.DataFrame(pairs, columns=["initiative_id", "network"]),
    )
