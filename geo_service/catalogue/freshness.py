"""How current each site is: the date rules applied to the catalogue on a given day (docs/catalogue.md, "Dates").

Every site carries ``last_confirmed`` (derived from its sources by :func:`dates.confirmed_on`, or
given by a harvest or an approved correction) and, for a temporary site, ``valid_until`` (the end
date its sources announce). On a given day:

- a site past its ``valid_until`` is ``expired``: no longer active, left out like a closed one;
- a site whose ``last_confirmed`` is older than its network's freshness window (or which no source
  dates) is *stale*, and an ``active`` or ``temporary`` one becomes ``to_be_confirmed``;
- a network that exists by law in every commune (the CPAS/OCMW) never goes stale as to its
  existence: only an address it gives can be out of date, so such a site is stale only when it
  has an address, and its status never changes.

The window is the register's (``freshness`` in network_register.yaml; 36 months for curated
sources, 90 days for a network refreshed by a register harvest), the shortest when a site belongs
to several networks; a site of no network gets the curated default. ``declared_status`` keeps the
status the sources give.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from . import dates

DATE_COLUMNS = ("last_confirmed", "valid_until", "closed_on")  # a site's dates (docs/catalogue.md)
CURATED_MONTHS = 36
HARVEST_DAYS = 90
EXPIRED = "expired"
LAPSING = ("active", "temporary")  # the statuses a stale site loses (to_be_confirmed)
ALL_OF_KIND = "*"


@dataclass(frozen=True)
class Window:
    """How long a confirmation stays current: ``months`` (curated sources) or ``days`` (a harvest)."""

    months: int | None = CURATED_MONTHS
    days: int | None = None

    def stale_after(self, confirmed) -> dt.date | None:
        """The last day a fact confirmed on ``confirmed`` is current; None when undated."""
        start = dates.first_day(confirmed)
        if start is None:
            return None
        if self.days is not None:
            return start + dt.timedelta(days=self.days)
        return dates.add_months(start, self.months)

    def label(self) -> str:
        return f"{self.days} days" if self.days is not None else f"{self.months} months"

    def shorter(self, other: Window) -> Window:
        probe = dt.date(2000, 1, 1)
        return self if self.stale_after(probe) <= other.stale_after(probe) else other


def network_window(entry: dict, harvested: bool = False) -> Window:
    """The freshness window of a register entry: its ``freshness`` (``curated_months``,
    ``harvest_days``) or the defaults; ``harvested`` when a register harvest refreshes the network."""
    given = entry.get("freshness") or {}
    if harvested:
        return Window(months=None, days=int(given.get("harvest_days", HARVEST_DAYS)))
    return Window(months=int(given.get("curated_months", CURATED_MONTHS)))


@dataclass(frozen=True)
class Rule:
    """What applies to the sites of one initiative: the window and whether it exists by law."""

    window: Window
    by_law: bool = False


def rules_by_initiative(entries: list[dict], kinds: pd.Series, harvested=frozenset()) -> dict[str, Rule]:
    """initiative id -> :class:`Rule`, from the register entries (``kinds``: each initiative's kind,
    for the entries that take every initiative of their kind, ``"*"``); ``harvested``: the ids of
    the networks a register harvest refreshes."""
    listed = {i for e in entries if e["initiatives"] != ALL_OF_KIND for i in e["initiatives"]}
    out: dict[str, Rule] = {}
    for entry in entries:
        if entry["initiatives"] == ALL_OF_KIND:
            members = [i for i in kinds.index[kinds == entry["kind"]] if i not in listed]
        else:
            members = entry["initiatives"]
        window = network_window(entry, entry["id"] in harvested)
        by_law = bool(entry.get("exists_by_law"))
        for initiative in members:
            known = out.get(initiative)
            out[initiative] = (
                Rule(window, by_law) if known is None else Rule(known.window.shorter(window), known.by_law or by_law)
            )
    return out


def site_state(site: dict, rule: Rule, today: dt.date) -> tuple[str, bool, str | None]:
    """(status on ``today``, stale, last day current) of one site (a dict with ``declared_status``,
    ``last_confirmed``, ``valid_until``, ``address``)."""
    declared = site.get("declared_status") or "active"
    end = dates.last_day(site.get("valid_until"))
    until = rule.window.stale_after(site.get("last_confirmed"))
    dated_out = until is None or until < today
    address = site.get("address")
    # a network that exists by law cannot lapse; only the address it gives can be out of date
    stale = (isinstance(address, str) and bool(address.strip()) and dated_out) if rule.by_law else dated_out
    if declared == "closed":
        return declared, stale, _iso(until)
    if end is not None and end < today:
        return EXPIRED, stale, _iso(until)
    if stale and not rule.by_law and declared in LAPSING:
        return "to_be_confirmed", stale, _iso(until)
    return declared, stale, _iso(until)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def apply(sites: pd.DataFrame, rules: dict[str, Rule], today: dt.date) -> pd.DataFrame:
    """``sites`` with the date rules applied on ``today``: ``status`` as on that day (the sources'
    own in ``declared_status``), ``stale``, ``current_until`` (the last day its confirmation is
    current, None when undated) and ``exists_by_law`` (its network cannot lapse)."""
    out = sites.copy()
    if not len(out):
        return out
    if "declared_status" not in out:
        out["declared_status"] = out["status"]
    default = Rule(Window())
    columns = ["declared_status", "last_confirmed", "valid_until", "address"]
    records = out[[c for c in columns if c in out]].to_dict("records")
    site_rules = [rules.get(initiative, default) for initiative in out["initiative_id"]]
    states = [site_state(record, rule, today) for record, rule in zip(records, site_rules)]
    out["status"] = [s[0] for s in states]
    out["stale"] = [s[1] for s in states]
    out["current_until"] = [s[2] for s in states]
    out["exists_by_law"] = [rule.by_law for rule in site_rules]
    return out
