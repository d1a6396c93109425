"""Coverage map: communes coloured by how many initiatives are present (or mandated), as a count
or per inhabitant, for a chosen kind, theme and target group; sites as clustered markers.

The counts reuse the indicator definitions (``indicators.coverage.commune_coverage``) on the
filtered catalogue, so with no filter they equal ``initiatives_present`` / ``initiatives_mandated``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from ..errors import InvalidParameter
from ..indicators.coverage import commune_coverage, per, smoothed_rate
from .base import (
    Classes,
    add_site_clusters,
    choropleth,
    classify,
    colour_of,
    identity,
    site_rows,
    text,
    with_properties,
)
from .folium_map import add_online_basemap, offline_map, render_fragments
from .labels import GROUP_LABELS, KIND_LABELS, THEME_LABELS
from .view import MapView

MEASURES = ("present", "mandated", "sites")
RATES = ("count", "per_10k", "per_1k_foreign")
EXCLUDED_STATUS = ("closed",)


@dataclass(frozen=True)
class CoverageQuery:
    """What the coverage map shows; every field is validated so it can key a cache."""

    measure: str = "present"
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
        problems = [
            f"{name}={value!r} is not one of: {', '.join(allowed[name])}"
            for name, value in values.items()
            if value and value not in allowed[name]
        ]
        if problems:
            raise InvalidParameter("; ".join(problems), allowed={k: list(v) for k, v in allowed.items()})
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


def coverage_values(
    communes: pd.DataFrame, catalogue, foreign_residents: pd.Series | None, query: CoverageQuery
) -> tuple[pd.Series, pd.Series]:
    """(value, suppressed) per commune (index = NIS) for ``query``. Rates are empirical-Bayes
    smoothed toward the province (``indicators.coverage.smoothed_rate``) except where the count is
    0 (none is a fact), and suppressed (NaN, flagged) where the denominator is below
    ``SMALL_DENOMINATOR``. NaN too where a rate has no denominator."""
    sites, areas, kinds = filtered(catalogue, query, len(communes))
    counts = commune_coverage(communes.index, sites, areas, kinds, (), ())
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


def describe(query: CoverageQuery, t: Callable[[str], str]) -> str:
    measure = {
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


def coverage_map(
    communes: pd.DataFrame,
    collection: dict,
    names: Mapping[str, str],
    catalogue,
    foreign_residents: pd.Series | None,
    query: CoverageQuery,
    asset_urls: Mapping[str, str],
    vocab: Mapping[str, Mapping[str, str]],
    commune_url: Callable[[str], str],
    initiative_url: Callable[[str], str],
    t: Callable[[str], str] = identity,
) -> MapView:
    """The coverage map for ``query``; ``collection`` is the commune geometry (see
    ``base.geometry_collection``) and ``names`` the commune names in the page language."""
    values, small = coverage_values(communes, catalogue, foreign_residents, query)
    fmt = "{:.0f}" if query.rate == "count" else "{:.2f}"
    missing = t("no data, or too few residents for a stable rate") if query.rate != "count" else t("no data")
    classes: Classes = classify(values, k=5, t=t, fmt=fmt, method="quantiles", missing_label=missing)
    title = describe(query, t)

    def shown(nis) -> str:
        if small[nis]:
            return t("too few residents for a stable rate")
        return t("no data") if pd.isna(values[nis]) else fmt.format(values[nis])

    props = {nis: {"name": text(names[nis]), "value": text(shown(nis))} for nis in communes.index}
    fill = {nis: colour_of(classes, nis) for nis in communes.index}
    fmap = offline_map(asset_urls)
    add_online_basemap(fmap)
    choropleth(
        fmap,
        with_properties(collection, props),
        fill,
        t("Communes"),
        ["name", "value"],
        [t("Commune"), title],
        page_url=commune_url("00000"),
        page_label=t("Page of the commune"),
    )
    sites, _, _ = filtered(catalogue, query, len(communes))
    rows = site_rows(
        sites, t, "", vocab["kinds"], vocab["themes"], vocab["groups"], vocab["precisions"], names, initiative_url
    )
    add_site_clusters(fmap, rows, asset_urls, t("Sites"))
    import folium

    folium.LayerControl(collapsed=False).add_to(fmap)
    table = [{"nis": nis, "name": names[nis], "value": shown(nis), "raw": values[nis]} for nis in communes.index]
    table.sort(key=lambda r: (pd.isna(r["raw"]), -(r["raw"] if not pd.isna(r["raw"]) else 0), r["name"]))
    known = values.dropna()
    largest = (
        max(classes.legend, key=lambda row: row["count"] if not row.get("missing") else -1) if classes.legend else None
    )
    everywhere = universal(catalogue, len(communes))
    left_out = [] if query.kind else list(catalogue.initiatives.loc[everywhere, "name"])
    summary = {
        "title": title,
        "sites": len(rows),
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
    return MapView(render_fragments(fmap), classes.legend, table, summary)
