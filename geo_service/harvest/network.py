"""Which network a harvest is for and what to select: the ``harvest:`` selectors stored per
network in ``data/catalogue/network_register.yaml`` (each with its source), or the command line's.

    harvest:
      kbo:                                  # KBO/BCE enterprises whose establishment units are the network's
      - enterprise: "0887.158.639"
        initiative: vdab                    # the catalogue initiative the units belong to
        nace: []                            # optional: only units with one of these own activities
        source: {url: ..., publisher: ..., quote: ...}
      osm:                                  # OpenStreetMap objects carrying every tag
        initiative: vdab
        tags: [office=employment_agency, operator=VDAB]
        source: {url: ..., publisher: ...}

A harvest made with the stored selectors, unchanged, reads the whole register for the network
(``whole``); that is what lets the network count as complete as of the snapshot (docs/harvest.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalogue.register import REGISTER_FILE, read_register
from . import BadExtract
from .kbo import Selector, enterprise_number, nace_code
from .osm import parse_tags


@dataclass(frozen=True)
class Plan:
    """What one harvest reads: the network, its initiatives, the selectors and whether they are
    the register's whole stored selection."""

    network: str
    initiatives: tuple[str, ...]
    kbo: tuple[Selector, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    osm_initiative: str | None = None
    whole: bool = False


def network_entry(network: str, entries: list[dict] | None = None) -> dict:
    entries = read_register() if entries is None else entries
    for entry in entries:
        if entry["id"] == network:
            return entry
    known = ", ".join(e["id"] for e in entries)
    raise BadExtract(f"{REGISTER_FILE} has no network '{network}' (known networks: {known})")


def _initiatives(entry: dict) -> tuple[str, ...]:
    if entry["initiatives"] == "*":
        raise BadExtract(
            f"{REGISTER_FILE}: network '{entry['id']}' is every initiative of a kind, not one operator's: "
            "it has no register to harvest"
        )
    return tuple(entry["initiatives"])


def _sole(entry: dict, what: str) -> str:
    initiatives = _initiatives(entry)
    if len(initiatives) != 1:
        raise BadExtract(
            f"{REGISTER_FILE}: network '{entry['id']}' has {len(initiatives)} initiatives ({', '.join(initiatives)}), "
            f"so {what} cannot say which one a unit belongs to: record it in the network's harvest selectors"
        )
    return initiatives[0]


def _stored_kbo(entry: dict) -> list[Selector]:
    selectors = []
    for item in (entry.get("harvest") or {}).get("kbo") or []:
        try:
            selectors.append(
                Selector(
                    enterprise_number(item["enterprise"]),
                    item.get("initiative") or _sole(entry, "a stored selector without initiative"),
                    tuple(nace_code(c) for c in item.get("nace") or ()),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadExtract(
                f"{REGISTER_FILE}: network '{entry['id']}' has a bad harvest.kbo selector ({exc})"
            ) from None
    return selectors


def kbo_plan(network: str, enterprises=(), nace=(), entries: list[dict] | None = None) -> Plan:
    """The KBO/BCE selection for ``network``: the command line's enterprises and NACE codes, else
    the register's stored selectors; BadExtract when neither gives one."""
    entry = network_entry(network, entries)
    initiatives = _initiatives(entry)
    stored = _stored_kbo(entry)
    try:
        codes = tuple(nace_code(c) for c in nace)
        numbers = [enterprise_number(e) for e in enterprises]
    except ValueError as exc:
        raise BadExtract(f"command line: {exc}") from None
    if numbers:
        by_number = {s.enterprise: s for s in stored}
        selectors = [
            Selector(
                n,
                by_number[n].initiative if n in by_number else _sole(entry, f"--enterprise {n}"),
                codes or (by_number[n].nace if n in by_number else ()),
            )
            for n in dict.fromkeys(numbers)
        ]
    elif stored:
        selectors = [Selector(s.enterprise, s.initiative, codes or s.nace) for s in stored]
    else:
        raise BadExtract(
            f"{REGISTER_FILE} holds no harvest.kbo selectors for network '{network}': give --enterprise NUMBER"
        )
    unknown = sorted({s.initiative for s in selectors} - set(initiatives))
    if unknown:
        raise BadExtract(f"{REGISTER_FILE}: network '{network}' has no initiative {', '.join(unknown)}")
    whole = bool(stored) and set(selectors) == set(stored)
    return Plan(network, initiatives, kbo=tuple(selectors), whole=whole)


def osm_plan(network: str, tags=(), entries: list[dict] | None = None) -> Plan:
    """The OpenStreetMap selection for ``network``: the command line's tags, else the register's."""
    entry = network_entry(network, entries)
    initiatives = _initiatives(entry)
    stored = (entry.get("harvest") or {}).get("osm") or {}
    try:
        pairs = parse_tags(list(tags) or list(stored.get("tags") or []))
    except ValueError as exc:
        where = "command line" if tags else f"{REGISTER_FILE}: network '{network}'"
        raise BadExtract(f"{where}: {exc}") from None
    initiative = stored.get("initiative") or _sole(entry, "an OpenStreetMap harvest")
    if initiative not in initiatives:
        raise BadExtract(f"{REGISTER_FILE}: network '{network}' has no initiative {initiative}")
    return Plan(network, initiatives, tags=tuple(pairs), osm_initiative=initiative)
