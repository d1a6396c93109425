"""The pure computation of every indicator table from already-loaded inputs (no file access)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import population as pop
from ..catalogue.register import build_register, empty_networks
from ..catalogue.vocab import KINDS, THEMES
from ..names import AREA_NAME_LANGUAGES
from . import bivariate, status
from . import employment as emp
from .access import fca
from .centres import CENTRE_KIND, support_table
from .coverage import area_coverage, commune_coverage, per
from .distances import commune_points, distance_km, site_points
from .metadata import build_metadata
from .params import IndicatorParams

if TYPE_CHECKING:
    from . import Indicators


def _active(catalogue, excluded: tuple[str, ...]):
    if catalogue is None:
        empty_sites = pd.DataFrame(columns=["initiative_id", "name", "kind", "themes", "nis", "place", "status"])
        return empty_sites, pd.DataFrame(columns=["initiative_id", "nis"]), pd.Series(dtype=object)
    initiatives = catalogue.initiatives[~catalogue.initiatives["status"].isin(excluded)]
    sites = catalogue.sites
    located = sites.geometry.notna() & ~sites.geometry.is_empty  # a site without a point cannot be measured
    sites = sites[located & ~sites["status"].isin(excluded) & sites["initiative_id"].isin(initiatives.index)]
    return sites, catalogue.service_areas, initiatives["kind"]


def _population(communes: pd.DataFrame, struct: pd.DataFrame, pop_year: int, struct_year: int | None) -> pd.DataFrame:
    out = pd.DataFrame(index=communes.index)
    column = "pop_2025_total" if "pop_2025_total" in communes else "pop_2020_total"
    out["pop_total"] = communes[column].astype("int64")
    out["pop_year"] = pop_year
    out["foreign_residents"] = struct["foreign"].reindex(out.index)
    out["belgian_residents"] = struct["belgian"].reindex(out.index)
    out["foreign_share"] = out["foreign_residents"] / struct["total"].reindex(out.index).where(lambda s: s > 0)
    out["nationality_year"] = struct_year
    out["foreign_residents_missing_reason"] = np.where(
        out["foreign_residents"].isna(), "no TF_SOC_POP_STRUCT row maps to this commune", None
    )
    return out


def _site_labels(sites: pd.DataFrame, names: pd.Series) -> np.ndarray:
    place = sites["place"] if "place" in sites else pd.Series(None, index=sites.index)
    place = place.where(place.notna() & (place.astype(str).str.strip() != ""), sites["nis"].map(names))
    return (sites["name"].astype(str) + ", " + place.fillna("?").astype(str)).to_numpy()


def compute(
    communes,
    struct,
    struct_year,
    catalogue,
    employment,
    params: IndicatorParams,
    provinces,
    regions,
    pop_year=pop.POPULATION_2025_YEAR,
    register_entries=None,
) -> Indicators:
    """The pure computation (no file access): every indicator for every commune."""
    from ..names import local_name

    out = _population(communes, struct, pop_year, struct_year)
    sites, areas, initiative_kind = _active(catalogue, params.excluded_status)
    kinds = tuple(dict.fromkeys([*KINDS, *sorted(set(sites["kind"]) - set(KINDS))]))
    out = out.join(commune_coverage(out.index, sites, areas, initiative_kind, kinds, THEMES))
    out["initiatives_per_10k"] = per(out["initiatives_present"], out["pop_total"], 1e4)
    out["initiatives_per_1k_foreign"] = per(out["initiatives_present"], out["foreign_residents"], 1e3)

    points = commune_points(communes)
    site_xy = site_points(sites)
    dist = distance_km(points, site_xy)
    demand = (out["foreign_residents"] if params.demand == "foreign" else out["pop_total"]).fillna(0).to_numpy(float)
    supply = (
        pd.to_numeric(sites["capacity"], errors="coerce").fillna(1.0).to_numpy()
        if "capacity" in sites
        else np.ones(len(sites))
    )
    name_columns = communes[["name_nl", "name_fr", "name_de", "region"]].astype(object)
    rows = name_columns.where(name_columns.notna(), None).to_dict("index")  # NaN is truthy: pass None
    names = pd.Series({nis: local_name(row) for nis, row in rows.items()}, dtype=object)
    labels, ids = _site_labels(sites, names), sites.index.to_numpy()
    kind_of = sites["kind"].to_numpy()
    register = build_register(register_entries or [], catalogue, communes) if catalogue is not None else None
    site_dates = status.SiteDates.of(sites)
    columns, support = {}, {}
    for kind in kinds:
        mask = kind_of == kind
        rule = status.competence(kind, register, sites[mask], len(out), areas, out.index)
        usable = np.where(rule.usable, dist[:, mask], np.inf)  # a commune only uses its competent sites
        km, position = status.nearest(usable)
        has = position >= 0
        pick = np.maximum(position, 0)
        columns[f"nearest_km_{kind}"] = np.round(km, 2)
        columns[f"nearest_site_{kind}"] = np.where(has, ids[mask][pick] if mask.any() else None, None)
        columns[f"nearest_name_{kind}"] = np.where(has, labels[mask][pick] if mask.any() else None, None)
        columns[f"nearest_km_{kind}_missing_reason"] = np.where(
            has, None, "no site of a network serving this commune in the catalogue"
        )
        columns[f"access_2sfca_{kind}"] = fca(demand, supply[mask], usable, params.catchment_km) * 1e4
        columns[f"access_e2sfca_{kind}"] = (
            fca(demand, supply[mask], usable, params.catchment_km, params.e2sfca_steps) * 1e4
        )
        columns[f"networks_{kind}"] = [";".join(ids_) for ids_ in rule.networks]
        columns[f"network_complete_{kind}"] = rule.complete
        columns.update(_judged_status(kind, rule, km, usable, site_dates.subset(mask), register, params.desert_km))
        if kind in params.isolation_kinds:
            support[kind] = (site_xy[mask], rule.usable)
    out = pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)
    is_centre = kind_of == CENTRE_KIND
    centres = support_table(sites[is_centre], site_xy[is_centre], out.index, support, params.desert_km)
    networks = register.networks if register is not None else empty_networks()
    lookup = status.network_lookup(networks)
    for kind in kinds:
        fields = status.fact_columns(kind)
        records = (dict(zip(fields, values)) for values in zip(*(out[f].tolist() for f in fields)))
        out[f"status_reason_{kind}"] = [
            None  # not assessed: said once, in the legend and the metadata (status.NOT_ASSESSED_REASONS)
            if r[f"status_{kind}"] == status.NOT_ASSESSED
            else status.explain(status.facts_of(r, kind, lookup, params.desert_km))
            for r in records
        ]
    out["gaps_count"] = (out[[f"status_{k}" for k in params.desert_kinds]] == "gap").sum(axis=1)
    out["unknown_count"] = (out[[f"status_{k}" for k in params.desert_kinds]] == "unknown").sum(axis=1)

    province_table = _provinces(out, communes, provinces, sites, areas, initiative_kind, kinds, employment, params)
    gap = province_table.reindex(communes["province"].values)
    for source, target in (
        ("employment_gap_pp", "employment_gap_pp"),
        ("employment_concept", "employment_gap_concept"),
        ("employment_year", "employment_gap_year"),
        ("employment_age_band", "employment_gap_age_band"),
        ("employment_missing_reason", "employment_gap_missing_reason"),
    ):
        out[target] = gap[source].to_numpy()
    classes = bivariate.classify(
        bivariate.need_index(out["foreign_share"], out["employment_gap_pp"]),
        bivariate.support_index(out[[f"access_e2sfca_{k}" for k in params.support_kinds]]),
    )
    out = out.join(classes)
    employment_year = (
        province_table["employment_year"].dropna().max() if province_table["employment_year"].notna().any() else None
    )
    from . import Indicators

    return Indicators(
        communes=_flat(out),
        provinces=_flat(province_table),
        regions=_flat(_regions(regions, employment)),
        employment=employment,
        metadata=build_metadata(kinds, THEMES, params, pop_year, struct_year, employment_year),
        networks=networks,
        register=register,
        centres=centres,
        params={
            **params.as_dict(),
            "kinds": list(kinds),
            "themes": list(THEMES),
            "population_year": pop_year,
            "nationality_year": struct_year,
            "distance": "straight line from point_on_surface, EPSG:31370",
        },
        points=points,
    )


def _judged_status(kind, rule, km, usable, dates, register, reach_km) -> dict[str, np.ndarray]:
    """``status_<kind>`` (``not_assessed`` where the kind judges no commune), with the date that
    decides it (``status_as_of_<kind>``) and whether that date is stale (``status_stale_<kind>``)."""
    verdict = status.status(km, rule.complete, reach_km)
    verdict = np.where(status.judged(kind, rule), verdict, status.NOT_ASSESSED).astype(object)
    served_as_of, served_stale = status.served_dates(usable <= reach_km, dates)
    gap_as_of, gap_stale = status.network_dates(rule.networks, register.networks if register is not None else None)
    served, gap = verdict == "served", verdict == "gap"
    return {
        f"status_{kind}": verdict,
        f"status_as_of_{kind}": np.where(served, served_as_of, np.where(gap, gap_as_of, None)).astype(object),
        f"status_stale_{kind}": np.where(served, served_stale, gap & gap_stale).astype(bool),
    }


def _provinces(out, communes, provinces, sites, areas, initiative_kind, kinds, employment, params) -> pd.DataFrame:
    table = pd.DataFrame(index=provinces.index)
    table["nuts2"] = provinces["nuts2"]
    for lang in AREA_NAME_LANGUAGES:
        table[f"name_{lang}"] = provinces[f"name_{lang}"]
    table = table.join(area_coverage(communes["province"], sites, areas, initiative_kind, kinds))
    sums = out.groupby(communes["province"])[["pop_total", "foreign_residents"]].sum(min_count=1)
    table = table.join(sums)
    table["initiatives_per_10k"] = per(table["initiatives_present"], table["pop_total"], 1e4)
    table["initiatives_per_1k_foreign"] = per(table["initiatives_present"], table["foreign_residents"], 1e3)
    for kind in (k for k in kinds if k not in status.UNJUDGED_KINDS):
        for value in status.STATUSES:
            counts = (out[f"status_{kind}"] == value).groupby(communes["province"]).sum()
            table[f"{value}_{kind}"] = counts.reindex(table.index, fill_value=0).astype("int64")
    gaps = emp.gap_table(
        employment, table["nuts2"], "province", "country_of_birth", "native_born", "foreign_born", "employment"
    )
    gaps = gaps.rename(columns={"employment_pp": "employment_gap_pp"})
    table = table.join(gaps)
    cit = emp.gap_table(employment, table["nuts2"], "province", "citizenship", "national", "non_eu", "gap_citizenship")
    return table.join(cit)


def _regions(regions, employment) -> pd.DataFrame:
    table = pd.DataFrame(index=regions.index)
    table["nuts1"] = regions["nuts1"]
    for lang in AREA_NAME_LANGUAGES:
        table[f"name_{lang}"] = regions[f"name_{lang}"]
    citizenship = emp.gap_table(
        employment, table["nuts1"], "region", "citizenship", "national", "non_eu", "gap_nationals_non_eu"
    )
    birth = emp.gap_table(
        employment, table["nuts1"], "region", "country_of_birth", "native_born", "non_eu_born", "gap_native_non_eu_born"
    )
    return table.join(citizenship).join(birth)


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy dtypes: nullable integers become int64 (or object with None when missing)."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.Int64Dtype | pd.BooleanDtype):
            series = frame[column]
            frame[column] = (
                series.astype("int64" if isinstance(series.dtype, pd.Int64Dtype) else bool)
                if series.notna().all()
                else series.astype(object).where(series.notna(), None)
            )
    return frame
