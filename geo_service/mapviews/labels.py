"""English labels of the catalogue's vocabularies; the web layer translates them with gettext
(French and Dutch in geo_service/translations/*/maps.po)."""

from __future__ import annotations

from collections.abc import Callable

from ..indicators.status import KIND_NOUNS

KIND_LABELS = {
    "citizen_initiative": "Citizen initiative",
    "ngo_service": "NGO service",
    "civic_integration_office": "Civic-integration office",
    "public_employment_service": "Public employment service",
    "social_welfare": "Public social welfare centre (CPAS/OCMW)",
    "reception_centre": "Reception centre for asylum seekers",
    "education_training": "Education or training",
    "coordination_body": "Coordination body",
    "research_body": "Research body",
    "funding_body": "Funding body",
}
THEME_LABELS = {
    "language": "Language",
    "housing": "Housing",
    "mentoring": "Mentoring",
    "employment": "Employment",
    "education": "Education",
    "leisure": "Leisure",
    "legal": "Legal aid",
    "health": "Health",
    "reception": "Reception",
    "awareness_raising": "Awareness raising",
    "social_contact": "Social contact",
    "volunteering": "Volunteering",
    "culture": "Culture",
    "sport": "Sport",
    "material_aid": "Material aid",
    "family": "Family",
    "digital": "Digital skills",
    "research": "Research",
    "civic_integration": "Civic integration",
    "social_aid": "Social aid",
}
GROUP_LABELS = {
    "refugees": "Refugees",
    "asylum_seekers": "Asylum seekers",
    "undocumented_migrants": "Undocumented migrants",
    "newcomers": "Newcomers",
    "migrants": "Migrants",
    "women": "Women",
    "youth": "Young people",
    "children": "Children",
    "families": "Families",
    "unaccompanied_minors": "Unaccompanied minors",
    "general_public": "General public",
    "volunteers": "Volunteers",
    "jobseekers": "Jobseekers",
}
PRECISION_LABELS = {
    "exact": "exact address",
    "street": "street (no house number)",
    "commune": "commune only (placed inside the commune)",
}
STATUS_LABELS = {
    "active": "active",
    "closed": "closed",
    "temporary": "temporary",
    "unknown": "unknown",
    "to_be_confirmed": "to be confirmed",
    "expired": "past its announced end date",
}
SCOPE_LABELS = {"local": "local", "regional": "regional", "national": "national"}
# a commune's status for one kind (indicators.status) and a network's completeness (catalogue.register)
SERVICE_STATUS_LABELS = {"served": "served", "gap": "gap", "unknown": "unknown", "not_assessed": "not assessed"}
NETWORK_STATUS_LABELS = {"complete": "complete", "partial": "partial", "unknown": "size unknown"}


def translated(labels: dict[str, str], t: Callable[[str], str]) -> dict[str, str]:
    return {key: t(value) for key, value in labels.items()}


def vocab(t: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """Every vocabulary translated with ``t``: kinds, themes, groups, precisions, statuses, scopes."""
    return {
        "kinds": translated(KIND_LABELS, t),
        "themes": translated(THEME_LABELS, t),
        "groups": translated(GROUP_LABELS, t),
        "precisions": translated(PRECISION_LABELS, t),
        "statuses": translated(STATUS_LABELS, t),
        "scopes": translated(SCOPE_LABELS, t),
        "service_statuses": translated(SERVICE_STATUS_LABELS, t),
        "network_statuses": translated(NETWORK_STATUS_LABELS, t),
        "kind_nouns": translated(KIND_NOUNS, t),
    }
