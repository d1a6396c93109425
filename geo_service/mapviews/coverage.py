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
from ..indicators.coverage import commune_coverage, per
from .base import Classes, MapFragments, add_online_basemap, add_site_clusters, choropleth, classify, colour_of, \
    identity, offline_map, render_fragments, site_rows, text, with_properties
from .labels import GROUP_LABELS, KIND_LABELS, THEME_LABELS

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
    def parse(cls, args: Mapping[str, str]) -> "CoverageQuery":
        values = {name: (args.get(name) or "").strip() for name in ("measure", "rate", "kind", "theme", "target")}
        allowed = {"measure": MEASURES, "rate": RATES, "kind": KIND_LABELS, "theme": THEME_LABELS,
                   "target": GROUP_LABELS}
        problems = [f"{name}={value!r} is not one of: {', '.join(allowed[name])}"
                    for name, value in values.items() if value and value not in allowed[name]]
        if problems:
            raise InvalidParameter("; ".join(problems), allowed={k: list(v) for k, v in allowed.items()})
        return cls(**{k: v for k, v in values.items() if v})

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v and v != getattr(CoverageQuery, k)}


def filtered(catalogue, query: CoverageQuery) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(sites, service areas, initiative kinds) of the initiatives matching the filters."""
    initiatives = catalogue.initiatives
    keep = ~initiatives["status"].isin(EXCLUDED_STATUS)
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


def coverage_values(communes: pd.DataFrame, catalogue, foreign_residents: pd.Series | None,
                    query: CoverageQuery) -> pd.Series:
    """The value per commune (index = NIS) of ``query``; NaN where a rate has no denominator."""
    sites, areas, kinds = filtered(catalogue, query)
    counts = commune_coverage(communes.index, sites, areas, kinds, (), ())
    column = {"present": "initiatives_present", "mandated": "initiatives_mandated", "sites": "sites_present"}
    count = counts[column[query.measure]]
    if query.rate == "per_10k":
        return per(count, communes["pop_2020_total"], 10_000)
    if query.rate == "per_1k_foreign":
        if foreign_residents is None:
            return pd.Series(float("nan"), index=communes.index)
        return per(count, foreign_residents.reindex(communes.index), 1_000)
    return count.astype(float)


@dataclass
class MapView:
    """A rendered map with its legend, a table of what it shows and a summary for the page."""

    fragments: MapFragments
    legend: list[dict]
    table: list[dict]
    summary: dict


def describe(query: CoverageQuery, t: Callable[[str], str]) -> str:
    measure = {"present": t("Initiatives with a site in the commune"),
               "mandated": t("Initiatives whose service area covers the commune"),
               "sites": t("Sites in the commune")}[query.measure]
    rate = {"count": "", "per_10k": t("per 10,000 inhabitants (2020)"),
            "per_1k_foreign": t("per 1,000 foreign residents")}[query.rate]
    return f"{measure} {rate}".strip()


def coverage_map(communes: pd.DataFrame, collection: dict, names: Mapping[str, str], catalogue,
                 foreign_residents: pd.Series | None, query: CoverageQuery, asset_urls: Mapping[str, str],
                 vocab: Mapping[str, Mapping[str, str]], commune_url: Callable[[str], str],
                 initiative_url: Callable[[str], str], t: Callable[[str], str] = identity) -> MapView:
    """The coverage map for ``query``; ``collection`` is the commune geometry (see
    ``base.geometry_collection``) and ``names`` the commune names in the page language."""
    values = coverage_values(communes, catalogue, foreign_residents, query)
    fmt = "{:.0f}" if query.rate == "count" else "{:.2f}"
    classes: Classes = classify(values, k=5, t=t, fmt=fmt)
    title = describe(query, t)
    shown = lambda v: t("no data") if pd.isna(v) else fmt.format(v)  # noqa: E731
    props = {
        nis: {
            "name": text(names[nis]),
            "value": text(shown(values[nis])),
        }
        for nis in communes.index
    }
    fill = {nis: colour_of(classes, nis) for nis in communes.index}
    fmap = offline_map(asset_urls)
    add_online_basemap(fmap)
    choropleth(fmap, with_properties(collection, props), fill, t("Communes"), ["name", "value"],
               [t("Commune"), title],
               page_url=commune_url("00000"), page_label=t("Page of the commune"))
    sites, _, _ = filtered(catalogue, query)
    rows = site_rows(sites, t, "", vocab["kinds"], vocab["themes"], vocab["groups"], vocab["precisions"], names,
                     initiative_url)
    add_site_clusters(fmap, rows, asset_urls, t("Sites"))
    import folium

    folium.LayerControl(collapsed=False).add_to(fmap)
    table = [{"nis": nis, "name": names[nis], "value": shown(values[nis]), "raw": values[nis]}
             for nis in communes.index]
    table.sort(key=lambda r: (pd.isna(r["raw"]), -(r["raw"] if not pd.isna(r["raw"]) else 0), r["name"]))
    summary = {"title": title, "sites": len(rows), "initiatives": int(sites["initiative_id"].nunique()),
               "zero": int((values == 0).sum()), "missing": int(values.isna().sum()),
               "kinds": sorted(set(sites["kind"]))}
    return MapView(render_fragments(fmap), classes.legend, table, summary)
