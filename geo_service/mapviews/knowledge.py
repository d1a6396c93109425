""" "What the map knows": the completeness register as every map and commune page shows it.

Rows come from ``indicators.networks`` (catalogue.register): each network's sites in the catalogue
against the count its operator states, with the statement's date and source, so a reader sees
how far a status or a distance can be trusted (docs/indicators.md#completeness). Dates are
written in the page's language ("mars 2021"); a publisher is named without the project's own
English comments on it ("RTBF (news)" is cited as "RTBF"); a statement the register dates only
in words ("undated (pre-2015 municipal page)") is *undated*.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import formatting
from ..catalogue import documents
from ..catalogue.dates import first_day
from ..indicators.status import network_name


def _source(sources, lang: str = "en") -> dict | None:
    """The first source, as a reader cites it: a web page by its publisher, a seed document by its
    publisher and title (never its file name)."""
    for source in sources or []:
        if source.get("url"):
            return {"url": source["url"], "publisher": publisher_name(source.get("publisher")) or source["url"]}
        if source.get("seed"):
            doc = documents.document(source["seed"])
            return {"url": None, "publisher": doc.short(lang) if doc else source["seed"]}
    return None


def publisher_name(publisher) -> str:
    """A publisher as cited on a page in any language: its name, without the register's English
    comment in brackets ("Gemeente Machelen (about the Onthaalbureau ...)" -> "Gemeente Machelen");
    a bracket that is the name's own abbreviation ("(UVCW)", "(COCOM/GGC)") stays."""
    text = str(publisher or "").strip()
    name, _, rest = text.partition(" (")
    comment = rest.rstrip(")")
    if rest and (" " in comment or comment.islower()):
        return name.strip()
    return text


def date_text(value, lang: str) -> tuple[str | None, bool]:
    """(the date in ``lang``, or None; whether the register calls it undated in words)."""
    if not isinstance(value, str) or not value.strip():
        return None, False
    if first_day(value.strip()) is None:
        return None, True
    return formatting.date(value.strip(), lang), False


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
        as_of, undated = date_text(row["as_of"], lang)
        confirmed, _ = date_text(row.get("confirmed"), lang)
        stale = row.get("stale")
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
                "as_of": as_of,  # the statement's date, in ``lang``
                "undated": undated,  # the register gives the statement's date in words only
                "confirmed": confirmed,  # the oldest date the completeness rests on, in ``lang``
                "stale": isinstance(stale, bool | np.bool_) and bool(stale),
                "source": _source(row["sources"], lang),
                "communes": int(row["commune_count"]),
            }
        )
    return rows


def totals(rows: list[dict]) -> dict:
    """How many networks are complete, partial or of unknown size."""
    return {status: sum(1 for r in rows if r["status"] == status) for status in ("complete", "partial", "unknown")}
