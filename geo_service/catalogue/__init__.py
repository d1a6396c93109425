"""Catalogue of initiatives, public service networks, their sites and service areas.

Built from the project's data files in ``data/catalogue`` (seed-document initiatives, public
networks, the networks' seed quotes, service areas) and the published records of the
nominations database (approved nominations and imported lists); validated on load. See
docs/catalogue.md for the model.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from ..errors import GeoServiceError, ValidationFailed
from ..names import record_name
from ..settings import PROJECT_DATA
from ..store.published import Published
from . import freshness
from .areas import named_sets, resolve_area
from .changes import apply_site_changes
from .dates import confirmed_on
from .placenames import PlaceResolver
from .schema import schema_errors
from .sites import SITE_DEFAULTS, SitePlacer, placer_for, site_names, slug, texts_by_language, to_frame
from .vocab import KINDS, TARGET_GROUPS, THEMES

CATALOGUE_DIR = PROJECT_DATA / "catalogue"
log = logging.getLogger(__name__)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["Catalogue", "load_catalogue", "read_records", "KINDS", "THEMES", "TARGET_GROUPS"]


@dataclass
class Catalogue:
    """``harvests``: the register harvests applied (``Published.harvests``); ``changes``: every
    published change, oldest first (initiatives added by nominations and imports, site changes of
    harvests and corrections), each with the communes it touched: the change feed and the
    communes' history."""

    initiatives: pd.DataFrame
    sites: pd.DataFrame
    service_areas: pd.DataFrame
    areas: pd.DataFrame
    resolver: PlaceResolver = field(repr=False, default=None)
    harvests: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    as_of: dt.date | None = None  # the day the date rules were applied (catalogue.freshness)

    def sites_of(self, initiative_id: str):
        return self.sites[self.sites["initiative_id"] == initiative_id]


@lru_cache(maxsize=32)
def _read_yaml(path: str, mtime: float):
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader) or []


def read_yaml(path: Path):
    return _read_yaml(str(path), os.stat(path).st_mtime)


def imports_dir(settings) -> Path | None:
    """Where imports were written as YAML before they went to the database. Never read as part of
    the catalogue: files found there are moved into the database once, at start
    (``geo_service.nominations.init_store``)."""
    return settings.instance_path / "imports" if settings is not None else None


def read_records(settings=None) -> list[dict]:
    """Every initiative record of the project's data files, with its origin. Imported lists live
    in the nominations database and reach the catalogue with the published records
    (``load_catalogue(extra_records=...)``); ``settings`` is accepted for old callers."""
    records = [dict(r, origin="seed") for r in read_yaml(CATALOGUE_DIR / "initiatives.yaml")]
    seed_sources = read_yaml(CATALOGUE_DIR / "network_seed_sources.yaml") or {}
    for record in read_yaml(CATALOGUE_DIR / "networks.yaml"):
        record = dict(record, origin="network")
        record["sources"] = list(record["sources"]) + list(seed_sources.get(record["id"], []))
        records.append(record)
    return records


# The note of every generated CPAS/OCMW/ÖSHZ site, in each language.
PER_COMMUNE_NOTE = {
    "en": "one per commune (by law)",
    "fr": "un par commune (en vertu de la loi)",
    "nl": "één per gemeente (bij wet)",
    "de": "eines pro Gemeinde (gesetzlich vorgeschrieben)",
}
# What every generated per-commune service area is based on, in each language.
PER_COMMUNE_BASIS = {
    "en": "Each commune is served by its own public centre for social welfare (organic law of 8 July 1976).",
    "fr": "Chaque commune est desservie par son propre centre public d'action sociale (loi organique du 8 juillet 1976).",
    "nl": "Elke gemeente wordt bediend door haar eigen openbaar centrum voor maatschappelijk welzijn "
    "(organieke wet van 8 juli 1976).",
    "de": "Jede Gemeinde wird von ihrem eigenen öffentlichen Sozialhilfezentrum bedient (Grundlagengesetz vom 8. Juli 1976).",
}
PER_COMMUNE_AREA = {"en": "its commune", "fr": "sa commune", "nl": "de eigen gemeente", "de": "seine Gemeinde"}


def _site_rows(record: dict, placer: SitePlacer, errors: list[dict]) -> list[dict]:
    rows = []
    base = {
        "initiative_id": record["id"],
        "kind": record["kind"],
        "themes": list(record.get("themes") or []),
        "target_groups": list(record.get("target_groups") or []),
    }
    if record.get("generated_sites") == "per_commune":
        # a site the sources locate (e.g. a Brussels CPAS's main address) replaces its commune's generated one
        explicit = _site_rows(dict(record, generated_sites=None), placer, errors) if record.get("sites") else []
        located = {row["nis"] for row in explicit}
        rows.extend(explicit)
        own = record.get("names") or {}
        for nis, point in placer.rep_points.items():
            if nis in located:
                continue
            commune = placer.commune_names[nis]
            rows.append(
                dict(
                    base,
                    id=f"{record['id']}-{nis}",
                    name=f"{record['name']} – {placer.resolver.label(nis)}",
                    names={
                        lang: f"{record_name(own, record['name'], lang)} – {commune[lang]}"
                        for lang in ("fr", "nl", "en", "de")
                    },
                    address=None,
                    postcode=None,
                    place=placer.resolver.label(nis),
                    nis=nis,
                    precision="commune",
                    status=record["status"],
                    note=PER_COMMUNE_NOTE["en"],
                    notes=PER_COMMUNE_NOTE,
                    sources=record["sources"],
                    geometry=point,
                    **SITE_DEFAULTS,
                )
            )
        return rows
    specs = list(record.get("sites") or []) + list(record.get("places") or [])
    seen: dict[str, int] = {}
    for position, spec in enumerate(specs):
        site_id = spec.get("id")
        if not site_id:
            stem = f"{record['id']}-{slug(spec['place'])}"
            seen[stem] = seen.get(stem, 0) + 1
            site_id = stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"
        try:
            nis, point, precision = placer.place(spec)
        except GeoServiceError as exc:
            key = "sites" if position < len(record.get("sites") or []) else "places"
            index = position if key == "sites" else position - len(record.get("sites") or [])
            errors.append({"record": record["id"], "field": f"{key}[{index}].place", "reason": exc.message})
            continue
        rows.append(
            dict(
                base,
                id=site_id,
                name=spec.get("name") or record["name"],
                names=site_names(spec, record),
                address=spec.get("address"),
                postcode=spec.get("postcode"),
                place=spec["place"],
                nis=nis,
                precision=precision,
                status=spec.get("status") or record["status"],
                note=spec.get("note"),
                notes=texts_by_language(spec.get("notes"), spec.get("note")),
                sources=spec.get("sources") or record["sources"],
                geometry=point,
                **{key: spec.get(key, default) for key, default in SITE_DEFAULTS.items()},
            )
        )
    return rows


INITIATIVE_COLUMNS = [
    "name",
    "names",
    "kind",
    "operator",
    "operators",
    "description",
    "descriptions",
    "themes",
    "target_groups",
    "scope",
    "start_year",
    "figures",
    "website",
    "status",
    "sources",
    "origin",
]


def build_catalogue(
    records: list[dict], area_definitions: list[dict], boundaries, site_changes=()
) -> tuple[Catalogue, list[dict]]:
    """Validate and join everything, then apply the store's ``site_changes``; returns the catalogue
    (its ``changes``: the site changes that applied) and the list of problems found."""
    errors: list[dict] = []
    placer = placer_for(boundaries)
    resolver = placer.resolver
    seen_ids: set[str] = set()
    kept, site_rows = [], []
    for record in records:
        rid = record.get("id", "(no id)")
        problems = schema_errors(record)
        if rid in seen_ids:
            problems.append({"field": "id", "reason": f"duplicate id '{rid}'"})
        seen_ids.add(rid)
        if problems:
            errors.extend({"record": rid, **p} for p in problems)
            continue
        kept.append(record)
        site_rows.extend(_site_rows(record, placer, errors))
    site_rows, applied, _skipped = apply_site_changes(site_rows, list(site_changes), {r["id"]: r for r in kept}, placer)

    duplicate_sites = pd.Series([r["id"] for r in site_rows]).duplicated()
    for row, dup in zip(site_rows, duplicate_sites):
        if dup:
            errors.append(
                {"record": row["initiative_id"], "field": "sites.id", "reason": f"duplicate site id '{row['id']}'"}
            )
    sites = to_frame([r for r, dup in zip(site_rows, duplicate_sites) if not dup], boundaries)

    initiatives = pd.DataFrame([{"id": r["id"], **{c: r.get(c) for c in INITIATIVE_COLUMNS}} for r in kept]).set_index(
        "id"
    )
    initiatives["start_year"] = initiatives["start_year"].astype("Int64")
    initiatives["figures"] = [f or [] for f in initiatives["figures"]]
    initiatives["names"] = [n or {} for n in initiatives["names"]]
    # from the records, not the frame: a record without an operator is NaN there, and NaN is no text
    initiatives["operators"] = [texts_by_language(r.get("operators"), r.get("operator")) for r in kept]
    initiatives["descriptions"] = [texts_by_language(r.get("descriptions"), r.get("description")) for r in kept]
    counts = sites.groupby("initiative_id").agg(site_count=("nis", "size"), commune_count=("nis", "nunique"))
    initiatives = initiatives.join(counts)
    initiatives[["site_count", "commune_count"]] = initiatives[["site_count", "commune_count"]].fillna(0).astype(int)

    service_rows, area_rows = [], []
    sets = named_sets()
    for definition in area_definitions:
        problems = schema_errors(definition, "service_area")
        if not problems and definition["initiative"] not in initiatives.index:
            problems = [{"field": "initiative", "reason": f"unknown initiative '{definition['initiative']}'"}]
        if problems:
            errors.extend({"record": definition.get("id", "(no id)"), **p} for p in problems)
            continue
        try:
            members = resolve_area(definition, boundaries.communes, sets)
        except ValueError as exc:
            errors.append({"record": definition["id"], "field": "include", "reason": str(exc)})
            continue
        area_rows.append(
            {
                "area_id": definition["id"],
                "initiative_id": definition["initiative"],
                "name": definition["name"],
                "names": texts_by_language(definition.get("names"), definition["name"]),
                "basis": definition["basis"],
                "bases": texts_by_language(definition.get("bases"), definition["basis"]),
                "sources": definition["sources"],
                "commune_count": len(members),
            }
        )
        service_rows.extend(
            {"area_id": definition["id"], "initiative_id": definition["initiative"], "site_id": None, "nis": nis}
            for nis in sorted(members)
        )
    per_commune = {r["id"] for r in kept if r.get("generated_sites") == "per_commune"}
    generated = sites[sites["initiative_id"].isin(per_commune)]
    sources = initiatives["sources"].to_dict()
    for site_id, initiative_id, name, names, nis in zip(
        generated.index, generated["initiative_id"], generated["name"], generated["names"], generated["nis"]
    ):
        area_id = f"{site_id}-area"
        area_rows.append(
            {
                "area_id": area_id,
                "initiative_id": initiative_id,
                "name": f"{name} (its commune)",
                "names": {
                    lang: f"{text} ({PER_COMMUNE_AREA[lang]})"
                    for lang, text in names.items()
                    if lang in PER_COMMUNE_AREA
                },
                "basis": PER_COMMUNE_BASIS["en"],
                "bases": PER_COMMUNE_BASIS,
                "sources": sources[initiative_id],
                "commune_count": 1,
            }
        )
        service_rows.append({"area_id": area_id, "initiative_id": initiative_id, "site_id": site_id, "nis": nis})
    service_areas = pd.DataFrame(service_rows, columns=["area_id", "initiative_id", "site_id", "nis"])
    areas = pd.DataFrame(
        area_rows, columns=["area_id", "initiative_id", "name", "names", "basis", "bases", "sources", "commune_count"]
    ).set_index("area_id")
    catalogue = Catalogue(
        initiatives=initiatives,
        sites=sites,
        service_areas=service_areas,
        areas=areas,
        resolver=resolver,
        changes=applied,
    )
    return catalogue, errors


def apply_dates(catalogue: Catalogue, today: dt.date, register_entries: list[dict] | None = None) -> Catalogue:
    """The catalogue with the date rules of ``today`` applied to its sites (catalogue.freshness):
    ``last_confirmed`` derived where not given, expired temporary sites, stale sites to be
    confirmed, each network's freshness window from the register (``register_entries``, default
    data/catalogue/network_register.yaml). The last step of loading, after the site changes."""
    from .register import read_register

    entries = read_register() if register_entries is None else register_entries
    harvested = {h.get("network") for h in getattr(catalogue, "harvests", None) or []}
    rules = freshness.rules_by_initiative(entries, catalogue.initiatives["kind"], harvested)
    sites = freshness.apply(with_confirmation(catalogue.sites), rules, today)
    return dataclasses.replace(catalogue, sites=sites, as_of=today)


def with_confirmation(sites: pd.DataFrame) -> pd.DataFrame:
    """``sites`` with every date column, and ``last_confirmed`` where no file, harvest or correction
    gives one derived from the site's sources (:func:`dates.confirmed_on`: never guessed)."""
    out = sites.copy()
    for column in freshness.DATE_COLUMNS:
        if column not in out:
            out[column] = None
    if len(out):
        given = out["last_confirmed"].astype(object)
        sources = out["sources"] if "sources" in out else [None] * len(out)
        out["last_confirmed"] = [
            value if isinstance(value, str) and value else confirmed_on(listed) for value, listed in zip(given, sources)
        ]
    return out


def load_catalogue(
    boundaries, extra_records=(), settings=None, published: Published | None = None, today: dt.date | None = None
) -> Catalogue:
    """The validated catalogue with what the store publishes (``published``; ``extra_records``
    alone stands for ``Published(records=extra_records)``), with the date rules of ``today``
    (default: the current date) applied last (:func:`apply_dates`). A problem in the project's own
    files is an error; a published nomination or imported record that no longer validates, or a
    site change that no longer applies, is left out and logged, so one bad record cannot take the
    service down."""
    published = published or Published(records=list(extra_records))
    records = read_records(settings)
    extras = [dict(r, origin=r.get("origin", "nomination")) for r in published.records]
    areas = read_yaml(CATALOGUE_DIR / "service_areas.yaml")
    changes = published.site_changes
    catalogue, errors = build_catalogue(records + extras, areas, boundaries, changes)
    extra_ids = {r.get("id") for r in extras}
    skipped = {e["record"] for e in errors if e["record"] in extra_ids}
    if skipped:
        log.warning(
            "published nominations left out of the catalogue: %s",
            sorted(skipped),
            extra={"problems": [e for e in errors if e["record"] in skipped]},
        )
        kept = [r for r in extras if r.get("id") not in skipped]
        catalogue, errors = build_catalogue(records + kept, areas, boundaries, changes)
    if errors:
        listing = "; ".join(f"{e['record']}: {e['field']}: {e['reason']}" for e in errors[:10])
        raise ValidationFailed(f"The catalogue has {len(errors)} problem(s): {listing}", errors=errors)
    catalogue.harvests = list(published.harvests)
    catalogue.changes = change_log(catalogue, published.log)
    return apply_dates(catalogue, today or dt.date.today())


def change_log(catalogue: Catalogue, published_log: list[dict]) -> list[dict]:
    """Every published change, oldest first: the initiatives nominations and imports added (with
    the communes of their sites) and the site changes that applied (``catalogue.changes`` as
    :func:`build_catalogue` left it)."""
    sites = catalogue.sites
    communes = sites.groupby("initiative_id")["nis"].agg(lambda s: list(dict.fromkeys(s))) if len(sites) else {}
    added = []
    for entry in published_log:
        initiative = entry["initiative"]
        if initiative not in catalogue.initiatives.index:
            continue  # left out of the catalogue (logged when it was)
        added.append(
            {
                **entry,
                "at": (entry.get("at") or "")[:10] or None,
                "name": catalogue.initiatives.at[initiative, "name"],
                "communes": list(communes.get(initiative, [])),
                "source": None,
                "reason": None,
            }
        )
    return sorted(added + catalogue.changes, key=lambda c: c.get("at") or "")
