"""Employment-gap map: provinces and regions coloured by the gap in percentage points between
the employment rates compared (native- minus foreign-born, or nationals minus non-EU citizens);
cells without data are drawn grey and listed in the legend with the reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
from markupsafe import Markup

from .. import formatting
from . import charts
from .base import classify_diverging, colour_of, identity, link
from .view import Column, Layer, MapView, Row

CONCEPTS = {"country_of_birth": "country of birth", "citizenship": "citizenship"}
# The original statistics behind each row of data/statistics/sources.csv and the intermediary the
# figures were read from (restating that file's publisher, dataset and how_read columns), keyed by
# the URL the indicators carry; gettext translates both.
SOURCES = {
    "https://github.com/CrispStrobe/bw-datenatlas/blob/1d569ed1274a84af57c3102f719e1349369de0d6/docs/data/eurostat-nuts2.json": (
        "Eurostat, table lfst_r_lfe2emprc (EU Labour Force Survey)",
        "a file of the bw-datenatlas project on GitHub, built from the Eurostat API",
    ),
    "https://bx1.be/categories/news/le-taux-demploi-varie-fortement-entre-les-trois-regions-souligne-une-etude-infographies/": (
        "IESEG School of Management, study of 2023 Labour Force Survey data",
        "BX1, June 2024",
    ),
    "https://www.knack.be/nieuws/belgie/kloof-werkgelegenheidsgraad-belgen-en-niet-eu-burgers-op-hoogste-punt-in-20-jaar/article-news-1718141.html": (
        "Statbel, Labour Force Survey",
        "Knack (Belga), March 2021",
    ),
}


def source_html(source: str, t: Callable[[str], str]) -> Markup:
    """The original statistics and, linked, the intermediary they were read from; an unknown
    source is shown as given (escaped)."""
    if source in SOURCES:
        original, intermediary = SOURCES[source]
        return Markup(t("%(original)s; read from %(intermediary)s")) % {
            "original": t(original),
            "intermediary": link(source, t(intermediary)),
        }
    if str(source).startswith(("https://", "http://")):
        return link(source, source)
    return Markup.escape(source)


def source_text(source: str, t: Callable[[str], str]) -> str:
    """The same as :func:`source_html` as plain text (tables, charts)."""
    if source in SOURCES:
        original, intermediary = SOURCES[source]
        return t("%(original)s; read from %(intermediary)s") % {
            "original": t(original),
            "intermediary": t(intermediary),
        }
    return str(source)


def _get(row: Mapping, *names, default=None):
    for name in names:
        value = row.get(name)
        if value is not None and not (isinstance(value, float) and pd.isna(value)):
            return value
    return default


def _pp(value, lang: str = "en") -> str:
    """A gap in percentage points as the page's language writes it: "+16,1 pp" (fr, nl), "+16.1 pp"."""
    if value is None or pd.isna(value):
        return ""
    return f"{formatting.number(float(value), lang, 1, sign=True)}\u00a0pp"


def _pct(value, lang: str = "en") -> str:
    return "" if value is None or pd.isna(value) else formatting.percent(float(value), lang, 1)


# (column prefix, rate columns compared, groups compared) of each series drawn; "employment" is
# the provinces' series (native- vs foreign-born, Eurostat), the two others the regions' series.
SERIES = {
    "employment": ("employment", ("rate_native_born", "rate_foreign_born"), "native-born vs foreign-born"),
    "gap_native_non_eu_born": (
        "gap_native_non_eu_born",
        ("rate_native_born", "rate_non_eu_born"),
        "native-born vs born outside the EU",
    ),
    "gap_nationals_non_eu": (
        "gap_nationals_non_eu",
        ("rate_national", "rate_non_eu"),
        "Belgian nationals vs non-EU citizens",
    ),
}
# the two groups of each series, as chart legends
GROUPS = {
    "employment": ("native-born", "foreign-born"),
    "gap_native_non_eu_born": ("native-born", "born outside the EU"),
    "gap_nationals_non_eu": ("Belgian nationals", "non-EU citizens"),
}


def layer_rows(
    frame: pd.DataFrame | None,
    index: pd.Index,
    names: Mapping[str, str],
    t: Callable[[str], str],
    series: str = "employment",
) -> dict[str, dict]:
    """Per area: gap, the two rates, groups, concept, year, age band, source, or why it is missing."""
    prefix, (rate_a, rate_b), groups = SERIES[series]
    gap_column = "employment_gap_pp" if prefix == "employment" else f"{prefix}_pp"
    rows = {}
    records = frame.to_dict("index") if frame is not None else {}
    for code in index:
        row = records.get(code, {})
        gap = _get(row, gap_column)
        concept = _get(row, f"{prefix}_concept", default="")
        rows[code] = {
            "name": names[code],
            "gap": None if gap is None else float(gap),
            "groups": t(groups),
            "rate_a": _get(row, rate_a),
            "rate_b": _get(row, rate_b),
            "concept": t(CONCEPTS.get(concept, concept)) if concept else "",
            "year": _get(row, f"{prefix}_year", default=""),
            "age_band": _get(row, f"{prefix}_age_band", default=""),
            "source": _get(row, f"{prefix}_source", default=""),
            "missing_reason": _get(
                row, f"{prefix}_missing_reason", default=None if gap is not None else t("no employment figures loaded")
            ),
        }
    return rows


def employment_map(
    province_display,
    region_display,
    province_names: Mapping[str, str],
    region_names: Mapping[str, str],
    provinces: pd.DataFrame | None,
    regions: pd.DataFrame | None,
    t: Callable[[str], str] = identity,
    lang: str = "en",
) -> MapView:
    """Provinces and the regions' two series coloured by the employment gap; numbers written
    as ``lang`` writes them."""
    layers = [
        (
            "province",
            "employment",
            layer_rows(provinces, province_display.index, province_names, t),
            "provinces",
            t("Provinces: native-born vs foreign-born"),
            True,
        )
    ]
    for series, label in (
        ("gap_native_non_eu_born", t("Regions: native-born vs born outside the EU")),
        ("gap_nationals_non_eu", t("Regions: Belgian nationals vs non-EU citizens")),
    ):
        layers.append(
            (
                "region",
                series,
                layer_rows(regions, region_display.index, region_names, t, series),
                "regions",
                label,
                False,
            )
        )
    # Brussels is both a province-level unit and a region with the same code 04000: key by series
    values = pd.Series(
        {f"{series}:{code}": r["gap"] for _, series, rows, *_ in layers for code, r in rows.items()}, dtype=float
    )
    classes = classify_diverging(values, k=4, scheme="RdBu", t=t, fmt=lambda v: _pp(v, lang))
    legend = _legend_by_layer(classes, layers)
    columns = [
        Column("name", t("Area")),
        Column("gap_pp", t("Employment gap"), numeric=True),
        Column("groups", t("Groups compared")),
        Column("rate_first", t("Rate of the first group"), numeric=True, tooltip=False),
        Column("rate_second", t("Rate of the second group"), numeric=True, tooltip=False),
        Column("concept", t("Concept"), tooltip=False),
        Column("year", t("Year"), tooltip=False),
        Column("age_band", t("Age band"), tooltip=False),
        Column("source", t("Source"), tooltip=False),
        Column("missing_because", t("Missing because"), tooltip=False),
    ]
    view_layers = []
    for _level, series, rows, obj, label, show in layers:
        view_rows = {}
        for code, r in rows.items():
            source = str(r["source"] or "")
            view_rows[code] = Row(
                cells=[
                    r["name"],
                    _pp(r["gap"], lang) or t("no data"),
                    r["groups"],
                    _pct(r["rate_a"], lang),
                    _pct(r["rate_b"], lang),
                    r["concept"],
                    str(r["year"] or ""),
                    str(r["age_band"] or ""),
                    source_text(source, t) if source else "",
                    r["missing_reason"] or "",
                ],
                fill=None if r["gap"] is None else colour_of(classes, f"{series}:{code}"),
                numbers=[None, r["gap"], _num(r["rate_a"]), _num(r["rate_b"])] + [None] * 6,
                links={8: source} if source.startswith(("https://", "http://")) else {},
            )
        view_layers.append(Layer(series, label, obj, view_rows, show))
    table = [
        dict(
            r,
            code=code,
            level=level,
            series=series,
            layer=label,
            gap_text=_pp(r["gap"], lang),
            rate_a_text=_pct(r["rate_a"], lang),
            rate_b_text=_pct(r["rate_b"], lang),
            source_text=source_text(r["source"], t),
        )
        for level, series, rows, _, label, _ in layers
        for code, r in rows.items()
    ]
    missing = [r for r in table if r["gap"] is None]
    shown = sum(len(rows) for _, _, rows, _, _, show in layers if show)
    return MapView(
        legend,
        table,
        {"missing": missing, "areas": shown, "charts": employment_charts(layers, t, lang)},
        columns=columns,
        layers=view_layers,
    )


def _legend_by_layer(classes, layers) -> list[dict]:
    """Legend rows whose ``count`` counts only the areas of the layers shown at first, with
    ``counts`` per layer name so the page can recount when the reader switches layers."""
    legend = []
    for row in classes.legend:
        counts = {}
        for _, series, rows, _, label, _ in layers:
            keys = [f"{series}:{code}" for code in rows]
            if row.get("missing"):
                counts[label] = sum(1 for code in rows if rows[code]["gap"] is None)
            else:
                counts[label] = sum(1 for key in keys if colour_of(classes, key) == row["colour"])
        shown = sum(counts[label] for *_, label, show in layers if show)
        legend.append(dict(row, count=shown, counts=counts))
    return legend


def employment_charts(layers, t: Callable[[str], str], lang: str = "en") -> list[dict]:
    """One chart per series with figures, in the manner of the seed paper's Figures 2-5: the rates
    of the two groups per area, bars sorted by the gap, the gap written beside each pair; a series
    published only as gaps (no rates) is drawn as one bar per area."""
    out = []
    for level, series, rows, _, label, _ in layers:
        known = [r for r in rows.values() if r["gap"] is not None]
        if not known:
            continue
        known.sort(key=lambda r: -r["gap"])
        first = known[0]
        with_rates = any(r["rate_a"] is not None for r in known)
        names = [t(g) for g in GROUPS[series]]
        facts = {"a": names[0], "b": names[1], "year": first["year"], "age": first["age_band"]}
        if with_rates:
            labels = names
            bars = [charts.Bar(r["name"], [_num(r["rate_a"]), _num(r["rate_b"])], _pp(r["gap"], lang)) for r in known]
            title = t("Employment rates of %(a)s and %(b)s (%(year)s, ages %(age)s)") % facts
            scale, step, unit = 100.0, 20, " %"
        else:
            labels = [t("Gap: %(a)s minus %(b)s") % {"a": names[0], "b": names[1]}]
            bars = [charts.Bar(r["name"], [r["gap"]]) for r in known]
            title = t("Employment gap between %(a)s and %(b)s (%(year)s, ages %(age)s), percentage points") % facts
            scale, step, unit = 50.0, 10, ""
        chart_id = f"chart-{series}"
        number = lambda v: formatting.number(v, lang, 1)  # noqa: E731
        desc = charts.describe(bars, labels, number)
        out.append(
            {
                "id": chart_id,
                "layer": label,
                "title": title,
                "level": level,
                "svg": charts.bar_chart(
                    chart_id,
                    title,
                    desc,
                    labels,
                    bars,
                    unit=unit,
                    scale_max=scale,
                    step=step,
                    missing=t("no data"),
                    number=number,
                ),
                "source": source_text(first["source"], t),
                "rows": known,
                "groups": labels,
                "with_rates": with_rates,
            }
        )
    return out


def _num(value):
    return None if value is None or pd.isna(value) else float(value)
