"""Controlled vocabularies of the catalogue (documented in docs/catalogue.md)."""

KINDS = (
    "citizen_initiative",
    "ngo_service",
    "civic_integration_office",
    "public_employment_service",
    "social_welfare",
    "reception_centre",
    "education_training",
    "coordination_body",
    "research_body",
    "funding_body",
)
THEMES = (
    "language",
    "housing",
    "mentoring",
    "employment",
    "education",
    "leisure",
    "legal",
    "health",
    "reception",
    "awareness_raising",
    "social_contact",
    "volunteering",
    "culture",
    "sport",
    "material_aid",
    "family",
    "digital",
    "research",
    "civic_integration",
    "social_aid",
)
TARGET_GROUPS = (
    "refugees",
    "asylum_seekers",
    "undocumented_migrants",
    "newcomers",
    "migrants",
    "women",
    "youth",
    "children",
    "families",
    "unaccompanied_minors",
    "general_public",
    "volunteers",
    "jobseekers",
)
SCOPES = ("local", "regional", "national")
STATUSES = ("active", "closed", "temporary", "to_be_confirmed", "unknown")
PRECISIONS = ("exact", "street", "commune")
FIGURE_NAMES = (
    "volunteers",
    "beneficiaries",
    "duos",
    "places",
    "participants",
    "members",
    "families",
    "projects",
    "staff",
    "hosts",
    "offices",
    "sites",
    "reception_centres",
)
