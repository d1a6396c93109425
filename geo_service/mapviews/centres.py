"""Reception centres on the gaps map, with the support within their reach (issue 22).

No commune is judged served or a gap for reception: asylum seekers are assigned to a centre, they
do not travel to one (``indicators.status``). What the map shows instead is each centre and what
its residents can reach (``indicators.centres``: for each support kind, how many competent sites
lie within the reach and how far the nearest is), with the centres that reach none of them
flagged as *isolated*. The centres are one layer of points of the view: the same rows give the
markers' popups, the table of centres under the map (the keyboard's and screen readers' way to
them) and the downloads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from .. import formatting
from ..names import text_in
from .base import as_of_text, identity
from .view import Column, Layer, Row

LAYER = "centres"
ISOLATED = "isolated"


def _nearest(count: int, km, reach: str, t: Callable[[str], str], lang: str) -> str:
    if pd.isna(km):
        return t("none known")
    values = {"n": count, "reach": reach, "km": formatting.km(km, lang)}
    if count:
        return t("%(n)s within %(reach)s km; nearest %(km)s") % values
    return t("none within %(reach)s km; nearest %(km)s") % values


def centre_layer(
    centres: pd.DataFrame | None,
    sites: pd.DataFrame,
    kinds: Sequence[str],
    kind_labels: Mapping[str, str],
    commune_names: Mapping[str, str],
    provinces: Mapping[str, str],
    initiative_url: Callable[[str], str],
    correct_url: Callable[[str], str],
    t: Callable[[str], str] = identity,
    lang: str = "en",
    name: str = "Reception centres",
) -> Layer | None:
    """The layer of reception centres: ``centres`` is ``indicators.centres`` (index: site id),
    ``sites`` the catalogue's sites (positions in WGS84 or another CRS, names, commune, dates),
    ``kinds`` the support kinds in the order their columns are shown. None without centres."""
    if centres is None or not len(centres):
        return None
    placed = sites.loc[sites.index.intersection(centres.index)]
    if placed.crs is not None and placed.crs.to_epsg() != 4326:
        placed = placed.to_crs(4326)
    kinds = [k for k in kinds if f"support_{k}" in centres]
    reach = formatting.number(float(centres["support_reach_km"].iloc[0]), lang, 0)
    columns = [
        Column("name", t("Reception centre")),
        Column("commune", t("Commune")),
        Column("support", t("Support within %(km)s km") % {"km": reach}),
        *[Column(f"support_{k}", kind_labels.get(k, k), tooltip=False) for k in kinds],
        Column("as_of", t("As of")),
    ]
    rows: dict[str, Row] = {}
    for site_id, site in placed.iterrows():
        facts = centres.loc[site_id]
        isolated = bool(facts["isolated"])
        count = int(facts["support_count"])
        support = (
            t("none of the %(n)s kinds: isolated") % {"n": len(kinds)}
            if isolated
            else t("%(count)s of %(n)s kinds") % {"count": count, "n": len(kinds)}
        )
        nearest = [facts[f"support_km_{k}"] for k in kinds]
        rows[str(site_id)] = Row(
            cells=[
                str(text_in(site.get("names"), lang, site["name"])),
                commune_names.get(site["nis"], site["nis"]),
                support,
                *[_nearest(int(facts[f"support_{k}"]), km, reach, t, lang) for k, km in zip(kinds, nearest)],
                as_of_text(site.get("last_confirmed"), bool(site.get("stale")), t, lang),
            ],
            numbers=[None, None, float(count), *[None if pd.isna(km) else float(km) for km in nearest], None],
            group=provinces.get(site["nis"]) or None,
            links={0: initiative_url(str(site["initiative_id"]))},
            flags=(ISOLATED,) if isolated else (),
            at=(float(site.geometry.y), float(site.geometry.x)),
            actions=[
                (t("Page of the initiative"), initiative_url(str(site["initiative_id"]))),
                (t("Report a correction"), correct_url(str(site_id))),
            ],
        )
    order = sorted(rows, key=lambda i: (ISOLATED not in rows[i].flags, rows[i].numbers[2], rows[i].cells[0]))
    return Layer(LAYER, name, None, {i: rows[i] for i in order}, columns=columns)


def counts(layer: Layer | None) -> dict[str, int]:
    """How many centres the layer shows, and how many are isolated (the legend's counts)."""
    rows = layer.rows.values() if layer is not None else ()
    return {"centres": len(rows), "isolated": sum(1 for r in rows if ISOLATED in r.flags)}
