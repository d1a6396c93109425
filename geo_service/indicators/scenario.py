"""Scenarios: "what if a site opened here, or that one closed?" (docs/scenarios.md).

A :class:`Scenario` is a short list of changes to the catalogue, held in a URL (``change=`` repeated):

- ``add:KIND@NIS``: a site of ``KIND`` at the representative point of commune ``NIS``;
- ``add:KIND@LAT,LON``: a site of ``KIND`` at a WGS84 point (inside Belgium);
- ``close:SITE``: the catalogue's site ``SITE`` closes;
- ``kind:SITE=KIND``: ``SITE`` becomes a site of ``KIND`` (it closes, and one of ``KIND`` opens at
  the same point);
- ``capacity:SITE=N``: ``SITE``'s capacity (the supply of the 2SFCA scores, 1 by default) becomes N.

A scenario never touches the catalogue: :class:`Planner` works on copies of the per-kind columns
of the indicators and recomputes only the kinds a change touches. For each such kind it keeps, per
snapshot, the distance matrix from every commune to the kind's sites and the competence mask
(:func:`status.competence`); an added site is one more column, a closed site one column less.

The rules are those of the full recompute (``indicators.tables.compute``), with one decision of
ours: **completeness is frozen**. An added site is hypothetical, so it does not count towards its
network's known sites (a partial network never becomes complete through a scenario), and a closed
site does not make a complete network partial. A commune's list is still complete only where a
site mandated for it remains (:func:`status.competence`): close the only CRI whose territory holds
a commune and the commune becomes ``unknown`` (no recorded mandate covers it), not ``gap``.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from ..catalogue.vocab import KINDS
from ..errors import InvalidParameter
from . import status as rules
from .access import fca
from .distances import distance_km, site_points
from .params import IndicatorParams

MAX_CHANGES = 10
NEW_SITE_PREFIX = "scenario-"
_SITE = r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}"
_NUMBER = r"-?\d{1,3}(?:\.\d{1,10})?"
PATTERNS = {
    "add_commune": re.compile(r"add:([a-z_]{1,40})@(\d{5})"),
    "add_point": re.compile(rf"add:([a-z_]{{1,40}})@({_NUMBER}),({_NUMBER})"),
    "close": re.compile(rf"close:({_SITE})"),
    "kind": re.compile(rf"kind:({_SITE})=([a-z_]{{1,40}})"),
    "capacity": re.compile(rf"capacity:({_SITE})=([1-9]\d{{0,3}})"),
}
SYNTAX = "add:KIND@NIS, add:KIND@LAT,LON, close:SITE, kind:SITE=KIND or capacity:SITE=NUMBER"


@dataclass(frozen=True)
class Change:
    """One change; ``op`` is ``add``, ``close``, ``kind`` or ``capacity``."""

    op: str
    kind: str | None = None  # add, kind: the (new) kind
    nis: str | None = None  # add at a commune
    lat: float | None = None  # add at a point (WGS84)
    lon: float | None = None
    site: str | None = None  # close, kind, capacity
    capacity: float | None = None

    @property
    def token(self) -> str:
        if self.op == "add":
            return f"add:{self.kind}@{self.nis}" if self.nis else f"add:{self.kind}@{self.lat:.5f},{self.lon:.5f}"
        if self.op == "close":
            return f"close:{self.site}"
        if self.op == "kind":
            return f"kind:{self.site}={self.kind}"
        return f"capacity:{self.site}={self.capacity:g}"


def parse_change(token: str) -> Change:
    """One change from its URL form; ValueError saying what is wrong."""
    if match := PATTERNS["add_commune"].fullmatch(token):
        return Change("add", kind=match[1], nis=match[2])
    if match := PATTERNS["add_point"].fullmatch(token):
        lat, lon = float(match[2]), float(match[3])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"{lat},{lon} is not a latitude,longitude")
        return Change("add", kind=match[1], lat=round(lat, 5), lon=round(lon, 5))
    if match := PATTERNS["close"].fullmatch(token):
        return Change("close", site=match[1])
    if match := PATTERNS["kind"].fullmatch(token):
        return Change("kind", site=match[1], kind=match[2])
    if match := PATTERNS["capacity"].fullmatch(token):
        return Change("capacity", site=match[1], capacity=float(match[2]))
    raise ValueError(f"not a change: use {SYNTAX} (a capacity is a whole number from 1 to 9999)")


def shown(text: str, limit: int = 80) -> str:
    """What an error message echoes of a value that was sent: at most ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _change_number(message: str) -> int:
    """Where a message of :meth:`Planner.parse` goes: "change N ..." after N-1, the others first."""
    match = re.match(r"change (\d+) ", message)
    return int(match[1]) if match else 0


def _fail(errors: list[str]) -> None:
    if errors:
        raise InvalidParameter("invalid scenario: " + "; ".join(errors), parameter="change", errors=errors)


@dataclass(frozen=True)
class Scenario:
    changes: tuple[Change, ...] = ()

    @classmethod
    def parse(cls, tokens) -> Scenario:
        """From the ``change`` values of a URL; InvalidParameter (400) with one message per bad change."""
        tokens = list(tokens)
        errors = []
        if len(tokens) > MAX_CHANGES:
            errors.append(f"too many changes: {len(tokens)}, at most {MAX_CHANGES}")
        changes = []
        for number, token in enumerate(tokens[:50], 1):
            try:
                changes.append(parse_change(token))
            except ValueError as exc:
                errors.append(f"change {number} ({shown(token)!r}): {exc}")
        _fail(errors)
        return cls(tuple(changes))

    @property
    def tokens(self) -> list[str]:
        return [c.token for c in self.changes]

    def query(self, **extra) -> str:
        """The URL query string of this scenario (plus ``extra`` parameters)."""
        return urlencode([*((k, v) for k, v in extra.items() if v is not None), *(("change", t) for t in self.tokens)])

    def plus(self, change: Change) -> Scenario:
        return Scenario((*self.changes, change))

    def without(self, position: int) -> Scenario:
        return Scenario(tuple(c for i, c in enumerate(self.changes) if i != position))

    def __len__(self) -> int:
        return len(self.changes)


@dataclass
class KindBase:
    """One kind's sites as the full recompute sees them: ids, labels, capacities, initiatives,
    distances (communes x sites, km) and the competence mask; ``trust``: every network serving
    the commune is complete (the site-independent part of :attr:`status.Competence.complete`)."""

    ids: np.ndarray
    labels: np.ndarray
    supply: np.ndarray
    distance: np.ndarray
    usable: np.ndarray
    trust: np.ndarray
    judged: np.ndarray | None = None  # communes the kind gives a status (else not_assessed)
    candidates: list[tuple[str, str]] | None = None
    candidate_usable: np.ndarray | None = None  # communes x candidates: where a site of each is competent
    candidate_own: np.ndarray | None = None  # communes x candidates: the candidate's network serves the commune


@dataclass
class NewSite:
    id: str
    kind: str
    nis: str
    xy: tuple[float, float]
    initiative: str | None
    network: str | None
    label: str
    usable: np.ndarray = field(repr=False, default=None)
    competent: bool = True  # False: no competent network has a mandate where it opens, it serves no one


@dataclass
class Result:
    """What a scenario changes: ``affected`` (one row per commune and kind that changes),
    ``summary`` per kind (status counts before/after, residents within reach gained and lost),
    ``columns`` (the after-state columns of each touched kind, for the maps), ``new_sites``."""

    scenario: Scenario
    affected: pd.DataFrame
    summary: dict
    columns: dict[str, dict[str, np.ndarray]]
    new_sites: list[NewSite]
    closed: list[str]
    changes: list[dict]


AFFECTED_COLUMNS = [
    "nis",
    "kind",
    "status_before",
    "status_after",
    "reach",
    "nearest_km_before",
    "nearest_km_after",
    "nearest_site_before",
    "nearest_site_after",
    "nearest_name_before",
    "nearest_name_after",
    "access_2sfca_before",
    "access_2sfca_after",
    "access_2sfca_change",
    "access_e2sfca_before",
    "access_e2sfca_after",
    "access_e2sfca_change",
    "pop_total",
    "foreign_residents",
]


COMPARED = ("status", "nearest_km", "nearest_site", "nearest_name", "access_2sfca", "access_e2sfca")


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise a != b, with missing values (None, NaN) equal to each other."""
    a_missing, b_missing = pd.isna(a), pd.isna(b)
    return (a_missing != b_missing) | (~a_missing & ~b_missing & (a != b))


def _params(indicators) -> IndicatorParams:
    import dataclasses

    names = {f.name for f in dataclasses.fields(IndicatorParams)}
    values = {k: v for k, v in (indicators.params or {}).items() if k in names}
    for key in ("e2sfca_steps",):
        if key in values:
            values[key] = tuple(tuple(step) for step in values[key])
    for key in ("desert_kinds", "support_kinds", "isolation_kinds", "excluded_status"):
        if key in values:
            values[key] = tuple(values[key])
    return IndicatorParams(**values)


class Planner:
    """Answers scenarios for one snapshot (build it once: ``snapshot.derived``). Never writes to
    ``catalogue`` or ``indicators``: every array it changes is a copy."""

    def __init__(self, communes, catalogue, indicators):
        from ..names import local_name
        from .tables import _active, _site_labels

        self.communes = communes  # boundaries (EPSG:31370), index nis
        self.indicators = indicators
        self.params = _params(indicators)
        self.index = indicators.communes.index
        self.points = indicators.points
        self.register = indicators.register
        sites, self.areas, _ = _active(catalogue, self.params.excluded_status)
        self.sites = sites
        self.all_sites = catalogue.sites
        name_columns = communes[["name_nl", "name_fr", "name_de", "region"]].astype(object)
        rows = name_columns.where(name_columns.notna(), None).to_dict("index")
        self.names = pd.Series({nis: local_name(row) for nis, row in rows.items()}, dtype=object)
        self.labels = pd.Series(_site_labels(sites, self.names), index=sites.index, dtype=object)
        self.xy = (
            pd.DataFrame(site_points(sites), index=sites.index, columns=["x", "y"])
            if len(sites)
            else pd.DataFrame(columns=["x", "y"], dtype=float)
        )
        table = indicators.communes
        self.demand = (
            (table["foreign_residents"] if self.params.demand == "foreign" else table["pop_total"])
            .fillna(0)
            .to_numpy(float)
        )
        self.kinds = tuple(indicators.params.get("kinds") or KINDS)
        self._bases: dict[str, KindBase] = {}
        self._before: dict[str, dict[str, np.ndarray]] = {}
        self.residents = table["pop_total"].to_numpy()
        self.foreign = table["foreign_residents"].to_numpy(float)
        self._lock = threading.Lock()
        self._transformer = None

    # --- per-kind state of the snapshot ---------------------------------------------------------

    def base(self, kind: str) -> KindBase:
        with self._lock:
            if kind not in self._bases:
                self._bases[kind] = self._build_base(kind)
            return self._bases[kind]

    def _build_base(self, kind: str) -> KindBase:
        sites = self.sites[self.sites["kind"] == kind]
        rule = rules.competence(kind, self.register, sites, len(self.index), self.areas, self.index)
        supply = (
            pd.to_numeric(sites["capacity"], errors="coerce").fillna(1.0).to_numpy()
            if "capacity" in sites
            else np.ones(len(sites))
        )
        candidates, candidate_usable, candidate_own = self._candidates(kind)
        return KindBase(
            ids=sites.index.to_numpy(),
            labels=self.labels.reindex(sites.index).to_numpy(),
            supply=supply,
            distance=distance_km(self.points, self.xy.loc[sites.index].to_numpy()),
            usable=rule.usable,
            trust=self._trust(kind),
            judged=rules.judged(kind, rule),
            candidates=candidates,
            candidate_usable=candidate_usable,
            candidate_own=candidate_own,
        )

    def _candidates(self, kind: str):
        """The (initiative, network) pairs an added site of ``kind`` may belong to, in register
        order, and where a site of each would be competent (one column each: it depends on the
        initiative alone, not on where the site is)."""
        networks = self.register.of_kind(kind) if self.register is not None else None
        if networks is None or len(networks) == 0:
            return None, None, None
        pairs = [(i, n) for n in networks.index for i in networks.at[n, "initiatives"]]
        frame = pd.DataFrame({"initiative_id": [i for i, _ in pairs]}, index=pd.RangeIndex(len(pairs)))
        usable = rules.competence(kind, self.register, frame, len(self.index), self.areas, self.index).usable
        area = self.register.communes[networks.index].to_numpy()
        own = np.array([area[:, networks.index.get_loc(n)] for _, n in pairs]).T.reshape(len(self.index), -1)
        return pairs, usable, own

    def _trust(self, kind: str) -> np.ndarray:
        networks = self.register.of_kind(kind) if self.register is not None else None
        if networks is None or len(networks) == 0:
            return np.zeros(len(self.index), dtype=bool)
        area = self.register.communes[networks.index].reindex(self.index).to_numpy()
        complete = (networks["status"] == "complete").to_numpy()
        return area.any(axis=1) & ~(area & ~complete).any(axis=1)

    # --- validation -----------------------------------------------------------------------------

    def to_wgs84(self, points) -> list[tuple[float, float]]:
        """(lat, lon) of EPSG:31370 points, rounded to 5 decimals (about 1 m)."""
        from pyproj import Transformer

        back = Transformer.from_crs("EPSG:31370", "EPSG:4326", always_xy=True)
        return [(round(lat, 5), round(lon, 5)) for lon, lat in (back.transform(x, y) for x, y in points)]

    def commune_at(self, lat: float, lon: float) -> tuple[str | None, tuple[float, float]]:
        """(nis of the commune holding the WGS84 point or None, its EPSG:31370 coordinates)."""
        import shapely
        from pyproj import Transformer

        if self._transformer is None:
            self._transformer = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
        x, y = self._transformer.transform(lon, lat)
        hits = self.communes.sindex.query(shapely.Point(x, y), predicate="intersects")
        return (str(self.communes.index[hits[0]]) if len(hits) else None), (float(x), float(y))

    def competent_initiative(self, kind: str, nis: str) -> tuple[str | None, str | None, np.ndarray | None]:
        """(initiative, network, usable column) an added site of ``kind`` in ``nis`` belongs to: the
        first competent network of the kind serving ``nis`` (register order) with an initiative
        whose mandate covers ``nis``; (None, None, None) when there is none. Without any network of
        the kind in the register, every site of the kind counts: (None, None, all True)."""
        base = self.base(kind)
        if base.candidates is None:
            return None, None, np.ones(len(self.index), dtype=bool)
        row = self.index.get_loc(nis)
        hits = np.flatnonzero(base.candidate_usable[row] & base.candidate_own[row])
        if not len(hits):
            return None, None, None
        initiative, network = base.candidates[hits[0]]
        return initiative, network, base.candidate_usable[:, hits[0]]

    def parse(self, tokens) -> Scenario:
        """The scenario of these URL values, every change checked (its form, then against the
        snapshot): InvalidParameter (400) with one message per bad change, in their order."""
        tokens = list(tokens)
        try:
            return Scenario.parse(tokens)
        except InvalidParameter as syntax:
            errors, good, numbers = [], [], []
            for number, token in enumerate(tokens[: MAX_CHANGES * 5], 1):
                try:
                    good.append(parse_change(token))
                    numbers.append(number)
                except ValueError:
                    pass
            try:
                self.resolve(Scenario(tuple(good)), numbers, limit=False)
            except InvalidParameter as checked:
                errors = checked.details["errors"]
            merged = sorted([*syntax.details["errors"], *errors], key=_change_number)
            _fail(merged)
            raise

    def resolve(self, scenario: Scenario, numbers=None, limit: bool = True):
        """Check every change against the snapshot: (new sites, closed site -> its kind, capacity
        per site, a description of each change). InvalidParameter with one message per bad change
        (``numbers``: their positions in the URL, when some were left out)."""
        errors, added, closed, capacity, described = [], [], {}, {}, []
        if limit and len(scenario) > MAX_CHANGES:
            errors.append(f"too many changes: {len(scenario)}, at most {MAX_CHANGES}")
        for number, change in zip(numbers or range(1, len(scenario) + 1), scenario.changes):
            where = f"change {number} ({shown(change.token)})"
            if change.kind is not None and change.kind not in self.kinds:
                errors.append(f"{where}: unknown kind {shown(change.kind)!r}: use one of {', '.join(self.kinds)}")
                continue
            if change.op == "add":
                if change.nis is not None:
                    if change.nis not in self.index:
                        errors.append(f"{where}: unknown commune {shown(change.nis)!r} (a 2025 NIS code)")
                        continue
                    nis, xy = change.nis, tuple(self.points[self.index.get_loc(change.nis)])
                else:
                    nis, xy = self.commune_at(change.lat, change.lon)
                    if nis is None:
                        errors.append(f"{where}: the point {change.lat},{change.lon} is outside Belgium")
                        continue
                site = self._new_site(f"{NEW_SITE_PREFIX}{number}", change.kind, nis, xy)
                added.append(site)
                described.append(
                    {
                        "change": change.token,
                        "op": "add",
                        "kind": change.kind,
                        "nis": nis,
                        "site": site.id,
                        "label": site.label,
                        "network": site.network,
                        "initiative": site.initiative,
                        "effect": "opens" if site.competent else "serves_no_one",
                    }
                )
                continue
            if change.site not in self.all_sites.index:
                errors.append(f"{where}: unknown site {shown(change.site)!r}")
                continue
            row = self.all_sites.loc[change.site]
            entry = {
                "change": change.token,
                "op": change.op,
                "kind": change.kind or row["kind"],
                "site": change.site,
                "nis": row["nis"],
                "label": self.labels.get(change.site, str(row["name"])),
                "from_kind": row["kind"],
            }
            described.append(entry)
            if change.site not in self.sites.index:
                entry["effect"] = "not_open"  # closed or not located in the catalogue: nothing to change
                continue
            if change.site in closed:
                entry["effect"] = "already_closed"  # by an earlier change of this scenario
                continue
            current = row["kind"]
            entry["effect"] = "changes"
            if change.op == "close":
                closed[change.site] = current
            elif change.op == "capacity":
                capacity[change.site] = change.capacity
                entry["capacity"] = change.capacity
            elif change.kind == current:
                entry["effect"] = "same_kind"
            else:  # kind: the site closes and one of the new kind opens at the same point
                site = self._new_site(
                    f"{NEW_SITE_PREFIX}{number}",
                    change.kind,
                    entry["nis"],
                    tuple(self.xy.loc[change.site]),
                    name=str(row["name"]),
                )
                closed[change.site] = current
                added.append(site)
                entry.update(
                    new_site=site.id,
                    network=site.network,
                    initiative=site.initiative,
                    effect="changes" if site.competent else "serves_no_one",
                )
        _fail(errors)
        return added, closed, capacity, described

    def _new_site(self, sid, kind, nis, xy, name: str | None = None) -> NewSite:
        """A site of ``kind`` at ``xy`` in ``nis``; where no competent network of the kind has a
        mandate covering ``nis`` it is competent nowhere (it serves no one: ``competent`` False)."""
        initiative, network, usable = self.competent_initiative(kind, nis)
        competent = usable is not None
        if not competent:
            usable = np.zeros(len(self.index), dtype=bool)
        label = f"{name or 'new site (scenario)'}, {self.names.get(nis)}"
        return NewSite(sid, kind, nis, (float(xy[0]), float(xy[1])), initiative, network, label, usable, competent)

    # --- the recompute --------------------------------------------------------------------------

    def kind_columns(self, kind: str, new_sites: list[NewSite], closed, capacity) -> dict[str, np.ndarray]:
        """The after-state columns of ``kind``: the snapshot's matrices, without closed sites'
        columns, with one column per new site (its distances and competence)."""
        base = self.base(kind)
        keep = ~np.isin(base.ids, list(closed))
        supply = base.supply.copy()
        for sid, value in capacity.items():
            supply[base.ids == sid] = value
        mine = [s for s in new_sites if s.kind == kind]
        new_xy = np.array([s.xy for s in mine]).reshape(-1, 2)
        distance = np.hstack([base.distance[:, keep], distance_km(self.points, new_xy).reshape(len(self.index), -1)])
        usable = np.hstack(
            [base.usable[:, keep], np.array([s.usable for s in mine], dtype=bool).reshape(-1, len(self.index)).T]
        )
        supply = np.concatenate([supply[keep], np.ones(len(mine))])
        ids = np.concatenate([base.ids[keep], np.array([s.id for s in mine], dtype=object)])
        labels = np.concatenate([base.labels[keep], np.array([s.label for s in mine], dtype=object)])
        cost = np.where(usable, distance, np.inf)
        km, position = rules.nearest(cost)
        has, pick = position >= 0, np.maximum(position, 0)
        complete = base.trust & usable.any(axis=1)
        p = self.params
        return {
            "nearest_km": np.round(km, 2),
            "nearest_site": np.where(has, ids[pick] if len(ids) else None, None),
            "nearest_name": np.where(has, labels[pick] if len(ids) else None, None),
            "access_2sfca": fca(self.demand, supply, cost, p.catchment_km) * 1e4,
            "access_e2sfca": fca(self.demand, supply, cost, p.catchment_km, p.e2sfca_steps) * 1e4,
            "network_complete": complete,
            "status": np.where(base.judged, rules.status(km, complete, p.desert_km), rules.NOT_ASSESSED).astype(object),
        }

    def apply(self, scenario: Scenario) -> Result:
        new_sites, closed, capacity, described = self.resolve(scenario)
        touched = list(
            dict.fromkeys(
                [*(s.kind for s in new_sites), *closed.values(), *(self.sites.at[s, "kind"] for s in capacity)]
            )
        )
        columns = {kind: self.kind_columns(kind, new_sites, closed, capacity) for kind in touched}
        frames, summary = [], {}
        for kind, after in columns.items():
            frame, summary[kind] = self._compare(kind, after)
            frames.append(frame)
        affected = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=AFFECTED_COLUMNS)
        return Result(scenario, affected[AFFECTED_COLUMNS], summary, columns, new_sites, list(closed), described)

    def before(self, kind: str) -> dict[str, np.ndarray]:
        """The snapshot's columns of ``kind`` (read from the indicator table once per kind)."""
        with self._lock:
            if kind not in self._before:
                table = self.indicators.communes
                columns = {name: table[f"{name}_{kind}"].to_numpy() for name in COMPARED}
                for name in ("nearest_km", "access_2sfca", "access_e2sfca"):
                    columns[name] = columns[name].astype(float)
                self._before[kind] = columns
            return self._before[kind]

    def _compare(self, kind: str, after: dict[str, np.ndarray]) -> tuple[pd.DataFrame, dict]:
        before, reach = self.before(kind), self.params.desert_km
        within_before = np.nan_to_num(before["nearest_km"], nan=np.inf) <= reach
        within_after = np.nan_to_num(after["nearest_km"].astype(float), nan=np.inf) <= reach
        changed = (
            (before["status"] != after["status"])
            | _differ(before["nearest_site"], after["nearest_site"])
            | ~np.isclose(np.nan_to_num(before["nearest_km"], nan=-1), np.nan_to_num(after["nearest_km"], nan=-1))
            | ~np.isclose(before["access_2sfca"], after["access_2sfca"], rtol=1e-9, atol=1e-12)
            | ~np.isclose(before["access_e2sfca"], after["access_e2sfca"], rtol=1e-9, atol=1e-12)
        )
        rows = np.flatnonzero(changed)
        gained, lost = within_after & ~within_before, within_before & ~within_after
        columns = {
            "nis": self.index.to_numpy()[rows],
            "kind": np.full(len(rows), kind, dtype=object),
            "status_before": before["status"][rows],
            "status_after": after["status"][rows],
            "reach": np.where(gained, "gained", np.where(lost, "lost", ""))[rows],
        }
        for name in ("nearest_km", "nearest_site", "nearest_name"):
            columns[f"{name}_before"], columns[f"{name}_after"] = before[name][rows], after[name][rows]
        for name in ("access_2sfca", "access_e2sfca"):
            columns[f"{name}_before"], columns[f"{name}_after"] = before[name][rows], after[name][rows]
            columns[f"{name}_change"] = after[name][rows] - before[name][rows]
        columns["pop_total"], columns["foreign_residents"] = self.residents[rows], self.foreign[rows]
        counts = {
            state: {s: int((values == s).sum()) for s in rules.STATUSES}
            for state, values in (("before", before["status"]), ("after", after["status"]))
        }
        moved = Counter(f"{a}→{b}" for a, b in zip(before["status"][rows], after["status"][rows]) if a != b)
        summary = {
            "counts": counts,
            "has_status": kind in self.params.desert_kinds,
            "transitions": dict(sorted(moved.items())),
            "communes_changed": int(len(rows)),
            "residents_gained": int(np.nansum(self.residents[gained])),
            "residents_lost": int(np.nansum(self.residents[lost])),
            "foreign_residents_gained": int(np.nansum(self.foreign[gained])),
            "foreign_residents_lost": int(np.nansum(self.foreign[lost])),
            "communes_gained": int(gained.sum()),
            "communes_lost": int(lost.sum()),
        }
        return pd.DataFrame(columns, columns=AFFECTED_COLUMNS), summary

    def unchanged_summary(self, kind: str) -> dict:
        """The summary of a kind no change touches: the snapshot's counts, nothing gained or lost."""
        return self._compare(kind, self.before(kind))[1]

    def communes_after(self, result: Result, kind: str) -> pd.DataFrame:
        """A copy of the indicator table with ``kind``'s columns as the scenario leaves them."""
        table = self.indicators.communes
        after = result.columns.get(kind)
        if after is None:
            return table
        table = table.copy()
        for name, values in after.items():
            table[f"{name}_{kind}"] = values
        return table


def result_json(result: Result, names=None) -> dict:
    """The JSON answer of the API: the scenario, each change as understood, per kind the summary,
    and one record per affected commune (NaN as null)."""
    records = result.affected.astype(object).where(result.affected.notna(), None).to_dict("records")
    for record in records:
        if names is not None:
            record["name"] = names.get(record["nis"])
        for key, value in record.items():
            if isinstance(value, np.generic):
                record[key] = value.item()
    return {
        "scenario": result.scenario.tokens,
        "changes": result.changes,
        "summary": result.summary,
        "communes": records,
    }


__all__ = ["Change", "MAX_CHANGES", "Planner", "Result", "Scenario", "parse_change", "result_json"]
