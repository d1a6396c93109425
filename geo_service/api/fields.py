"""Titles, units and rounded values of feature properties for people (the HTML views of the
API): ``foreign_share 0.18834707707380796`` reads "Share of non-Belgian residents: 18.8 %".

Flask-free: the caller passes ``t`` (gettext) and the kinds' and themes' translated labels.
Titles are English msgids (translated in ``translations/<lang>/portal.po``); a field with no
title here reads as its name with spaces."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

Translate = Callable[[str], str]

TITLES = {
    "nis": "NIS code",
    "name": "Name",
    "name_nl": "Name in Dutch",
    "name_fr": "Name in French",
    "name_de": "Name in German",
    "name_en": "Name in English",
    "arrondissement": "Arrondissement",
    "province": "Province",
    "region": "Region",
    "nuts2": "NUTS 2 code",
    "nuts1": "NUTS 1 code",
    "pop_2020_total": "Residents on 1 January 2020",
    "pop_2020_men": "Men on 1 January 2020",
    "pop_2020_women": "Women on 1 January 2020",
    "pop_2025_total": "Residents on 1 January 2025",
    "pop_total": "Residents",
    "pop_year": "Year of the population figure",
    "foreign_residents": "Non-Belgian residents",
    "belgian_residents": "Belgian residents",
    "foreign_share": "Share of non-Belgian residents",
    "nationality_year": "Year of the nationality figures",
    "initiatives_present": "Initiatives with a site in the commune",
    "sites_present": "Sites in the commune",
    "initiatives_mandated": "Initiatives whose service area covers the commune",
    "initiatives_per_10k": "Initiatives present per 10,000 residents",
    "initiatives_per_1k_foreign": "Initiatives present per 1,000 non-Belgian residents",
    "employment_gap_pp": "Employment gap of the province",
    "need_class": "Need class (1 low, 3 high)",
    "support_class": "Support class (1 low, 3 high)",
    "bivariate_class": "Need and support class",
    "high_need_low_support": "High need, low support",
    "kind": "Kind",
    "themes": "Themes",
    "target_groups": "Target groups",
    "status": "Status",
    "scope": "Scope",
    "operator": "Operator",
    "description": "Description",
    "website": "Website",
    "start_year": "Start year",
    "initiative_id": "Initiative",
    "precision": "Location precision",
    "address": "Address",
    "postcode": "Postcode",
    "place": "Place",
    "gaps_count": "Kinds of service with a gap",
    "unknown_count": "Kinds of service with an unknown status",
    "employment_gap_concept": "Concept of the employment gap",
    "employment_gap_year": "Year of the employment gap",
    "employment_gap_age_band": "Age band of the employment gap",
    "need_index": "Need index",
    "support_index": "Support index",
    "basis": "Basis of the service area",
    "commune_count": "Communes in the service area",
    "id": "Identifier",
    "last_confirmed": "Last confirmed",
    "valid_until": "Announced end date",
    "closed_on": "Closed on",
    "declared_status": "Status given by the sources",
    "stale": "Older than its network's freshness window",
    "current_until": "Current until",
    "exists_by_law": "Exists by law in every commune",
    "support_kinds": "Kinds of support within reach of the centre",
    "support_count": "Kinds of support within reach of the centre (number)",
    "support_reach_km": "Reach used for the support of the centre",
    "isolated": "Isolated centre (no support within reach)",
}
# per-kind and per-theme columns: (pattern, title template with %(kind)s or %(theme)s)
PATTERNS = [
    (r"sites_present_(?P<kind>\w+)", "Sites in the commune: %(kind)s"),
    (r"initiatives_present_(?P<kind>\w+)", "Initiatives with a site in the commune: %(kind)s"),
    (r"mandated_(?P<kind>\w+)", "Initiatives mandated for the commune: %(kind)s"),
    (r"nearest_km_(?P<kind>\w+)", "Distance to the nearest competent site: %(kind)s"),
    (r"nearest_site_(?P<kind>\w+)", "Nearest competent site (identifier): %(kind)s"),
    (r"nearest_name_(?P<kind>\w+)", "Nearest competent site: %(kind)s"),
    (r"access_2sfca_(?P<kind>\w+)", "2SFCA access: %(kind)s"),
    (r"access_e2sfca_(?P<kind>\w+)", "E2SFCA access: %(kind)s"),
    (r"status_reason_(?P<kind>\w+)", "Why that status: %(kind)s"),
    (r"status_as_of_(?P<kind>\w+)", "Date the status rests on: %(kind)s"),
    (r"status_stale_(?P<kind>\w+)", "Status to be confirmed: %(kind)s"),
    (r"status_(?P<kind>\w+)", "Status: %(kind)s"),
    (r"support_km_(?P<kind>\w+)", "Distance from the centre to the nearest competent site: %(kind)s"),
    (r"support_(?P<kind>\w+)", "Sites within reach of the centre: %(kind)s"),
    (r"networks_(?P<kind>\w+)", "Competent networks: %(kind)s"),
    (r"network_complete_(?P<kind>\w+)", "Every competent network complete: %(kind)s"),
    (r"initiatives_theme_(?P<theme>\w+)", "Initiatives present with the theme: %(theme)s"),
]
# reasons the indicators store (English) for a missing value, translated in the HTML views
REASONS = ("no site of a network serving this commune in the catalogue",)
UNITS = {"initiatives_per_10k": "per 10,000", "initiatives_per_1k_foreign": "per 1,000"}
# property -> collection whose item it names (a code becomes a link to that item)
REFERENCES = {
    "arrondissement": "arrondissements",
    "province": "provinces",
    "region": "regions",
    "initiative_id": "initiatives",
}


def title(name: str, t: Translate, kinds: Mapping[str, str], themes: Mapping[str, str]) -> str:
    if name in TITLES:
        return t(TITLES[name])
    base = name[: -len("_missing_reason")] if name.endswith("_missing_reason") else None
    if base is not None:
        return t("Why missing: %(field)s") % {"field": title(base, t, kinds, themes)}
    for pattern, template in PATTERNS:
        match = re.fullmatch(pattern, name)
        if match and (match.groupdict().get("kind") in kinds or match.groupdict().get("theme") in themes):
            group = match.groupdict()
            return t(template) % {"kind": kinds.get(group.get("kind"), ""), "theme": themes.get(group.get("theme"), "")}
    return name.replace("_", " ")


def shown(name: str, value, t: Translate, vocab: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """``value`` for reading: shares as percent, gaps signed, decimals rounded, km with unit,
    booleans as yes/no, vocabulary codes as their labels; '' for a missing value."""
    vocab = vocab or {}
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(name, v, t, vocab) for v in value)
    if isinstance(value, str):
        for field, labels in (
            ("kind", "kinds"),
            ("themes", "themes"),
            ("target_groups", "groups"),
            ("status", "statuses"),
            ("precision", "precisions"),
            ("scope", "scopes"),
        ):
            if name == field and value in vocab.get(labels, {}):
                return vocab[labels][value]
        if (
            name.startswith("status_")
            and not name.startswith("status_reason")
            and value in vocab.get("service_statuses", {})
        ):
            return vocab["service_statuses"][value]
        concept = value.replace("_", " ")  # country_of_birth -> "country of birth" (a msgid of the maps)
        if name.endswith("_concept") and concept in ("country of birth", "citizenship"):
            return t(concept)
        return t(value) if value in REASONS else value
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f") if abs(value) >= 10000 else str(value)
    if isinstance(value, float):
        if name == "foreign_share":
            return f"{100 * value:.1f} %"
        if name.endswith("_pp"):
            return f"{value:+.1f} pp"
        if name.startswith("nearest_km_"):
            return f"{value:.1f} km"
        unit = UNITS.get(name)
        number = f"{value:.2f}" if abs(value) < 100 else f"{value:,.0f}".replace(",", "\u202f")
        return f"{number} {t(unit)}" if unit else number
    return str(value)


def rows(props: Mapping, t: Translate, vocab: Mapping[str, Mapping[str, str]], skip_empty: bool = True) -> list[dict]:
    """One row per property: name, title, value for reading, and the collection a code refers to."""
    kinds, themes = vocab.get("kind_nouns") or vocab.get("kinds", {}), vocab.get("themes", {})
    out = []
    for name, value in props.items():
        text = shown(name, value, t, vocab)
        if skip_empty and text == "":
            continue
        out.append(
            {
                "name": name,
                "title": title(name, t, kinds, themes),
                "value": text,
                "raw": value,
                "refers_to": REFERENCES.get(name),
            }
        )
    return out


# the columns a collection's table shows (the rest is on each feature's page), in this order
KEY_COLUMNS = [
    "name",
    "kind",
    "themes",
    "status",
    "pop_total",
    "foreign_share",
    "initiatives_present",
    "initiatives_mandated",
    "employment_gap_pp",
    "bivariate_class",
    "nis",
    "province",
    "initiative_id",
    "precision",
    "commune_count",
]


def table_columns(names: list[str], id_property: str, lang: str, limit: int = 7) -> list[str]:
    """The identifier, the name in the page's language (else any name), then the key columns
    present: a table that fits the screen."""
    present = set(names)
    name = next((n for n in (f"name_{lang}", "name", "name_fr", "name_nl") if n in present), None)
    chosen = [id_property] + ([name] if name and name != id_property else [])
    chosen += [n for n in KEY_COLUMNS if n in present and n not in chosen]
    return chosen[:limit]


# whole-layer downloads (<collection>.<name>) and the title of their links
DOWNLOAD_TITLES = {
    "geojson": "Whole layer as GeoJSON",
    "csv": "Whole layer as CSV",
    "excel.csv": "Whole layer as CSV for Excel (semicolons, decimal commas)",
    "gpkg": "Whole layer as GeoPackage",
    "sources.csv": "Sources and licences of the layer (CSV)",
    "columns.csv": "Every column: meaning, unit, year and source (CSV)",
}
# Titles documents.py gives links and keys of the JSON documents, as the HTML views show them
LINK_TITLES = (
    "The OpenAPI 3.0 definition",
    "The API documentation",
    "Conformance classes",
    "The collections",
    "Properties usable as filters",
    "Properties usable in sortby",
    "Every property: meaning, unit, year, source",
    "Sources and licences",
    *DOWNLOAD_TITLES.values(),
)
DOCUMENT_KEYS = {
    "id": "Identifier",
    "itemType": "Type of item",
    "crs": "Coordinate reference systems",
    "storageCrs": "Coordinate reference system of the data",
    "extent": "Extent",
    "conformsTo": "Conformance classes",
    "properties": "Fields",
    "type": "Type",
    "additionalProperties": "Other fields allowed",
    "$schema": "JSON Schema",
    "$id": "Address",
    "spatial": "Spatial extent",
    "bbox": "Bounding box",
    "temporal": "Temporal extent",
    "interval": "Interval",
    "numberOfFeatures": "Number of features",
    "sources": "Sources",
    "formulas": "How the fields are computed",
    "completeness": "What the catalogue knows of each network",
    "licence": "Licence",
    "name": "Name",
    "title": "Title",
    "url": "Address",
    "attribution": "Attribution",
    "appliesTo": "Applies to",
    "thirdParty": "Data of other publishers",
}
# keys whose content is cited as published (sources, register notes, formulas): kept in the
# language of the source, marked as citations in the HTML views
CITED_KEYS = ("sources", "formulas", "completeness")
