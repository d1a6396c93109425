"""Served, gap or unknown: the status of each commune for each kind of service (docs/indicators.md).

For a kind with a public mandate (employment, civic integration, social welfare, reception) a
commune may only use the sites of its *competent* networks: those of the completeness register
whose area contains it (VDAB in Flanders, Le Forem in Wallonia, the commune's own CPAS, ...). For
the other kinds every network of the kind counts. Then, with ``reach_km`` the reach threshold:

- ``served``: a competent site lies within ``reach_km``;
- ``gap``: none does, and every competent network is *complete* in the catalogue (we hold as many
  sites as the operator states), so the distance can be trusted;
- ``unknown``: none does, but a competent network is partial or of unknown size (or no network
  is recorded for the commune): "no site we know of" is not "no site".

A kind's status depends on that kind's sites alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

STATUSES = ("served", "gap", "unknown")
MANDATE_KINDS = ("public_employment_service", "civic_integration_office", "social_welfare", "reception_centre")

KIND_NOUNS = {
    "citizen_initiative": "citizen initiative",
    "ngo_service": "NGO service",
    "civic_integration_office": "civic-integration office",
    "public_employment_service": "public employment office",
    "social_welfare": "social welfare centre",
    "reception_centre": "reception centre",
    "education_training": "education or training provider",
    "coordination_body": "coordination body",
    "research_body": "research body",
    "funding_body": "funding body",
}


@dataclass(frozen=True)
class Competence:
    """For one kind: which sites each commune may use, and whether those lists are complete."""

    usable: np.ndarray  # bool (communes x sites of the kind)
    complete: np.ndarray  # bool (communes): every network serving the commune is complete
    networks: list[tuple[str, ...]]  # the networks serving each commune


def mandate_areas(sites: pd.DataFrame, service_areas: pd.DataFrame, communes: pd.Index) -> np.ndarray:
    """bool (communes x sites): the communes each site is mandated to serve. A site with an area
    of its own (each CPAS/OCMW: its commune) serves that area; otherwise its initiative's service
    area (each Walloon CRI: its territory); a site of an initiative without a service area is not
    restricted (the register network's area still applies)."""
    n, m = len(communes), len(sites)
    allowed = np.ones((n, m), dtype=bool)
    if m == 0 or service_areas is None or len(service_areas) == 0:
        return allowed
    row = pd.Series(np.arange(n), index=communes)
    areas = service_areas[service_areas["nis"].isin(communes)]
    own = areas[areas["site_id"].isin(sites.index)]
    column = sites.index.get_indexer(own["site_id"])
    has_own = np.zeros(m, dtype=bool)
    has_own[column] = True
    shared = areas[areas["site_id"].isna()]
    initiatives = pd.Index(shared["initiative_id"].unique())
    mandate = np.zeros((n, len(initiatives)), dtype=bool)
    mandate[row[shared["nis"]].to_numpy(), initiatives.get_indexer(shared["initiative_id"])] = True
    of_site = initiatives.get_indexer(sites["initiative_id"])
    by_initiative = (of_site >= 0) & ~has_own
    allowed[:, by_initiative] = mandate[:, of_site[by_initiative]]
    # no mutate: its mutant `= None` stores False in a bool array (equivalent); `= True` is killed by the tests
    allowed[:, has_own] = False  # pragma: no mutate
    allowed[row[own["nis"]].to_numpy(), column] = True
    return allowed


def competence(
    kind: str,
    register,
    sites: pd.DataFrame,
    n_communes: int,
    service_areas: pd.DataFrame | None = None,
    communes: pd.Index | None = None,
) -> Competence:
    """``sites``: the catalogue's measurable sites of ``kind``. A commune may use a site when a
    register network of the kind serves the commune and holds the site, and the site's own mandate
    (:func:`mandate_areas`) covers the commune. Without any network of the kind in the register,
    every site is usable and no list is complete."""
    networks = register.of_kind(kind) if register is not None else None
    if networks is None or len(networks) == 0:
        return Competence(
            np.ones((n_communes, len(sites)), dtype=bool), np.zeros(n_communes, dtype=bool), [()] * n_communes
        )
    ids = networks.index
    area = register.communes[ids].to_numpy()  # communes x networks
    members = register.site_membership(sites, ids)  # networks x sites
    usable = (area.astype(np.int32) @ members.astype(np.int32)) > 0
    if communes is not None:
        usable &= mandate_areas(sites, service_areas, communes)
    complete_network = (networks["status"] == "complete").to_numpy()
    served_by = area.any(axis=1)
    # complete for a commune: every network serving it is complete, and one of its sites is
    # mandated for it (a commune no recorded mandate covers is a hole in our data, not a gap)
    complete = served_by & ~(area & ~complete_network).any(axis=1) & usable.any(axis=1)
    patterns, which = np.unique(area, axis=0, return_inverse=True)
    names = [tuple(ids[pattern]) for pattern in patterns]
    return Competence(usable, complete, [names[i] for i in np.ravel(which)])


def nearest(distance_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (km) to and position of the nearest usable site per row (unusable = inf);
    NaN / -1 where no site is usable."""
    n = distance_km.shape[0]
    if distance_km.shape[1] == 0:
        return np.full(n, np.nan), np.full(n, -1)
    position = distance_km.argmin(axis=1)
    km = distance_km[np.arange(n), position]
    found = np.isfinite(km)
    return np.where(found, km, np.nan), np.where(found, position, -1)


def status(nearest_km: np.ndarray, complete: np.ndarray, reach_km: float) -> np.ndarray:
    within = np.nan_to_num(nearest_km, nan=np.inf) <= reach_km
    return np.where(within, "served", np.where(complete, "gap", "unknown")).astype(object)


@dataclass(frozen=True)
class Facts:
    """What an explanation may say about one commune and kind (all from the indicator tables)."""

    kind: str
    status: str
    nearest_km: float | None
    nearest_label: str | None
    networks: str  # names of the competent networks, joined
    known: int | None
    expected: int | None
    lower_bound: bool
    reach_km: float


def network_name(name: str, names: dict[str, str], lang: str) -> str:
    """The network's name in ``lang`` when the register gives one (``names``), else its English name."""
    return str(names.get(lang) or name)


def network_lookup(networks: pd.DataFrame, lang: str = "en") -> dict[str, tuple[str, int, float, bool]]:
    """id -> (name in ``lang``, known sites, stated sites or NaN, stated as a lower bound), read once per table.
    A network complete by a register harvest is named with the register and its date (:func:`register_basis`)."""
    harvests = networks["harvest"] if "harvest" in networks.columns else [None] * len(networks)
    return {
        nid: (_with_basis(network_name(name, localised, lang), harvest, lang), int(known), float(expected), bool(lower))
        for nid, name, localised, known, expected, lower, harvest in zip(
            networks.index,
            networks["name"],
            networks["names"],
            networks["known_sites"],
            networks["expected_sites"],
            networks["lower_bound"],
            harvests,
        )
    }


# Issue 21 item 4: a network made complete by a whole-register harvest says so, with the register's
# snapshot date, in the reader's language (data wording, like the register's network names).
REGISTER_BASIS = {
    "en": "according to the KBO/BCE register of {date}",
    "fr": "selon le registre de la BCE du {date}",
    "nl": "volgens het KBO-register van {date}",
}


def register_basis(harvest: dict | None, lang: str = "en") -> str:
    """ "according to the KBO/BCE register of 5 December 2026" (FR/NL/EN) for a harvest of the
    KBO/BCE extract; "" without one."""
    if not isinstance(harvest, dict) or harvest.get("source") != "kbo" or not harvest.get("snapshot"):
        return ""
    from ..formatting import date

    wording = REGISTER_BASIS.get(lang, REGISTER_BASIS["en"])
    return wording.format(date=date(harvest["snapshot"], lang if lang in REGISTER_BASIS else "en"))


def _with_basis(name: str, harvest, lang: str) -> str:
    basis = register_basis(harvest, lang)
    return f"{name}, {basis}" if basis else name


def network_facts(ids, lookup: dict) -> tuple[str, int | None, int | None, bool]:
    """(names, known sites, stated sites, stated as a lower bound) of the competent networks."""
    rows = [lookup[i] for i in ids if i in lookup]
    if not rows:
        return "", None, None, False
    expected = [r[2] for r in rows]
    return (
        " + ".join(r[0] for r in rows),
        sum(r[1] for r in rows),
        None if any(np.isnan(e) for e in expected) else int(sum(expected)),
        any(r[3] for r in rows),
    )


def explain(f: Facts, t: Callable[[str], str] = lambda s: s, kind_label: str | None = None) -> str:
    """One sentence, in the language of ``t`` (a gettext), saying why the commune has its status."""
    noun = kind_label or t(KIND_NOUNS.get(f.kind, f.kind.replace("_", " ")))
    values = {
        "kind": noun,
        "km": "" if f.nearest_km is None else f"{f.nearest_km:.1f}",
        "site": f.nearest_label or "",
        "reach": f"{f.reach_km:g}",
        "network": f.networks,
        "known": f.known,
        "expected": f.expected,
    }
    if f.status == "served":
        return t("nearest %(kind)s: %(km)s km (%(site)s), within %(reach)s km") % values
    if not f.networks:
        return (
            t("no network of %(kind)s is recorded as serving this commune, so its status cannot be assessed") % values
        )
    if f.status == "gap":
        return (
            t(
                "nearest %(kind)s of the competent network (%(network)s): %(km)s km (%(site)s), beyond %(reach)s km; "
                "the network's list is complete (%(known)s of %(expected)s sites)"
            )
            % values
        )
    if f.nearest_km is None:
        return (
            t(
                "no site of %(network)s is known to serve this commune (none in the catalogue, or no recorded "
                "service area covers it), so its status cannot be assessed"
            )
            % values
        )
    where = t("nearest known: %(km)s km (%(site)s)") % values
    if f.expected is None:
        size = t("the operator's number of sites is not known")
    elif f.lower_bound:
        size = t("the catalogue holds %(known)s of more than %(expected)s sites") % values
    else:
        size = t("the catalogue holds %(known)s of the %(expected)s sites the operator states") % values
    return t(
        "no known %(kind)s of %(network)s within %(reach)s km (%(where)s); %(size)s, so a closer one may exist"
    ) % {**values, "where": where, "size": size}


def facts_of(row: dict, kind: str, lookup: dict, reach_km: float) -> Facts:
    """The facts for one commune (``row``: its indicator record) and kind; ``lookup``: :func:`network_lookup`."""
    # no mutate: its mutant `or "XXXX"` only adds an id that no network has, which network_facts skips (equivalent)
    ids = [i for i in (row.get(f"networks_{kind}") or "").split(";") if i]  # pragma: no mutate
    names, known, expected, lower = network_facts(ids, lookup)
    km = row.get(f"nearest_km_{kind}")
    km = None if km is None or pd.isna(km) else float(km)
    return Facts(
        kind,
        row.get(f"status_{kind}") or "unknown",
        km,
        row.get(f"nearest_name_{kind}"),
        names,
        known,
        expected,
        lower,
        reach_km,
    )
