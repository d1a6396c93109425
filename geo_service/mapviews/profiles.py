"""What the commune and initiative pages show, gathered from the boundaries, the catalogue and
the indicators (any of the last two may be None while they are being built: the page then says
the figure is not available rather than inventing one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import NotFound
from ..indicators import status as rules
from ..names import display_name, name_in
from .base import (
    DataMarkers,
    add_site_clusters,
    choropleth,
    fit_only,
    identity,
    popup_html,
    text,
    with_properties,
)
from .folium_map import MapFragments, add_online_basemap, offline_map, render_fragments
from .knowledge import network_rows
from .labels import KIND_LABELS

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..indicators import Indicators

CLUSTER_ABOVE = 40  # more sites than this on a small map are clustered


def clean(value):
    """None for NaN/NA so templates can test ``is none``."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    return value.item() if hasattr(value, "item") else value


def _initiative_rows(catalogue: Catalogue, ids) -> list[dict]:
    frame = catalogue.initiatives.loc[[i for i in ids if i in catalogue.initiatives.index]]
    return [
        {
            "id": iid,
            "name": row["name"],
            "kind": row["kind"],
            "themes": list(row["themes"] or []),
            "status": row["status"],
        }
        for iid, row in frame.sort_values(["kind", "name"]).iterrows()
    ]


def commune_profile(nis: str, boundaries, catalogue: Catalogue, indicators: Indicators, lang: str) -> dict:
    """Everything the commune page shows; raises NotFound for an unknown 2025 NIS code."""
    communes = boundaries.communes
    if nis not in communes.index:
        raise NotFound(f"No 2025 commune has the NIS code '{nis}'.", nis=nis)
    row = communes.loc[nis]
    province = boundaries.provinces.loc[row["province"]]
    region = boundaries.regions.loc[row["region"]]
    ind = defaultdict(lambda: None)  # a figure the indicators lack reads as None ("not available")
    if nis in indicators.communes.index:
        ind.update({k: clean(v) for k, v in indicators.communes.loc[nis].items()})
    networks = indicators.networks
    lookup = rules.network_lookup(networks, lang) if networks is not None else {}
    reach = indicators.reach_km
    assessed = set(indicators.params.get("desert_kinds", ()))
    kinds, serving = [], []
    for kind in KIND_LABELS:
        has_status = kind in assessed and ind.get(f"status_{kind}") is not None
        kinds.append(
            {
                "kind": kind,
                "sites": ind.get(f"sites_present_{kind}"),
                "mandated": ind.get(f"mandated_{kind}"),
                "nearest_km": ind.get(f"nearest_km_{kind}"),
                "nearest_name": ind.get(f"nearest_name_{kind}"),
                "nearest_site": ind.get(f"nearest_site_{kind}"),
                "status": ind.get(f"status_{kind}") if has_status else None,
                "facts": rules.facts_of(ind, kind, lookup, reach) if has_status else None,
            }
        )
        serving += [i for i in (ind.get(f"networks_{kind}") or "").split(";") if i and has_status]
    for row_kind in kinds:  # link the nearest site to its initiative's page
        site = row_kind["nearest_site"]
        row_kind["nearest_initiative"] = (
            catalogue.sites.at[site, "initiative_id"] if site is not None and site in catalogue.sites.index else None
        )
    sites = catalogue.sites[catalogue.sites["nis"] == nis]
    present = _initiative_rows(catalogue, sites["initiative_id"].unique())
    areas = catalogue.service_areas[catalogue.service_areas["nis"] == nis]
    mandated = _initiative_rows(
        catalogue, [i for i in areas["initiative_id"].unique() if i not in set(sites["initiative_id"])]
    )
    employment = defaultdict(lambda: None)
    if row["province"] in indicators.provinces.index:
        employment.update(
            {
                k: clean(v)
                for k, v in indicators.provinces.loc[row["province"]].items()
                if k.startswith(("employment_", "rate_"))
            }
        )
    return {
        "nis": nis,
        "name": display_name(row, lang),
        "names": {c[-2:]: row[c] for c in ("name_nl", "name_fr", "name_de") if isinstance(row.get(c), str)},
        "province": {"nis": row["province"], "name": name_in(province, lang)},
        "region": {"nis": row["region"], "name": name_in(region, lang)},
        "population": int(row["pop_2025_total"] if "pop_2025_total" in row else row["pop_2020_total"]),
        "population_year": 2025 if "pop_2025_total" in row else 2020,
        "indicators": ind,
        "kinds": kinds,
        "present": present,
        "mandated": mandated,
        "employment": employment,
        "indicators_available": bool(ind),
        "networks": network_rows(networks, ids=dict.fromkeys(serving), lang=lang),
        "reach_km": reach,
    }


def initiative_profile(initiative_id: str, catalogue: Catalogue, commune_names: Mapping[str, str]) -> dict:
    if initiative_id not in catalogue.initiatives.index:
        raise NotFound(f"No initiative has the id '{initiative_id}'.", id=initiative_id)
    row = catalogue.initiatives.loc[initiative_id]
    sites = catalogue.sites[catalogue.sites["initiative_id"] == initiative_id]
    areas = catalogue.areas[catalogue.areas["initiative_id"] == initiative_id] if len(catalogue.areas) else []
    return {
        "id": initiative_id,
        **{
            k: clean(row.get(k))
            for k in ("name", "kind", "operator", "description", "scope", "start_year", "website", "status", "origin")
        },
        "names": {k: v for k, v in (row.get("names") or {}).items() if v},
        "themes": list(row["themes"] or []),
        "target_groups": list(row["target_groups"] or []),
        "figures": list(row["figures"] or []),
        "sources": list(row["sources"] or []),
        "sites": [
            {
                "id": sid,
                "name": s["name"],
                "place": clean(s.get("place")),
                "address": clean(s.get("address")),
                "postcode": clean(s.get("postcode")),
                "nis": s["nis"],
                "commune": commune_names.get(s["nis"], s["nis"]),
                "precision": s["precision"],
                "status": s["status"],
            }
            for sid, s in sites.iterrows()
        ],
        "areas": [
            {"id": aid, "name": a["name"], "basis": a["basis"], "communes": int(a["commune_count"])}
            for aid, a in (areas.iterrows() if len(areas) else [])
        ],
    }


def small_map(
    collection: dict,
    nis_list: list[str],
    names: Mapping[str, str],
    sites,
    asset_urls: Mapping[str, str],
    commune_url: Callable[[str], str],
    kind_label: Mapping[str, str],
    t: Callable[[str], str] = identity,
) -> MapFragments:
    """A map of the given communes (outlined) and the given sites, zoomed to them."""
    fmap = offline_map(dict(asset_urls), t)
    add_online_basemap(fmap)
    wanted = set(nis_list)
    features = {"type": "FeatureCollection", "features": [f for f in collection["features"] if f["id"] in wanted]}
    props = {nis: {"name": text(names[nis])} for nis in wanted}
    choropleth(
        fmap,
        with_properties(features, props),
        dict.fromkeys(wanted, "#9ecae1"),
        t("Communes"),
        ["name"],
        [t("Commune")],
        page_url=commune_url("00000"),
        page_label=t("Page of the commune"),
        weight=1.5,
    )
    if sites is not None and len(sites):
        wgs = sites.to_crs(4326)
        rows = [
            [
                round(s.geometry.y, 5),
                round(s.geometry.x, 5),
                s["kind"],
                popup_html(
                    s["name"],
                    [(t("Kind"), kind_label.get(s["kind"], s["kind"])), (t("Commune"), names.get(s["nis"], s["nis"]))],
                ),
                f"{s['name']} ({kind_label.get(s['kind'], s['kind'])})",
            ]
            for _, s in wgs.iterrows()
        ]
        if len(rows) > CLUSTER_ABOVE:
            add_site_clusters(fmap, rows, asset_urls, t("Sites"))
        else:
            DataMarkers([[*r[:2], f"site-marker kind-{r[2]}", *r[3:]] for r in rows], t("Sites")).add_to(fmap)
    bounds = _bounds(features)
    if bounds:
        fit_only(fmap, bounds)
    return render_fragments(fmap)


def _bounds(features: dict):
    import shapely.geometry

    shapes = [shapely.geometry.shape(f["geometry"]) for f in features["features"]]
    if not shapes:
        return None
    minx = min(s.bounds[0] for s in shapes)
    miny = min(s.bounds[1] for s in shapes)  # noqa: E702
    maxx = max(s.bounds[2] for s in shapes)
    maxy = max(s.bounds[3] for s in shapes)  # noqa: E702
    return [[miny, minx], [maxy, maxx]]
