""" "What the map knows": the completeness register as every map and commune page shows it.

Rows come from ``indicators.networks`` (catalogue.register): each network's sites in the catalogue
against the count its operator states, with the statement's date and source, so a reader sees
how far a status or a distance can be trusted (docs/indicators.md#completeness).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..catalogue import documents
from ..indicators.status import network_name


def _source(sources, lang: str = "en") -> dict | None:
    """The first source, as a reader cites it: a web page by its publisher, a seed document by its
    publisher and title (never its file name)."""
    for source in sources or []:
        if source.get("url"):
            return {"url": source["url"], "publisher": source.get("publisher") or source["url"]}
        if source.get("seed"):
            doc = documents.document(source["seed"])
            return {"url": None, "publisher": doc.short(lang) if doc else source["seed"]}
    return None


def network_rows(
    networks: pd.DataFrame | None,
    kinds: Iterable[str] | None = None,
    ids: Iterable[str] | None = None,
    lang: str = "en",
) -> list[dict]:
    """The networks of ``kinds`` (or with ``ids``), in register order, named in ``lang``, ready for a template."""
    if networks is None or not len(networks):
        return []
    chosen = networks
    if kinds is not None:
        chosen = chosen[chosen["kind"].isin(list(kinds))]
    if ids is not None:
        chosen = chosen[chosen.index.isin(list(ids))]
    rows = []
    for nid, row in chosen.iterrows():
        expected = None if pd.isna(row["expected_sites"]) else int(row["expected_sites"])
        rows.append(
            {
                "id": nid,
                "name": network_name(row["name"], row["names"], lang),
                "kind": row["kind"],
                "status": row["status"],
                "known": int(row["known_sites"]),
                "expected": expected,
                "lower_bound": bool(row["lower_bound"]),
                "exceeded": bool(row.get("exceeded", False)),  # more sites known than an exact statement says
                "as_of": row["as_of"] if isinstance(row["as_of"], str) and row["as_of"] else None,
                "source": _source(row["sources"], lang),
                "communes": int(row["commune_count"]),
            }
        )
    return rows


def totals(rows: list[dict]) -> dict:
    """How many networks are complete, partial or of unknown size."""
    return {status: sum(1 for r in rows if r["status"] == status) for status in ("complete", "partial", "unknown")}
