"""Coverage map: communes coloured by how many initiatives are present (or mandated), as a count
or per inhabitant, for a chosen kind, theme and target group; sites as clustered markers.

The counts reuse the indicator definitions (``indicators.coverage.commune_coverage``) on the
filtered catalogue, so with no filter they equal ``initiatives_present`` / ``initiatives_mandated``.
The default measure, ``reach``, counts the initiatives with a site within the indicators' reach
(15 km, straight line from the commune's point on surface, as ``nearest_km_*``): presence in the
commune itself leaves most small communes at 0, within reach tells them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson
import pandas as pd

from .. import formatting
from ..errors import InvalidParameter
from ..indicators.coverage import commune_coverage, per, smoothed_rate
from .base import Classes, classify, colour_of, identity
from .labels import GROUP_LABELS, KIND_LABELS, THEME_LABELS
from .palette import SEQUENTIAL
from .view import Column, Layer, MapView, Row

MEASURES = ("reach", "present", "mandated", "sites")
RATES = ("count", "per_10k", "per_1k_foreign")
EXCLUDED_STATUS = ("closed",)


@dataclass(frozen=True)
class CoverageQuery:
    """What the coverage map shows; every field is validated so it can key a cache."""

    measure: str = "reach"
    rate: str = "count"
    kind: str = ""
    theme: str = ""
    target: str = ""

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> CoverageQuery:
        values = {name: (args.get(name) or "").strip() for name in ("measure", "rate", "kind", "theme", "target")}
        allowed = {
            "measure": MEASURES,
            "rate": RATES,
            "kind": KIND_LABELS,
            "theme": THEME_LABELS,
            "target": GROUP_LABELS,
        }
        wrong = [name for name, value in values.items() if value and value not in allowed[name]]
        if wrong:
            raise InvalidParameter(
                "; ".join(f"{name}={values[name]!r} is not one of: {', '.join(allowed[name])}" for name in wrong),
                allowed={k: list(v) for k, v in allowed.items()},
                parameter=wrong[0],
            )
        return cls(**{k: v for k, v in values.items() if v})

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v and v != getattr(CoverageQuery, k)}


def universal(catalogue, n_communes: int) -> pd.Index:
    """Initiatives present in every commune (by law: the CPAS/OCMW): counting them everywhere
    would lift every commune by one and hide the differences, so the map leaves them out unless
    their kind is chosen."""
    initiatives = catalogue.initiatives
    return initiatives.index[initiatives["commune_count"] >= n_communes] if n_communes else initiatives.index[:0]


def filtered(catalogue, query: CoverageQuery, n_communes: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(sites, service areas, initiative kinds) of the initiatives matching the filters; the
    initiatives present in every commune only when their kind is chosen."""
    initiatives = catalogue.initiatives
    keep = ~initiatives["status"].isin(EXCLUDED_STATUS)
    everywhere = universal(catalogue, n_communes)
    keep &= ~initiatives.index.isin(everywhere) | (initiatives["kind"] == query.kind)
    if query.kind:
        keep &= initiatives["kind"] == query.kind
    if query.theme:
        keep &= initiatives["themes"].map(lambda v: query.theme in (v or []))
    if query.target:
        keep &= initiatives["target_groups"].map(lambda v: query.target in (v or []))
    chosen = initiatives[keep]
    sites = catalogue.sites
    sites = sites[sites["initiative_id"].isin(chosen.index) & ~sites["status"].isin(EXCLUDED_STATUS)]
    areas = catalogue.service_areas
    areas = areas[areas["initiative_id"].isin(chosen.index)]
    return sites, areas, chosen["kind"]


# Below these denominators a rate is not shown (suppressed, flagged): one initiative among 3 foreign
# residents would read as 333 per 1,000 and top the country by chance.
SMALL_DENOMINATOR = {"per_10k": 1_000, "per_1k_foreign": 100}


def population_column(communes: pd.DataFrame) -> str:
    return "pop_2025_total" if "pop_2025_total" in communes else "pop_2020_total"


def reach_counts(communes, sites: pd.DataFrame, initiative_ids: pd.Series, radius_km: float) -> pd.Series:
    """Distinct initiatives with a site within ``radius_km`` of each commune's point on surface
    (Belgian Lambert 72, straight line), 0 where none."""
    from scipy.spatial import cKDTree

    counts = pd.Series(0, index=communes.index, dtype="int64")
    if not len(sites) or not len(communes):
        return counts
    lambert = 31370
    areas = communes if communes.crs is None or communes.crs.to_epsg() == lambert else communes.to_crs(lambert)
    points = areas.geometry.representative_point()
    placed = sites if sites.crs is None or sites.crs.to_epsg() == lambert else sites.to_crs(lambert)
    tree = cKDTree([(p.x, p.y) for p in placed.geometry])
    owners = initiative_ids.to_numpy()
    hits = tree.query_ball_point([(p.x, p.y) for p in points], r=radius_km * 1000.0)
    counts[:] = [len({owners[i] for i in found}) for found in hits]
    return counts


def coverage_values(
    communes: pd.DataFrame,
    catalogue,
    foreign_residents: pd.Series | None,
    query: CoverageQuery,
    reach_km: float = 15.0,
) -> tuple[pd.Series, pd.Series]:
    """(value, suppressed) per commune (index = NIS) for ``query``. Rates are empirical-Bayes
    smoothed toward the province (``indicators.coverage.smoothed_rate``) except where the count is
    0 (none is a fact), and suppressed (NaN, flagged) where the denominator is below
    ``SMALL_DENOMINATOR``. NaN too where a rate has no denominator."""
    sites, areas, kinds = filtered(catalogue, query, len(communes))
    counts = commune_coverage(communes.index, sites, areas, kinds, (), ())
    if query.measure == "reach":
        count = reach_counts(communes, sites, sites["initiative_id"], reach_km)
    else:
        column = {"present": "initiatives_present", "mandated": "initiatives_mandated", "sites": "sites_present"}
        count = counts[column[query.measure]]
    small = pd.Series(False, index=communes.index)
    if query.rate == "count":
        return count.astype(float), small
    if query.rate == "per_10k":
        denominator, scale = communes[population_column(communes)], 10_000
    elif foreign_residents is None:
        return pd.Series(float("nan"), index=communes.index), small
    else:
        denominator, scale = foreign_residents.reindex(communes.index), 1_000
    group = communes["province"] if "province" in communes else pd.Series("all", index=communes.index)
    rate = smoothed_rate(count, denominator, group, scale).where(count > 0, per(count, denominator, scale))
    small = denominator.notna() & (denominator > 0) & (denominator < SMALL_DENOMINATOR[query.rate])
    return rate.mask(small), small


def describe(query: CoverageQuery, t: Callable[[str], str], reach_km: float = 15.0) -> str:
    measure = {
        "reach": t("Initiatives with a site within %(km)s km") % {"km": f"{reach_km:g}"},
        "present": t("Initiatives with a site in the commune"),
        "mandated": t("Initiatives whose service area covers the commune"),
        "sites": t("Sites in the commune"),
    }[query.measure]
    rate = {
        "count": "",
        "per_10k": t("per 10,000 inhabitants (2025), smoothed"),
        "per_1k_foreign": t("per 1,000 foreign residents (2015), smoothed"),
    }[query.rate]
    return f"{measure} {rate}".strip()


def unit(query: CoverageQuery, t: Callable[[str], str]) -> dict[str, str]:
    """What a value of ``query`` counts, by plural category, written after the number in
    tooltips and popups: "6 initiatives", "2,31 initiatives per 10,000 inhabitants"."""
    if query.measure == "sites":
        noun = {"one": t("site"), "other": t("sites")}
    else:
        noun = {"one": t("initiative"), "other": t("initiatives")}
    per_what = {
        "count": "",
        "per_10k": t("per 10,000 inhabitants"),
        "per_1k_foreign": t("per 1,000 foreign residents"),
    }[query.rate]
    return {form: f"{word} {per_what}".strip() for form, word in noun.items()}


def source_label(source: Mapping) -> str:
    """A site's source as a reader in any language cites it: the publisher's name (without the
    register's English comment on it), a seed document's publisher and year, never a file name."""
    from ..catalogue import documents
    from .knowledge import publisher_name

    if source.get("seed") and not source.get("publisher"):
        doc = documents.document(source["seed"])
        if doc is None:
            return ""
        name = publisher_name(doc.publisher)
        return f"{name} ({doc.year})" if doc.year else name
    return publisher_name(source.get("publisher")) or str(source.get("url") or "")


def site_records(sites) -> dict:
    """Every site of the catalogue, for every language and view: ``sites`` rows are [lat, lon,
    kind, name, initiative id, NIS, precision, themes, target groups, source, site id], in the catalogue's
    order (a view lists the positions of the sites it shows); themes, target groups and source
    are positions in ``lists`` (shared by many sites: the document stays small).
    ``static/atlas-map.js`` labels them in the page's language."""
    lists: dict = {}

    def shared(value) -> int:
        key = orjson.dumps(value)
        if key not in lists:
            lists[key] = (len(lists), value)
        return lists[key][0]

    if len(sites) == 0:
        return {"lists": [], "sites": []}
    wgs = sites.to_crs(4326) if sites.crs is not None and sites.crs.to_epsg() != 4326 else sites
    rows = []
    for site_id, site in wgs.iterrows():
        sources = site.get("sources") or []
        source = "; ".join(dict.fromkeys(source_label(s) for s in sources if isinstance(s, Mapping)))
        rows.append(
            [
                round(site.geometry.y, 5),
                round(site.geometry.x, 5),
                site["kind"],
                str(site["name"]),
                str(site["initiative_id"]),
                str(site["nis"]),
                site["precision"],
                shared(list(site.get("themes") or [])),
                shared(list(site.get("target_groups") or [])),
                shared(source),
                str(site_id),  # the correction form's subject
            ]
        )
    return {"lists": [value for _, value in sorted(lists.values(), key=lambda item: item[0])], "sites": rows}


def coverage_map(
    communes: pd.DataFrame,
    names: Mapping[str, str],
    province_names: Mapping[str, str],
    catalogue,
    foreign_residents: pd.Series | None,
    query: CoverageQuery,
    t: Callable[[str], str] = identity,
    reach_km: float = 15.0,
    lang: str = "en",
) -> MapView:
    """The values of the coverage map for ``query``: one row per commune (name, NIS code,
    province, value) with its class colour, and the positions of the sites shown (see
    :func:`site_records`); ``names`` are the commune names, and numbers are written, in the
    page's language ``lang``."""
    values, small = coverage_values(communes, catalogue, foreign_residents, query, reach_km)
    digits = 0 if query.rate == "count" else 2

    def fmt(value) -> str:
        return formatting.number(value, lang, digits)

    missing = t("no data, or too few residents for a stable rate") if query.rate != "count" else t("no data")
    classes: Classes = classify(
        values, k=len(SEQUENTIAL), t=t, fmt=fmt, method="quantiles", missing_label=missing, palette=SEQUENTIAL
    )
    title = describe(query, t, reach_km)
    # each commune's value, flag and province read from plain dicts: 565 communes, each looked up
    # several times below (a pandas lookup each was a third of this function's time)
    value_of = dict(zip(values.index, values.to_numpy()))
    small_of = dict(zip(small.index, small.to_numpy()))
    provinces = communes["province"] if "province" in communes else pd.Series("", index=communes.index)
    province_of = dict(zip(provinces.index, provinces.to_numpy()))

    def shown(nis) -> str:
        if small_of[nis]:
            return t("too few residents for a stable rate")
        return t("no data") if pd.isna(value_of[nis]) else fmt(value_of[nis])

    order = sorted(
        communes.index, key=lambda n: (pd.isna(value_of[n]), -(0 if pd.isna(value_of[n]) else value_of[n]), names[n])
    )
    rows = {
        nis: Row(
            cells=[names[nis], province_names.get(province_of[nis], ""), shown(nis)],
            fill=None if pd.isna(value_of[nis]) else colour_of(classes, nis),
            numbers=[None, None, None if pd.isna(value_of[nis]) else float(value_of[nis])],
            group=province_of[nis] or None,
        )
        for nis in order
    }
    columns = [
        Column("name", t("Commune"), link=True),
        Column("province", t("Province"), tooltip=False),
        Column("value", title, numeric=True, unit=unit(query, t)),
    ]
    sites, _, _ = filtered(catalogue, query, len(communes))
    positions = catalogue.sites.index.get_indexer(sites.index)
    table = [{"nis": nis, "name": names[nis], "value": shown(nis), "raw": value_of[nis]} for nis in order]
    known = values.dropna()
    largest = (
        max(classes.legend, key=lambda row: row["count"] if not row.get("missing") else -1) if classes.legend else None
    )
    everywhere = universal(catalogue, len(communes))
    left_out = [] if query.kind else list(catalogue.initiatives.loc[everywhere, "name"])
    summary = {
        "title": title,
        "sites": len(sites),
        "initiatives": int(sites["initiative_id"].nunique()),
        "catalogue_initiatives": int(len(catalogue.initiatives)),
        "without_site": int((catalogue.initiatives["site_count"] == 0).sum()),
        "zero": int((values == 0).sum()),
        "missing": int(values.isna().sum()),
        "small": int(small.sum()),
        "kinds": sorted(set(sites["kind"])),
        "left_out": left_out,
        "dominant": (
            {"label": largest["label"], "count": largest["count"], "share": largest["count"] / len(known)}
            if largest and len(known) and largest["count"] > len(known) / 2
            else None
        ),
    }
    return MapView(
        classes.legend,
        table,
        summary,
        columns=columns,
        layers=[Layer("communes", t("Communes"), "communes", rows)],
        sites=[int(p) for p in positions if p >= 0],
    )
