"""Gaps-in-support map: the status of every commune for one kind of service (served, gap,
unknown) as its fill (``fill=status``, the default: the whole map follows the kind) or as an
outline over the bivariate need-versus-support class (``fill=need``, the same fill for every kind),
and suggested communes for new support of that kind (only inside complete networks:
``Indicators.suggest``).

A status that rests on a stale date (``status_stale_<kind>``, issue 22) is hatched over its fill
and says "as of <date>, to be confirmed" in its tooltip, popup and table row; the reception
centres, which judge no commune, are a layer of points with the support within their reach
(``mapviews.centres``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from .. import formatting
from ..errors import InvalidParameter
from . import centres as centre_points
from .base import as_of_text, identity, link, popup_html
from .labels import KIND_LABELS
from .palette import OUTLINES, STATUS_FILLS
from .view import Column, Layer, MapView, Row

# Joshua Stevens' 3x3 bivariate scheme (blue = need, pink = support), keyed "need-support".
BIVARIATE = {
    "1-1": "#e8e8e8",
    "1-2": "#e4acac",
    "1-3": "#c85a5a",
    "2-1": "#b0d5df",
    "2-2": "#ad9ea5",
    "2-3": "#985356",
    "3-1": "#64acbe",
    "3-2": "#627f8c",
    "3-3": "#574249",
}
DEFAULT_KIND = "civic_integration_office"
FILLS = ("status", "need")  # what the fill shows: the chosen kind's status, or need against support
STALE = "stale"  # the flag of a row whose status rests on a stale date: hatched on the map


def label_points(communes) -> dict[str, tuple[float, float]]:
    """(lat, lon) of a point inside each commune, where a suggested location is drawn."""
    if not len(communes):
        return {}
    points = communes.geometry.representative_point().set_crs(communes.crs, allow_override=True).to_crs(4326)
    return {nis: (p.y, p.x) for nis, p in zip(communes.index, points)}


def parse_kind(value: str | None, allowed=tuple(KIND_LABELS)) -> str:
    """The kind asked for (default: civic-integration offices); ``allowed`` are the kinds the
    indicators give a status (``params['desert_kinds']``)."""
    kind = (value or "").strip() or DEFAULT_KIND
    if kind not in allowed:
        raise InvalidParameter(
            f"kind={kind!r} is not one of: {', '.join(allowed)}", allowed=list(allowed), parameter="kind"
        )
    return kind


def parse_fill(value: str | None) -> str:
    fill = (value or "").strip() or FILLS[0]
    if fill not in FILLS:
        raise InvalidParameter(
            f"fill={fill!r} is not one of: {', '.join(FILLS)}", allowed=list(FILLS), parameter="fill"
        )
    return fill


def bivariate_legend(counts: Mapping[str, int], t: Callable[[str], str]) -> list[list[dict]]:
    """Rows from high need to low need, columns from low to high support."""
    level = {1: t("low"), 2: t("medium"), 3: t("high")}
    return [
        [
            {
                "key": f"{n}-{s}",
                "colour": BIVARIATE[f"{n}-{s}"],
                "count": int(counts.get(f"{n}-{s}", 0)),
                "label": t("need: %(need)s, support: %(support)s") % {"need": level[n], "support": level[s]},
            }
            for s in (1, 2, 3)
        ]
        for n in (3, 2, 1)
    ]


def sortable_date(value) -> float | None:
    """A date (ISO, month or year) as a number that sorts like it (its first day's ordinal)."""
    from ..catalogue.dates import first_day

    day = first_day(value) if isinstance(value, str) and value else None
    return float(day.toordinal()) if day is not None else None


def province_counts(
    state: Mapping[str, str], provinces: Mapping[str, str], province_names: Mapping[str, str]
) -> list[dict]:
    """Communes served, gap and unknown per province (by name), for the planner's summary."""
    from ..indicators.status import STATUSES

    rows: dict[str, dict] = {}
    for nis, status in state.items():
        code = provinces.get(nis, "")
        row = rows.setdefault(
            code, {"code": code, "name": province_names.get(code, code), **dict.fromkeys(STATUSES, 0)}
        )
        row[status] += 1
    return sorted(rows.values(), key=lambda r: r["name"])


def gaps_map(
    communes: pd.DataFrame | None,
    names: Mapping[str, str],
    kind: str,
    suggested: pd.DataFrame,
    points_wgs84: Mapping[str, tuple[float, float]],
    commune_url: Callable[[str], str],
    kind_label: str,
    t: Callable[[str], str] = identity,
    networks: pd.DataFrame | None = None,
    reach_km: float = 15.0,
    kind_noun: str | None = None,
    status_labels: Mapping[str, str] | None = None,
    lang: str = "en",
    provinces: Mapping[str, str] | None = None,
    province_names: Mapping[str, str] | None = None,
    fill: str = "status",
    centres: Layer | None = None,
    as_of: str | None = None,
) -> MapView:
    """``communes`` is ``indicators.communes`` (None before the indicators exist: all unknown);
    ``networks`` the completeness register, for the explanations (in the language of ``t``, the
    networks named in ``lang``); ``provinces`` the province code of each commune; ``centres``
    the layer of reception centres (``centres.centre_layer``); ``as_of`` the day the date rules
    were applied (ISO), which the legend of the hatching names."""
    from ..indicators import status as rules

    index = list(names)
    provinces = provinces or {}
    province_names = province_names or {}
    # the columns read here only: the whole table has 188, and turning them all into dicts cost
    # a quarter of each gaps map's rendering
    wanted = ["bivariate_class", *rules.fact_columns(kind)]
    records = communes[[c for c in wanted if c in communes]].to_dict("index") if communes is not None else {}
    klass = {nis: records.get(nis, {}).get("bivariate_class") for nis in index}
    state = {nis: records.get(nis, {}).get(f"status_{kind}") or "unknown" for nis in index}
    lookup = rules.network_lookup(networks, lang) if networks is not None else {}
    facts = {nis: rules.facts_of(records.get(nis, {}), kind, lookup, reach_km) for nis in index}
    reason = {nis: rules.explain(f, t, kind_noun, lang) for nis, f in facts.items()}
    stale = {nis: f.stale and f.status in ("served", "gap") for nis, f in facts.items()}
    status_labels = status_labels or {s: t(s) for s in rules.STATUSES}
    level = {1: t("low"), 2: t("medium"), 3: t("high")}

    # the text of each need-support class, made once (565 communes, each described twice)
    no_data = t("no data")
    described = {
        key: t("need: %(need)s, support: %(support)s") % {"need": level[int(n)], "support": level[int(s)]}
        for key in BIVARIATE
        for n, s in [key.split("-")]
    }

    def describe(nis):
        return described.get(klass[nis], no_data)

    def colour(nis) -> str | None:
        if fill == "status":
            return STATUS_FILLS[state[nis]]
        return BIVARIATE.get(klass[nis]) if isinstance(klass[nis], str) else None

    # statuses without dates (a scenario's, which the date rules never judged): no "as of" column
    dated = communes is not None and f"status_stale_{kind}" in communes
    columns = [
        Column("name", t("Commune"), link=True),
        Column("province", t("Province"), tooltip=False),
        Column("status", t("Status: %(kind)s") % {"kind": kind_label}),
        *([Column("as_of", t("As of"))] if dated else []),
        Column("explanation", t("Explanation")),
        Column("need_support", t("Need and support"), tooltip=fill == "need"),
    ]

    def row(nis) -> Row:
        when = [as_of_text(facts[nis].as_of, stale[nis], t, lang)] if dated else []
        return Row(
            cells=[names[nis], province_names.get(provinces.get(nis, ""), ""), status_labels[state[nis]], *when]
            + [reason[nis], describe(nis)],
            fill=colour(nis),
            line=state[nis] if fill == "need" and state[nis] in OUTLINES else None,
            group=provinces.get(nis) or None,
            numbers=[None, None, None, *([sortable_date(facts[nis].as_of)] if dated else []), None, None],
            flags=(STALE,) if stale[nis] else (),
        )

    rows = {nis: row(nis) for nis in sorted(index, key=lambda n: ({"gap": 0, "unknown": 1}.get(state[n], 2), names[n]))}
    suggestions, markers = [], []
    for _, row in suggested.iterrows():
        lat, lon = points_wgs84[row["nis"]]
        html = popup_html(
            t("Suggested location: %(name)s") % {"name": names[row["nis"]]},
            [
                (t("Kind"), kind_label),
                (t("Foreign residents brought within reach"), f"{row['gain']:,.0f}".replace(",", " ")),
            ],
            [link(commune_url(row["nis"]), t("Page of the commune"))],
        )
        markers.append([round(lat, 5), round(lon, 5), "suggested-marker", html, names[row["nis"]]])
        suggestions.append({"nis": row["nis"], "name": names[row["nis"]], "gain": float(row["gain"])})
    counts = pd.Series([k for k in klass.values() if isinstance(k, str)]).value_counts().to_dict() if index else {}
    table = [
        {
            "nis": nis,
            "name": names[nis],
            "class": describe(nis),
            "status": state[nis],
            "status_label": status_labels[state[nis]],
            "reason": reason[nis],
        }
        for nis in rows
    ]
    summary = {
        "statuses": {s: sum(1 for v in state.values() if v == s) for s in rules.STATUSES},
        "missing": sum(1 for k in klass.values() if not isinstance(k, str)),
        "suggestions": suggestions,
        "bivariate": bivariate_legend(counts, t),
        "high_need_low_support": int(counts.get("3-1", 0)),
        "provinces": province_counts(state, provinces, province_names) if provinces else [],
        "fill": fill,
        "stale": sum(stale.values()),
        "as_of": formatting.date(as_of, lang) if as_of else None,
        **centre_points.counts(centres),
    }
    layers = [Layer("communes", t("Communes"), "communes", rows)]
    if centres is not None:
        layers.append(centres)
    return MapView(
        [],
        table,
        summary,
        columns=columns,
        layers=layers,
        markers=markers,
        outlines=dict(OUTLINES) if fill == "need" else {},
    )
