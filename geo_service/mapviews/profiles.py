"""What the commune and initiative pages show, gathered from the boundaries, the catalogue and
the indicators (any of the last two may be None while they are being built: the page then says
the figure is not available rather than inventing one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ..catalogue.placenames import fold
from ..errors import NotFound
from ..harvest import from_osm
from ..indicators import status as rules
from ..names import display_name, name_in, record_name, text_in
from .base import (
    DataMarkers,
    add_site_clusters,
    choropleth,
    fit_only,
    identity,
    link,
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


# The figures an initiative states (catalogue.vocab.FIGURE_NAMES), as the pages name them.
FIGURE_LABELS = {
    "volunteers": "Volunteers",
    "beneficiaries": "People helped",
    "duos": "Duos (pairs)",
    "places": "Places",
    "participants": "Participants",
    "members": "Members",
    "families": "Families",
    "projects": "Projects",
    "staff": "Staff",
    "hosts": "Hosts",
    "offices": "Offices",
    "sites": "Sites",
    "reception_centres": "Reception centres",
}


def _initiative_rows(catalogue: Catalogue, ids, lang: str) -> list[dict]:
    frame = catalogue.initiatives.loc[[i for i in ids if i in catalogue.initiatives.index]]
    rows = [
        {
            "id": iid,
            "name": record_name(row["names"], row["name"], lang),
            "kind": row["kind"],
            "themes": list(row["themes"] or []),
            "status": row["status"],
        }
        for iid, row in frame.iterrows()
    ]
    return sorted(rows, key=lambda r: (r["kind"], fold(r["name"])))


def _initiative_name(catalogue: Catalogue, initiative_id: str, lang: str) -> str | None:
    frame = catalogue.initiatives
    if initiative_id not in frame.index:
        return None
    return record_name(frame.at[initiative_id, "names"], frame.at[initiative_id, "name"], lang)


def site_label(site: Mapping, lang: str, commune_names: Mapping[str, str], resolver=None) -> str:
    """ "Name, place" of a site in ``lang``: its name in that language and its commune's name in
    that language ("…, Luik" on a Dutch page), or the place the source gives where that is a
    section of the commune ("…, Jumet")."""
    name = text_in(site.get("names"), lang, site.get("name"))
    place, nis = clean(site.get("place")), site.get("nis")
    if place and (resolver is None or not resolver.is_name_of(place, nis)):
        return f"{name}, {place}"
    return f"{name}, {commune_names.get(nis, place or nis)}"


def commune_profile(
    nis: str,
    boundaries,
    catalogue: Catalogue,
    indicators: Indicators,
    lang: str,
    commune_names: Mapping[str, str] | None = None,
) -> dict:
    """Everything the commune page shows; raises NotFound for an unknown 2025 NIS code. Names of
    initiatives, sites and communes are in ``lang`` (``commune_names``: {nis: name in lang})."""
    communes = boundaries.communes
    if nis not in communes.index:
        raise NotFound(f"No 2025 commune has the NIS code '{nis}'.", nis=nis)
    row = communes.loc[nis]
    commune_names = commune_names or {}
    province = boundaries.provinces.loc[row["province"]]
    region = boundaries.regions.loc[row["region"]]
    ind = defaultdict(lambda: None)  # a figure the indicators lack reads as None ("not available")
    if nis in indicators.communes.index:
        ind.update({k: clean(v) for k, v in indicators.communes.loc[nis].items()})
    networks = indicators.networks
    lookup = rules.network_lookup(networks, lang) if networks is not None else {}
    reach = indicators.reach_km
    assessed = set(indicators.params.get("desert_kinds", ()))
    sites_table = catalogue.sites
    kinds, serving = [], []
    for kind in KIND_LABELS:
        has_status = kind in assessed and ind.get(f"status_{kind}") is not None
        site = ind.get(f"nearest_site_{kind}")
        known_site = site is not None and site in sites_table.index
        if known_site:  # the nearest site named in the page's language, here and in the explanation
            ind[f"nearest_name_{kind}"] = site_label(
                sites_table.loc[site], lang, commune_names, getattr(catalogue, "resolver", None)
            )
        kinds.append(
            {
                "kind": kind,
                "sites": ind.get(f"sites_present_{kind}"),
                "mandated": ind.get(f"mandated_{kind}"),
                "nearest_km": ind.get(f"nearest_km_{kind}"),
                "nearest_name": ind.get(f"nearest_name_{kind}"),
                "nearest_site": site,
                "nearest_initiative": sites_table.at[site, "initiative_id"] if known_site else None,
                "nearest_initiative_name": _initiative_name(catalogue, sites_table.at[site, "initiative_id"], lang)
                if known_site
                else None,
                "status": ind.get(f"status_{kind}") if has_status else None,
                "facts": rules.facts_of(ind, kind, lookup, reach) if has_status else None,
            }
        )
        serving += [i for i in (ind.get(f"networks_{kind}") or "").split(";") if i and has_status]
    sites = sites_table[sites_table["nis"] == nis]
    present = _initiative_rows(catalogue, sites["initiative_id"].unique(), lang)
    areas = catalogue.service_areas[catalogue.service_areas["nis"] == nis]
    mandated = _initiative_rows(
        catalogue, [i for i in areas["initiative_id"].unique() if i not in set(sites["initiative_id"])], lang
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
    statuses = [k for k in kinds if k["status"] is not None]
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
        "assessed": statuses,
        "not_assessed": [k for k in kinds if k["status"] is None],
        "status_counts": {s: sum(1 for k in statuses if k["status"] == s) for s in ("served", "gap", "unknown")},
        "present": present,
        "mandated": mandated,
        "employment": employment,
        "indicators_available": bool(ind),
        "networks": network_rows(networks, ids=dict.fromkeys(serving), lang=lang),
        "reach_km": reach,
    }


def initiative_profile(
    initiative_id: str, catalogue: Catalogue, commune_names: Mapping[str, str], lang: str = "en"
) -> dict:
    """Everything the initiative page shows, its names and texts in ``lang`` where the catalogue
    has them (else the record's own text)."""
    if initiative_id not in catalogue.initiatives.index:
        raise NotFound(f"No initiative has the id '{initiative_id}'.", id=initiative_id)
    row = catalogue.initiatives.loc[initiative_id]
    sites = catalogue.sites[catalogue.sites["initiative_id"] == initiative_id]
    areas = catalogue.areas[catalogue.areas["initiative_id"] == initiative_id] if len(catalogue.areas) else []
    resolver = getattr(catalogue, "resolver", None)
    return {
        "id": initiative_id,
        **{k: clean(row.get(k)) for k in ("kind", "scope", "start_year", "website", "status", "origin")},
        "operator": text_in(row.get("operators"), lang, clean(row.get("operator"))),
        "name": record_name(row.get("names"), row["name"], lang),
        "description": text_in(row.get("descriptions"), lang, clean(row.get("description"))),
        "names": {k: v for k, v in (row.get("names") or {}).items() if v},
        "themes": list(row["themes"] or []),
        "target_groups": list(row["target_groups"] or []),
        "figures": [{**f, "note": text_in(f.get("notes"), lang, f.get("note"))} for f in (row["figures"] or [])],
        "sources": list(row["sources"] or []),
        "sites": [
            {
                "id": sid,
                "name": text_in(s.get("names"), lang, s["name"]),
                "place": None
                if resolver is not None and resolver.is_name_of(s.get("place") or "", s["nis"])
                else clean(s.get("place")),
                "address": clean(s.get("address")),
                "postcode": clean(s.get("postcode")),
                "nis": s["nis"],
                "commune": commune_names.get(s["nis"], s["nis"]),
                "precision": s["precision"],
                "status": s["status"],
                "note": text_in(s.get("notes"), lang, clean(s.get("note"))),
                # how to reach it, from the register or OpenStreetMap (docs/harvest.md)
                "contacts": {k: v for k, v in s["contacts"].items() if v}
                if isinstance(s.get("contacts"), dict)
                else {},
                "opening_hours": clean(s.get("opening_hours")),
                "osm": from_osm(s.get("sources")),
            }
            for sid, s in sites.iterrows()
        ],
        "areas": [
            {
                "id": aid,
                "name": text_in(a.get("names"), lang, a["name"]),
                "basis": text_in(a.get("bases"), lang, a["basis"]),
                "communes": int(a["commune_count"]),
            }
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
    lang: str = "en",
    correction_url: Callable[..., str] | None = None,
) -> MapFragments:
    """A map of the given communes (outlined) and the given sites (named in ``lang``), zoomed to them.
    ``correction_url(commune=...)`` / ``correction_url(site=...)``: the correction form about a
    commune or a site, linked from their popups as on the big maps."""
    fmap = offline_map(dict(asset_urls), t)
    add_online_basemap(fmap)
    wanted = set(nis_list)
    features = {"type": "FeatureCollection", "features": [f for f in collection["features"] if f["id"] in wanted]}
    props = {nis: {"name": text(names[nis])} for nis in wanted}
    if features["features"]:  # an initiative without sites (a fund, a programme) has no commune to outline
        choropleth(
            fmap,
            with_properties(features, props),
            dict.fromkeys(wanted, "#9ecae1"),
            t("Communes"),
            ["name"],
            [t("Commune")],
            links=[(commune_url("00000"), t("Page of the commune"))]
            + ([(correction_url(commune="00000"), t("Report a correction"))] if correction_url else []),
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
                    site_name,
                    [(t("Kind"), kind_label.get(s["kind"], s["kind"])), (t("Commune"), names.get(s["nis"], s["nis"]))],
                    [link(correction_url(site=str(site_id)), t("Report a correction"))] if correction_url else [],
                ),
                f"{site_name} ({kind_label.get(s['kind'], s['kind'])})",
            ]
            for site_id, s in wgs.iterrows()
            for site_name in [text_in(s.get("names"), lang, s["name"])]
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
