"""Label, unit, year, source and method of every indicator column (legends, API docs, CSV headers)."""

from __future__ import annotations

from .status import KIND_NOUNS, NOT_ASSESSED_REASONS

STATBEL_2025 = "Statbel, population on 1 January 2025 (Population par commune au 1 janvier, 2025 communes)"
STATBEL_STRUCT = "Statbel TF_SOC_POP_STRUCT (population by nationality), mapped to 2025 communes"
CATALOGUE = "project catalogue (data/catalogue, published nominations); sites not closed"
METHODS = "docs/indicators.md"


def _entry(label, unit, year, source, method):
    return {"label": label, "unit": unit, "year": year, "source": source, "method": method}


def build_metadata(kinds, themes, params, pop_year: int, nationality_year: int | None, employment_year) -> dict:
    demand = "foreign residents" if params.demand == "foreign" else "residents"
    meta = {
        "pop_total": _entry("Residents", "persons", pop_year, STATBEL_2025, "Statbel's figure for the 2025 commune"),
        "foreign_residents": _entry(
            "Non-Belgian residents", "persons", nationality_year, STATBEL_STRUCT, "CD_NATLTY = ETR"
        ),
        "belgian_residents": _entry(
            "Belgian residents", "persons", nationality_year, STATBEL_STRUCT, "CD_NATLTY = BEL"
        ),
        "foreign_share": _entry(
            "Share of non-Belgian residents", "fraction 0-1", nationality_year, STATBEL_STRUCT, "ETR / (BEL + ETR)"
        ),
        "initiatives_present": _entry(
            "Initiatives with a site in the commune", "count", None, CATALOGUE, f"{METHODS}#coverage"
        ),
        "sites_present": _entry("Sites in the commune", "count", None, CATALOGUE, f"{METHODS}#coverage"),
        "initiatives_mandated": _entry(
            "Initiatives whose service area covers the commune", "count", None, CATALOGUE, f"{METHODS}#coverage"
        ),
        "initiatives_per_10k": _entry(
            "Initiatives present per 10,000 residents", "per 10,000", pop_year, CATALOGUE, f"{METHODS}#coverage"
        ),
        "initiatives_per_1k_foreign": _entry(
            "Initiatives present per 1,000 non-Belgian residents",
            "per 1,000",
            nationality_year,
            CATALOGUE,
            f"{METHODS}#coverage",
        ),
        "employment_gap_pp": _entry(
            "Employment gap of the province (native-born minus foreign-born, 20-64)",
            "percentage points",
            employment_year,
            "data/statistics/sources.csv",
            f"{METHODS}#employment-gaps",
        ),
        "need_class": _entry(
            "Need class (1 low - 3 high)",
            "class",
            None,
            "foreign_share, employment_gap_pp",
            f"{METHODS}#gaps-in-support",
        ),
        "support_class": _entry(
            "Support class (1 low - 3 high)", "class", None, "access_e2sfca_*", f"{METHODS}#gaps-in-support"
        ),
        "bivariate_class": _entry(
            "Need-support class", "need-support", None, "need_class, support_class", f"{METHODS}#gaps-in-support"
        ),
        "high_need_low_support": _entry(
            "High need, low support", "bool", None, "bivariate_class == 3-1", f"{METHODS}#gaps-in-support"
        ),
    }
    for kind in kinds:
        noun = KIND_NOUNS.get(kind, kind)
        meta[f"sites_present_{kind}"] = _entry(f"Sites: {noun}", "count", None, CATALOGUE, f"{METHODS}#coverage")
        meta[f"mandated_{kind}"] = _entry(
            f"Initiatives ({noun}) mandated for the commune", "count", None, CATALOGUE, f"{METHODS}#coverage"
        )
        meta[f"nearest_km_{kind}"] = _entry(
            f"Distance to the nearest competent {noun}", "km (straight line)", None, CATALOGUE, f"{METHODS}#competence"
        )
        meta[f"access_2sfca_{kind}"] = _entry(
            f"2SFCA access: {noun}", f"sites per 10,000 {demand}", nationality_year, CATALOGUE, f"{METHODS}#access"
        )
        meta[f"access_e2sfca_{kind}"] = _entry(
            f"E2SFCA access: {noun}", f"sites per 10,000 {demand}", nationality_year, CATALOGUE, f"{METHODS}#access"
        )
        not_assessed = NOT_ASSESSED_REASONS.get(kind)
        meta[f"status_{kind}"] = _entry(
            f"Status: {noun} (served, gap or unknown{', or not_assessed' if not_assessed else ''})",
            "served | gap | unknown" + (" | not_assessed" if not_assessed else ""),
            None,
            f"{CATALOGUE}; data/catalogue/network_register.yaml",
            f"{METHODS}#three-statuses" + (f"; not_assessed: {not_assessed}" if not_assessed else ""),
        )
        meta[f"status_as_of_{kind}"] = _entry(
            f"Date the status rests on: {noun} (served: the newest confirmation of a site within reach; gap: the "
            "oldest date the network's completeness rests on; empty when unknown, not assessed or decided by law)",
            "ISO date, month or year",
            None,
            f"{CATALOGUE}; data/catalogue/network_register.yaml",
            f"{METHODS}#how-current-a-status-is",
        )
        meta[f"status_stale_{kind}"] = _entry(
            f"Status to be confirmed: {noun} (the date it rests on is older than the network's freshness window, "
            "or undated)",
            "bool",
            None,
            "data/catalogue/network_register.yaml (freshness)",
            f"{METHODS}#how-current-a-status-is",
        )
        meta[f"status_reason_{kind}"] = _entry(
            f"Why that status: {noun}", "text", None, CATALOGUE, f"{METHODS}#three-statuses"
        )
        meta[f"networks_{kind}"] = _entry(
            f"Competent networks: {noun}",
            "register ids, ';'-separated",
            None,
            "data/catalogue/network_register.yaml",
            f"{METHODS}#competence",
        )
        meta[f"network_complete_{kind}"] = _entry(
            f"Every competent network complete: {noun}",
            "bool",
            None,
            "data/catalogue/network_register.yaml",
            f"{METHODS}#completeness",
        )
    for theme in themes:
        meta[f"initiatives_theme_{theme}"] = _entry(
            f"Initiatives present, theme {theme}", "count", None, CATALOGUE, f"{METHODS}#coverage"
        )
    return meta
