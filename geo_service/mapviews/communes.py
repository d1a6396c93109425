"""The home page's map: every commune with its name, NIS code, province and population; a click
opens the commune's page."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from .base import identity
from .view import Column, Layer, MapView, Row

FILL = "#9ecae1"


def communes_view(
    communes: pd.DataFrame,
    names: Mapping[str, str],
    province_names: Mapping[str, str],
    population_year: int,
    t: Callable[[str], str] = identity,
) -> MapView:
    """``communes``: the display communes (index NIS, ``province``, ``pop_2025_total``)."""
    columns = [
        Column("name", t("Commune"), link=True),
        Column("nis", t("NIS code")),
        Column("province", t("Province")),
        Column("population", t("Population (1 Jan %(year)s)") % {"year": population_year}, numeric=True),
    ]
    rows = {}
    for nis in sorted(communes.index, key=lambda n: names[n]):
        population = communes.at[nis, "pop_2025_total"]
        known = not pd.isna(population)
        rows[nis] = Row(
            cells=[
                names[nis],
                nis,
                province_names.get(communes.at[nis, "province"], ""),
                f"{int(population):,}".replace(",", "\u202f") if known else t("no data"),
            ],
            fill=FILL,
            numbers=[None, None, None, float(population) if known else None],
            group=communes.at[nis, "province"],
        )
    return MapView(
        [], [], {"count": len(rows)}, columns=columns, layers=[Layer("communes", t("Communes"), "communes", rows)]
    )
