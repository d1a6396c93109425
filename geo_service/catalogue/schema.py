"""JSON Schema of an initiative record (the format of data/catalogue/*.yaml, imports and
published nominations), and a validator that reports every problem with its field path."""

from __future__ import annotations

from functools import cache

from jsonschema import Draft202012Validator

from .dates import ISO_PATTERN
from .vocab import FIGURE_NAMES, KINDS, SCOPES, STATUSES, TARGET_GROUPS, THEMES

_nullable_str = {"type": ["string", "null"]}
_nullable_date = {"type": ["string", "null"], "pattern": ISO_PATTERN}  # ISO date, month or year
# A text in each language of the pages (and German): {fr, nl, en, de}, any of them null. Pages show
# the page language's text, else the record's own single-language field (name, description, note).
LANG_TEXTS = {
    "type": ["object", "null"],
    "properties": dict.fromkeys(("fr", "nl", "en", "de"), _nullable_str),
    "additionalProperties": False,
}

SEED_SOURCE = {
    "type": "object",
    "required": ["seed", "quote"],
    "properties": {
        "seed": {"type": "string", "pattern": r"^[0-9]{3}_[0-9a-f]{16}\.txt$"},
        "quote": {"type": "string", "minLength": 3},
        "date": _nullable_date,
    },
    "additionalProperties": False,
}
URL_SOURCE = {
    "type": "object",
    "required": ["publisher"],
    "properties": {
        "url": {"type": ["string", "null"], "pattern": r"^https?://"},
        "publisher": {"type": "string", "minLength": 2},
        "date": _nullable_date,
        "retrieved": _nullable_date,  # when the project read an undated page, if recorded
        "licence": _nullable_str,
        "note": _nullable_str,
    },
    "additionalProperties": False,
}
SOURCES = {"type": "array", "minItems": 1, "items": {"oneOf": [SEED_SOURCE, URL_SOURCE]}}

SITE = {
    "type": "object",
    "required": ["place"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"},
        "place": {"type": "string", "minLength": 2},
        "name": _nullable_str,
        "names": LANG_TEXTS,
        "address": _nullable_str,
        "postcode": {"type": ["string", "null"], "pattern": r"^[1-9][0-9]{3}$"},
        "status": {"enum": [*STATUSES, None]},
        "note": _nullable_str,
        "notes": LANG_TEXTS,
        "lat": {"type": ["number", "null"]},
        "lon": {"type": ["number", "null"]},
        "precision": {"enum": ["exact", "street", "commune", None]},
        "sources": {"type": "array", "items": {"oneOf": [SEED_SOURCE, URL_SOURCE]}},
        "source_id": _nullable_str,
        "contacts": {
            "type": ["object", "null"],
            "properties": dict.fromkeys(("phone", "email", "website"), _nullable_str),
            "additionalProperties": False,
        },
        "opening_hours": _nullable_str,
        "last_confirmed": _nullable_date,  # else derived from the sources (catalogue.dates)
        "valid_until": _nullable_date,  # the end date the sources announce for a temporary site
        "closed_on": _nullable_date,
    },
    "additionalProperties": False,
}

INITIATIVE = {
    "type": "object",
    "required": ["id", "name", "kind", "themes", "target_groups", "scope", "status", "sources"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"},
        "name": {"type": "string", "minLength": 2, "maxLength": 200},
        "names": LANG_TEXTS,
        "kind": {"enum": list(KINDS)},
        "operator": _nullable_str,
        "operators": LANG_TEXTS,
        "description": {"type": ["string", "null"], "maxLength": 5000},
        "descriptions": LANG_TEXTS,
        "themes": {"type": "array", "items": {"enum": list(THEMES)}, "uniqueItems": True},
        "target_groups": {"type": "array", "items": {"enum": list(TARGET_GROUPS)}, "uniqueItems": True},
        "scope": {"enum": list(SCOPES)},
        "start_year": {"type": ["integer", "null"], "minimum": 1800, "maximum": 2100},
        "figures": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {
                    "name": {"enum": list(FIGURE_NAMES)},
                    "value": {"type": "number", "minimum": 0},
                    "year": {"type": ["integer", "null"]},
                    "note": _nullable_str,
                    "notes": LANG_TEXTS,
                },
                "additionalProperties": False,
            },
        },
        "website": {"type": ["string", "null"], "pattern": r"^https?://"},
        "status": {"enum": list(STATUSES)},
        "sources": SOURCES,
        "places": {"type": "array", "items": SITE},
        "sites": {"type": "array", "items": SITE},
        "generated_sites": {"enum": ["per_commune"]},
        "origin": {"type": "string"},
    },
    "additionalProperties": False,
}

SERVICE_AREA = {
    "type": "object",
    "required": ["id", "initiative", "name", "include", "basis", "sources"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"},
        "initiative": {"type": "string"},
        "name": {"type": "string"},
        "names": LANG_TEXTS,
        "include": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": r"^(region|province|arrondissement|commune|set):[a-z0-9_]+$"},
        },
        "exclude": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^(region|province|arrondissement|commune|set):[a-z0-9_]+$"},
        },
        "basis": {"type": "string"},
        "bases": LANG_TEXTS,
        "sources": SOURCES,
    },
    "additionalProperties": False,
}


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator({"initiative": INITIATIVE, "service_area": SERVICE_AREA}[kind])


_CHECKED: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}


def schema_errors(record: dict, kind: str = "initiative") -> list[dict]:
    """Every schema violation as ``{"field": "a.b[0]", "reason": ...}``.

    Each distinct record is checked once per process (keyed by its ``repr``, which tells a date
    from its text and ``True`` from ``1``): every catalogue build checks the project's records
    again, and checking is a third of a build."""
    key = (kind, repr(record))
    found = _CHECKED.get(key)
    if found is None:
        found = tuple(_violations(record, kind))
        if len(_CHECKED) >= 4096:
            _CHECKED.clear()
        _CHECKED[key] = found
    return [{"field": field, "reason": reason} for field, reason in found]


def _violations(record: dict, kind: str):
    for error in sorted(_validator(kind).iter_errors(record), key=lambda e: list(map(str, e.path))):
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path).lstrip(".") or "(record)"
        reason = error.message
        if error.validator == "oneOf":
            reason = "a source needs either {seed, quote} or {publisher, url}"
        yield field, reason
