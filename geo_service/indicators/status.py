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

A kind's status depends on that kind's sites alone. Each status also says how current it is
(:func:`served_dates`, :func:`network_dates`): ``status_as_of_<kind>``, the oldest date that
decides it, and ``status_stale_<kind>``, true when that date is older than the network's
freshness window (catalogue.freshness). Some kinds judge no commune (``not_assessed``,
:data:`NOT_ASSESSED_REASONS`): reception centres, where people are assigned to live; bodies that
serve no resident; education and training outside a registered network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import formatting

STATUSES = ("served", "gap", "unknown")
NOT_ASSESSED = "not_assessed"
MANDATE_KINDS = ("public_employment_service", "civic_integration_office", "social_welfare", "reception_centre")
# kinds that judge no commune, and kinds judged only where a competent network is registered
UNJUDGED_KINDS = ("reception_centre", "coordination_body", "research_body", "funding_body")
REGISTERED_ONLY_KINDS = ("education_training",)
_NO_RESIDENT = (
    "Coordination, research and funding bodies serve no resident directly: they are shown and can be "
    "downloaded, but no commune is judged served or a gap for them."
)
NOT_ASSESSED_REASONS = {  # said once, in a legend or a collection's metadata, not on every commune
    "reception_centre": (
        "Reception centres are where asylum seekers are assigned to live, not a service residents travel to: no "
        "commune is judged served or a gap for them; each centre shows instead the support within its reach."
    ),
    "coordination_body": _NO_RESIDENT,
    "research_body": _NO_RESIDENT,
    "funding_body": _NO_RESIDENT,
    "education_training": (
        "Education and training are judged only where a competent network of providers is in the completeness "
        "register; elsewhere they are not assessed."
    ),
}

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


def judged(kind: str, rule: Competence) -> np.ndarray:
    """bool (communes): whether ``kind`` gives the commune a status at all (else ``not_assessed``)."""
    n = len(rule.networks)
    if kind in UNJUDGED_KINDS:
        return np.zeros(n, dtype=bool)
    if kind in REGISTERED_ONLY_KINDS:
        return np.array([bool(names) for names in rule.networks], dtype=bool)
    return np.ones(n, dtype=bool)


@dataclass(frozen=True)
class SiteDates:
    """Per site of one kind: ``last_confirmed`` as written, its first day as an ordinal (NaN when
    undated), whether it has lapsed (stale, and of a network that can lapse) and whether its
    network exists by law."""

    label: np.ndarray
    day: np.ndarray
    lapsed: np.ndarray
    by_law: np.ndarray

    def subset(self, mask: np.ndarray) -> SiteDates:
        return SiteDates(self.label[mask], self.day[mask], self.lapsed[mask], self.by_law[mask])

    @classmethod
    def of(cls, sites: pd.DataFrame) -> SiteDates:
        from ..catalogue.dates import first_day

        n = len(sites)
        label = np.asarray(sites["last_confirmed"] if "last_confirmed" in sites else [None] * n, dtype=object)
        days = [first_day(v) for v in label]
        day = np.array([d.toordinal() if d is not None else np.nan for d in days], dtype=float)
        stale = sites["stale"].to_numpy(bool) if "stale" in sites else np.zeros(n, dtype=bool)
        by_law = sites["exists_by_law"].to_numpy(bool) if "exists_by_law" in sites else np.zeros(n, dtype=bool)
        return cls(label, day, stale & ~by_law, by_law)


def served_dates(within: np.ndarray, dates: SiteDates) -> tuple[np.ndarray, np.ndarray]:
    """(as of, stale) per commune from the sites within reach (``within``: communes x sites).
    A served status is as current as the most recently confirmed site within reach, and stale
    when every one of them has lapsed; a site of a network that exists by law decides it without
    a date (the law is in force)."""
    n = within.shape[0]
    if within.shape[1] == 0:
        return np.full(n, None, dtype=object), np.zeros(n, dtype=bool)
    law = (within & dates.by_law[None, :]).any(axis=1)
    stale = ~(within & ~dates.lapsed[None, :]).any(axis=1) & ~law
    score = np.where(within, np.nan_to_num(dates.day, nan=-np.inf)[None, :], -np.inf)
    pick = score.argmax(axis=1)
    dated = np.isfinite(score[np.arange(n), pick])
    as_of = np.where(dated & ~law, dates.label[pick], None).astype(object)
    return as_of, stale


def network_dates(networks: list[tuple[str, ...]], register: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """(as of, stale) of a gap per commune: the oldest date the competent networks' completeness
    rests on (register ``confirmed``; None when one is undated) and whether any is stale."""
    from ..catalogue.dates import oldest

    confirmed, stale = {}, {}
    if register is not None and "confirmed" in register:
        confirmed = dict(zip(register.index, register["confirmed"]))
        stale = dict(zip(register.index, register["stale"].astype(bool)))
    as_of, out = [], []
    for ids in networks:
        values = [confirmed.get(i) for i in ids]
        as_of.append(oldest(values) if ids and all(v is not None for v in values) else None)
        out.append(any(stale.get(i, False) for i in ids))
    return np.array(as_of, dtype=object), np.array(out, dtype=bool)


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
    as_of: str | None = None  # the oldest date that decides the status (ISO, as precise as its source)
    stale: bool = False  # that date is older than the network's freshness window, or undated


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


def explain(
    f: Facts, t: Callable[[str], str] = lambda s: s, kind_label: str | None = None, lang: str | None = None
) -> str:
    """One sentence, in the language of ``t`` (a gettext) with numbers and dates written as
    ``lang`` writes them, saying why the commune has its status and, for a served commune or a
    gap, as of when (:func:`currency`)."""
    if f.status == NOT_ASSESSED:
        return t(NOT_ASSESSED_REASONS.get(f.kind, "This kind of service is not assessed for communes."))
    reason = _reason(f, t, kind_label, lang)
    return reason + currency(f, t, lang) if f.status in ("served", "gap") else reason


def currency(f: Facts, t: Callable[[str], str] = lambda s: s, lang: str | None = None) -> str:
    """How current a served or gap status is, as a clause that ends its explanation: the date it
    rests on, or why it is to be confirmed; nothing when the law decides it (the CPAS/OCMW)."""
    if f.stale and f.as_of:
        return t("; this rests on a source of %(date)s, older than the network's freshness window: to be confirmed") % {
            "date": formatting.date(f.as_of, lang)
        }
    if f.stale:
        return t("; no source dates what this rests on: to be confirmed")
    return t("; as of %(date)s") % {"date": formatting.date(f.as_of, lang)} if f.as_of else ""


def _reason(f: Facts, t: Callable[[str], str], kind_label: str | None, lang: str | None = None) -> str:
    noun = kind_label or t(KIND_NOUNS.get(f.kind, f.kind.replace("_", " ")))
    values = {
        "kind": noun,
        "km": "" if f.nearest_km is None else formatting.number(f.nearest_km, lang, 1),
        "site": f.nearest_label or "",
        "reach": formatting.number(f.reach_km, lang, 0 if float(f.reach_km).is_integer() else 1),
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
    elif not f.lower_bound and f.known is not None and f.known > f.expected:
        size = (
            t(
                "the catalogue holds %(known)s sites, more than the %(expected)s the operator states, so that "
                "statement is out of date or counts something else"
            )
            % values
        )
    elif f.lower_bound:
        size = t("the catalogue holds %(known)s of more than %(expected)s sites") % values
    else:
        size = t("the catalogue holds %(known)s of the %(expected)s sites the operator states") % values
    return t(
        "no known %(kind)s of %(network)s within %(reach)s km (%(where)s); %(size)s, so a closer one may exist"
    ) % {**values, "where": where, "size": size}


# the indicator columns of one kind that facts_of reads (``status_<kind>``, ...)
FACT_FIELDS = ("status", "nearest_km", "nearest_name", "networks", "status_as_of", "status_stale")


def fact_columns(kind: str) -> list[str]:
    """The columns of the communes' indicator table that :func:`facts_of` reads for ``kind``."""
    return [f"{field}_{kind}" for field in FACT_FIELDS]


def facts_of(row: dict, kind: str, lookup: dict, reach_km: float) -> Facts:
    """The facts for one commune (``row``: its indicator record) and kind; ``lookup``: :func:`network_lookup`."""
    # no mutate: its mutant `or "XXXX"` only adds an id that no network has, which network_facts skips (equivalent)
    ids = [i for i in (row.get(f"networks_{kind}") or "").split(";") if i]  # pragma: no mutate
    names, known, expected, lower = network_facts(ids, lookup)
    km = row.get(f"nearest_km_{kind}")
    km = None if km is None or pd.isna(km) else float(km)
    as_of = row.get(f"status_as_of_{kind}")
    stale = row.get(f"status_stale_{kind}")
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
        as_of if isinstance(as_of, str) and as_of else None,
        bool(stale) if isinstance(stale, bool | np.bool_) else False,  # a missing value (NaN) is not "stale"
    )
